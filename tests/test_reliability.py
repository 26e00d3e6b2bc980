"""Issue 3, "Resilience": an overnight pull finishes with every record exactly once and never
locks the user out.

- Exact pagination under random faults: 20,000 projects pulled again and again while the mock
  fails 10% of the API requests (500, 502, 503 + Retry-After, 429 + Retry-After, dropped
  connections), sync and async, eager (`projects.list()`) and lazy (`projects.iter()`).
- Single-flight refresh: many threads and tasks hitting an expired token at once send exactly
  one refresh request (refresh tokens are single-use), also across two clients on one store.
- The token store survives SIGKILL at any point of a refresh, and two processes sharing one
  store keep working across many refreshes without a single `invalid_grant`.
- A token that dies in the middle of a concurrent pull is renewed once and the pull is exact;
  tokens are renewed before expiry by created_at + expires_in, and once after a 401.
- The retry rules: what is retried (GET through 408/429/5xx, dropped connections, timeouts;
  even POST when the connection was never made), what is not (POST/PATCH once the request
  reached the server), how many tries (`.attempts`, "after N attempts"), and the concurrency
  cap (`max_concurrency`, measured at the mock).

Figures (faults injected, refreshes, kills, ...) are printed: run with `-s` to see them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs

import pytest

import procore
from helpers import Sent, alogin, login, token_grants
from procore.testing import MockServer

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"
ME_ID = 1234567
SCRIPTS = Path(__file__).parent / "scripts"

# The faulted pulls: 20,000 projects at the mock's largest page size (300), so one pull is
# 67 pages; ten sync pulls in a row, and the async and lazy forms on top.
BIG = 20_000
PER_PAGE = 300
PAGES = -(-BIG // PER_PAGE)
PULLS = 10
FAULT_RATE = 0.10
SEED = 32024
# At a 10% fault rate a page fails 11 times in a row with probability 1e-11.
MAX_RETRIES = 10


# ---------------------------------------------------------------------------------------------
# Helpers


def statuses(stats: Dict[str, Any]) -> Counter:
    return Counter({int(k): int(v) for k, v in stats["status_counts"].items()})


class Tally:
    """What the mock answered between two moments: answers by status, and dropped connections."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.before = server.stats()

    def done(self) -> Dict[str, int]:
        after = self.server.stats()
        codes = statuses(after) - statuses(self.before)
        return {
            "requests": after["api_requests"] - self.before["api_requests"],
            "200": codes[200],
            "429": codes[429],
            "5xx": sum(n for code, n in codes.items() if 500 <= code < 600),
            "dropped": after["dropped"] - self.before["dropped"],
        }


def pages_answered(sent: Sent) -> Counter:
    """How many 200 answers each page number of the project list got."""
    pages: Counter = Counter()
    for r in sent.api(PROJECTS):
        if r["method"] == "GET" and r["status"] == 200:
            q = parse_qs(r["query"])
            pages[int(q.get("page", ["1"])[-1])] += 1
    return pages


def check_exact(ids: List[int], reference: List[int], what: str) -> None:
    assert len(ids) == len(reference) == BIG, f"{what}: {len(ids)} records, expected {BIG}"
    dupes = len(ids) - len(set(ids))
    assert dupes == 0, f"{what}: {dupes} records came twice"
    assert ids == reference, f"{what}: the records differ from the clean pull (gaps or order)"


