"""A hostile or broken server cannot crash, hang or exhaust the process. Each test scripts the
tests' own misbehaving HTTPS server (hostile.py); anything that could take the interpreter down
runs in a child process with a timeout, so a regression fails the test instead of the suite."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import zlib
from typing import Any, Dict

import pytest

import procore
from hostile import ACCESS_TOKEN, HostileServer, Reply, Seen

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = "/rest/v1.0/things"


@pytest.fixture
def hostile():
    with HostileServer() as h:
        yield h


def isolated(body: str, timeout: float = 120) -> Dict[str, Any]:
    """Runs `body` (which must print one JSON line last) in a child interpreter with a
    HostileServer as `h`; returns that JSON. A crash or a hang fails the test with the output."""
    code = "from hostile import *\nimport json, procore\nwith HostileServer() as h:\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    )
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=HERE)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the child hung for {timeout} s: {e.stderr!r}")
    assert ACCESS_TOKEN not in done.stdout + done.stderr
    assert done.returncode == 0, f"child exited {done.returncode}: {done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- 1. absurd Total / Per-Page -------------------------------------------------------------


@pytest.mark.parametrize("total", ["10000000000", "18446744073709551615", "99999999999999999999999",
                                   "-5", "1e9", "nan", ""])
@pytest.mark.parametrize("how", ["paginate", "iter_pages", "async"])
def test_absurd_total_falls_back_to_link(total, how):
    out = isolated(f"""
        def page(seen):
            p = int(seen.query.get("page", "1"))
            headers = {{"Total": {total!r}, "Per-Page": "1"}}
            if p < 3:
                headers["Link"] = '<%s{LIST}?page=%d&per_page=1>; rel="next"' % (h.base_url, p + 1)
            return Reply(200, headers, [{{"id": p}}])
        h.on({LIST!r}, page)
        how = {how!r}
        if how == "paginate":
            with h.client() as c:
                ids = [r["id"] for r in c.paginate({LIST!r})]
        elif how == "iter_pages":
            with h.client() as c:
                ids = [r["id"] for page in c.iter_pages({LIST!r}) for r in page]
        else:
            import asyncio
            async def main():
                async with h.async_client() as c:
                    return [r["id"] for r in await c.paginate({LIST!r})]
            ids = asyncio.run(main())
        print(json.dumps({{"ids": ids, "rss_mb": peak_rss_mb()}}))
    """)
    assert out["ids"] == [1, 2, 3]
    assert out["rss_mb"] < 500


def test_total_larger_than_what_page_one_shows_is_not_planned_from(hostile):
    # Page 1 holds 2 records of a claimed per-page of 100 but says Total 1,000,000: the plan
    # would ask for 10,000 pages of nothing. Follow Link instead.
    def page(seen: Seen) -> Reply:
        p = int(seen.query.get("page", "1"))
        headers = {"Total": "1000000", "Per-Page": "100"}
        if p == 1:
            headers["Link"] = f'<{hostile.base_url}{LIST}?page=2>; rel="next"'
        return Reply(200, headers, [{"id": 2 * p - 1}, {"id": 2 * p}])

    hostile.on(LIST, page)
    with hostile.client() as c:
        assert [r["id"] for r in c.paginate(LIST)] == [1, 2, 3, 4]
    assert len(hostile.requests(LIST)) == 2


def test_link_next_pointing_back_is_a_loop_not_a_million_pages(hostile):
    hostile.reply(LIST, headers={"Link": f'<{hostile.base_url}{LIST}?page=1>; rel="next"'},
                  body=[{"id": 1}])
    with hostile.client() as c:
        with pytest.raises(procore.ProcoreError, match="(?i)loop|already"):
            c.paginate(LIST)
    assert len(hostile.requests(LIST)) <= 3


# ---- 3. rate-limit headers ------------------------------------------------------------------


@pytest.mark.parametrize("reset", ["nan", "inf", "-inf", "-5", "1e300", "99999999999", "soon", ""])
@pytest.mark.parametrize("is_async", [False, True])
def test_broken_rate_limit_reset_never_makes_calls_wait_past_their_timeout(hostile, reset, is_async):
    headers = {"X-Rate-Limit-Limit": "3600", "X-Rate-Limit-Remaining": "0",
               "X-Rate-Limit-Reset": reset}
    hostile.reply("/rest/v1.0/me", headers=headers, body={"id": 1, "login": "a", "name": "b"})

    async def both(c: procore.AsyncClient) -> None:
        for _ in range(3):
            assert (await c.me()).id == 1

    if is_async:
        async def main() -> None:
            async with hostile.async_client(timeout=3) as c:
                await asyncio.wait_for(both(c), 30)
        asyncio.run(main())
    else:
        with hostile.client(timeout=3) as c:
            for _ in range(3):
                assert c.me().id == 1
    assert len(hostile.requests("/rest/v1.0/me")) == 3


def test_a_real_wait_is_capped_by_the_call_timeout(hostile):
    # An honest "nothing left for an hour" must not hold a call past its timeout either: the
    # call is sent and the server decides (here it answers; Procore would answer 429).
    import time

    headers = {"X-Rate-Limit-Limit": "3600", "X-Rate-Limit-Remaining": "0",
               "X-Rate-Limit-Reset": str(int(time.time()) + 3000)}
    hostile.reply("/rest/v1.0/me", headers=headers, body={"id": 1, "login": "a", "name": "b"})
    with hostile.client(timeout=2) as c:
        c.me()
        try:
            c.me()
        except procore.APITimeoutError:
            pass  # refusing to wait past the timeout is also right
    assert len(hostile.requests("/rest/v1.0/me")) >= 1


# ---- 5. decoded size cap --------------------------------------------------------------------


def _gzip_of_zeros(size: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    out = [z.compress(b"[")]
    for _ in range(size >> 20):
        out.append(z.compress(chunk))
    out.append(z.compress(b"]"))
    out.append(z.flush())
    return b"".join(out)


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(_gzip_of_zeros(1 << 30))
    out = isolated(f"""
        body = open({str(bomb)!r}, "rb").read()
        h.reply("/rest/v1.0/bomb", headers={{"Content-Encoding": "gzip"}}, body=body)
        with h.client() as c:
            try:
                c.get("/rest/v1.0/bomb")
                err = None
            except procore.ProcoreError as e:
                err = type(e).__name__ + ": " + str(e)
        print(json.dumps({{"err": err, "rss_mb": peak_rss_mb()}}))
    """, timeout=180)
    assert out["err"] is not None and "max_response_bytes" in out["err"]
    assert out["rss_mb"] < 800


def test_max_response_bytes_is_a_client_option(hostile):
    big = [{"id": i, "pad": "x" * 1000} for i in range(3000)]  # about 3 MB
    hostile.reply(LIST, body=big)
    with hostile.client(max_response_bytes=1 << 20) as c:
        with pytest.raises(procore.ProcoreError, match="max_response_bytes"):
            c.get(LIST)
    with hostile.client() as c:
        assert len(c.get(LIST)) == 3000
    with pytest.raises(procore.ConfigError):
        hostile.client(max_response_bytes=0)


# ---- 7. secrets echoed JSON-escaped ---------------------------------------------------------


@pytest.mark.parametrize("escape", ["unicode-first", "unicode-all", "solidus"])
def test_token_echoed_json_escaped_is_scrubbed(hostile, escape):
    token = ACCESS_TOKEN[:10] + "/" + ACCESS_TOKEN[10:]
    if escape == "unicode-first":
        echoed = "\\u%04x" % ord(token[0]) + token[1:]
    elif escape == "unicode-all":
        echoed = "".join("\\u%04x" % ord(ch) for ch in token)
    else:
        echoed = token.replace("/", "\\/")
    body = '{"message": "token ' + echoed + ' is not allowed", "echo": ["' + echoed + '"]}'
    hostile.reply("/rest/v1.0/me", status=403, body=body)
    with hostile.client(access_token=token) as c:
        with pytest.raises(procore.APIError) as info:
            c.me()
    e = info.value
    for shown in (str(e), repr(e), json.dumps(e.body), repr(e.args)):
        assert token not in shown
    assert "is not allowed" in json.dumps(e.body)


# ---- 12. integers beyond 64 bits stay exact -------------------------------------------------


def test_integers_beyond_64_bits_stay_exact(hostile):
    huge = 2**64 + 1
    body = '[{"id": %d, "neg": %d, "small": 5}]' % (huge, -huge)
    hostile.reply(LIST, body=body)
    with hostile.client() as c:
        (rec,) = c.paginate(LIST)
        assert rec["id"] == huge and isinstance(rec["id"], int)
        assert rec["neg"] == -huge
        (rec,) = c.get(LIST)
        assert rec["id"] == huge


@pytest.mark.parametrize("is_async", [False, True])
def test_a_record_python_cannot_hold_fails_paginate_on_its_page(hostile, is_async):
    """A lone surrogate is JSON syntax but no Python string: the page that holds it fails the
    pull with ProcoreError, after the page before it became dicts (both clients turn each
    page into dicts as it comes) and before the page after it."""

    def page(seen: Seen) -> Reply:
        p = int(seen.query.get("page", "1"))
        body = [{"id": 2, "name": "\ud800"}] if p == 2 else [{"id": p, "name": "ok"}]
        return Reply(200, {"Total": "3", "Per-Page": "1"}, body)

    hostile.on(LIST, page)
    with pytest.raises(procore.ProcoreError, match="hex escape|surrogate"):
        if is_async:
            async def main() -> None:
                async with hostile.async_client() as c:
                    await c.paginate(LIST)

            asyncio.run(main())
        else:
            with hostile.client() as c:
                c.paginate(LIST)
    # The same records without the bad one come through whole.
    hostile.on(LIST, lambda seen: Reply(200, {"Total": "2", "Per-Page": "1"},
                                        [{"id": int(seen.query.get("page", "1"))}]))
    with hostile.client() as c:
        assert [r["id"] for r in c.paginate(LIST)] == [1, 2]


def test_integers_beyond_64_bits_stay_exact_in_model_fields(hostile):
    huge = 2**64 + 1
    body = '[{"id": 7, "name": "Tower", "big": %d, "company": {"id": 1, "name": "Acme", "n": %d}}]' % (
        huge,
        -huge,
    )
    hostile.reply("/rest/v1.0/projects", headers={"Total": "1"}, body=body)
    with hostile.client() as c:
        (project,) = c.projects.list(company_id=1)
        assert project.big == huge and isinstance(project.big, int)
        assert project["big"] == huge
        assert project.to_dict()["big"] == huge
        assert project.company.to_dict()["n"] == -huge
        assert project.name == "Tower" and project.company.name == "Acme"

