"""What only the sync client does: its calls block with the GIL released, and its iterators
refuse `async for`.

Everything both clients do is written once in the async suites (test_*_async.py), from which
scripts/unasync.py generates the sync ones; the async client's own tests are in
test_async_only.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import Sent, login

PROJECTS = "/rest/v1.0/projects"


def test_sync_calls_release_the_gil(fresh_server):
    """Other Python threads run while a sync call waits, and sync calls overlap."""
    server = fresh_server
    with server.client() as client:
        login(client, server)
        server.set_latency(0.5)
        ticks = 0
        stop = threading.Event()

        def ticker():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                time.sleep(0.01)

        t = threading.Thread(target=ticker)
        t.start()
        try:
            assert client.me().id == 1234567
        finally:
            stop.set()
            t.join()
        assert ticks >= 10, f"another thread ran only {ticks} times during a 0.5 s call"

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = list(pool.map(lambda _: client.me().id, range(4)))
        took = time.monotonic() - start
        assert ids == [1234567] * 4
        assert took < 1.5, f"4 calls of 0.5 s each from 4 threads took {took:.2f} s"


@pytest.mark.parametrize("make", ["iter_pages", "projects", "companies"])
def test_a_sync_iterator_refuses_async_for(server, client, make):
    sent = Sent(server)
    it = {
        "iter_pages": lambda: client.iter_pages(PROJECTS, {"company_id": server.company_id}),
        "projects": lambda: client.projects.iter(),
        "companies": lambda: client.companies.iter(),
    }[make]()

    async def use() -> None:
        async for _ in it:
            pass

    with pytest.raises(TypeError, match="for"):
        asyncio.run(use())
    with pytest.raises(TypeError):
        it.__anext__()
    assert sent.api() == [], "nothing was fetched"
    # Still a working sync iterator.
    assert next(iter(it))
