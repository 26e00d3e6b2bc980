"""Lazy iteration, async client: `async for` over `client.iter_pages(path)`,
`client.projects.iter()`, `client.companies.iter()` (issue 3). Same records as the eager forms,
page by page, in order; `.total`; read-ahead bounded; breaking out stops the pull; `async for`
only (not `for`); errors surface mid-iteration as the right exception class; iteration never
blocks the running event loop. The sync twin is test_iteration_sync.py."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, Dict, List

import pytest
import pytest_asyncio

import procore
from helpers import PROJECTS_PER_COMPANY, Sent, alogin, login, query_of
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


@pytest.mark.asyncio
@pytest.mark.parametrize("per_page", [7, 100, 250, 300])
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
    asked = sorted(int(query_of(r)["page"]) for r in sent.api(PROJECTS))
    assert asked == list(range(1, len(pages) + 1))


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
    assert await collect(aclient.projects.iter(per_page=40)) == await aclient.projects.list(
        per_page=40
    )


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
    assert [len(p) async for p in it] == [100, 50]
    assert it.total == PROJECTS_PER_COMPANY

    projects = aclient.projects.iter(per_page=60)
    assert projects.total is None
    await projects.__anext__()
    assert projects.total == PROJECTS_PER_COMPANY


@pytest.mark.asyncio
async def test_total_can_be_read_while_another_task_awaits_a_page(fresh_server):
    """A progress task reads `.total` while the iterating task awaits a page: once page 1 has
    arrived the Total is known, whether or not an `__anext__()` is pending."""
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.set_latency(0.2)
        it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 10})
        await it.__anext__()
        assert it.total == PROJECTS_PER_COMPANY
        rest = asyncio.ensure_future(collect(it))
        reads = []
        while not rest.done():
            reads.append(it.total)
            await asyncio.sleep(0.01)
        pages = await rest
        server.clear_faults()
    assert len(pages) == 24
    assert reads and set(reads) == {PROJECTS_PER_COMPANY}, (
        f"{reads.count(None)} of {len(reads)} reads of .total gave None during iteration"
    )


@pytest.mark.asyncio
async def test_two_iterators_run_concurrently_on_one_client(server, aclient):
    lists = await asyncio.gather(
        *(collect(aclient.projects.iter(company_id=c, per_page=30)) for c in server.company_ids)
    )
    for company, lazy in zip(server.company_ids, lists):
        assert lazy == await aclient.projects.list(company_id=company)


# ---------------------------------------------------------------------------------------------
# Bounded read-ahead, and stopping early


@pytest_asyncio.fixture
async def long_list():
    """2,000 pages of 10, each answered after 20 ms."""
    with MockServer(companies=1, projects_per_company=20_000) as server:
        async with server.async_client() as client:
            await alogin(client, server)
            server.set_latency(0.02)
            yield server, client


async def watch_requests(sent: Sent, seconds: float) -> int:
    most = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        most = max(most, len(sent.api(PROJECTS)))
        await asyncio.sleep(0.01)
    return most


def read_ahead_bound(taken: int, concurrency: int = DEFAULT_CONCURRENCY) -> int:
    # The pages taken, a channel of max_concurrency pages, one page waiting to enter it, and
    # max_concurrency more fetched or in flight.
    return taken + concurrency + 1 + concurrency


@pytest.mark.asyncio
async def test_a_paused_iterator_reads_ahead_a_bounded_number_of_pages(long_list):
    server, client = long_list
    sent = Sent(server)
    it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": 10})
    await it.__anext__()
    await it.__anext__()
    most = await watch_requests(sent, 1.0)
    assert DEFAULT_CONCURRENCY < most <= read_ahead_bound(2), f"{most} pages requested"
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
    assert (await client.me()).id == ME_ID


# ---------------------------------------------------------------------------------------------
# async for, not for


@pytest.mark.asyncio
@pytest.mark.parametrize("make", ["iter_pages", "projects", "companies"])
async def test_an_async_iterator_refuses_for(server, aclient, make):
    sent = Sent(server)
    it = {
        "iter_pages": lambda: aclient.iter_pages(PROJECTS, {"company_id": server.company_id}),
        "projects": lambda: aclient.projects.iter(),
        "companies": lambda: aclient.companies.iter(),
    }[make]()
    with pytest.raises(TypeError, match="async for"):
        for _ in it:
            pass
    with pytest.raises(TypeError, match="async for"):
        next(it)
    assert sent.api() == [], "nothing was fetched"
    assert await it.__anext__()  # still a working async iterator


# ---------------------------------------------------------------------------------------------
# Errors mid-iteration

FAULTS: List[Dict[str, Any]] = [
    {"status": 500, "error": procore.ServerError},
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


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: str(f["status"] or "drop"))
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


@pytest.mark.asyncio
async def test_an_error_mid_iter_pages_after_retries_says_how_many_tries(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=2) as client:
        await alogin(client, server)
        fault_after_first_page(server, 503)
        pages = []
        with pytest.raises(procore.ServerError) as info:
            async for page in client.iter_pages(
                PROJECTS, {"company_id": server.company_id, "per_page": 50}
            ):
                pages.append(page)
        server.clear_faults()
    assert [len(p) for p in pages] == [50]
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Inside a running event loop


@pytest.mark.asyncio
async def test_iteration_never_blocks_the_running_loop(fresh_server):
    """While pages are awaited (each answered after 100 ms), other tasks keep running."""
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.set_latency(0.1)
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        t0 = time.monotonic()
        pages = [len(p) async for p in client.iter_pages(
            PROJECTS, {"company_id": server.company_id, "per_page": 50}
        )]
        elapsed = time.monotonic() - t0
        done.set()
        await tick_task
        server.clear_faults()
    assert pages == [50] * 5
    # Page 1, then pages 2..5 together: at least two answers of 100 ms each.
    assert elapsed >= 0.2
    # A blocked loop would not tick at all while waiting; a free one ticks every 10 ms or so.
    assert ticks >= elapsed / 0.01 / 4, f"{ticks} ticks in {elapsed:.2f} s"


def test_a_client_made_outside_any_loop_iterates_inside_asyncio_run(server):
    client = server.async_client()  # made in plain code, like a notebook's first cell

    async def main():
        assert asyncio.get_running_loop().is_running()
        await alogin(client, server)
        pages = [len(p) async for p in client.iter_pages(
            PROJECTS, {"company_id": server.company_id, "per_page": 100}
        )]
        projects = [p async for p in client.projects.iter()]
        companies = [c async for c in client.companies.iter()]
        await client.close()
        return pages, projects, companies

    pages, projects, companies = asyncio.run(main())
    assert pages == [100, 100, 50]
    with server.client() as sync:
        login(sync, server)
        assert projects == sync.projects.list()
        assert companies == sync.companies.list()
