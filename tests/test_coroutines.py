"""Every I/O method of ``AsyncClient`` returns a real coroutine, as an ``async def`` method of
httpx or the OpenAI SDK does (issue 14, item 9): nothing is sent before it is awaited, one never
awaited sends nothing, and ``asyncio.run``, ``create_task``, ``TaskGroup``, ``wait_for`` and
cancellation take it as they take any coroutine.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import sys
import time

import pytest

import procore
from helpers import Sent, alogin

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"


def io_calls(client: procore.AsyncClient, cid: int):
    """Every I/O method of the async client, as (name, thunk)."""
    return [
        ("me", lambda: client.me()),
        ("get", lambda: client.get(ME)),
        ("post", lambda: client.post(PROJECTS, json={"project": {"name": "x"}})),
        ("put", lambda: client.put(f"{PROJECTS}/1", json={})),
        ("patch", lambda: client.patch(f"{PROJECTS}/1", json={})),
        ("delete", lambda: client.delete(f"{PROJECTS}/1")),
        ("paginate", lambda: client.paginate(PROJECTS, {"company_id": cid}, progress=False)),
        ("companies.list", lambda: client.companies.list(progress=False)),
        ("projects.list", lambda: client.projects.list(company_id=cid, progress=False)),
        ("projects.get", lambda: client.projects.get(1, company_id=cid)),
        ("exchange_code", lambda: client.exchange_code("some-code")),
        ("client_credentials", lambda: client.client_credentials()),
        ("refresh", lambda: client.refresh()),
        ("revoke", lambda: client.revoke()),
        ("login", lambda: client.login(open_browser=False)),
        ("close", lambda: client.close()),
        ("aclose", lambda: client.aclose()),
        ("__aenter__", lambda: client.__aenter__()),
        ("__aexit__", lambda: client.__aexit__(None, None, None)),
    ]


@pytest.mark.asyncio
async def test_every_io_method_returns_a_coroutine_that_sends_nothing_until_awaited(server):
    sent = Sent(server)
    client = server.async_client()
    made = []
    for name, call in io_calls(client, server.company_id):
        coro = call()
        assert inspect.iscoroutine(coro) and asyncio.iscoroutine(coro), name
        if name != "login":  # the browser flow's own coroutine
            # The name Python's "never awaited" warning and the repr show.
            assert coro.__qualname__ == f"AsyncClient.{name}"
        made.append(coro)
    # Closing a coroutine that never ran runs nothing of it: no warning, no request, and the
    # client is still open (close() and __aexit__ act when awaited).
    for coro in made:
        coro.close()
    assert not client.closed
    await alogin(client, server)
    for _ in range(3):
        assert (await client.me()).id == 1234567
    paths = [r["path"] for r in sent.all()]
    assert paths == ["/oauth/token", ME, ME, ME]
    await client.close()
    assert client.closed


@pytest.mark.asyncio
async def test_the_request_starts_at_the_await_not_at_the_call(server, aclient):
    sent = Sent(server)
    pending = [aclient.me(), aclient.get(ME), aclient.companies.list()]
    # Full round trips of other calls: a request made at call time would be seen by now.
    for _ in range(3):
        await aclient.get(PROJECTS, {"company_id": server.company_id, "per_page": 1})
    assert [r["path"] for r in sent.all()] == [PROJECTS] * 3
    me, raw, companies = await asyncio.gather(*pending)
    assert me.id == raw["id"] == 1234567 and len(companies) == 2
    assert sorted(r["path"] for r in sent.all()[3:]) == sorted([ME, ME, "/rest/v1.0/companies"])


@pytest.mark.asyncio
async def test_a_coroutine_never_awaited_sends_nothing_and_python_says_so(server, aclient):
    sent = Sent(server)
    coro = aclient.projects.get(1, company_id=server.company_id)
    assert coro.__qualname__ == "AsyncClient.projects.get"
    assert repr(coro).startswith("<coroutine object AsyncClient.projects.get at ")
    with pytest.warns(RuntimeWarning, match="coroutine 'AsyncClient.projects.get' was never"):
        del coro
        gc.collect()
    for name, call in [("me", aclient.me), ("get", lambda: aclient.get(ME))]:
        with pytest.warns(RuntimeWarning, match=f"coroutine 'AsyncClient.{name}' was never"):
            call()
            gc.collect()
    assert sent.all() == []


def test_asyncio_run_takes_a_call_as_it_is_in_several_loops_in_turn(server):
    client = server.async_client()
    token = asyncio.run(client.client_credentials())
    assert client.token == token
    assert asyncio.run(client.me()).id == 1234567
    assert len(asyncio.run(client.companies.list())) == 2
    asyncio.run(client.close())
    assert client.closed


def test_a_coroutine_made_in_one_loop_runs_in_another(server):
    client = server.async_client()
    asyncio.run(client.client_credentials())

    async def make():
        return client.me()  # made here, awaited by the next loop

    coro = asyncio.run(make())
    assert asyncio.run(coro).id == 1234567
    asyncio.run(client.close())


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is new in 3.11")
@pytest.mark.asyncio
async def test_a_task_group_runs_them(server, aclient):
    async with asyncio.TaskGroup() as group:
        me = group.create_task(aclient.me())
        companies = group.create_task(aclient.companies.list())
        projects = group.create_task(aclient.projects.list(company_id=server.company_id))
    assert me.result().id == 1234567
    assert len(companies.result()) == 2 and len(projects.result()) == 250


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is new in 3.11")
@pytest.mark.asyncio
async def test_a_failure_in_a_task_group_cancels_the_others(server, aclient):
    server.delay_next(5.0, count=1, path=ME)
    started = time.monotonic()
    with pytest.raises(ExceptionGroup) as info:  # noqa: F821 (3.11+)
        async with asyncio.TaskGroup() as group:
            slow = group.create_task(aclient.me())
            group.create_task(aclient.projects.get(424242, company_id=server.company_id))
    assert info.group_contains(procore.NotFoundError)
    assert slow.cancelled()
    assert time.monotonic() - started < 4.0


@pytest.mark.asyncio
async def test_create_task_and_ensure_future_take_them(server, aclient):
    task = asyncio.create_task(aclient.me())
    future = asyncio.ensure_future(aclient.get(ME))
    assert (await task).id == (await future)["id"] == 1234567


@pytest.mark.asyncio
async def test_wait_for_times_out_and_the_cancelled_call_lets_go_of_its_slot(fresh_server):
    server = fresh_server
    # One request in flight at a time: a cancelled call still holding its slot would make the
    # next call wait for the slow answer.
    async with server.async_client(max_concurrency=1) as client:
        await client.client_credentials()
        server.delay_next(3.0, count=1, path=ME)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.me(), 0.3)
        companies = await asyncio.wait_for(client.companies.list(), 2.0)
        assert len(companies) == 2


@pytest.mark.asyncio
async def test_cancelling_the_task_cancels_the_call(fresh_server):
    server = fresh_server
    async with server.async_client(max_concurrency=1) as client:
        await client.client_credentials()
        server.delay_next(3.0, count=1, path=ME)
        task = asyncio.create_task(client.me())
        await asyncio.sleep(0)  # one step: the task starts the request
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(await asyncio.wait_for(client.companies.list(), 2.0)) == 2


@pytest.mark.asyncio
async def test_closing_a_started_coroutine_cancels_its_call(fresh_server):
    server = fresh_server
    async with server.async_client(max_concurrency=1) as client:
        await client.client_credentials()
        server.delay_next(3.0, count=1, path=ME)
        coro = client.me()
        # Driven by hand, as an event loop does: the first step starts the request.
        waiting_on = coro.send(None)
        assert isinstance(waiting_on, asyncio.Future) and not waiting_on.done()
        coro.close()
        assert waiting_on.cancelled()
        assert len(await asyncio.wait_for(client.companies.list(), 2.0)) == 2


@pytest.mark.asyncio
async def test_errors_come_out_of_the_await(server, aclient):
    with pytest.raises(procore.NotFoundError):
        await aclient.projects.get(424242, company_id=server.company_id)
    # Arguments are checked at the call, before a coroutine exists.
    with pytest.raises(procore.ConfigError):
        aclient.projects.get("not-an-id")


@pytest.mark.asyncio
async def test_async_with_and_close_act_when_awaited(server):
    client = server.async_client()
    entering = client.__aenter__()
    assert await entering is client
    closing = client.close()
    assert not client.closed
    assert await closing is None and client.closed
    async with server.async_client() as other:
        assert isinstance(other, procore.AsyncClient) and not other.closed
    assert other.closed


@pytest.mark.asyncio
async def test_cancelling_paginate_mid_pull_lets_go_of_the_pages_in_flight(fresh_server):
    """The async paginate() makes dicts of each page as it comes; cancelled while later pages
    are held back, it ends at once and gives back the slots those pages held."""
    server = fresh_server
    projects = "/rest/v1.0/projects"
    async with server.async_client(max_concurrency=2) as client:
        await client.client_credentials()
        server.delay_next(0, count=1, path=projects)  # page 1 at once,
        server.delay_next(30.0, count=100, path=projects)  # every later page held back
        sent = Sent(server)
        params = {"company_id": server.company_id, "per_page": 10}
        task = asyncio.create_task(client.paginate(projects, params))
        # Pages 2 and 3 asked for: page 1 was converted and both slots are taken.
        while len(sent.api(projects)) < 3:
            await asyncio.sleep(0.01)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(await asyncio.wait_for(client.companies.list(), 5.0)) == 2
        assert len(sent.api(projects)) == 3
        server.clear_faults()
