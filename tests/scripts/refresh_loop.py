"""Child process for test_reliability.py: refresh a stored token over and over until killed.

    PROCORE_CLIENT_ID=… PROCORE_CLIENT_SECRET=… \
        python refresh_loop.py BASE_URL LOGIN_URL CA_CERT TOKEN_STORE

The client id and secret come from the environment (never the command line, which other users
can read). The first token is the one already in TOKEN_STORE. After every refresh, which the
client persists to TOKEN_STORE before returning, it prints ``wrote N`` (nothing secret) and
flushes, so the parent knows how many writes completed before it sends SIGKILL.

It stops by itself after a minute, so a crashed parent never leaves it running.
"""

from __future__ import annotations

import sys
import time

import procore


def main() -> int:
    base_url, login_url, ca_cert, store = sys.argv[1:5]
    client = procore.Client(
        base_url=base_url, login_url=login_url, ca_cert=ca_cert, token_store=store
    )
    if client.token is None:
        print("no token in the store", file=sys.stderr, flush=True)
        return 2
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    n = 0
    while time.monotonic() < deadline:
        client.refresh()
        n += 1
        print(f"wrote {n}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
