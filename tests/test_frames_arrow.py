"""DataFrames built from Arrow columns (made in Rust from the records' JSON text) equal, column
by column, what the pure-Python conversion (tests/frames_reference.py) gives; typed lists get
their declared column types; the Arrow table itself."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timezone

import pandas as pd
import polars as pl
import polars.testing
import pytest

import procore
from procore import ResultList
from procore._procore import _decode_records

import frames_reference as reference
from helpers import Sent, login
from procore.testing import MockServer

BIG = 2**63 - 1
ABOVE_2_53 = 2**53 + 1

AWKWARD = [
    {
        "id": BIG,
        "name": "Tower \u2713 \u6771\u4eac \U0001f3d7",
        "company": {"id": ABOVE_2_53, "name": "Acme"},
        "at": "2016-01-04T17:30:00.250+02:00",
        "day": "2016-01-04",
        "tags": ["a", "b"],
        "empty": [],
        "mixed": 1,
        "flag": True,
        "score": 1.5,
        "meta": {"a": None},
        "users": [{"id": 7}],
        "huge": 2**64,
        "nums": [1, 2],
    },
    {
        "id": ABOVE_2_53,
        "company": None,
        "at": "2016-01-04T10:00:00.123456789-05:00",
        "day": None,
        "tags": [],
        "empty": [],
        "mixed": "one",
        "flag": None,
        "score": 2,
        "meta": {"a": {"b": 1}},
        "users": [{"id": 8, "role": "pm"}],
        "huge": 1,
        "nums": [],
    },
    {"id": 3, "company": {"id": None, "name": None}, "note": None, "at": None, "late": "x"},
]


def assert_same_pandas(records):
    new = ResultList(records).to_pandas()
    ref = reference.to_pandas(records)
    assert list(new.columns) == list(ref.columns)
    for name in ref.columns:
        pd.testing.assert_series_equal(new[name], ref[name], check_exact=True, obj=name)


def assert_same_polars(records):
    new = ResultList(records).to_polars()
    ref = reference.to_polars(records)
    assert new.columns == ref.columns
    for name in ref.columns:
        polars.testing.assert_series_equal(new[name], ref[name], check_exact=True)


@pytest.mark.parametrize("check", [assert_same_pandas, assert_same_polars])
def test_awkward_records_give_todays_columns(check):
    check(AWKWARD)


@pytest.mark.parametrize("check", [assert_same_pandas, assert_same_polars])
def test_one_awkward_record_at_a_time(check):
    for record in AWKWARD:
        check([record])


@pytest.mark.parametrize("check", [assert_same_pandas, assert_same_polars])
def test_zero_records(check):
    check([])


def test_ten_thousand_columns():
    records = [{f"c{i}": i for i in range(10_000)}, {"c9999": None, "c0": "text"}]
    assert_same_pandas(records)
    assert_same_polars(records)
    table = ResultList(records).to_arrow()
    assert table.num_columns == 10_000


def test_the_mocks_projects_give_todays_columns(client):
    projects = client.projects.list()
    as_dicts = [p.to_dict() for p in projects]
    new, ref = projects.to_pandas(), reference.to_pandas(as_dicts)
    assert list(new.columns) == list(ref.columns)
    for name in ref.columns:
        pd.testing.assert_series_equal(new[name], ref[name], check_exact=True, obj=name)
    new, ref = projects.to_polars(), reference.to_polars(as_dicts)
    assert new.columns == ref.columns
    for name in ref.columns:
        polars.testing.assert_series_equal(new[name], ref[name], check_exact=True)
    # The same through paginate()'s dicts.
    dicts = client.paginate("/rest/v1.0/projects", {"company_id": client.company_id})
    assert_same_pandas(dicts)
    assert_same_polars(dicts)


def test_arrow_types_and_fallback_metadata():
    table = ResultList(AWKWARD).to_arrow()
    if not isinstance(table, procore.ArrowTable):  # pyarrow is installed
        table = procore._procore._records_to_arrow(AWKWARD)
    kinds = table.schema
    assert kinds["id"] == "int64" and kinds["company.id"] == "int64"
    assert kinds["at"] == "timestamp[us, tz=UTC]"
    assert kinds["day"] == "string", "date-only strings stay strings unless declared"
    assert kinds["tags"] == "list<string>" and kinds["nums"] == "list<int64>"
    for name in ("mixed", "users", "huge"):
        assert kinds[name] == "json", name
    assert "meta.a" not in kinds and kinds["meta.a.b"] == "int64"
    assert table.num_rows == 3 and len(table) == 3
    assert table._column(table.column_names.index("huge")) == [2**64, 1, None]


def test_polars_reads_the_arrow_stream_without_pyarrow():
    table = procore._procore._records_to_arrow(AWKWARD)
    frame = pl.DataFrame(table)  # through __arrow_c_stream__
    assert frame["id"].to_list() == [BIG, ABOVE_2_53, 3]
    assert frame.schema["at"] == pl.Datetime("us", "UTC")
    assert frame["mixed"].to_list() == ["1", '"one"', None], "JSON text, as the metadata says"


def test_polars_gets_string_columns_as_views_of_the_same_strings():
    pa = pytest.importorskip("pyarrow")
    records = AWKWARD + [{"name": "a name longer than twelve bytes, é", "id": 4}, {"name": None}]
    table = procore._procore._records_to_arrow(records)
    view = table._polars_view()
    plain, viewed = pa.table(table), pa.table(view)
    assert view.column_names == table.column_names
    for name in table.column_names:
        kind = table.schema[name]
        expected = pa.string_view() if kind == "string" else plain.schema.field(name).type
        assert viewed.schema.field(name).type == expected, name
        assert viewed.column(name).to_pylist() == plain.column(name).to_pylist(), name
        if kind == "string":
            # The views point into the table's own string data: nothing copied.
            (strings,) = plain.column(name).chunks
            (views,) = viewed.column(name).chunks
            assert views.buffers()[2].address == strings.buffers()[2].address, name
    assert plain.schema.field("mixed").metadata == viewed.schema.field("mixed").metadata
    polars.testing.assert_frame_equal(pl.DataFrame(view), pl.DataFrame(table))


# ---------------------------------------------------------------------------------------------
# Typed lists: the declared types


RFIS = json.dumps(
    [
        {"id": 1, "subject": "Door", "due_date": "2024-02-29", "created_at": "2024-05-01T12:30:00Z"},
        {"id": 2, "subject": None},
    ]
)


def test_typed_lists_get_declared_types_even_for_missing_fields():
    rfis = _decode_records("Rfi", RFIS)
    assert isinstance(rfis[0], procore.models.Rfi)
    declared = {f.name: f.kind for f in vars(procore.models.Rfi).values() if hasattr(f, "kind")}
    absent = next(n for n, k in declared.items() if k == "int" and n not in ("id",))
    df = rfis.to_pandas()
    assert str(df["id"].dtype) == "int64"
    assert str(df[absent].dtype) == "Int64", "declared int, no record has it"
    assert df[absent].isna().all()
    assert df["due_date"].tolist() == [date(2024, 2, 29), None]
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)
    pf = rfis.to_polars()
    assert pf.schema[absent] == pl.Int64
    assert pf.schema["due_date"] == pl.Date
    assert pf["due_date"].to_list() == [date(2024, 2, 29), None]
    assert pf["created_at"].to_list() == [datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc), None]
    # A page without the field at all still has the column, typed.
    one = _decode_records("Rfi", json.dumps([{"id": 5}]))
    assert one.to_polars().schema["due_date"] == pl.Date


def test_arrow_object_passes_to_pyarrow_and_duckdb():
    pa = pytest.importorskip("pyarrow")
    table = procore._procore._records_to_arrow(AWKWARD)
    t = pa.table(table)
    assert t.num_rows == 3
    assert t.column("id").to_pylist() == [BIG, ABOVE_2_53, 3]
    assert t.schema.field("mixed").metadata == {b"procore.fallback": b"json"}
    duckdb = pytest.importorskip("duckdb")
    assert pl.from_arrow(t)["id"].to_list() == [BIG, ABOVE_2_53, 3]
    got = duckdb.sql("select sum(\"company.id\") as s from t").fetchall()[0]
    assert got == (ABOVE_2_53,)


# ---------------------------------------------------------------------------------------------
# Parquet, as_arrow=True, Arrow pages


def test_parquet_round_trip_equals_the_table(client, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    projects = client.projects.list()
    path = tmp_path / "projects.parquet"
    projects.to_parquet(path)
    back = pq.read_table(path)
    table = projects.to_arrow()
    assert isinstance(table, pa.Table)
    assert back.equals(table)
    assert back.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    # The awkward records too: the JSON fallback keeps its metadata.
    path2 = tmp_path / "awkward.parquet"
    ResultList(AWKWARD).to_parquet(str(path2))
    back = pq.read_table(path2)
    assert back.equals(ResultList(AWKWARD).to_arrow())
    assert back.schema.field("mixed").metadata == {b"procore.fallback": b"json"}


def test_parquet_through_polars_when_pyarrow_is_missing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = tmp_path / "p.parquet"
    ResultList(AWKWARD).to_parquet(path)
    back = pl.read_parquet(path)
    polars.testing.assert_frame_equal(back, ResultList(AWKWARD).to_polars())


def test_parquet_without_pyarrow_or_polars_names_them(monkeypatch, tmp_path):
    for name in ("pyarrow", "pyarrow.parquet", "polars"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(procore.MissingDependencyError, match="pyarrow or polars"):
        ResultList([{"id": 1}]).to_parquet(tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_as_arrow_list_calls_build_no_records(client, server):
    table = client.projects.list(as_arrow=True)
    assert isinstance(table, procore.ArrowTable)
    projects = client.projects.list()
    assert table.num_rows == len(projects) == 250
    assert table.column_names == list(projects.to_pandas().columns)
    assert table.schema["created_at"] == "timestamp[us, tz=UTC]"
    pd.testing.assert_frame_equal(table.to_pandas(), projects.to_pandas())
    polars.testing.assert_frame_equal(table.to_polars(), projects.to_polars())
    dicts = client.paginate("/rest/v1.0/companies", as_arrow=True)
    assert isinstance(dicts, procore.ArrowTable)
    assert dicts._column(dicts.column_names.index("id")) == server.company_ids


@pytest.mark.asyncio
async def test_as_arrow_on_the_async_client(aclient, server):
    table = await aclient.projects.list(as_arrow=True)
    assert table.num_rows == 250
    params = {"company_id": server.company_id, "per_page": 100}
    pages = [p async for p in aclient.iter_pages(PROJECTS, params, as_arrow=True)]
    assert [p.num_rows for p in pages] == [100, 100, 50]


PROJECTS = "/rest/v1.0/projects"


def test_arrow_pages_keep_memory_bounded_by_the_pages_in_flight():
    """2,000 pages of 10, each answered after 20 ms: a paused iterator of Arrow pages holds
    the pages taken and a bounded read-ahead, not the pull."""
    with MockServer(companies=1, projects_per_company=20_000) as server:
        with server.client() as client:
            login(client, server)
            server.set_latency(0.02)
            sent = Sent(server)
            it = client.iter_pages(
                PROJECTS, {"company_id": server.company_id, "per_page": 10}, as_arrow=True
            )
            first, second = next(it), next(it)
            assert isinstance(first, procore.ArrowTable)
            assert first.num_rows == second.num_rows == 10
            ids = first._column(first.column_names.index("id"))
            ids += second._column(second.column_names.index("id"))
            assert len(set(ids)) == 20
            most = 0
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                most = max(most, len(sent.api(PROJECTS)))
                time.sleep(0.01)
            # pages taken + a channel of max_concurrency + one waiting + max_concurrency more
            assert most <= 2 + 8 + 1 + 8, f"{most} of 2000 pages requested"
            third = next(it)
            assert third.num_rows == 10
            assert not set(third._column(third.column_names.index("id"))) & set(ids)
            del it


def test_a_typed_list_from_the_mock_has_every_declared_column_typed(client, server):
    project_id = client.projects.list()[0].id
    rfis = client.rfis.list(project_id=project_id)
    assert len(rfis) > 0 and isinstance(rfis[0], procore.models.Rfi)
    table = procore._procore._records_to_arrow(rfis)
    fields = {f.name: f.kind for f in vars(procore.models.Rfi).values() if hasattr(f, "kind")}
    want = {"int": "int64", "float": "double", "bool": "bool", "str": "string",
            "date": "date32", "datetime": "timestamp[us, tz=UTC]"}
    checked = 0
    for name, kind in fields.items():
        kind = "str" if kind.startswith("enum[") else kind
        if kind in want:
            assert table.schema.get(name) == want[kind], (name, kind, table.schema.get(name))
            checked += 1
    assert checked >= 5
    pf, df = rfis.to_polars(), rfis.to_pandas()
    assert list(df.columns) == pf.columns == table.column_names
    assert str(df["id"].dtype) == "int64" and pf.schema["id"] == pl.Int64


def test_as_arrow_on_a_namespace_list_equals_the_typed_list(client, server):
    project_id = client.projects.list()[0].id
    rfis = client.rfis.list(project_id=project_id)
    table = client.rfis.list(project_id=project_id, as_arrow=True)
    assert isinstance(table, procore.ArrowTable)
    assert table.num_rows == len(rfis) > 0
    assert table.column_names == procore._procore._records_to_arrow(rfis).column_names
    pd.testing.assert_frame_equal(table.to_pandas(), rfis.to_pandas())
    polars.testing.assert_frame_equal(table.to_polars(), rfis.to_polars())
    # the declared columns are there, typed, even where no record has a value
    assert table.schema["created_at"] == "timestamp[us, tz=UTC]"
    assert isinstance(client.rfis.list(project_id=project_id, as_arrow=False)[0], procore.models.Rfi)


@pytest.mark.asyncio
async def test_as_arrow_on_an_async_namespace_list(aclient, server):
    project_id = (await aclient.projects.list())[0].id
    table = await aclient.rfis.list(project_id=project_id, as_arrow=True)
    rfis = await aclient.rfis.list(project_id=project_id)
    assert isinstance(table, procore.ArrowTable) and table.num_rows == len(rfis) > 0
    pd.testing.assert_frame_equal(table.to_pandas(), rfis.to_pandas())


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c, p: c.rfis.iter(project_id=p, as_arrow=True), "is for the list call"),
        (lambda c, p: c.rfis.get(1, project_id=p, as_arrow=True), "is for the list call"),
        (lambda c, p: c.rfis.list(project_ids=[p], as_arrow=True), "takes one project"),
        (lambda c, p: c.rfis.list(project_id=p, as_arrow="yes"), "must be True or False"),
    ],
)
def test_as_arrow_where_it_does_not_apply_is_refused_before_sending(client, server, call, message):
    project_id = client.projects.list()[0].id
    sent = Sent(server)
    with pytest.raises(procore.ConfigError, match=message):
        call(client, project_id)
    assert [r["path"] for r in sent.api() if "/rfis" in r["path"]] == []