class InFlight:
    """Samples, from a background thread, how many API requests the mock is still answering
    (recorded, not yet answered). With latency on every answer, each request stays in flight
    long enough for the sampler to see it; the peak is the concurrency the mock saw."""

    def __init__(self, server: MockServer) -> None:
        self.sent = Sent(server)
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            n = sum(1 for r in self.sent.api() if r["status"] is None)
            self.peak = max(self.peak, n)
            self.samples += 1
            self._stop.wait(0.005)

    def __enter__(self) -> "InFlight":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def child_env(server: MockServer) -> Dict[str, str]:
    """The environment of a child process: the mock's throwaway credentials go in the
    environment, never on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE_")}
    env["PROCORE_CLIENT_ID"] = server.client_id
    env["PROCORE_CLIENT_SECRET"] = server.client_secret
    # The children import the same procore as this process.
    package_root = str(Path(procore.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def store_folder_listing(folder: Path, store: Path) -> Dict[str, List[str]]:
    names = sorted(p.name for p in folder.iterdir())
    tmp = [n for n in names if n.startswith(".procore-token-") and n.endswith(".tmp")]
    other = [n for n in names if n not in tmp and n not in (store.name, store.name + ".lock")]
    return {"tmp": tmp, "other": other}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------------------------------------
# 20,000 projects under a 10% fault rate


@pytest.fixture(scope="module")
def big():
    """A mock with one company of 20,000 projects, and the clean pull every faulted pull must
    reproduce exactly."""
    with MockServer(companies=1, projects_per_company=BIG) as server:
        with server.client() as client:
            login(client, server)
            t0 = time.monotonic()
            reference = [p.id for p in client.projects.list(per_page=PER_PAGE)]
            print(f"\nclean pull: {len(reference)} projects in {time.monotonic() - t0:.1f} s")
        assert len(reference) == BIG
        assert len(set(reference)) == BIG
        yield server, reference


# Each test draws its own fault sequence (seeded, so a failure can be replayed).
SEEDS = {
    "test_ten_faulted_pulls_in_a_row_are_exact_sync": SEED,
    "test_faulted_pull_is_exact_lazily_sync": SEED + 1,
    "test_faulted_pulls_are_exact_async": SEED + 2,
}


@pytest.fixture
def faulty(big, request):
    server, reference = big
    server.set_fault_rate(FAULT_RATE, seed=SEEDS[request.node.name])
    yield server, reference
    server.clear_faults()


def report_runs(title: str, runs: List[Dict[str, Any]]) -> Dict[str, int]:
    total = Counter()
    print(f"\n{title} ({PER_PAGE} per page, {PAGES} pages a pull, fault rate {FAULT_RATE:.0%}):")
    for i, r in enumerate(runs, 1):
        print(
            f"  pull {i:2}: {r['records']} records, {r['requests']} requests "
            f"({r['200']} ok, {r['429']} x 429, {r['5xx']} x 5xx, {r['dropped']} dropped) "
            f"in {r['seconds']:.1f} s"
        )
        total.update({k: v for k, v in r.items() if k != "seconds"})
    print(
        f"  total: {total['records']} records over {len(runs)} pulls, {total['requests']} "
        f"requests: {total['429']} x 429, {total['5xx']} x 5xx, {total['dropped']} dropped"
    )
    return dict(total)


def check_faults_were_injected(total: Dict[str, int], pulls: int) -> None:
    # Otherwise the pulls prove nothing about retries.
    faults = total["429"] + total["5xx"] + total["dropped"]
    assert faults >= pulls, f"too few faults injected to prove anything: {total}"
    assert total["requests"] == total["200"] + faults


@pytest.mark.timeout(300)
def test_ten_faulted_pulls_in_a_row_are_exact_sync(faulty):
    server, reference = faulty
    runs = []
    with server.client(max_retries=MAX_RETRIES) as client:
        login(client, server)
        for i in range(PULLS):
            sent, tally, t0 = Sent(server), Tally(server), time.monotonic()
            projects = client.projects.list(per_page=PER_PAGE)
            seconds = time.monotonic() - t0
            check_exact([p.id for p in projects], reference, f"pull {i + 1}")
            assert all(isinstance(p, procore.Project) for p in projects[::PER_PAGE])
            # Every page was answered exactly once: retries replaced failed tries only.
            assert pages_answered(sent) == Counter(range(1, PAGES + 1)), f"pull {i + 1}"
            runs.append({"records": len(projects), "seconds": seconds, **tally.done()})
    total = report_runs("sync projects.list()", runs)
    check_faults_were_injected(total, PULLS)
    # Each kind of fault was met, and got through.
    assert total["429"] > 0 and total["5xx"] > 0 and total["dropped"] > 0, total


@pytest.mark.timeout(120)
def test_faulted_pull_is_exact_lazily_sync(faulty):
    server, reference = faulty
    with server.client(max_retries=MAX_RETRIES) as client:
        login(client, server)
        tally, t0 = Tally(server), time.monotonic()
        it = client.projects.iter(per_page=PER_PAGE)
        ids = [p.id for p in it]
        run = {"records": len(ids), "seconds": time.monotonic() - t0, **tally.done()}
        assert it.total == BIG
    check_exact(ids, reference, "projects.iter()")
    check_faults_were_injected(report_runs("sync projects.iter()", [run]), 1)


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_faulted_pulls_are_exact_async(faulty):
    server, reference = faulty
    runs = []
    async with server.async_client(max_retries=MAX_RETRIES) as client:
        await alogin(client, server)
        sent, tally, t0 = Sent(server), Tally(server), time.monotonic()
        projects = await client.projects.list(per_page=PER_PAGE)
        seconds = time.monotonic() - t0
        check_exact([p.id for p in projects], reference, "async projects.list()")
        assert all(isinstance(p, procore.Project) for p in projects[::PER_PAGE])
        assert pages_answered(sent) == Counter(range(1, PAGES + 1))
        runs.append({"records": len(projects), "seconds": seconds, **tally.done()})
        # The lazy form, under the same faults (whole pages: one await per page, not per
        # record; projects.iter() runs on the same page stream).
        sent, tally, t0 = Sent(server), Tally(server), time.monotonic()
        it = client.iter_pages(PROJECTS, {"company_id": server.company_id, "per_page": PER_PAGE})
        pages = [page async for page in it]
        seconds = time.monotonic() - t0
        runs.append({"records": sum(map(len, pages)), "seconds": seconds, **tally.done()})
        assert it.total == BIG
        assert [len(p) for p in pages] == [PER_PAGE] * (PAGES - 1) + [BIG - PER_PAGE * (PAGES - 1)]
        check_exact([r["id"] for p in pages for r in p], reference, "async iter_pages()")
        assert pages_answered(sent) == Counter(range(1, PAGES + 1))
    total = report_runs("async: projects.list(), then async for iter_pages()", runs)
    check_faults_were_injected(total, len(runs))


# ---------------------------------------------------------------------------------------------
# Single-flight refresh


def due_token(token: procore.Token, seconds_left: int, lifetime: Optional[int] = None):
    """The same token, but with created_at/expires_in saying it has `seconds_left` to live.
    The mock keeps its own clock for the token, so it is still valid there: a refresh sent for
    it is the client's own decision."""
    d = token.to_dict()
    d["expires_in"] = lifetime or d["expires_in"]
    d["created_at"] = int(time.time()) - d["expires_in"] + seconds_left
    return procore.Token.from_dict(d)


