"""Typed records: one class per response type of Procore's API.

    from procore.models import Rfi
    rfi = Rfi({"id": 1, "subject": "Door hardware", "created_at": "2024-05-01T12:30:00Z"})
    rfi.created_at          # datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    rfi["created_at"]       # '2024-05-01T12:30:00Z', as sent
    rfi.to_dict()           # what the server sent, unknown fields included

A class is made on first use, from the type table in the compiled core, so importing
``procore`` costs nothing per type. Every class derives from :class:`Record`. Attributes are
the declared fields, typed (``int``, ``float``, ``str``, ``bool``, timezone-aware UTC
``datetime``, ``date``, nested models, lists and dicts of them), ``None`` when the server sent
no value; a value the server sent in another shape than declared comes as sent. Fields the
type does not declare are read with ``record["field"]`` (and are attributes too).
"""

from __future__ import annotations

from typing import Any, List

from ._procore import Record, _model_class, _model_names

__all__ = ["Record"]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        cls = _model_class(name)
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = cls
    return cls


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_model_names()))
