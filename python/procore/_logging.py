"""Keeps the extension's copy of the ``procore`` loggers' levels in step with ``logging``.

The Rust core makes its log records on its own threads, where asking ``logging`` whether a
level is enabled would mean taking the GIL for every record, even with logging off. The
extension keeps instead, for each of procore's logger names, the lowest level that passes (the
effective level, raised by ``logging.disable``), and ``logging`` itself says when to read them
again: every level change (``setLevel`` on any logger, ``logging.disable``, ``basicConfig``,
``dictConfig``) clears the ``_cache`` of every logger and of the root logger, and the root's
cache is a dict that hands the new levels to the extension when it is cleared.

No logger is created here: procore's loggers come into being with their first record, so a
``dictConfig`` made after ``import procore`` does not find them and disable them.
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence, Tuple

Changed = Callable[[Tuple[int, ...]], None]


def _effective_level(name: str) -> int:
    """``logging.getLogger(name).getEffectiveLevel()``, without creating the logger."""
    registry = logging.root.manager.loggerDict
    while name:
        logger = registry.get(name)
        if isinstance(logger, logging.Logger):
            return logger.getEffectiveLevel()
        name = name.rpartition(".")[0]
    return logging.root.getEffectiveLevel()


def thresholds(names: Sequence[str]) -> Tuple[int, ...]:
    """For each logger name, the lowest level ``isEnabledFor`` lets through."""
    disable = logging.root.manager.disable
    return tuple(max(_effective_level(n), disable + 1) for n in names)


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


def _standard(cls: type) -> bool:
    return (
        cls.isEnabledFor is logging.Logger.isEnabledFor  # type: ignore[attr-defined]
        and cls.getEffectiveLevel is logging.Logger.getEffectiveLevel  # type: ignore[attr-defined]
    )


def watch(names: Sequence[str], changed: Changed) -> bool:
    """Calls ``changed(thresholds(names))`` now and after every level change.

    Returns False, changing nothing, when ``logging`` is not built the way this relies on
    (a private detail of CPython's ``logging`` since 3.7) or loggers are of a class that
    decides differently: the extension then asks ``logging`` about every record instead.
    """
    root = logging.root
    manager = root.manager
    if not callable(getattr(type(manager), "_clear_cache", None)):
        return False
    if not isinstance(getattr(root, "_cache", None), dict):
        return False
    existing = [manager.loggerDict.get(n) for n in names]
    classes = [manager.loggerClass or logging.getLoggerClass()]
    classes += [type(lg) for lg in existing if isinstance(lg, logging.Logger)]
    if not all(_standard(c) for c in classes):
        return False
    root._cache = _LevelCache(names, changed)  # type: ignore[attr-defined]
    changed(thresholds(names))
    return True