@pytest.mark.parametrize("how", ["expired_on_the_server", "due_by_the_clock"])
def test_eight_threads_on_one_sync_client_refresh_once(fresh_server, how):
    server = fresh_server
    with server.client() as first:
        token = login(first, server)
    if how == "due_by_the_clock":
        token = due_token(token, seconds_left=30)  # under the 60 s margin
    with server.client(token=token) as client:
        if how == "expired_on_the_server":
            server.expire_tokens()
        sent = Sent(server)
        barrier = threading.Barrier(8)
        results: List[Any] = [None] * 8

        def worker(i: int) -> None:
            barrier.wait(timeout=20)
            try:
                results[i] = (client.me().id, len(client.companies.list()))
            except BaseException as e:  # reported below
                results[i] = e

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=50)
        assert results == [(ME_ID, 2)] * 8
        assert token_grants(server)["refresh_token"] == 1
        assert server.stats()["refreshes"] == 1
        unauthorized = sum(1 for r in sent.api() if r["status"] == 401)
        if how == "due_by_the_clock":
            # Refreshed before use: the stale token never reached the API.
            assert unauthorized == 0
        else:
            assert 1 <= unauthorized <= 8  # at most every thread's first try
        assert client.token.access_token != token.access_token


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["expired_on_the_server", "due_by_the_clock"])
async def test_twenty_tasks_on_one_async_client_refresh_once(fresh_server, how):
    server = fresh_server
    async with server.async_client() as first:
        token = await alogin(first, server)
    if how == "due_by_the_clock":
        token = due_token(token, seconds_left=30)
    async with server.async_client(token=token) as client:
        if how == "expired_on_the_server":
            server.expire_tokens()
        sent = Sent(server)
        go, all_waiting, waiting = asyncio.Event(), asyncio.Event(), 0

        async def task():
            nonlocal waiting
            waiting += 1
            if waiting == 20:
                all_waiting.set()
            await go.wait()
            return (await client.me()).id

        tasks = [asyncio.create_task(task()) for _ in range(20)]
        await all_waiting.wait()
        go.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert results == [ME_ID] * 20
        assert token_grants(server)["refresh_token"] == 1
        assert server.stats()["refreshes"] == 1
        unauthorized = sum(1 for r in sent.api() if r["status"] == 401)
        if how == "due_by_the_clock":
            assert unauthorized == 0
        else:
            assert 1 <= unauthorized <= 20


