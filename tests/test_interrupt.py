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


def wait_for_request(server, path: str, deadline: float) -> bool:
    """Poll the mock's request log until `path` arrived (True) or the deadline passed."""
    while time.monotonic() < deadline:
        if any(r["path"] == path for r in server.requests()):
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
        arrived = wait_for_request(server, path, time.monotonic() + 20)
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
