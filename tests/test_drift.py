"""Lists that change during a pull (issue 11): records deleted, created or updated out of the
filter window while the pages are read, with the concurrent page fetching on. Every record that
stayed in the set for the whole pull comes back exactly once; the records that changed may or
may not. Sync and async clients side by side (parametrized), against the mock's own sets read
before and after the pull.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any, Callable, Dict, List, Optional

import pytest

import procore
from helpers import alogin, login, new_server, query_of
from procore.testing import MockServer

PROJECTS = "/rest/v1.0/projects"
COMPANIES = "/rest/v1.0/companies"
N = 1_000
PER_PAGE = 100
# Every generated project was updated between 2016 and 2018: this window holds them all, and
# ends long before any record is touched during a test.
OLD = {"updated_since": "2015-01-01", "updated_until": "2020-01-01T00:00:00Z"}

MODES = ["sync", "async"]


@pytest.fixture
def mock():
    with new_server(companies=1, projects_per_company=N) as s:
        yield s


def run(server: MockServer, mode: str, call: Callable[[Any], Any]) -> Any:
    """`call(client)` on a fresh logged-in client of `mode`; awaited on the async one."""
    if mode == "sync":
        with server.client() as c:
            login(c, server)
            return call(c)

    async def go() -> Any:
        async with server.async_client() as c:
            await alogin(c, server)
            out = call(c)
            if asyncio.iscoroutine(out) or hasattr(out, "__await__"):
                out = await out
            return out

    return asyncio.run(go())


def ids_of(records: List[Any]) -> List[int]:
    return [r["id"] if isinstance(r, dict) else r.id for r in records]


def project_ids(server: MockServer, mode: str, **kw: Any) -> List[int]:
    params = {"company_id": server.company_id, "per_page": PER_PAGE, **kw.pop("params", {})}
    return ids_of(run(server, mode, lambda c: c.paginate(PROJECTS, params, **kw)))


def page_requests(server: MockServer, path: str = PROJECTS) -> List[Dict[str, str]]:
    return [
        query_of(r)
        for r in server.requests()
        if r["host"] == "api" and r["path"] == path and r["method"] == "GET"
    ]


def assert_stayed_once(got: List[int], before: List[int], after: List[int]) -> None:
    """Every record in the set before and after the pull comes back exactly once, nothing
    comes back twice, and nothing comes back that was never in the set."""
    assert len(got) == len(set(got)), "a record came back twice"
    stayed = set(before) & set(after)
    missing = stayed - set(got)
    assert not missing, f"{len(missing)} records that never changed are missing"
    assert set(got) <= set(before) | set(after)


def changed_pull(
    server: MockServer,
    mode: str,
    pull: Callable[[Any], Any],
    changes: List[Dict[str, Any]],
    *,
    read: Optional[Callable[[], List[int]]] = None,
) -> None:
    read = read or (lambda: project_ids(server, "sync"))
    before = read()
    for ch in changes:
        server.change_after_page(**ch)
    server.reset_stats()
    got = run(server, mode, pull)
    after = read()
    assert before != after, "the change under the pull did not happen"
    assert_stayed_once(got, before, after)
    return None


# ---------------------------------------------------------------------------------------------
# The example and each kind of change


@pytest.mark.parametrize("mode", MODES)
def test_three_of_page_one_deleted_after_page_one_loses_nothing(mock, mode):
    before = project_ids(mock, "sync")
    assert len(before) == N
    mock.change_after_page(1, delete=3)
    mock.reset_stats()
    got = ids_of(
        run(mock, mode, lambda c: c.projects.list(per_page=PER_PAGE))
    )
    after = project_ids(mock, "sync")
    assert len(after) == N - 3 and set(after) < set(before)
    assert_stayed_once(got, before, after)
    # Deleted after page 1 was read: those three came back with page 1, and nothing else is
    # missing, nothing repeated.
    assert sorted(got) == got
    assert set(got) == set(before)
    # The gap was repaired by re-reading, not by luck: more pages were asked than planned.
    assert len(page_requests(mock)) > N // PER_PAGE


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "changes",
    [
        [{"page": 1, "create": 5}],
        [{"page": 5, "delete": 7, "create": 2}],
        [{"page": 1, "delete": 2}, {"page": 4, "delete": 150}, {"page": 9, "create": 30}],
        [{"page": 3, "delete": 100}],
    ],
    ids=["create", "mid-pull", "several", "a-whole-page"],
)
def test_deletes_and_creates_during_a_pull(mock, mode, changes):
    def pull(c):
        return c.paginate(PROJECTS, {"company_id": mock.company_id, "per_page": PER_PAGE})

    changed_pull(mock, mode, lambda c: ids_of_maybe(pull(c)), changes)


def ids_of_maybe(out: Any) -> Any:
    """ids of a list, or of an awaited list."""
    if isinstance(out, list):
        return ids_of(out)

    async def later() -> List[int]:
        return ids_of(await out)

    return later()


@pytest.mark.parametrize("mode", MODES)
def test_creates_ahead_in_descending_order_are_not_repeated(mock, mode):
    # sort=-id puts new records first: every later page shifts back, and records seen on one
    # page show up again at the top of the next.
    sort = {"sort": "-id"}
    before = project_ids(mock, "sync", params=sort)
    assert before == sorted(before, reverse=True)
    mock.change_after_page(1, create=7)
    mock.change_after_page(6, create=3)
    got = project_ids(mock, mode, params=sort)
    after = project_ids(mock, "sync", params=sort)
    assert len(after) == N + 10
    assert_stayed_once(got, before, after)
    assert got == sorted(got, reverse=True)


@pytest.mark.parametrize("mode", MODES)
def test_updates_out_of_the_window_lose_nothing(mock, mode):
    before = project_ids(mock, "sync", **OLD)
    assert len(before) == N
    mock.change_after_page(1, touch=4)
    mock.change_after_page(3, delete=1, touch=20)
    mock.reset_stats()
    got = project_ids(mock, mode, **OLD)
    after = project_ids(mock, "sync", **OLD)
    assert len(after) == N - 25
    assert_stayed_once(got, before, after)
    # Every page of the pull asked for the same window.
    windows = {q.get("filters[updated_at]") for q in page_requests(mock)}
    assert windows == {"2015-01-01T00:00:00Z...2020-01-01T00:00:00Z"}


@pytest.mark.parametrize("mode", MODES)
def test_iter_pages_repairs_too(mock, mode):
    params = {"company_id": mock.company_id, "per_page": PER_PAGE}
    before = project_ids(mock, "sync")
    mock.change_after_page(1, delete=3)
    mock.change_after_page(2, delete=5, create=1)

    def pull(c):
        if mode == "sync":
            return [r["id"] for page in c.iter_pages(PROJECTS, params) for r in page]

        async def collect():
            return [r["id"] async for page in c.iter_pages(PROJECTS, params) for r in page]

        return collect()

    got = run(mock, mode, pull)
    after = project_ids(mock, "sync")
    assert len(after) == N - 8 + 1
    assert_stayed_once(got, before, after)


@pytest.mark.parametrize("mode", MODES)
def test_companies_list_survives_deletes(mode):
    with new_server(companies=350, projects_per_company=0) as s:

        def read() -> List[int]:
            return ids_of(run(s, "sync", lambda c: c.companies.list()))

        def pull(c):
            return ids_of_maybe(c.companies.list())

        changed_pull(
            s,
            mode,
            pull,
            [{"page": 1, "delete": 3, "companies": True}, {"page": 2, "create": 4, "companies": True}],
            read=read,
        )


# ---------------------------------------------------------------------------------------------
# Incremental windows


@pytest.mark.parametrize("mode", MODES)
def test_the_window_is_fixed_when_the_pull_starts(mock, mode):
    mock.reset_stats()
    since = datetime.datetime(2017, 1, 1, tzinfo=datetime.timezone.utc)
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    got = project_ids(mock, mode, updated_since=since)
    end = datetime.datetime.now(datetime.timezone.utc)
    windows = {q["filters[updated_at]"] for q in page_requests(mock)}
    assert len(windows) == 1
    lo, hi = windows.pop().split("...")
    assert lo == "2017-01-01T00:00:00Z"
    hi_t = datetime.datetime.strptime(hi, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )
    assert start <= hi_t <= end
    # The mock served only what the window holds.
    everything = run(mock, "sync", lambda c: c.projects.list(per_page=PER_PAGE))
    inside = [p.id for p in everything if p.updated_at >= "2017-01-01T00:00:00Z"]
    assert 0 < len(inside) < N
    assert got == inside


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "kw",
    [
        {"updated_since": "yesterday"},
        {"updated_since": "2024-05-02", "updated_until": "2024-05-01"},
        {"updated_since": 12},
    ],
)
def test_bad_windows_are_refused_before_sending(mock, mode, kw):
    def call(c):
        mock.reset_stats()
        if mode == "sync":
            try:
                c.paginate(PROJECTS, {"company_id": mock.company_id}, **kw)
            except procore.ConfigError as e:
                return str(e)
            return None

        async def go():
            try:
                await c.paginate(PROJECTS, {"company_id": mock.company_id}, **kw)
            except procore.ConfigError as e:
                return str(e)
            return None

        return go()

    message = run(mock, mode, call)
    assert message is not None and "updated_" in message
    assert page_requests(mock) == []