@pytest.mark.timeout(60)
def test_threads_and_tasks_on_two_clients_sharing_a_store_refresh_once(fresh_server, tmp_path):
    """8 threads on a sync Client and 20 tasks on an AsyncClient (its loop in another thread),
    both clients on one token store, all released at once onto an expired token: one refresh
    in all. The clients serialise through the store's lock file and the loser adopts the
    winner's token from the store."""
    server = fresh_server
    store = tmp_path / "token.json"
    with server.client(token_store=str(store)) as sync_client:
        login(sync_client, server)
        async_client = server.async_client(token_store=str(store))
        assert async_client.token == sync_client.token
        server.expire_tokens()
        barrier = threading.Barrier(8 + 1)
        thread_results: List[Any] = [None] * 8
        loop_result: Dict[str, Any] = {}

        def thread_worker(i: int) -> None:
            barrier.wait(timeout=20)
            try:
                thread_results[i] = sync_client.me().id
            except BaseException as e:
                thread_results[i] = e

        async def async_side() -> List[Any]:
            go, all_waiting, waiting = asyncio.Event(), asyncio.Event(), 0

            async def task():
                nonlocal waiting
                waiting += 1
                if waiting == 20:
                    all_waiting.set()
                await go.wait()
                return (await async_client.me()).id

            tasks = [asyncio.create_task(task()) for _ in range(20)]
            await all_waiting.wait()
            # The barrier's 9th party: the threads and the tasks go together.
            await asyncio.to_thread(barrier.wait, 20)
            go.set()
            try:
                return await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                await async_client.close()

        def loop_thread() -> None:
            try:
                loop_result["tasks"] = asyncio.run(async_side())
            except BaseException as e:
                loop_result["error"] = e

        threads = [threading.Thread(target=thread_worker, args=(i,)) for i in range(8)]
        threads.append(threading.Thread(target=loop_thread))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=50)
        assert "error" not in loop_result, loop_result
        assert thread_results == [ME_ID] * 8
        assert loop_result["tasks"] == [ME_ID] * 20
        assert token_grants(server)["refresh_token"] == 1
        stored = procore.Token.from_dict(json.loads(store.read_text()))
        assert stored == sync_client.token
        assert mode(store) == 0o600


def test_token_expiring_in_the_middle_of_a_concurrent_pull(fresh_server):
    """The overnight case: the access token dies while pages 2..N are in flight (8 at once).
    Every page that meets the 401 waits for one shared refresh, and the pull is exact."""
    server = fresh_server
    server.set_projects(server.company_id, 3000)
    with server.client() as client:
        login(client, server)
        reference = [p.id for p in client.projects.list(per_page=30)]  # 100 pages
        server.set_latency(0.03)  # the pull takes at least 100 / 8 * 30 ms
        sent = Sent(server)
        expired_after = {}

        def expire_mid_pull() -> None:
            deadline = time.monotonic() + 30
            while len(sent.api(PROJECTS)) < 20 and time.monotonic() < deadline:
                time.sleep(0.002)
            server.expire_tokens()
            expired_after["pages"] = len(sent.api(PROJECTS))

        killer = threading.Thread(target=expire_mid_pull)
        killer.start()
        projects = client.projects.list(per_page=30)
        killer.join()
        server.clear_faults()
        assert [p.id for p in projects] == reference
        assert 20 <= expired_after["pages"] < 100, expired_after
        assert token_grants(server)["refresh_token"] == 1
        assert any(r["status"] == 401 for r in sent.api(PROJECTS)), "the expiry was not met"


# ---------------------------------------------------------------------------------------------
# Refresh timing and renewal rules


@pytest.mark.parametrize(
    "lifetime, seconds_left, refreshes",
    [
        (5400, 30, 1),  # margin min(60, 540) = 60 s: due
        (5400, 90, 0),  # not yet
        (100, 5, 1),  # margin min(60, 10) = 10 s: due
        (100, 15, 0),  # not yet (a fixed 60 s margin would refresh here)
    ],
)
def test_token_is_refreshed_before_expiry_by_created_at_plus_expires_in(
    fresh_server, lifetime, seconds_left, refreshes
):
    server = fresh_server
    with server.client() as first:
        token = login(first, server)
    with server.client(token=due_token(token, seconds_left, lifetime)) as client:
        sent = Sent(server)
        assert client.me().id == ME_ID
        assert token_grants(server)["refresh_token"] == refreshes
        assert [r["status"] for r in sent.api()] == [200]  # never a 401 first
        if refreshes:
            assert [r["path"] for r in sent.login()] == ["/oauth/token"]
            assert client.token.access_token != token.access_token


