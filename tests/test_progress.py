"""Progress bars of long list pulls: `progress=` of projects.list, companies.list, paginate."""

from __future__ import annotations

import asyncio
import io
import re
import sys

import pytest
import tqdm

import procore
from helpers import Sent, alogin, login, new_server
from procore import _progress

PROJECTS = "/rest/v1.0/projects"
COUNT = 1000  # 10 pages at per_page=100


@pytest.fixture(scope="module")
def big():
    """A mock whose first company has 1000 projects."""
    with new_server() as s:
        s.set_projects(s.company_id, COUNT)
        yield s


@pytest.fixture
def bclient(big):
    with big.client() as c:
        login(c, big)
        yield c


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def final_state(text: str) -> str:
    """The bar as last drawn (tqdm redraws a line with \\r)."""
    lines = [seg for seg in re.split(r"[\r\n]", text) if seg.strip()]
    assert lines, "no bar was drawn"
    return lines[-1]


def open_bars() -> int:
    return len(tqdm.tqdm._instances)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# What the bar shows


def test_progress_true_shows_pages_and_records_out_of_total(bclient, capsys):
    projects = bclient.projects.list(per_page=100, progress=True)
    err = capsys.readouterr().err
    last = final_state(err)
    assert last.startswith("projects: 100%"), last
    assert "10/10" in last
    assert f"{COUNT}/{COUNT} records" in last
    assert len(projects) == COUNT
    assert isinstance(projects, procore.ResultList)
    assert all(isinstance(p, procore.Project) for p in projects)
    assert open_bars() == 0


def test_records_are_identical_with_and_without_progress(bclient, capsys):
    plain = bclient.projects.list(per_page=100, progress=False)
    assert capsys.readouterr().err == ""
    shown = bclient.projects.list(per_page=100, progress=True)
    assert [p.to_dict() for p in shown] == [p.to_dict() for p in plain]
    assert len({p.id for p in shown}) == COUNT


def test_paginate_with_progress_returns_the_same_dicts(bclient, big, capsys):
    params = {"company_id": big.company_id, "per_page": 125}
    plain = bclient.paginate(PROJECTS, params, progress=False)
    shown = bclient.paginate(PROJECTS, params, progress=True)
    assert shown == plain and isinstance(shown, procore.ResultList)
    assert all(isinstance(r, dict) for r in shown)
    last = final_state(capsys.readouterr().err)
    assert last.startswith("records: 100%") and "8/8" in last and f"{COUNT}/{COUNT} records" in last


def test_companies_list_with_progress_true_draws_even_one_page(bclient, big, capsys):
    companies = bclient.companies.list(progress=True)
    assert [c.id for c in companies] == big.company_ids
    assert all(isinstance(c, procore.Company) for c in companies)
    last = final_state(capsys.readouterr().err)
    assert last.startswith("companies: 100%") and "1/1" in last and "2/2 records" in last


def test_without_total_the_bar_counts_pages_and_records(fresh_server, capsys):
    server = fresh_server
    server.set_projects(server.company_id, 450)
    with server.client() as client:
        login(client, server)
        server.set_link_only(True)
        projects = client.projects.list(per_page=100, progress=True)
    assert len(projects) == 450
    last = final_state(capsys.readouterr().err)
    assert "5page" in last and "450 records" in last and "%" not in last, last


@pytest.mark.asyncio
async def test_async_progress_true_shows_the_totals_and_returns_the_same_records(big, capsys):
    async with big.async_client() as client:
        await alogin(client, big)
        plain = await client.projects.list(per_page=100, progress=False)
        assert capsys.readouterr().err == ""
        shown = await client.projects.list(per_page=100, progress=True)
        pages = await client.paginate(PROJECTS, {"company_id": big.company_id}, progress=True)
    assert [p.id for p in shown] == [p.id for p in plain]
    assert [r["id"] for r in pages] == [p.id for p in plain]
    err = capsys.readouterr().err
    assert "projects: 100%" in err and "records: 100%" in err
    assert err.count(f"{COUNT}/{COUNT} records") >= 2
    assert open_bars() == 0


# ---------------------------------------------------------------------------------------------
# When a bar shows by default


def test_nothing_is_printed_by_default_when_stderr_is_not_a_terminal(bclient, big, capsys, monkeypatch):
    # The default must take the one-call path: collecting through the page iterator would fail.
    def no(*args, **kwargs):
        raise AssertionError("the progress path was taken")

    monkeypatch.setattr(_progress, "collect", no)
    projects = bclient.projects.list(per_page=100)
    pages = bclient.paginate(PROJECTS, {"company_id": big.company_id})
    companies = bclient.companies.list()
    assert len(projects) == len(pages) == COUNT and len(companies) == 2
    assert capsys.readouterr().err == ""


