"""List results."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

T = TypeVar("T")

__all__ = ["ResultList"]


class ResultList(List[T]):
    """The records of a list call, every page of them, in page order.

    A ``list`` subclass: ``len``, indexing, slicing, iteration and ``==`` work as on a list.
    ``to_pandas()`` and ``to_polars()`` turn it into a DataFrame.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ResultList({list.__repr__(self)})"

    def to_pandas(self) -> "pandas.DataFrame":
        """A pandas DataFrame with one row per record (``pip install "procore[pandas]"``).

        - Nested objects become dotted columns, recursively: ``company.id``, ``company.name``.
          Lists stay Python lists (``object`` columns).
        - Integer columns (ids included) are ``int64``; ``Int64`` (nullable) when some records
          lack the value, so 64-bit ids are never rounded through floats.
        - Columns of ISO 8601 date-times with a zone (``2016-01-04T15:30:00Z``) become
          timezone-aware UTC datetimes. Date-only strings (``2016-01-04``) stay strings.
        - An empty list gives an empty DataFrame (no rows, no columns).

        Raises ``procore.MissingDependencyError`` (an ``ImportError``) when pandas is missing.
        """
        from ._frames import to_pandas

        return to_pandas(self)

    def to_polars(self) -> "polars.DataFrame":
        """A polars DataFrame with one row per record (``pip install "procore[polars]"``).

        The same columns as ``to_pandas()``: dotted columns for nested objects, ``Int64`` for
        integer columns (nulls where a record lacks the value), ``Datetime("us", "UTC")`` for
        ISO 8601 date-times with a zone. Lists become ``List`` columns (lists of objects
        ``List(Struct)``, with every key any record has).

        Raises ``procore.MissingDependencyError`` (an ``ImportError``) when polars is missing.
        """
        from ._frames import to_polars

        return to_polars(self)
