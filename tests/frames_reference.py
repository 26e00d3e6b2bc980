"""The pure-Python conversion of list results to DataFrames that `procore._frames` replaced, kept
as the reference the tests compare the Arrow-built DataFrames with (tests/test_frames_arrow.py).


Both conversions share one pass over the records (``columns``, which the ``procore``
command's ``csv`` and ``table`` formats use too): models become their ``to_dict()``, nested
objects are flattened to dotted columns (``company.id``), and each column is classified once:

- every non-null value an int that fits in 64 bits → int64 (pandas ``Int64`` when there are
  nulls, so big ids are never rounded through float64);
- every non-null value an ISO 8601 date-time with a zone (``2016-01-04T15:30:00Z``) → a
  timezone-aware UTC datetime;
- anything else is left to the library (strings, floats, bools; lists stay lists).

pandas and polars are imported here only, when a conversion is asked for.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from procore._exceptions import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

__all__ = ["to_pandas", "to_polars"]

SEP = "."
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# RFC 3339 date-time (ISO 8601 with a zone): what Procore sends for created_at / updated_at.
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)

INT, DATETIME, OTHER = "int", "datetime", "other"


def _require(module: str, extra: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f'{what} needs {module}, an optional dependency: pip install "procore[{extra}]"',
            name=module,
        ) from e


# ----- records to columns ---------------------------------------------------------------------
#
# The rules, in one place:
# - a nested object becomes one column per leaf, named by its path: ``company.id``;
# - an empty object has no leaves, so no column (as with ``pandas.json_normalize`` and
#   ``polars.json_normalize``); ``null`` is a value, so a key holding ``null`` is a column;
# - lists are values (never flattened);
# - columns come in first-seen order over all records; a record without a column has ``None``;
# - ``company: null`` in one record and ``company: {...}`` in another: the ``company.*``
#   columns show the null, and a ``company`` column holding nothing else is dropped.


def _flatten(record: Dict[str, Any], prefix: str, out: Dict[str, Any]) -> None:
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + SEP, out)
        else:
            out[name] = value


def _as_dict(item: Any, index: int, what: str) -> Dict[str, Any]:
    if isinstance(item, dict):
        return item
    to_dict = getattr(item, "to_dict", None)
    if callable(to_dict):
        d = to_dict()
        if isinstance(d, dict):
            return d
    raise TypeError(
        f"{what} needs records that are dicts or procore models; "
        f"item {index} is a {type(item).__name__}"
    )


def columns(records: Iterable[Any], what: str) -> Tuple[int, Dict[str, List[Any]]]:
    """The flattened columns of ``records`` (dicts or models; first-seen order), each as long
    as the list. ``what`` names the caller in the ``TypeError`` for another kind of record."""
    items = list(records)
    n = len(items)
    cols: Dict[str, List[Any]] = {}
    for i, item in enumerate(items):
        row: Dict[str, Any] = {}
        _flatten(_as_dict(item, i, what), "", row)
        for name, value in row.items():
            col = cols.get(name)
            if col is None:
                col = cols[name] = [None] * n
            col[i] = value
    # `company: null` in one record and `company: {...}` in another: the null already shows
    # as nulls in the `company.*` columns, so a `company` column holding nothing else goes.
    for name in [c for c in cols if any(o.startswith(c + SEP) for o in cols)]:
        if all(v is None for v in cols[name]):
            del cols[name]
    return n, cols


def _parse_datetime(value: str) -> Optional[datetime]:
    m = _DATETIME.fullmatch(value)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, z, sign, oh, om = m.groups()
    micros = int((frac or "0")[:6].ljust(6, "0"))
    try:
        if z:
            tz = timezone.utc
        else:
            offset = timedelta(hours=int(oh), minutes=int(om))
            tz = timezone(-offset if sign == "-" else offset)
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micros, tz)
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def classify(values: List[Any]) -> Tuple[str, Optional[List[Any]]]:
    """The kind of a column, with its values parsed (datetimes) when that kind needs it."""
    present = [v for v in values if v is not None]
    if not present:
        return OTHER, None
    if all(type(v) is int and _I64_MIN <= v <= _I64_MAX for v in present):
        return INT, None
    if all(type(v) is str for v in present):
        parsed: List[Optional[datetime]] = []
        for v in values:
            if v is None:
                parsed.append(None)
                continue
            dt = _parse_datetime(v)
            if dt is None:
                return OTHER, None
            parsed.append(dt)
        return DATETIME, parsed
    return OTHER, None


# ----- pandas ----------------------------------------------------------------------------------


def to_pandas(records: Iterable[Any]) -> "pandas.DataFrame":
    pd = _require("pandas", "pandas", "to_pandas()")
    np = importlib.import_module("numpy")  # a dependency of pandas
    n, cols = columns(records, "to_pandas()")
    data: Dict[str, Any] = {}
    for name, values in cols.items():
        kind, parsed = classify(values)
        if kind == INT:
            mask = [v is None for v in values]
            ints = np.array([0 if v is None else v for v in values], dtype=np.int64)
            if any(mask):
                data[name] = pd.arrays.IntegerArray(ints, np.array(mask, dtype=bool))
            else:
                data[name] = ints
        elif kind == DATETIME:
            data[name] = pd.to_datetime(parsed, utc=True)
        else:
            # An object array keeps lists as lists and lets pandas infer the rest.
            data[name] = pd.Series(values, dtype=object).infer_objects()
    frame: "pandas.DataFrame" = pd.DataFrame(data, index=pd.RangeIndex(n))
    return frame


# ----- polars ----------------------------------------------------------------------------------


def to_polars(records: Iterable[Any]) -> "polars.DataFrame":
    pl = _require("polars", "polars", "to_polars()")
    n, cols = columns(records, "to_polars()")
    series: Dict[str, Any] = {}
    others: List[str] = []
    for name, values in cols.items():
        kind, parsed = classify(values)
        if kind == INT:
            series[name] = pl.Series(name, values, dtype=pl.Int64)
        elif kind == DATETIME:
            assert parsed is not None
            micros = [None if d is None else (d - _EPOCH) // timedelta(microseconds=1) for d in parsed]
            s = pl.Series(name, micros, dtype=pl.Int64).cast(pl.Datetime("us"))
            series[name] = s.dt.replace_time_zone("UTC")
        else:
            others.append(name)
    if others:
        for name, s in _polars_others(pl, n, {c: cols[c] for c in others}).items():
            series[name] = s
    frame: "polars.DataFrame" = pl.DataFrame([series[name] for name in cols] if cols else None)
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