def test_in_a_terminal_a_long_pull_shows_a_bar_by_default(bclient, monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    projects = bclient.projects.list(per_page=100)
    assert len(projects) == COUNT
    last = final_state(term.getvalue())
    assert "10/10" in last and f"{COUNT}/{COUNT} records" in last


def test_in_a_terminal_a_short_pull_shows_no_bar_by_default(bclient, big, monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    # 3 pages (the second company's 250 projects): not enough for a bar. 4 pages: enough.
    assert len(bclient.projects.list(company_id=big.company_ids[1], per_page=100)) == 250
    assert term.getvalue() == ""
    assert len(bclient.projects.list(per_page=250)) == COUNT
    assert "4/4" in final_state(term.getvalue())


def test_progress_false_prints_nothing_even_in_a_terminal(bclient, monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert len(bclient.projects.list(per_page=100, progress=False)) == COUNT
    assert term.getvalue() == ""


def test_the_default_needs_tqdm_only_to_draw(bclient, monkeypatch):
    """In a terminal without tqdm installed, the default quietly draws nothing."""
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(_progress, "_installed", lambda module: False)
    assert len(bclient.projects.list(per_page=100)) == COUNT
    assert term.getvalue() == ""


# ---------------------------------------------------------------------------------------------
# Faults, errors, bad input


@pytest.mark.parametrize("seed", [7, 11])
def test_records_survive_random_faults_identically_with_progress(fresh_server, capsys, seed):
    server = fresh_server
    server.set_projects(server.company_id, 900)
    with server.client(max_retries=10) as client:
        login(client, server)
        reference = [p.to_dict() for p in client.projects.list(per_page=50, progress=False)]
        server.set_fault_rate(0.25, seed=seed)
        shown = client.projects.list(per_page=50, progress=True)
        also = client.paginate(PROJECTS, {"company_id": server.company_id, "per_page": 50}, progress=True)
        server.clear_faults()
    assert [p.to_dict() for p in shown] == reference
    assert also == reference
    assert len(reference) == 900
    stats = server.stats()
    faults = stats["dropped"] + sum(n for s, n in stats["status_counts"].items() if s != "200")
    assert faults > 0, "faults were injected"
    assert "18/18" in capsys.readouterr().err


def test_an_error_mid_pull_raises_and_closes_the_bar(fresh_server, capsys):
    server = fresh_server
    server.set_projects(server.company_id, 500)
    with server.client(max_retries=0) as client:
        login(client, server)
        # Page 1 is answered; every later page request is refused.
        server.delay_next(0.0, count=1, path=PROJECTS)
        server.fail_next(403, count=100, path=PROJECTS)
        with pytest.raises(procore.PermissionDeniedError):
            client.projects.list(per_page=100, progress=True)
        server.clear_faults()
    assert open_bars() == 0
    last = final_state(capsys.readouterr().err)
    assert "/5" in last and "100%" not in last


@pytest.mark.asyncio
async def test_cancelling_an_async_pull_closes_the_bar(fresh_server, capsys):
    server = fresh_server
    server.set_projects(server.company_id, 500)
    async with server.async_client(max_concurrency=1) as client:
        await alogin(client, server)
        server.set_latency(0.2)
        task = asyncio.ensure_future(client.projects.list(per_page=100, progress=True))
        # Wait for the bar to open (it opens with page 1), then cancel mid-pull.
        while open_bars() == 0 and not task.done():
            await asyncio.sleep(0.01)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.clear_faults()
    assert open_bars() == 0
    assert "/5" in capsys.readouterr().err


def test_progress_true_without_tqdm_names_the_extra_before_any_request(bclient, big, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` now raises ImportError
    sent = Sent(big)
    for call in (
        lambda: bclient.projects.list(progress=True),
        lambda: bclient.companies.list(progress=True),
        lambda: bclient.paginate(PROJECTS, {"company_id": big.company_id}, progress=True),
    ):
        with pytest.raises(procore.MissingDependencyError) as info:
            call()
        assert 'pip install "procore[progress]"' in str(info.value)
        assert isinstance(info.value, ImportError)
    assert sent.api() == []


@pytest.mark.parametrize("bad", ["yes", 1, 0, "False"])
def test_progress_must_be_a_bool_or_none(bclient, big, bad):
    sent = Sent(big)
    with pytest.raises(procore.ConfigError, match="progress must be True, False or None"):
        bclient.projects.list(progress=bad)
    with pytest.raises(procore.ConfigError, match="progress must be True, False or None"):
        bclient.paginate(PROJECTS, {"company_id": big.company_id}, progress=bad)
    assert sent.api() == []


@pytest.mark.asyncio
async def test_async_progress_errors_come_before_any_request(big, monkeypatch):
    async with big.async_client() as client:
        await alogin(client, big)
        sent = Sent(big)
        with pytest.raises(procore.ConfigError):
            client.companies.list(progress="on")
        monkeypatch.setitem(sys.modules, "tqdm", None)
        with pytest.raises(procore.MissingDependencyError):
            client.projects.list(progress=True)
    assert sent.api() == []
