"""List results."""

from __future__ import annotations

from typing import List, TypeVar

T = TypeVar("T")

__all__ = ["ResultList"]


class ResultList(List[T]):
    """The records of a list call, every page of them, in page order.

    A ``list`` subclass: ``len``, indexing, slicing, iteration and ``==`` work as on a list.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ResultList({list.__repr__(self)})"
