"""Lazy iteration: `client.iter_pages(path)`, `client.projects.iter()`,
`client.companies.iter()` (issue 3). Same records as the eager forms, page by page, in order;
`.total`; read-ahead bounded by a few pages; breaking out stops the pull; errors surface
mid-iteration as the right exception class.

Written once for both clients: test_iteration_async.py is the source, and
test_iteration_sync.py is generated from it by scripts/unasync.py (edit the source, then run
the script). What only one kind of iterator does (refusing the other kind of loop; never
blocking the running event loop) is in test_async_only.py and test_sync_only.py.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, Dict, List

import pytest
import pytest_asyncio

import procore
from helpers import PROJECTS_PER_COMPANY, Sent, abackground, agather, alogin, query_of
from procore.testing import MockServer

PROJECTS = "/rest/v1.0/projects"
COMPANIES = "/rest/v1.0/companies"
ME_ID = 1234567
DEFAULT_CONCURRENCY = 8


def sizes(total: int, per_page: int) -> List[int]:
    full, rest = divmod(total, per_page)
    return [per_page] * full + ([rest] if rest else [])


async def collect(it) -> List[Any]:
    return [x async for x in it]


# ---------------------------------------------------------------------------------------------
# Same records as the eager forms


@pytest.mark.parametrize("per_page", [7, 100, 250, 300])
@pytest.mark.asyncio
async def test_iter_pages_yields_the_pages_of_paginate_in_order(server, aclient, per_page):
    params = {"company_id": server.company_id, "per_page": per_page}
    everything = await aclient.paginate(PROJECTS, params)
    sent = Sent(server)
    pages = await collect(aclient.iter_pages(PROJECTS, params))
    assert all(isinstance(p, procore.ResultList) for p in pages)
    assert all(isinstance(r, dict) for p in pages for r in p)
    assert [len(p) for p in pages] == sizes(PROJECTS_PER_COMPANY, per_page)
    assert [r for p in pages for r in p] == everything
    ids = [r["id"] for r in everything]
    assert len(ids) == len(set(ids)) == PROJECTS_PER_COMPANY
    # One request per page, each page asked for once.
    asked = sorted(int(query_of(r)["page"]) for r in sent.api(PROJECTS))
    assert asked == list(range(1, len(pages) + 1))


@pytest.mark.asyncio
async def test_iter_pages_trusts_the_servers_per_page(server, aclient):
    # The mock serves at most 300 per page whatever is asked.
    params = {"company_id": server.company_id, "per_page": 1000}
    pages = await collect(aclient.iter_pages(PROJECTS, params))
    assert [len(p) for p in pages] == [PROJECTS_PER_COMPANY]


@pytest.mark.asyncio
async def test_iter_pages_of_companies_matches_companies_list(aclient):
    pages = await collect(aclient.iter_pages(COMPANIES))
    companies = await aclient.companies.list()
    assert [r["id"] for p in pages for r in p] == [c.id for c in companies]


@pytest.mark.asyncio
async def test_projects_iter_yields_the_models_of_projects_list(server, aclient):
    for company in server.company_ids:
        eager = await aclient.projects.list(company_id=company)
        lazy = await collect(aclient.projects.iter(company_id=company))
        assert all(isinstance(p, procore.Project) for p in lazy)
        assert lazy == eager
        assert {p.company.id for p in lazy} == {company}
    # Filters travel as query parameters, as with list().
    lazy = await collect(aclient.projects.iter(per_page=40))
    assert lazy == await aclient.projects.list(per_page=40)


@pytest.mark.asyncio
async def test_companies_iter_yields_the_models_of_companies_list(aclient):
    lazy = await collect(aclient.companies.iter())
    assert all(isinstance(c, procore.Company) for c in lazy)
    assert lazy == await aclient.companies.list()


@pytest.mark.asyncio
async def test_total_is_known_once_the_first_page_arrived(server, aclient):
    sent = Sent(server)
    it = aclient.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 100})
    assert it.total is None
    assert sent.api() == [], "creating the iterator sends nothing"
    first = await it.__anext__()
    assert len(first) == 100
    assert it.total == PROJECTS_PER_COMPANY
    rest = await collect(it)
    assert [len(p) for p in rest] == [100, 50]
    assert it.total == PROJECTS_PER_COMPANY

    projects = aclient.projects.iter(per_page=60)
    assert projects.total is None
    await projects.__anext__()
    assert projects.total == PROJECTS_PER_COMPANY
    companies = aclient.companies.iter()
    await companies.__anext__()
    assert companies.total == len(server.company_ids)


@pytest.mark.asyncio
async def test_total_can_be_read_while_the_iteration_waits_for_a_page(fresh_server):
    """A progress display reads `.total` while the iteration (another task, or another
    thread) waits for a page: once page 1 has arrived the Total is known, whether or not a
    fetch of the next page is pending."""
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.set_latency(0.2)  # every page takes a while: the iteration spends it waiting
        it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 10})
        await it.__anext__()
        assert it.total == PROJECTS_PER_COMPANY
        rest = abackground(lambda: collect(it))
        reads = []
        while not rest.done():
            reads.append(it.total)
            await asyncio.sleep(0.01)
        pages = await rest.result()
        server.clear_faults()
    assert len(pages) == 24
    assert reads and set(reads) == {PROJECTS_PER_COMPANY}, (
        f"{reads.count(None)} of {len(reads)} reads of .total gave None during iteration"
    )


@pytest.mark.asyncio
async def test_an_empty_list_yields_nothing(fresh_server):
    server = fresh_server
    server.set_projects(server.company_id, 0)
    async with server.async_client() as client:
        await alogin(client, server)
        assert await collect(client.projects.iter()) == []
        pages = await collect(client.iter_pages(PROJECTS, {"company_id": server.company_id}))
        assert sum(len(p) for p in pages) == 0


@pytest.mark.asyncio
async def test_two_iterators_run_concurrently_on_one_client(server, aclient):
    # Tasks of the event loop in the async suite, threads in the sync one.
    lists = await agather(
        *(
            lambda c=c: collect(aclient.projects.iter(company_id=c, per_page=30))
            for c in server.company_ids
        )
    )
    for company, lazy in zip(server.company_ids, lists):
        assert lazy == await aclient.projects.list(company_id=company)


# ---------------------------------------------------------------------------------------------
# Bounded read-ahead, and stopping early


@pytest_asyncio.fixture
async def long_list():
    """2,000 pages of 10, each answered after 20 ms: unbounded read-ahead would fetch hundreds
    of pages a second."""
    with MockServer(companies=1, projects_per_company=20_000) as server:
        async with server.async_client() as client:
            await alogin(client, server)
            server.set_latency(0.02)
            yield server, client


async def watch_requests(sent: Sent, seconds: float) -> int:
    """The most page requests seen over an observation window (polled)."""
    most = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        most = max(most, len(sent.api(PROJECTS)))
        await asyncio.sleep(0.01)
    return most


# What a paused iterator may hold: the pages taken, a channel of max_concurrency pages, one
# page waiting to enter it, and max_concurrency more fetched or in flight.
def read_ahead_bound(taken: int, concurrency: int = DEFAULT_CONCURRENCY) -> int:
    return taken + concurrency + 1 + concurrency


@pytest.mark.asyncio
async def test_a_paused_iterator_reads_ahead_a_bounded_number_of_pages(long_list):
    server, client = long_list
    sent = Sent(server)
    it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 10})
    first = await it.__anext__()
    second = await it.__anext__()
    assert len(first) == len(second) == 10
    most = await watch_requests(sent, 1.0)
    assert DEFAULT_CONCURRENCY < most <= read_ahead_bound(2), f"{most} pages requested"
    # Resuming goes on in order from where it paused.
    third = await it.__anext__()
    assert third[0]["id"] != second[-1]["id"]
    del it


@pytest.mark.asyncio
async def test_breaking_out_stops_the_pull(long_list):
    server, client = long_list
    sent = Sent(server)
    seen = []
    async for project in client.projects.iter(per_page=10):
        seen.append(project.id)
        if len(seen) == 25:
            break
    gc.collect()
    most = await watch_requests(sent, 1.0)
    assert most <= read_ahead_bound(3), f"{most} of 2000 pages requested after a break"
    # The client is still usable, and the next pull starts from page 1.
    assert (await client.me()).id == ME_ID
    again = []
    async for project in client.projects.iter(per_page=10):
        again.append(project.id)
        if len(again) == 25:
            break
    assert again == seen


@pytest.mark.asyncio
async def test_max_concurrency_bounds_the_read_ahead(fresh_server):
    server = fresh_server
    async with server.async_client(max_concurrency=2) as client:
        await alogin(client, server)
        server.set_latency(0.02)
        sent = Sent(server)
        it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 5})
        await it.__anext__()
        most = await watch_requests(sent, 0.6)
        assert 2 < most <= read_ahead_bound(1, concurrency=2), f"{most} of 50 pages requested"
        assert sum(len(p) for p in await collect(it)) == PROJECTS_PER_COMPANY - 5
        server.clear_faults()


# ---------------------------------------------------------------------------------------------
# Errors mid-iteration

FAULTS: List[Dict[str, Any]] = [
    {"status": 500, "error": procore.ServerError},
    {"status": 502, "error": procore.ServerError},
    {"status": 503, "error": procore.ServerError},
    {"status": 429, "error": procore.RateLimitError},
    {"status": 403, "error": procore.PermissionDeniedError},
    {"status": 404, "error": procore.NotFoundError},
    {"status": None, "error": procore.APIConnectionError},  # dropped connection
]


def fault_after_first_page(server: MockServer, status) -> None:
    # Scripted faults apply first-in, first-out: page 1 takes the (zero) delay and is answered;
    # every later page request meets the fault.
    server.delay_next(0.0, count=1, path=PROJECTS)
    if status is None:
        server.drop_next(count=100, path=PROJECTS)
    else:
        server.fail_next(status, count=100, path=PROJECTS, retry_after=0)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: str(f["status"] or "drop"))
@pytest.mark.asyncio
async def test_an_error_mid_iteration_raises_its_class_after_the_good_pages(fresh_server, fault):
    server = fresh_server
    async with server.async_client(max_retries=0) as client:
        await alogin(client, server)
        reference = [p.id for p in await client.projects.list(per_page=50)]
        fault_after_first_page(server, fault["status"])
        got = []
        with pytest.raises(fault["error"]) as info:
            async for project in client.projects.iter(per_page=50):
                got.append(project.id)
        server.clear_faults()
    assert got == reference[:50]
    assert info.value.attempts == 1
    if fault["status"] is not None:
        assert info.value.status_code == fault["status"]
        assert info.value.method == "GET" and PROJECTS in info.value.url


@pytest.mark.asyncio
async def test_an_error_mid_iter_pages_after_retries_says_how_many_tries(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=2) as client:
        await alogin(client, server)
        fault_after_first_page(server, 503)
        pages = []
        with pytest.raises(procore.ServerError) as info:
            params = {"company_id": server.company_id, "per_page": 50}
            async for page in client.iter_pages(PROJECTS, params):
                pages.append(page)
        server.clear_faults()
    assert [len(p) for p in pages] == [50]
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)


@pytest.mark.asyncio
async def test_an_error_on_the_first_page_raises_before_anything_is_yielded(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0) as client:
        await alogin(client, server)
        server.fail_next(404, count=1, path=PROJECTS)
        it = client.projects.iter()
        with pytest.raises(procore.NotFoundError):
            await it.__anext__()
        assert it.total is None


def test_a_bad_path_is_refused_before_anything_is_sent(server, aclient):
    sent = Sent(server)
    with pytest.raises(procore.ConfigError):
        aclient.iter_pages("https://elsewhere.example/rest/v1.0/projects")
    assert sent.all() == []