def test_a_second_401_after_the_refresh_is_raised_not_refreshed_again(fresh_server):
    server = fresh_server
    with server.client(max_retries=3) as client:
        login(client, server)
        server.fail_next(401, count=2, path=ME)
        sent = Sent(server)
        with pytest.raises(procore.AuthenticationError) as info:
            client.me()
        assert token_grants(server)["refresh_token"] == 1
        assert [r["status"] for r in sent.api(ME)] == [401, 401]
        assert info.value.status_code == 401


def test_client_credentials_token_is_renewed_with_the_same_grant(fresh_server, tmp_path):
    server = fresh_server
    with server.client() as client:
        client.client_credentials()
        server.expire_tokens()
        assert client.me().id == ME_ID  # after a 401
        assert client.token.refresh_token is None
    # A stored token without a refresh token is a client-credentials token: renewed with that
    # grant when it is due.
    store = tmp_path / "cc.json"
    with server.client(token_store=str(store)) as client:
        token = client.client_credentials()
    store.write_text(json.dumps(due_token(token, seconds_left=10).to_dict()))
    with server.client(token_store=str(store)) as client:
        sent = Sent(server)
        assert client.me().id == ME_ID  # before expiry
        assert [r["status"] for r in sent.api()] == [200]
        assert [r["path"] for r in sent.login()] == ["/oauth/token"]
        assert procore.Token.from_dict(json.loads(store.read_text())) == client.token
    assert token_grants(server) == {
        "authorization_code": 0,
        "refresh_token": 0,
        "client_credentials": 4,
    }


