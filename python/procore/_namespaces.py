"""The resource namespaces of ``Client`` and ``AsyncClient`` (``client.rfis``, ...).

Nothing is built when ``procore`` is imported: a client's ``__getattr__`` (in the extension)
makes the namespace (``procore._procore.Namespace``, over the Rust catalog) when an attribute
that is not one of the client's own is read, and ``dir(client)`` lists every namespace.
Hand-written namespaces (``projects``, ``companies``) keep their classes; the catalog's other
operations of those names are reachable through them.
"""
