"""Incremental and cross-project pulls on the resource namespaces: `updated_since=` /
`updated_until=` (one fixed `filters[updated_at]` window on every page), `include_deleted=`,
and `project_ids=` (every project's records in one list, in project then page order, each with
its `project_id`; a failed project named without losing the others).

Written once for both clients: test_pulls_async.py is the source, and test_pulls_sync.py is
generated from it by scripts/unasync.py (edit the source, then run the script).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

import procore
from helpers import Sent, alogin, new_server, query_of

RFIS = "/rest/v1.0/projects/{project_id}/rfis"
CHANGE_EVENTS = "/rest/v1.1/change_events"


@pytest.fixture
def pulls_server():
    """A mock of its own, with 30 RFIs per project (three pages of ten)."""
    with new_server(projects_per_company=60) as server:
        server.set_records(30, RFIS)
        yield server


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def windows_of(requests):
    return {query_of(r).get("filters[updated_at]") for r in requests}


# ----- windows -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_page_of_a_windowed_pull_asks_for_the_same_window(pulls_server):
    server = pulls_server
    server.set_records(200, RFIS)
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        project = (await client.projects.list())[0].id
        # Naive datetimes are UTC; the end defaults to the moment of the call.
        before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        sent = Sent(server)
        rfis = await client.rfis.list(
            project_id=project, per_page=10, updated_since=dt.datetime(2023, 1, 3, 6, 30)
        )
        after = dt.datetime.now(dt.timezone.utc)
        pages = sent.api(f"/rest/v1.0/projects/{project}/rfis")
        assert len(pages) == -(-len(rfis) // 10) and len(pages) > 5
        (window,) = windows_of(pages)
        start, end = window.split("...")
        assert start == "2023-01-03T06:30:00Z"
        assert before <= utc(end) <= after
        # The mock honours the window: what came back is every record inside it.
        everything = await client.rfis.list(project_id=project, per_page=100)
        inside = [r.id for r in everything if utc(start) <= r.updated_at <= utc(end)]
        assert [r.id for r in rfis] == inside and 0 < len(inside) < len(everything)

        # iter() fixes its window too, before its first page.
        sent = Sent(server)
        lazy = [
            r.id
            async for r in client.rfis.iter(
                project_id=project,
                per_page=7,
                updated_since="2023-01-03T06:30:00+00:00",
                updated_until=dt.date(2023, 1, 6),
            )
        ]
        pages = sent.api(f"/rest/v1.0/projects/{project}/rfis")
        assert windows_of(pages) == {"2023-01-03T06:30:00Z...2023-01-06T23:59:59Z"}
        assert len(pages) >= 2
        assert lazy == [r.id for r in everything if r.updated_at <= utc("2023-01-06T23:59:59Z")
                        and r.updated_at >= utc(start)]


@pytest.mark.asyncio
async def test_projects_list_and_iter_take_the_window_too(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        everything = await client.projects.list(per_page=10)
        since = sorted(utc(p.updated_at) for p in everything)[len(everything) // 2]
        start = since.strftime("%Y-%m-%dT%H:%M:%SZ...")
        want = [p.id for p in everything if utc(p.updated_at) >= since]
        assert 3 <= len(want) < len(everything)
        sent = Sent(server)
        changed = await client.projects.list(per_page=10, updated_since=since)
        assert [p.id for p in changed] == want
        lazy_sent = Sent(server)
        lazy = [p.id async for p in client.projects.iter(per_page=10, updated_since=since.isoformat())]
        assert lazy == want
        lazy_pages = lazy_sent.api("/rest/v1.0/projects")
        for pages in (sent.api("/rest/v1.0/projects")[: -len(lazy_pages)], lazy_pages):
            assert len(pages) >= 3
            (window,) = {query_of(r).get("filters[updated_at]") for r in pages}
            assert window.startswith(start)
            assert all("updated_since" not in query_of(r) for r in pages)


@pytest.mark.asyncio
async def test_windows_and_deleted_records_are_refused_where_not_documented(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        project = (await client.projects.list())[0].id
        sent = Sent(server)
        with pytest.raises(procore.ConfigError) as e:
            await client.rfis_replies.list(project_id=project, rfi_id=1, updated_since="2024-01-01")
        assert "updated_since" in str(e.value) and "rfis_replies.list" in str(e.value)
        with pytest.raises(procore.ConfigError) as e:
            await client.rfis_replies.list(
                project_id=project, rfi_id=1, updated_until=dt.datetime(2024, 1, 1)
            )
        assert "updated_until" in str(e.value)
        with pytest.raises(procore.ConfigError) as e:
            await client.rfis.list(project_id=project, include_deleted=True)
        assert "include_deleted" in str(e.value) and "rfis.list" in str(e.value)
        for bad in (
            {"updated_since": "yesterday"},
            {"updated_since": "2024-05-02", "updated_until": "2024-05-01"},
            {"updated_since": 5},
            {"updated_since": "2024-01-01", "filters": {"updated_at": "2024-01-01...2024-02-01"}},
        ):
            with pytest.raises(procore.ConfigError):
                await client.rfis.list(project_id=project, **bad)
        with pytest.raises(procore.ConfigError):
            await client.change_events.list(project_id=project, include_deleted="sometimes")
        assert sent.api() == []


@pytest.mark.asyncio
async def test_include_deleted_with_and_only(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        project = (await client.projects.list())[0].id
        live = await client.change_events.list(project_id=project)
        gone = live[2]["id"]
        await client.delete(f"{CHANGE_EVENTS}/{gone}", params={"project_id": project})
        sent = Sent(server)
        now_live = await client.change_events.list(project_id=project)
        assert [r["id"] for r in now_live] == [r["id"] for r in live if r["id"] != gone]
        both = await client.change_events.list(project_id=project, include_deleted=True)
        assert [r["id"] for r in both] == [r["id"] for r in live]
        assert both[2]["deleted_at"] is not None
        only = await client.change_events.list(project_id=project, include_deleted="only")
        assert [r["id"] for r in only] == [gone]
        also = await client.change_events.list(project_id=project, include_deleted=False)
        assert [r["id"] for r in also] == [r["id"] for r in now_live]
        sent_filters = [query_of(r).get("filters[include_deleted]") for r in sent.api()]
        assert set(sent_filters) == {None, "with", "only"}


@pytest.mark.asyncio
async def test_a_documented_parameter_of_the_same_name_stays_a_parameter(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        project = (await client.projects.list())[0].id
        item = (await client.punch_items.list(project_id=project, per_page=1))[0]
        sent = Sent(server)
        # punch_items.get documents a plain `include_deleted` (a bool), not the filter.
        got = await client.punch_items.get(item.id, project_id=project, include_deleted=True)
        assert got["id"] == item.id
        (request,) = sent.api()
        assert query_of(request)["include_deleted"] == "true"
        assert "filters[include_deleted]" not in query_of(request)


# ----- several projects ----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fifty_projects_every_record_once_in_order_with_its_project(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id, max_concurrency=8) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:50]
        one_by_one = []
        for pid in ids:
            one_by_one.extend((pid, r.id) for r in await client.rfis.list(project_id=pid))
        sent = Sent(server)
        rfis = await client.rfis.list(project_ids=ids, per_page=10)
        assert type(rfis) is procore.ResultList
        assert [(r.project_id, r.id) for r in rfis] == one_by_one
        assert len(rfis) == 50 * 30 and len(set(one_by_one)) == len(one_by_one)
        assert all(type(r) is procore.models.Rfi for r in rfis)
        # Three pages a project, each asked once.
        pages = sent.api()
        assert len(pages) == 50 * 3
        for pid in ids:
            mine = [query_of(r)["page"] for r in pages if r["path"] == f"/rest/v1.0/projects/{pid}/rfis"]
            assert sorted(mine) == ["1", "2", "3"]


@pytest.mark.asyncio
async def test_the_walk_stays_under_the_clients_one_concurrency_limit(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id, max_concurrency=2) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:8]
        server.set_latency(0.05)
        started = time.monotonic()
        rfis = await client.rfis.list(project_ids=ids, per_page=10)
        elapsed = time.monotonic() - started
        server.set_latency(0)
        assert len(rfis) == 8 * 30
        # 24 requests of at least 50 ms each, at most two at a time (the projects walked
        # concurrently share the client's limit): never faster than 12 rounds.
        assert elapsed >= 24 * 0.05 / 2


@pytest.mark.asyncio
async def test_iter_walks_the_projects_one_after_another(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:5]
        want = [(r.project_id, r.id) for r in await client.rfis.list(project_ids=ids)]
        sent = Sent(server)
        got = [
            (r.project_id, r.id)
            async for r in client.rfis.iter(project_ids=ids, per_page=10, updated_until=dt.date(2099, 1, 1))
        ]
        assert got == want
        assert len(windows_of(sent.api())) == 1
        # A failing project: the others are yielded, then the error names it.
        denied = ids[1]
        server.fail_next(403, path=f"/rest/v1.0/projects/{denied}/rfis")
        seen = []
        with pytest.raises(procore.PartialPullError) as e:
            async for r in client.rfis.iter(project_ids=ids, per_page=10):
                seen.append((r.project_id, r.id))
        assert seen == [k for k in want if k[0] != denied]
        assert e.value.project_ids == [denied] and len(e.value.records) == 0
        assert type(e.value.errors[denied]) is procore.PermissionDeniedError


class Index:
    """An integer-like id (as numpy's integers are)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


@pytest.mark.asyncio
async def test_project_ids_may_be_any_iterable_of_integer_likes(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:3]
        want = [(r.project_id, r.id) for r in await client.rfis.list(project_ids=ids)]
        for given in (tuple(ids), (i for i in ids), [Index(i) for i in ids], [str(i) for i in ids]):
            got = await client.rfis.list(project_ids=given)
            assert [(r.project_id, r.id) for r in got] == want


@pytest.mark.asyncio
async def test_projects_in_the_query_and_windows_across_projects(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:4]
        sent = Sent(server)
        items = await client.punch_items.list(
            project_ids=ids, per_page=50, updated_since="2023-01-02T00:00:00Z"
        )
        requests = sent.api("/rest/v1.1/punch_items")
        assert {query_of(r)["project_id"] for r in requests} == {str(i) for i in ids}
        # One window for the whole pull, every project's every page.
        assert len(windows_of(requests)) == 1 and None not in windows_of(requests)
        by_project = [r.project_id for r in items]
        assert by_project == sorted(by_project, key=ids.index)
        assert set(by_project) == set(ids)


@pytest.mark.asyncio
async def test_a_failing_project_keeps_the_others(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:6]
        denied = ids[3]
        server.fail_next(403, path=f"/rest/v1.0/projects/{denied}/rfis")
        with pytest.raises(procore.PartialPullError) as e:
            await client.rfis.list(project_ids=ids, per_page=10)
        err = e.value
        assert isinstance(err, procore.ProcoreError)
        assert err.project_ids == [denied] and f"project {denied}" in str(err)
        assert type(err.errors[denied]) is procore.PermissionDeniedError
        assert err.errors[denied].status_code == 403
        assert type(err.records) is procore.ResultList
        assert [r.project_id for r in err.records] == [p for p in ids if p != denied for _ in range(30)]
        again = await client.rfis.list(project_ids=ids, per_page=10)
        assert [r.project_id for r in again][90:120] == [denied] * 30


@pytest.mark.asyncio
async def test_project_ids_are_checked_before_anything_is_sent(pulls_server):
    server = pulls_server
    async with server.async_client(company_id=server.company_id) as client:
        await alogin(client, server)
        ids = [p.id for p in await client.projects.list()][:3]
        sent = Sent(server)
        for bad in ([], [ids[0], ids[0]], [0], ["x"], "123", [True], [1.0], {ids[0]: 1}, 7):
            with pytest.raises(procore.ConfigError):
                await client.rfis.list(project_ids=bad)
        with pytest.raises(procore.ConfigError) as e:
            await client.rfis.list(project_ids=ids, project_id=ids[0])
        assert "project_id" in str(e.value) and "project_ids" in str(e.value)
        with pytest.raises(procore.ConfigError) as e:
            await client.vendors.list(project_ids=ids)
        assert "project_ids" in str(e.value)
        with pytest.raises(procore.ConfigError):
            client.rfis.iter(project_ids=ids, project_id=ids[0])
        with pytest.raises(procore.ConfigError):
            client.rfis.iter(project_ids=[ids[0], ids[0]])
        with pytest.raises(procore.ConfigError):
            await client.rfis.list(project_ids=ids, filters={"nope": 1})
        assert sent.api() == []
