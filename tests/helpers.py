"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

import procore
from procore.testing import MockServer

OOB = "urn:ietf:wg:oauth:2.0:oob"

# The fixtures' mock: two companies of 250 projects each, so a project list spans several pages.
COMPANIES = 2
PROJECTS_PER_COMPANY = 250


def new_server(**kwargs: Any) -> MockServer:
    kwargs.setdefault("companies", COMPANIES)
    kwargs.setdefault("projects_per_company", PROJECTS_PER_COMPANY)
    return MockServer(**kwargs)


# ---------------------------------------------------------------------------------------------
# What the mock saw


def query_of(request: Dict[str, Any]) -> Dict[str, str]:
    """The query of a recorded request as {name: value} (the last value of a repeated name)."""
    q = request.get("query")
    if q is None:
        return {}
    if isinstance(q, dict):
        return {str(k): (v[-1] if isinstance(v, list) else v) for k, v in q.items()}
    parsed = parse_qs(str(q).lstrip("?"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


class Sent:
    """The requests the mock received after this object was made."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.mark = len(server.requests())

    def all(self) -> List[Dict[str, Any]]:
        return self.server.requests()[self.mark :]

    def api(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        return [
            r
            for r in self.all()
            if r["host"] == "api" and (path is None or r["path"] == path)
        ]

    def login(self) -> List[Dict[str, Any]]:
        return [r for r in self.all() if r["host"] == "login"]


def token_grants(server: MockServer) -> Dict[str, int]:
    counts = server.stats()["token_requests"]
    return {
        k: int(counts.get(k, 0))
        for k in ("authorization_code", "refresh_token", "client_credentials")
    }


# ---------------------------------------------------------------------------------------------
# Logging in, the way the seed's steps 1 and 2 do it


def login(client: procore.Client, server: MockServer) -> procore.Token:
    return client.exchange_code(server.approve(client.authorization_url()))


async def alogin(client: procore.AsyncClient, server: MockServer) -> procore.Token:
    return await client.exchange_code(server.approve(client.authorization_url()))


# ---------------------------------------------------------------------------------------------
# Concurrency, written once: the async suites use the a-names, and scripts/unasync.py turns
# them into their sync twins for the generated suites (tasks on the loop become threads).


async def agather(*calls: Callable[[], Awaitable[Any]]) -> List[Any]:
    """Run the calls concurrently (tasks of the running loop); their results in order."""
    return list(await asyncio.gather(*(call() for call in calls)))


def gather(*calls: Callable[[], Any]) -> List[Any]:
    """Run the calls concurrently (a thread each); their results in order."""
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        return list(pool.map(lambda call: call(), calls))


class _Task:
    def __init__(self, call: Callable[[], Awaitable[Any]]) -> None:
        self._task = asyncio.ensure_future(call())

    def done(self) -> bool:
        return self._task.done()

    async def result(self) -> Any:
        return await self._task


class _Thread:
    def __init__(self, call: Callable[[], Any]) -> None:
        self._outcome: Dict[str, Any] = {}

        def run() -> None:
            try:
                self._outcome["value"] = call()
            except BaseException as e:  # raised by result()
                self._outcome["error"] = e

        self._thread = threading.Thread(target=run)
        self._thread.start()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> Any:
        self._thread.join(60)
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]


def abackground(call: Callable[[], Awaitable[Any]]) -> _Task:
    """Start ``call()`` as a task of the running loop: ``.done()``, ``await .result()``."""
    return _Task(call)


def background(call: Callable[[], Any]) -> _Thread:
    """Start ``call()`` in a thread: ``.done()``, ``.result()``."""
    return _Thread(call)


# ---------------------------------------------------------------------------------------------
# A host the bearer token must never reach


class Elsewhere:
    """A listening TCP socket on loopback (ephemeral port) that records whether anyone
    connected: stands in for "another host" in the tests that check a token stays home."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.netloc = "127.0.0.1:%d" % self.sock.getsockname()[1]

    def connections(self) -> int:
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return n
            conn.close()
            n += 1

    def close(self) -> None:
        self.sock.close()


def netloc(url: str) -> str:
    return urlsplit(url).netloc
