"""Keeps the extension's copy of the ``procore`` loggers' levels in step with ``logging``.

The Rust core makes its log records on its own threads, where asking ``logging`` whether a
level is enabled would mean taking the GIL for every record, even with logging off. The
extension keeps instead, for each of procore's loggers, the lowest level that passes (the
effective level, raised by ``logging.disable``), and ``logging`` itself says when to read them
again: every level change (``setLevel`` on any logger, ``logging.disable``, ``basicConfig``,
``dictConfig``) clears the ``_cache`` of every logger, and the cache of the ``procore`` logger
is a dict that hands the new levels to the extension when it is cleared.
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence, Tuple

Changed = Callable[[Tuple[int, ...]], None]


def thresholds(names: Sequence[str]) -> Tuple[int, ...]:
    """For each logger, the lowest level ``isEnabledFor`` lets through."""
    disable = logging.root.manager.disable
    return tuple(max(logging.getLogger(n).getEffectiveLevel(), disable + 1) for n in names)


class _LevelCache(dict):  # type: ignore[type-arg]
    """A logger's ``_cache`` that reports every clearing (that is, every level change)."""

    __slots__ = ("_names", "_changed")

    def __init__(self, names: Sequence[str], changed: Changed) -> None:
        super().__init__()
        self._names = tuple(names)
        self._changed = changed

    def clear(self) -> None:
        super().clear()
        self._changed(thresholds(self._names))


def watch(names: Sequence[str], changed: Changed) -> bool:
    """Calls ``changed(thresholds(names))`` now and after every level change.

    Returns False, changing nothing, when ``logging`` is not built the way this relies on
    (a private detail of CPython's ``logging`` since 3.7) or a logger is of a class that
    decides differently: the extension then asks ``logging`` about every record instead.
    """
    if not callable(getattr(logging.Manager, "_clear_cache", None)):
        return False
    loggers = [logging.getLogger(n) for n in names]
    for logger in loggers:
        cls = type(logger)
        if (
            cls.isEnabledFor is not logging.Logger.isEnabledFor
            or cls.getEffectiveLevel is not logging.Logger.getEffectiveLevel
            or not isinstance(getattr(logger, "_cache", None), dict)
        ):
            return False
    # One watcher is enough: a level change clears the cache of every logger.
    loggers[0]._cache = _LevelCache(names, changed)  # type: ignore[attr-defined]
    changed(thresholds(names))
    return True
