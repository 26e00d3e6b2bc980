"""Ctrl-C during a slow sync call raises KeyboardInterrupt promptly.

The call runs in a child process (SIGINT goes to a whole process); the mock, in this process,
holds the answer back for 30 s. The test waits until the mock has the request, then interrupts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import login

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"
DELAY = 30.0

CHILD = textwrap.dedent(
    """
    import os, sys, time
    import procore

    client = procore.Client(
        access_token=os.environ["MOCK_TOKEN"],
        base_url=os.environ["MOCK_BASE_URL"],
        login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"],
        timeout=120,
        max_retries=0,
    )
    print("calling", flush=True)
    start = time.monotonic()
    try:
        {call}
    except KeyboardInterrupt:
        print("interrupted after %.3f s" % (time.monotonic() - start), flush=True)
        sys.exit(0)
    except BaseException as e:
        print("unexpected %s" % type(e).__name__, flush=True)
        sys.exit(2)
    print("returned after %.3f s" % (time.monotonic() - start), flush=True)
    sys.exit(3)
    """
)


def wait_for_request(server, path: str, deadline: float, arrivals: int = 1) -> bool:
    """Poll the mock's request log until `arrivals` requests for `path` arrived (True) or the
    deadline passed."""
    while time.monotonic() < deadline:
        if sum(r["path"] == path for r in server.requests()) >= arrivals:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(
    "call, path",
    [
        ("client.me()", ME),
        ("client.get('/rest/v1.0/companies')", "/rest/v1.0/companies"),
    ],
    ids=["me", "get"],
)
def test_ctrl_c_interrupts_a_slow_sync_call(fresh_server, call, path):
    server = fresh_server
    with server.client() as c:
        token = login(c, server)
    server.delay_next(DELAY, path=path)
    interrupt(server, token, call, path, arrivals=1)


def test_ctrl_c_interrupts_paginate_between_pages(fresh_server):
    """paginate() turns each page into dicts as it arrives: Ctrl-C while it waits for a later
    page (page 1 answered and converted) still stops it."""
    server = fresh_server
    with server.client() as c:
        token = login(c, server)
    cid = server.company_ids[0]
    server.delay_next(0, path=PROJECTS)  # page 1 is answered at once,
    server.delay_next(DELAY, path=PROJECTS)  # the next page asked for is held back
    params = {"company_id": cid, "per_page": 10}
    call = f"client.paginate({PROJECTS!r}, {params!r}, company_id={cid})"
    interrupt(server, token, call, PROJECTS, arrivals=2)


def interrupt(server, token, call: str, path: str, arrivals: int) -> None:
    """Runs `call` in a child, sends SIGINT once `arrivals` requests for `path` reached the
    mock, and checks that the child raised KeyboardInterrupt promptly."""
    env = dict(
        os.environ,
        MOCK_TOKEN=token.access_token,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(call=call)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        arrived = wait_for_request(server, path, time.monotonic() + 20, arrivals)
        assert arrived, "the child's request reached the mock"
        assert proc.poll() is None, "the call is still waiting for the delayed answer"
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        took = time.monotonic() - sent_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "interrupted after" in out, (out, err[-1500:].replace(token.access_token, "[token]"))
    assert proc.returncode == 0
    assert took < 5.0, f"KeyboardInterrupt came {took:.1f} s after SIGINT"
    assert took < DELAY / 3
