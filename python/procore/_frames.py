"""List results to Arrow, pandas and polars, and the flattening of records into columns.

The columns are built in Rust from each record's JSON text as the server sent it
(``procore._procore._records_to_arrow``; the rules are written once, in ``src/core/arrow.rs``):
models and dicts alike, nested objects flattened to dotted columns (``company.id``), lists
kept as lists, and each column typed once:

- declared by the record type (typed lists: ``Project``, ``procore.models.Rfi``, ...): each
  declared column has its type, also when no record has a value for it (ints, floats, bools,
  strings, UTC date-times, dates);
- otherwise inferred from every record: every non-null value an int that fits in 64 bits →
  int64 (pandas ``Int64`` when there are nulls, so big ids are never rounded through
  float64); every non-null value an ISO 8601 date-time with a zone (``2016-01-04T15:30:00Z``)
  → a timezone-aware UTC datetime; numbers, bools, strings and lists of them → their type;
- anything else (a field that is an int in one record and a string in the next, ints beyond
  64 bits, lists of objects) is kept as each value's JSON text in Arrow (field metadata
  ``procore.fallback = json``) and as the Python values in pandas and polars.

pandas, polars and pyarrow are imported here only, when a conversion is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Tuple

from ._exceptions import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

__all__ = ["to_arrow", "to_pandas", "to_polars", "to_parquet"]

SEP = "."


def _require(module: str, extra: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f'{what} needs {module}, an optional dependency: pip install "procore[{extra}]"',
            name=module,
        ) from e


def _table(records: Iterable[Any], what: str) -> Any:
    from ._procore import ArrowTable, _records_to_arrow

    if isinstance(records, ArrowTable):
        return records
    return _records_to_arrow(records, what)


def columns(records: Iterable[Any], what: str) -> Tuple[int, Dict[str, List[Any]]]:
    """The flattened columns of ``records`` (dicts or models; first-seen order) with their
    values as sent, each as long as the list. ``what`` names the caller in the ``TypeError``
    for another kind of record."""
    from ._procore import _flat_columns

    n, cols = _flat_columns(records, what)
    return n, cols


# ----- Arrow -----------------------------------------------------------------------------------


def to_arrow(records: Iterable[Any]) -> Any:
    """A ``pyarrow.Table`` when pyarrow is installed, else the ``procore.ArrowTable``."""
    table = _table(records, "to_arrow()")
    try:
        pa = importlib.import_module("pyarrow")
    except ImportError:
        return table
    return pa.table(table)


# ----- pandas ----------------------------------------------------------------------------------


def to_pandas(records: Iterable[Any]) -> "pandas.DataFrame":
    pd = _require("pandas", "pandas", "to_pandas()")
    np = importlib.import_module("numpy")  # a dependency of pandas
    table = _table(records, "to_pandas()")
    data: Dict[str, Any] = {}
    strings = _arrow_strings(pd)
    arrow = None
    for name, tag, values, nulls in table._pandas_columns(strings is not None):
        if tag == "arrow":
            # A string column, straight from Arrow into the dtype pandas infers for strings.
            if arrow is None:
                arrow = strings[0].table(table)
            data[name] = arrow.column(name).to_pandas(types_mapper=strings[1])
            continue
        if tag == "int":
            ints = np.frombuffer(values, dtype=np.int64).copy()
            if nulls is None:
                data[name] = ints
            else:
                mask = np.frombuffer(nulls, dtype=np.bool_).copy()
                data[name] = pd.arrays.IntegerArray(ints, mask)
        elif tag == "datetime":
            micros = np.frombuffer(values, dtype=np.int64).copy()
            if nulls is not None:
                micros[np.frombuffer(nulls, dtype=np.bool_)] = np.iinfo(np.int64).min  # NaT
            data[name] = pd.to_datetime(micros.view("M8[us]"), utc=True)
        elif tag == "float":
            data[name] = np.frombuffer(values, dtype=np.float64).copy()
        else:
            # An object array keeps lists as lists and lets pandas infer the rest.
            data[name] = pd.Series(values, dtype=object).infer_objects()
    frame: "pandas.DataFrame" = pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))
    return frame


def _arrow_strings(pd: Any) -> Any:
    """``(pyarrow, types_mapper)`` when pandas infers Python strings as its pyarrow-backed
    ``str`` dtype (pandas 3 with pyarrow installed): string columns can then go from Arrow to
    that same dtype without a Python string each. ``None`` otherwise."""
    try:
        pa = importlib.import_module("pyarrow")
    except ImportError:
        return None
    dtype = pd.Series(["x"], dtype=object).infer_objects().dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    string = pa.string()
    return pa, lambda t: dtype if t == string else None


# ----- polars ----------------------------------------------------------------------------------


def to_polars(records: Iterable[Any]) -> "polars.DataFrame":
    pl = _require("polars", "polars", "to_polars()")
    table = _table(records, "to_polars()")
    if table.num_columns == 0:
        return pl.DataFrame()
    # Read through the Arrow C stream: no Python object per value; string columns as views,
    # which polars keeps without copying the strings.
    frame: "polars.DataFrame" = pl.DataFrame(table._polars_view())
    names = table.column_names
    kinds = table.schema
    fallback = [i for i, name in enumerate(names) if kinds[name] == "json"]
    if fallback:
        values = {names[i]: table._column(i) for i in fallback}
        others = _polars_others(pl, table.num_rows, values)
        frame = frame.with_columns([others[names[i]] for i in fallback])
    return frame


def _polars_others(pl: Any, n: int, cols: Dict[str, List[Any]]) -> Dict[str, Any]:
    """Columns polars infers itself, from every row (a struct inside a list keeps every key
    any record has, not just the first record's)."""

    def one(name: str, values: List[Any]) -> Any:
        try:
            return pl.from_dicts([{name: v} for v in values], infer_schema_length=None)[name]
        except Exception:  # values polars cannot type together: keep them as Python objects
            return pl.Series(name, values, dtype=pl.Object)

    try:
        rows = [{c: cols[c][i] for c in cols} for i in range(n)]
        frame = pl.from_dicts(rows, infer_schema_length=None)
        return {c: frame[c] for c in cols}
    except Exception:
        return {c: one(c, v) for c, v in cols.items()}


# ----- Parquet ---------------------------------------------------------------------------------


def to_parquet(records: Iterable[Any], path: Any) -> None:
    """Writes the records' table to a Parquet file, through pyarrow or else polars."""
    table = _table(records, "to_parquet()")
    try:
        pq = importlib.import_module("pyarrow.parquet")
        pa = importlib.import_module("pyarrow")
    except ImportError:
        pq = None
    if pq is not None:
        pq.write_table(pa.table(table), path)
        return
    try:
        importlib.import_module("polars")
    except ImportError as e:
        raise MissingDependencyError(
            "to_parquet() needs pyarrow or polars, optional dependencies: "
            'pip install "procore[polars]" (or pyarrow)',
            name="pyarrow",
        ) from e
    to_polars(table).write_parquet(path)
