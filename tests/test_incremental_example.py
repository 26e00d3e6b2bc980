"""examples/incremental_rfis.py against the mock: a full pull, changes (RFIs updated, created,
recycled, a new project), an incremental pull, and the file compared with a full pull's."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from helpers import Sent, login, new_server, query_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "incremental_rfis.py"
RFIS = "/rest/v1.0/projects/{project_id}/rfis"
PER_PROJECT = 12


@pytest.fixture
def server():
    with new_server(companies=1, projects_per_company=5) as s:
        s.set_records(PER_PROJECT, RFIS)
        yield s


def run(server, out: Path) -> subprocess.CompletedProcess:
    env = {
        "PROCORE_CLIENT_ID": server.client_id,
        "PROCORE_CLIENT_SECRET": server.client_secret,
        "PROCORE_BASE_URL": server.base_url,
        "PROCORE_LOGIN_URL": server.login_url,
        "PROCORE_CA_CERT": server.ca_cert,
        "PROCORE_COMPANY_ID": str(server.company_id),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLE), str(out)], env=env, capture_output=True, text=True, timeout=120
    )


def rows(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_parquet(path: Path) -> Dict[str, list]:
    try:
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pydict()
    except ImportError:
        import polars as pl

        return pl.read_parquet(path).to_dict(as_series=False)


def test_the_second_run_writes_what_a_full_pull_writes(server, tmp_path):
    out = tmp_path / "rfis.csv"
    state_file = tmp_path / "rfis.csv.state.json"
    first = run(server, out)
    assert first.returncode == 0, first.stderr
    assert "full pull of 5 projects: 60 RFIs pulled" in first.stdout
    before = rows(out)
    assert len(before) == 5 * PER_PROJECT
    assert len({(r["project_id"], r["id"]) for r in before}) == len(before)
    state = json.loads(state_file.read_text())
    assert len(state["projects"]) == 5 and state["high_water_mark"].endswith("Z")
    assert not list(tmp_path.glob(".incremental-*"))  # no temporary file left

    with server.client(company_id=server.company_id) as c:
        login(c, server)
        projects = [p.id for p in c.projects.list()]
        a, b, d = projects[0], projects[1], projects[2]
        in_a = [r.id for r in c.rfis.list(project_id=a)]
        for rfi in in_a[:2]:
            c.rfis.update_v1_0(rfi, project_id=a, body={"rfi": {"subject": f"Changed {rfi}"}})
        created = c.rfis.create(project_id=b, body={"rfi": {"subject": "Created between runs"}})
        recycled = c.rfis.list(project_id=d)[5].id
        c.rfis_recycle.update(id=recycled, project_id=d)
        assert recycled in [r.id for r in c.rfis_recycle_bin.list(project_id=d)]
        assert recycled not in [r.id for r in c.rfis.list(project_id=d)]
        # A project created since: its RFIs are older than the mark, and must come anyway.
        server.set_projects(server.company_id, 6)
        new_project = [p.id for p in c.projects.list()][5]

    sent = Sent(server)
    second = run(server, out)
    assert second.returncode == 0, second.stderr
    # 2 updated + 1 created in the window, 12 of the new project; 1 recycled.
    assert "incremental pull of 6 projects: 15 RFIs pulled, 1 removed" in second.stdout
    # One window for every page of the windowed pulls, starting 300 s before the mark.
    windowed = [
        r for r in sent.api() if r["path"].endswith(("/rfis", "/rfis/recycle_bin"))
        and not r["path"].startswith(f"/rest/v1.0/projects/{new_project}/")
    ]
    assert len(windowed) == 2 * 5
    (window,) = {query_of(r)["filters[updated_at]"] for r in windowed}
    mark = state["high_water_mark"]
    assert window.split("...")[0] < mark  # the overlap
    new_pages = [r for r in sent.api() if r["path"] == f"/rest/v1.0/projects/{new_project}/rfis"]
    assert [query_of(r)["filters[updated_at]"].split("...")[0] for r in new_pages] == [
        "1970-01-01T00:00:00Z"
    ]

    after = {(r["project_id"], r["id"]): r for r in rows(out)}
    assert after[(str(a), str(in_a[0]))]["subject"] == f"Changed {in_a[0]}"
    assert after[(str(b), str(created["id"]))]["subject"] == "Created between runs"
    assert (str(d), str(recycled)) not in after
    assert sum(1 for k in after if k[0] == str(new_project)) == PER_PROJECT

    # The file is what a full pull writes now.
    full = tmp_path / "full.csv"
    fresh = run(server, full)
    assert fresh.returncode == 0, fresh.stderr
    assert out.read_text() == full.read_text()
    assert len(rows(full)) == 6 * PER_PROJECT + 1 - 1
    parquet = tmp_path / "rfis.parquet"
    if "rfis.parquet" in second.stdout:  # pyarrow or polars is installed
        table = read_parquet(parquet)
        assert list(zip(table["project_id"], table["id"])) == [
            (r["project_id"], r["id"]) for r in rows(out)
        ]
    else:
        assert not parquet.exists()

    # Nothing changed: the next run pulls again only the overlap (the 3 records changed in
    # the 300 s before the mark), one row each, and keeps the file.
    third = run(server, out)
    assert third.returncode == 0, third.stderr
    assert "incremental pull of 6 projects: 3 RFIs pulled, 0 removed, 72 rows" in third.stdout
    assert out.read_text() == full.read_text()


def test_a_failing_project_keeps_the_others_and_the_mark(server, tmp_path):
    out = tmp_path / "rfis.csv"
    state_file = tmp_path / "rfis.csv.state.json"
    assert run(server, out).returncode == 0
    state = json.loads(state_file.read_text())
    with server.client(company_id=server.company_id) as c:
        login(c, server)
        projects = [p.id for p in c.projects.list()]
        changed = c.rfis.list(project_id=projects[1])[0].id
        c.rfis.update_v1_0(changed, project_id=projects[1], body={"rfi": {"subject": "Seen late"}})
        denied = projects[1]
    server.fail_next(403, path=f"/rest/v1.0/projects/{denied}/rfis")
    failed = run(server, out)
    assert failed.returncode == 1
    assert f"project {denied}: PermissionDeniedError" in failed.stderr
    assert json.loads(state_file.read_text())["high_water_mark"] == state["high_water_mark"]
    assert len(rows(out)) == 5 * PER_PROJECT
    # The next run asks again from the same mark, and catches up.
    again = run(server, out)
    assert again.returncode == 0, again.stderr
    subjects = {r["id"]: r.get("subject") for r in rows(out) if r["project_id"] == str(denied)}
    assert subjects[str(changed)] == "Seen late"
    full = tmp_path / "full.csv"
    assert run(server, full).returncode == 0
    assert out.read_text() == full.read_text()
