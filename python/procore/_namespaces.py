"""The resource namespaces of ``Client`` and ``AsyncClient`` (``client.rfis``, ...).

Each namespace of the catalog becomes a property of both client classes when ``procore`` is
imported: a few hundred microseconds for the small property objects, nothing else. The
namespace itself (``procore._procore.Namespace``, over the Rust catalog) is made when the
property is read. Hand-written namespaces (``projects``, ``companies``) keep their classes;
the catalog's other operations of those names are reachable through them.
"""

from __future__ import annotations

from functools import partial

from . import _procore

_HANDWRITTEN = ("companies", "projects")


def _get(client: object, name: str) -> object:
    return _procore._namespace(client, name)


def _install() -> None:
    for cls in (_procore.Client, _procore.AsyncClient):
        for name in _procore._namespace_names():
            if name in _HANDWRITTEN or name in cls.__dict__:
                continue
            setattr(cls, name, property(partial(_get, name=name)))


_install()
