"""Rate limits (issue 3): `X-Rate-Limit-*` is read from every answer, shared by a client's
requests, and requests are paced so that a long pull stays under the limit instead of running
into 429s. `client.rate_limit` shows the last figures.

The long pull's figures (429s, wall time) are printed: run with `-s` to see them.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

import procore
from helpers import Sent, alogin, login, token_grants
from procore.testing import MockServer

PROJECTS = "/rest/v1.0/projects"
ME_ID = 1234567

# 6,000 projects at 100 per page: 60 requests against 25 per 10 s, so three windows.
RECORDS = 6000
PER_PAGE = 100
PAGES = RECORDS // PER_PAGE
LIMIT, WINDOW = 25, 10
MAX_429 = 3


def answers(sent: Sent) -> Counter:
    return Counter(r["status"] for r in sent.api())


@pytest.mark.timeout(150)
def test_a_pull_needing_three_windows_stays_under_the_limit():
    with MockServer(companies=1, projects_per_company=RECORDS) as server:
        with server.client(max_retries=10) as client:
            login(client, server)
            reference = [p.id for p in client.projects.list(per_page=PER_PAGE)]
            assert len(set(reference)) == RECORDS
            server.set_rate_limit(LIMIT, WINDOW)
            sent = Sent(server)
            t0 = time.monotonic()
            projects = client.projects.list(per_page=PER_PAGE)
            wall = time.monotonic() - t0
            seen = answers(sent)
            print(
                f"\n{RECORDS} projects, {PAGES} pages, limit {LIMIT} per {WINDOW} s: "
                f"{seen[429]} x 429, answers {dict(seen)}, {wall:.1f} s "
                f"(the limit allows it in about {2 * WINDOW} s)"
            )
            assert [p.id for p in projects] == reference
            assert seen[200] == PAGES
            assert set(seen) <= {200, 429}, seen
            assert seen[429] <= MAX_429, f"{seen[429]} answers were 429: the pull was not paced"
            # The limit was really in force: 60 requests at 25 per 10 s cannot fit in less
            # than two full windows.
            assert wall >= 2 * WINDOW - 1
            rate = client.rate_limit
            assert rate is not None and rate["limit"] == LIMIT
            assert 0 <= rate["remaining"] < LIMIT


def test_rate_limit_reflects_the_last_answer(fresh_server):
    server = fresh_server
    server.set_rate_limit(100, 3600)
    with server.client() as client:
        assert client.rate_limit is None  # nothing answered yet
        login(client, server)
        assert client.rate_limit is None  # the token endpoint sends no rate-limit headers
        t0 = time.time()
        assert client.me().id == ME_ID
        first = client.rate_limit
        assert set(first) == {"limit", "remaining", "reset"}
        assert first["limit"] == 100
        assert first["remaining"] == 99
        assert t0 < first["reset"] <= t0 + 3600 + 2
        client.me()
        assert client.rate_limit["remaining"] == 98
        client.companies.list()
        assert client.rate_limit["remaining"] == 97
        assert client.rate_limit["limit"] == 100


@pytest.mark.asyncio
async def test_rate_limit_reflects_the_last_answer_async(fresh_server):
    server = fresh_server
    server.set_rate_limit(100, 3600)
    async with server.async_client() as client:
        assert client.rate_limit is None
        await alogin(client, server)
        await client.me()
        assert client.rate_limit["remaining"] == 99
        await client.me()
        assert client.rate_limit == {
            "limit": 100,
            "remaining": 98,
            "reset": client.rate_limit["reset"],
        }


def test_an_exhausted_window_is_waited_out_not_run_into(fresh_server):
    """The last answer of a window says remaining 0 and when it resets: the next request waits
    for the reset instead of drawing a 429."""
    server = fresh_server
    with server.client(max_retries=0) as client:
        login(client, server)
        server.set_rate_limit(3, 1)
        sent = Sent(server)
        t0 = time.monotonic()
        ids = [client.me().id for _ in range(7)]
        wall = time.monotonic() - t0
        assert ids == [ME_ID] * 7
        assert answers(sent) == {200: 7}
        assert wall >= 2 * 1 - 0.25  # three windows


def test_the_rate_limit_is_shared_by_concurrent_requests(fresh_server):
    """Paging concurrently (8 in flight) through 25 pages against 10 requests a second: every
    request counts against one shared allowance, so the pull is paced, not a burst of 429s."""
    server = fresh_server
    with server.client(max_retries=10) as client:
        login(client, server)
        reference = [p.id for p in client.projects.list(per_page=10)]
        server.set_rate_limit(10, 1)
        sent = Sent(server)
        projects = client.projects.list(per_page=10)
        seen = answers(sent)
        assert [p.id for p in projects] == reference
        assert seen[200] == 25
        assert seen[429] <= MAX_429, seen


# ---------------------------------------------------------------------------------------------
# Pacing and token expiry: a request that waits for the rate limit must not go out with a
# token that expired (or fell due) while it waited.


def test_a_token_that_expires_during_a_rate_limit_wait_is_refreshed_before_sending():
    """4 s tokens, 1 request per 5 s: the second call waits out the window (about 5 s), past
    its token's expiry. The token was fine when the call began, so the client must look at it
    again after the wait and refresh first, instead of sending a dead token to draw a 401."""
    with MockServer(token_lifetime=4) as server:
        with server.client() as client:
            login(client, server)
            server.set_rate_limit(1, 5)
            sent = Sent(server)
            assert client.me().id == ME_ID
            assert client.me().id == ME_ID
            assert token_grants(server)["refresh_token"] == 1
            assert [r["status"] for r in sent.api()] == [200, 200], (
                "a token that expired during the pacing wait was sent"
            )


@pytest.mark.timeout(90)
def test_short_lived_tokens_survive_paced_requests():
    """2 s tokens, 20 requests per 40 s: once the allowance runs low, calls are spread a couple
    of seconds apart, longer than a token lives. Every call must still succeed (each one may
    need a fresh token; none may fail with 401)."""
    with MockServer(token_lifetime=2) as server:
        with server.client() as client:
            login(client, server)
            server.set_rate_limit(20, 40)
            sent = Sent(server)
            ids = []
            for _ in range(6):
                try:
                    ids.append(client.me().id)
                except procore.AuthenticationError as e:
                    pytest.fail(
                        f"call {len(ids) + 1} failed: {e}; answers so far "
                        f"{[r['status'] for r in sent.api()]}"
                    )
            assert ids == [ME_ID] * 6


def test_a_429_from_the_limit_is_retried_after_its_retry_after(fresh_server):
    """Another client (another token) cannot see this one's allowance: when the server says 429
    anyway, the request waits for Retry-After and goes through."""
    server = fresh_server
    with server.client() as client:
        login(client, server)
        server.set_rate_limit(1, 2)
        with server.client(token=client.token) as twin:  # same token, separate pacing state
            assert twin.me().id == ME_ID
        sent = Sent(server)
        t0 = time.monotonic()
        assert client.me().id == ME_ID
        assert [r["status"] for r in sent.api()] == [429, 200]
        assert time.monotonic() - t0 >= 0.9
        with pytest.raises(procore.RateLimitError) as info:
            with server.client(token=client.token, max_retries=0) as impatient:
                impatient.me()
        assert info.value.retry_after is not None and info.value.retry_after > 0
