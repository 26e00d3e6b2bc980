"""The async client inside an already-running event loop (as in Jupyter), without nest_asyncio;
awaiting never blocks the loop; cancelling an await is prompt."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from helpers import alogin, login

ME = "/rest/v1.0/me"


def test_client_made_outside_a_loop_is_used_inside_asyncio_run(server):
    client = server.async_client()  # made in plain sync code, like a notebook's first cell

    async def main():
        assert asyncio.get_running_loop().is_running()
        await alogin(client, server)
        me = await client.me()
        companies = await client.companies.list()
        projects = await client.projects.list(company_id=companies[0].id)
        await client.close()
        return me, companies, projects

    me, companies, projects = asyncio.run(main())
    assert me.id == 1234567
    assert [c.id for c in companies] == server.company_ids
    assert {p.company.id for p in projects} == {server.company_ids[0]}
    assert "nest_asyncio" not in sys.modules


def test_one_client_serves_two_event_loops_in_turn(server):
    client = server.async_client()

    async def first():
        await alogin(client, server)
        return (await client.me()).id

    async def second():
        me = await client.me()
        await client.close()
        return me.id

    assert asyncio.run(first()) == 1234567
    assert asyncio.run(second()) == 1234567


def test_async_client_in_a_loop_on_another_thread(server):
    results = {}

    def worker():
        async def main():
            async with server.async_client() as client:
                await alogin(client, server)
                results["me"] = (await client.me()).id

        asyncio.run(main())

    t = threading.Thread(target=worker)
    t.start()
    t.join(30)
    assert not t.is_alive()
    assert results == {"me": 1234567}


@pytest.mark.asyncio
async def test_awaiting_does_not_block_the_running_loop(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.set_latency(0.5)
        ticks = 0
        done = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        me = await client.me()
        done.set()
        await task
        assert me.id == 1234567
        assert ticks >= 10, f"the loop ran only {ticks} times during a 0.5 s call"


@pytest.mark.asyncio
async def test_concurrent_awaits_overlap(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.set_latency(0.5)
        start = time.monotonic()
        results = await asyncio.gather(*(client.me() for _ in range(4)))
        took = time.monotonic() - start
        assert [m.id for m in results] == [1234567] * 4
        assert took < 1.5, f"4 calls of 0.5 s each took {took:.2f} s: they did not overlap"


@pytest.mark.asyncio
async def test_cancelling_an_await_is_prompt_and_the_client_stays_usable(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0) as client:
        await alogin(client, server)
        server.delay_next(30, path=ME)
        start = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.me(), 0.5)
        assert time.monotonic() - start < 5
        assert (await client.me()).id == 1234567


@pytest.mark.asyncio
async def test_sync_client_works_inside_a_running_loop(server):
    """A notebook cell runs inside a running loop: the sync client must not need one."""
    assert asyncio.get_running_loop().is_running()
    with server.client() as client:
        login(client, server)
        assert client.me().id == 1234567
        assert len(client.companies.list()) == len(server.company_ids)