def test_a_store_refreshed_by_another_client_is_reread_before_refreshing(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "token.json"
    with server.client(token_store=str(store)) as a:
        login(a, server)
        with server.client(token_store=str(store)) as b:
            a.refresh()  # b still holds the first token, whose refresh token is now dead
            b.refresh()  # must re-read the store first, or it would send the dead one
            assert server.stats()["status_counts"].get("400", 0) == 0
            assert token_grants(server)["refresh_token"] == 2
            assert procore.Token.from_dict(json.loads(store.read_text())) == b.token


# ---------------------------------------------------------------------------------------------
# SIGKILL while writing the token store

KILLS = 30


@pytest.mark.timeout(180)
def test_sigkill_during_refresh_never_leaves_a_broken_store(fresh_server, tmp_path):
    """A child process refreshes in a loop (each new token written to the store before
    `refresh()` returns, then `wrote N` printed) and is SIGKILLed at a varying point of a
    refresh-and-write cycle, 30 times, each child picking up the store the last one left.

    What is guaranteed, and asserted after every kill:
    - the store is always a complete token file (the old one or the new one, never a torn
      write: temp file + fsync + rename), mode 0600, that `Token.from_dict` reads;
    - beside it only the lock file, plus at most one `.procore-token-*.tmp` per kill (a killed
      write cannot clean up its temp file), itself mode 0600 since it holds a token;
    - the stored access token works (`me()`): a refresh only rotates the refresh token, and the
      stored access token has not expired;
    - the stored refresh token works, except in one window: the server rotated the refresh
      token (the old one is dead at once) but the child died before the rename put the new
      one on disk. No client can close that window (the answer is lost with the process); we
      check that whenever the stored refresh token is dead, the mock completed exactly one
      refresh more than the child reported, i.e. it is that window and nothing else. Then the
      user must log in again, which the test does (and counts)."""
    server = fresh_server
    folder = tmp_path / "store"
    folder.mkdir()
    store = folder / "token.json"
    with server.client(token_store=str(store)) as parent:
        login(parent, server)
    rng = random.Random(SEED)
    env = child_env(server)
    script = str(SCRIPTS / "refresh_loop.py")
    seen_tmp: set = set()
    tally = Counter()
    for kill in range(KILLS):
        refreshes_before = server.stats()["refreshes"]
        child = subprocess.Popen(
            [sys.executable, script, server.base_url, server.login_url, server.ca_cert, str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        try:
            assert child.stdout.readline() == "ready\n", child.stderr.read()
            wait_for = 1 + kill % 4
            for n in range(1, wait_for + 1):
                assert child.stdout.readline() == f"wrote {n}\n"
            # The kill point: somewhere in the next refresh-and-write cycle (about 15-20 ms
            # here), uniformly. The pause chooses where the kill lands; it waits for nothing.
            time.sleep(rng.uniform(0.0, 0.025))
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL
        reported = wait_for + out.count("wrote ")

        # The folder: the store, its lock, and at most one new temp file from the killed write.
        listing = store_folder_listing(folder, store)
        assert listing["other"] == [], listing
        new_tmp = set(listing["tmp"]) - seen_tmp
        assert len(new_tmp) <= 1, listing
        for name in new_tmp:
            assert mode(folder / name) == 0o600, f"{name} holds a token: it must be private"
        seen_tmp |= new_tmp
        tally["killed mid-write (temp file left)"] += len(new_tmp)

        # The store: complete, parseable, private.
        assert mode(store) == 0o600
        stored = procore.Token.from_dict(json.loads(store.read_text()))
        assert stored.access_token and stored.refresh_token

        with server.client(token_store=str(store), max_retries=0) as after:
            assert after.token == stored
            assert after.me().id == ME_ID
            completed = server.stats()["refreshes"] - refreshes_before
            assert completed in (reported, reported + 1), (completed, reported)
            try:
                after.refresh()
            except procore.OAuthError as e:
                assert e.error == "invalid_grant"
                # The stored refresh token is dead: only the in-flight window explains it.
                completed = server.stats()["refreshes"] - refreshes_before
                assert completed == reported + 1, (completed, reported)
                tally["killed after the server rotated, before the rename (re-login)"] += 1
                login(after, server)
            else:
                if completed == reported + 1:
                    tally["killed after the rename, before reporting"] += 1
                else:
                    tally["killed with nothing rotated"] += 1
            assert procore.Token.from_dict(json.loads(store.read_text())) == after.token
        tally["kills survived"] += 1
        tally["writes reported"] += reported

    print(f"\nSIGKILL during refresh, {KILLS} kills:")
    for k, v in sorted(tally.items()):
        print(f"  {k}: {v}")
    assert tally["kills survived"] == KILLS


# ---------------------------------------------------------------------------------------------
# Two processes, one store

SHARE_SECONDS = 8.0
TOKEN_LIFETIME = 2


@pytest.mark.timeout(90)
def test_two_processes_sharing_a_store_keep_working_across_refreshes(tmp_path):
    """Two processes loop `me()` for four token lifetimes with `token_store=` the same file.
    Refresh tokens are single-use: if either process refreshed with a token the other had
    already rotated, the mock would answer `invalid_grant`. None may appear."""
    with MockServer(token_lifetime=TOKEN_LIFETIME) as server:
        # Back-to-back calls from two processes would spend the mock's default allowance
        # (3,600 an hour per token) within a second or two of a fast build, and the clients'
        # pacing would then space calls seconds apart: the store is under test here, not the
        # rate limit (the interplay of pacing and short-lived tokens has its own tests in
        # test_rate_limit.py).
        server.set_rate_limit(10_000_000, 3600)
        store = tmp_path / "token.json"
        with server.client(token_store=str(store)) as client:
            login(client, server)
        sent = Sent(server)
        env = child_env(server)
        args = [server.base_url, server.login_url, server.ca_cert, str(store), str(SHARE_SECONDS)]
        children = [
            subprocess.Popen(
                [sys.executable, str(SCRIPTS / "me_loop.py"), *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for child in children:
                assert child.stdout.readline() == "ready\n", child.stderr.read()
            for child in children:
                child.stdin.write("go\n")
                child.stdin.flush()
            outputs = [child.communicate(timeout=60) for child in children]
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        summaries = []
        for child, (out, err) in zip(children, outputs):
            assert child.returncode == 0, (out, err)
            summaries.append(json.loads(out.strip().splitlines()[-1]))
        token_answers = Counter(
            r["status"] for r in sent.login() if r["path"] == "/oauth/token"
        )
        api_answers = Counter(r["status"] for r in sent.api())
        stats = server.stats()
        print(
            f"\ntwo processes, one store, {TOKEN_LIFETIME} s tokens, {SHARE_SECONDS:.0f} s: "
            f"calls {[s['calls'] for s in summaries]}, refreshes {stats['refreshes']}, "
            f"token endpoint answers {dict(token_answers)}, API answers {dict(api_answers)}"
        )
        for s in summaries:
            assert s["failed"] == 0 and s["ok"] == s["calls"] > 0, s
        assert token_answers[400] == 0, "invalid_grant: a refresh token was used twice"
        assert set(token_answers) == {200}, token_answers
        assert token_grants(server)["refresh_token"] == stats["refreshes"]
        assert stats["refreshes"] >= 3, "the loop should have crossed several token lifetimes"
        final = procore.Token.from_dict(json.loads(store.read_text()))
        assert mode(store) == 0o600
        with server.client(token=final) as check:
            assert check.me().id == ME_ID


# ---------------------------------------------------------------------------------------------
# What is retried, and how often


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_not_retried_after_an_answer(fresh_server, method, status):
    server = fresh_server
    with server.client(max_retries=5) as client:
        login(client, server)
        company = {"company_id": server.company_id}
        created = client.post(PROJECTS, json={"project": {"name": "Depot"}}, params=company)
        path = PROJECTS if method == "POST" else f"{PROJECTS}/{created['id']}"
        server.fail_next(status, path=path, retry_after=0)
        sent = Sent(server)
        call = client.post if method == "POST" else client.patch
        with pytest.raises(procore.APIError) as info:
            call(path, json={"project": {"name": "Depot 2"}}, params=company)
        assert info.value.status_code == status
        assert info.value.attempts == 1
        assert "attempts" not in str(info.value)
        assert [(r["method"], r["path"]) for r in sent.api()] == [(method, path)]
    if status >= 500:
        assert isinstance(info.value, procore.ServerError)


@pytest.mark.parametrize("after_processing", [False, True])
def test_post_is_not_retried_when_the_connection_drops_after_sending(
    fresh_server, after_processing
):
    """The request reached the server, so it may have taken effect: a retry could create the
    project twice. (Only a request that provably never left may be sent again.)"""
    server = fresh_server
    with server.client(max_retries=5) as client:
        login(client, server)
        server.drop_next(1, path=PROJECTS, after_processing=after_processing)
        sent = Sent(server)
        with pytest.raises(procore.APIConnectionError) as info:
            client.post(
                PROJECTS,
                json={"project": {"name": "Once"}},
                params={"company_id": server.company_id},
            )
        assert info.value.attempts == 1
        assert [r["method"] for r in sent.api()] == ["POST"]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
def test_get_is_retried_through_retryable_statuses(fresh_server, status):
    server = fresh_server
    with server.client(max_retries=3) as client:
        login(client, server)
        server.fail_next(status, count=3, path=ME, retry_after=0)
        sent = Sent(server)
        assert client.me().id == ME_ID
        assert [r["status"] for r in sent.api(ME)] == [status, status, status, 200]


def test_get_waits_as_long_as_retry_after_says(fresh_server):
    server = fresh_server
    with server.client(max_retries=3) as client:
        login(client, server)
        server.fail_next(503, count=1, path=ME, retry_after=0)
        server.fail_next(503, count=1, path=ME, retry_after=1)
        sent = Sent(server)
        t0 = time.monotonic()
        assert client.me().id == ME_ID
        elapsed = time.monotonic() - t0
        assert [r["status"] for r in sent.api(ME)] == [503, 503, 200]
        assert elapsed >= 0.95, f"Retry-After: 1 was not honoured ({elapsed:.2f} s)"


def test_429_without_retry_after_waits_for_the_rate_limit_reset(fresh_server):
    # The mock's injected 429 says X-Rate-Limit-Remaining: 0 and X-Rate-Limit-Reset one second
    # ahead (rounded up to a whole Unix second), and no Retry-After.
    server = fresh_server
    with server.client(max_retries=3) as client:
        login(client, server)
        server.fail_next(429, count=1, path=ME)
        sent = Sent(server)
        t0 = time.monotonic()
        assert client.me().id == ME_ID
        elapsed = time.monotonic() - t0
        assert [r["status"] for r in sent.api(ME)] == [429, 200]
        assert elapsed >= 0.95, f"X-Rate-Limit-Reset was not honoured ({elapsed:.2f} s)"


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_get_failing_every_try_reports_the_attempts(fresh_server, max_retries):
    server = fresh_server
    with server.client(max_retries=max_retries) as client:
        login(client, server)
        server.fail_next(503, count=max_retries + 1, path=ME, retry_after=0)
        sent = Sent(server)
        with pytest.raises(procore.ServerError) as info:
            client.me()
        tries = max_retries + 1
        assert info.value.attempts == tries
        assert len(sent.api(ME)) == tries
        if tries > 1:
            assert f"after {tries} attempts" in str(info.value)
        server.clear_faults()
        assert client.me().id == ME_ID  # nothing left over


def test_dropped_connections_on_get_are_retried(fresh_server):
    server = fresh_server
    with server.client(max_retries=3) as client:
        login(client, server)
        server.drop_next(3, path=ME)
        sent = Sent(server)
        dropped = server.stats()["dropped"]
        assert client.me().id == ME_ID
        assert [r["status"] for r in sent.api(ME)] == [None, None, None, 200]
        assert server.stats()["dropped"] - dropped == 3


def test_post_is_retried_when_the_connection_was_never_made(tmp_path):
    """Nothing listens on the port: the request provably never reached a server, so even a
    POST is tried again, max_retries times."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The socket is closed: connecting to the port is refused.
    url = f"https://127.0.0.1:{port}"
    with procore.Client(
        access_token="not-a-real-token", base_url=url, login_url=url, max_retries=2
    ) as client:
        with pytest.raises(procore.APIConnectionError) as info:
            client.post(PROJECTS, json={"project": {"name": "Never"}}, company_id=1)
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)


def test_get_is_retried_after_a_timeout(fresh_server):
    server = fresh_server
    with server.client(timeout=0.5, max_retries=2) as client:
        login(client, server)
        server.delay_next(2.0, count=1, path=ME)
        sent = Sent(server)
        assert client.me().id == ME_ID
        assert len(sent.api(ME)) == 2


def test_get_timing_out_every_try_raises_a_timeout_with_the_attempts(fresh_server):
    server = fresh_server
    with server.client(timeout=0.3, max_retries=1) as client:
        login(client, server)
        server.delay_next(2.0, count=2, path=ME)
        sent = Sent(server)
        with pytest.raises(procore.APITimeoutError) as info:
            client.me()
        assert info.value.attempts == 2
        assert "after 2 attempts" in str(info.value)
        assert len(sent.api(ME)) == 2


def test_post_is_not_retried_after_a_timeout(fresh_server):
    server = fresh_server
    with server.client(timeout=0.3, max_retries=3) as client:
        login(client, server)
        server.delay_next(2.0, count=1, path=PROJECTS)
        sent = Sent(server)
        with pytest.raises(procore.APITimeoutError) as info:
            client.post(
                PROJECTS,
                json={"project": {"name": "Slow"}},
                params={"company_id": server.company_id},
            )
        assert info.value.attempts == 1
        assert [r["method"] for r in sent.api()] == ["POST"]


def test_dropped_connections_beyond_max_retries_raise_with_the_attempts(fresh_server):
    server = fresh_server
    with server.client(max_retries=2) as client:
        login(client, server)
        server.drop_next(3, path=ME)
        with pytest.raises(procore.APIConnectionError) as info:
            client.me()
        assert info.value.attempts == 3
        assert "after 3 attempts" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Requests in flight


@pytest.mark.parametrize("max_concurrency, expected", [(2, 2), (None, 8)])
def test_pagination_keeps_to_max_concurrency(fresh_server, max_concurrency, expected):
    """Pages 2..N go out concurrently, never more than `max_concurrency` at once (8 by
    default). Measured at the mock: requests recorded and not yet answered, sampled while every
    answer takes 150 ms."""
    server = fresh_server
    kwargs = {} if max_concurrency is None else {"max_concurrency": max_concurrency}
    with server.client(**kwargs) as client:
        login(client, server)
        server.set_latency(0.15)
        with InFlight(server) as flight:
            projects = client.projects.list(per_page=10)  # 25 pages
        server.clear_faults()
        assert len(projects) == 250
        assert flight.samples > 10
        assert flight.peak == expected, f"peak {flight.peak} requests in flight"


def test_max_concurrency_caps_requests_from_many_threads(fresh_server):
    server = fresh_server
    with server.client(max_concurrency=2) as client:
        login(client, server)
        server.set_latency(0.15)
        results: List[Any] = []
        with InFlight(server) as flight:
            threads = [
                threading.Thread(target=lambda: results.append(client.me().id)) for _ in range(6)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
        server.clear_faults()
        assert results == [ME_ID] * 6
        assert flight.peak == 2, f"peak {flight.peak} requests in flight"
