"""List results to DataFrames: ResultList.to_pandas() and .to_polars()."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pandas as pd
import polars as pl
import pytest

import procore
from procore import ResultList

BIG = 2**63 - 1  # the largest 64-bit id
NEAR_BIG = 2**63 - 4242  # far above 2**53, where a float would round it

# ---------------------------------------------------------------------------------------------
# Against the mock


def test_projects_to_pandas(client, server):
    projects = client.projects.list()
    df = projects.to_pandas()
    assert len(df) == len(projects) == 250
    assert df["id"].tolist() == [p.id for p in projects]
    assert str(df["id"].dtype) == "int64"
    assert df["id"].min() > 2**32, "the mock's ids are 64-bit"
    assert str(df["company.id"].dtype) == "int64"
    assert set(df["company.id"]) == {server.company_id}
    assert set(df["company.name"]) == {projects[0].company.name}
    assert "company" not in df.columns
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)
    assert str(df["created_at"].dt.tz) == "UTC"
    first = projects[0]
    assert df["created_at"][0] == pd.Timestamp(first.created_at)
    assert df["created_at"][0].tzinfo is not None
    assert df["name"].tolist() == [p.name for p in projects]
    assert df["latitude"].tolist() == [p.latitude for p in projects]
    # Every field the server sent is a column.
    flat = {k for k in first.to_dict() if k != "company"} | {"company.id", "company.name"}
    assert set(df.columns) == flat


def test_projects_to_polars(client, server):
    projects = client.projects.list()
    df = projects.to_polars()
    assert df.height == 250
    assert df["id"].to_list() == [p.id for p in projects]
    assert df.schema["id"] == pl.Int64
    assert df.schema["company.id"] == pl.Int64
    assert set(df["company.id"].to_list()) == {server.company_id}
    assert df.schema["created_at"] == pl.Datetime("us", "UTC")
    assert df["updated_at"][0] == datetime.fromisoformat(
        projects[0].updated_at.replace("Z", "+00:00")
    )
    assert df["name"].to_list() == [p.name for p in projects]
    assert df.columns == list(projects.to_pandas().columns), "the same columns, same order"


def test_companies_to_pandas_and_polars(client, server):
    companies = client.companies.list()
    assert companies.to_pandas()["id"].tolist() == server.company_ids
    assert companies.to_polars()["id"].to_list() == server.company_ids
    assert "is_active" in companies.to_pandas().columns


def test_paginate_returns_a_result_list_of_dicts_that_converts(client, server):
    records = client.paginate("/rest/v1.0/projects", {"company_id": server.company_id, "per_page": 60})
    assert isinstance(records, ResultList)
    assert all(isinstance(r, dict) for r in records)
    df = records.to_pandas()
    assert df["id"].tolist() == [r["id"] for r in records]
    assert df["company.id"].tolist() == [r["company"]["id"] for r in records]
    pf = records.to_polars()
    assert pf["id"].to_list() == [r["id"] for r in records]


@pytest.mark.asyncio
async def test_async_results_convert(aclient, server):
    projects = await aclient.projects.list()
    assert projects.to_pandas()["id"].tolist() == [p.id for p in projects]
    records = await aclient.paginate("/rest/v1.0/companies")
    assert records.to_polars()["id"].to_list() == server.company_ids


# ---------------------------------------------------------------------------------------------
# Hand-built lists: the edges


def test_big_ids_survive_exactly_with_and_without_nulls():
    full = ResultList([{"id": BIG, "project_id": NEAR_BIG}, {"id": 1, "project_id": 2}])
    df = full.to_pandas()
    assert str(df["id"].dtype) == "int64"
    assert int(df["id"][0]) == BIG and int(df["project_id"][0]) == NEAR_BIG

    holes = ResultList([{"id": BIG, "vendor": {"id": NEAR_BIG}}, {"id": 5}, {"id": 6, "vendor": None}])
    df = holes.to_pandas()
    assert str(df["vendor.id"].dtype) == "Int64", "nullable, not float64"
    assert int(df["vendor.id"][0]) == NEAR_BIG
    assert df["vendor.id"].isna().tolist() == [False, True, True]
    assert "vendor" not in df.columns

    pf = holes.to_polars()
    assert pf.schema["vendor.id"] == pl.Int64
    assert pf["vendor.id"].to_list() == [NEAR_BIG, None, None]
    assert pf["id"].to_list() == [BIG, 5, 6]


def test_nested_objects_flatten_recursively_and_lists_stay_lists():
    rows = ResultList(
        [
            {"id": 1, "a": {"b": {"c": "deep", "d": 1}, "e": [1, 2]}, "tags": ["x", "y"]},
            {"id": 2, "a": {"b": {"c": "deeper"}}, "tags": []},
        ]
    )
    df = rows.to_pandas()
    assert list(df.columns) == ["id", "a.b.c", "a.b.d", "a.e", "tags"]
    assert df["a.b.c"].tolist() == ["deep", "deeper"]
    assert df["tags"].tolist() == [["x", "y"], []]
    assert df["a.e"][0] == [1, 2]
    pf = rows.to_polars()
    assert pf.columns == ["id", "a.b.c", "a.b.d", "a.e", "tags"]
    assert pf["tags"].to_list() == [["x", "y"], []]
    assert pf.schema["tags"] == pl.List(pl.String)


def test_polars_lists_of_objects_keep_every_key():
    rows = ResultList([{"id": 1, "users": [{"id": 7}]}, {"id": 2, "users": [{"id": 8, "role": "pm"}]}])
    users = rows.to_polars()["users"].to_list()
    assert users == [[{"id": 7, "role": None}], [{"id": 8, "role": "pm"}]]


def test_timestamps_become_utc_datetimes_and_other_strings_stay():
    rows = ResultList(
        [
            {
                "at": "2016-01-04T15:30:00Z",
                "local": "2016-01-04T17:30:00.250+02:00",
                "day": "2016-01-04",
                "naive": "2016-01-04T15:30:00",
                "mixed": "2016-01-04T15:30:00Z",
            },
            {"at": None, "local": "2016-01-04T10:00:00-05:00", "day": None, "naive": None, "mixed": "soon"},
        ]
    )
    df = rows.to_pandas()
    assert isinstance(df["at"].dtype, pd.DatetimeTZDtype)
    assert df["at"][0] == pd.Timestamp("2016-01-04T15:30:00Z")
    assert pd.isna(df["at"][1])
    assert df["local"].tolist() == [
        pd.Timestamp("2016-01-04T15:30:00.250Z"),
        pd.Timestamp("2016-01-04T15:00:00Z"),
    ]
    assert str(df["local"].dt.tz) == "UTC"
    for name in ("day", "naive", "mixed"):
        assert not isinstance(df[name].dtype, pd.DatetimeTZDtype), name
    assert df["day"][0] == "2016-01-04" and df["mixed"][1] == "soon"

    pf = rows.to_polars()
    assert pf.schema["at"] == pl.Datetime("us", "UTC")
    assert pf["local"].to_list() == [
        datetime(2016, 1, 4, 15, 30, 0, 250000, tzinfo=timezone.utc),
        datetime(2016, 1, 4, 15, 0, tzinfo=timezone.utc),
    ]
    assert pf.schema["day"] == pl.String and pf.schema["mixed"] == pl.String


def test_empty_list_gives_an_empty_frame():
    df = ResultList([]).to_pandas()
    assert isinstance(df, pd.DataFrame) and df.shape == (0, 0)
    pf = ResultList([]).to_polars()
    assert isinstance(pf, pl.DataFrame) and pf.shape == (0, 0)


def test_models_convert_through_to_dict():
    projects = ResultList(
        [
            procore.Project({"id": NEAR_BIG, "name": "Tower", "company": {"id": BIG, "name": "Acme"}}),
            procore.Project({"id": 3, "name": "Annex", "custom_field": True}),
        ]
    )
    df = projects.to_pandas()
    assert df["id"].tolist() == [NEAR_BIG, 3]
    assert int(df["company.id"][0]) == BIG and pd.isna(df["company.id"][1])
    assert df["custom_field"].tolist()[1] is True, "unknown fields are columns too"


def test_records_that_are_not_objects_are_refused():
    with pytest.raises(TypeError, match="item 1 is a int"):
        ResultList([{"id": 1}, 2]).to_pandas()
    with pytest.raises(TypeError, match="to_polars"):
        ResultList(["x"]).to_polars()


# ---------------------------------------------------------------------------------------------
# Optional dependencies


@pytest.mark.parametrize(
    "module, method",
    [("pandas", "to_pandas"), ("polars", "to_polars")],
)
def test_a_missing_extra_is_named(monkeypatch, module, method):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    with pytest.raises(procore.MissingDependencyError) as info:
        getattr(ResultList([{"id": 1}]), method)()
    err = info.value
    assert isinstance(err, ImportError) and isinstance(err, procore.ProcoreError)
    assert f'pip install "procore[{module}]"' in str(err)
    assert err.name == module


def test_import_procore_imports_no_dataframe_library():
    code = (
        "import sys, procore\n"
        "rl = procore.ResultList([{'id': 1}])\n"
        "print(sorted(m for m in ('pandas', 'polars', 'tqdm', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=50
    ).stdout
    assert out.strip() == "[]"
