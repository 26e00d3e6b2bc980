"""What only the async client does: its calls are awaitables, its iterators refuse a plain
`for`, and waiting never blocks the running event loop.

Everything both clients do is written once in the async suites (test_*_async.py), from which
scripts/unasync.py generates the sync ones; the sync client's own tests are in
test_sync_only.py.
"""

from __future__ import annotations

import asyncio
import inspect
import time

import pytest

import procore
from helpers import PROJECTS_PER_COMPANY, Sent, alogin, login

ME = "/rest/v1.0/me"
COMPANIES = "/rest/v1.0/companies"
PROJECTS = "/rest/v1.0/projects"


# ---------------------------------------------------------------------------------------------
# Awaitables


@pytest.mark.asyncio
async def test_io_methods_are_awaitable(aclient, server):
    cid = server.company_id
    calls = [
        aclient.me(),
        aclient.companies.list(),
        aclient.projects.list(company_id=cid, per_page=300),
        aclient.get(ME),
        aclient.paginate(COMPANIES),
    ]
    assert all(inspect.isawaitable(c) for c in calls)
    me, companies, projects, raw_me, raw_companies = await asyncio.gather(*calls)
    assert me.to_dict() == raw_me
    assert [c.id for c in companies] == [c["id"] for c in raw_companies] == server.company_ids
    assert len(projects) == PROJECTS_PER_COMPANY


@pytest.mark.asyncio
async def test_the_grants_are_awaitable_and_authorization_url_is_plain(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        url = client.authorization_url()
        assert isinstance(url, str)
        pending = client.exchange_code(server.approve(url))
        assert inspect.isawaitable(pending)
        token = await pending
        assert isinstance(token, procore.Token)
        refreshing = client.refresh()
        assert inspect.isawaitable(refreshing)
        assert (await refreshing) == client.token


@pytest.mark.asyncio
async def test_close_is_awaitable(server):
    plain = server.async_client()
    closing = plain.close()
    assert inspect.isawaitable(closing)
    assert await closing is None
    assert plain.closed


# ---------------------------------------------------------------------------------------------
# Iterators: async for, not for


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
