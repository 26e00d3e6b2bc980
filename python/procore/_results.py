"""List results."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, List, TypeVar, Union

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

T = TypeVar("T")

__all__ = ["ResultList"]


class ResultList(List[T]):
    """The records of a list call, every page of them, in page order.

    A ``list`` subclass: ``len``, indexing, slicing, iteration and ``==`` work as on a list.
    ``to_arrow()``, ``to_pandas()``, ``to_polars()`` and ``to_parquet()`` turn it into a
    table, built in Rust from the records' JSON text.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ResultList({list.__repr__(self)})"

    def to_arrow(self) -> Any:
        """The records as an Arrow table, built in Rust from their JSON text: a
        ``pyarrow.Table`` when pyarrow is installed, else a ``procore.ArrowTable`` (which
        ``pyarrow.table()``, ``polars.from_arrow()`` and duckdb read through the Arrow
        PyCapsule interface, ``__arrow_c_stream__``, without a Python object per value).

        The columns and their rules are ``to_pandas()``'s: dotted columns for nested
        objects, ``int64`` ids, ``timestamp[us, tz=UTC]`` date-times, list columns, and the
        declared types of a typed list (``date32`` for dates). A column whose values are not
        of one type holds each value's JSON text, and its field metadata says so
        (``procore.fallback``: ``json``).
        """
        from ._frames import to_arrow

        return to_arrow(self)

    def to_parquet(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes ``to_arrow()``'s table to a Parquet file, through pyarrow, or polars when
        pyarrow is missing (``procore.MissingDependencyError`` when both are)."""
        from ._frames import to_parquet

        to_parquet(self, path)

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
