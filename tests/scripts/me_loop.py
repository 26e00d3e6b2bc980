"""Child process for test_reliability.py: call ``me()`` in a loop for a while, sharing a token
store with other processes, and report how it went.

    PROCORE_CLIENT_ID=… PROCORE_CLIENT_SECRET=… \
        python me_loop.py BASE_URL LOGIN_URL CA_CERT TOKEN_STORE SECONDS

Prints ``ready`` once the client is built, waits for a line on stdin (the parent's "go", so
that both children start together), then calls ``me()`` back to back for SECONDS seconds.
Finally prints one JSON line ``{"calls": n, "ok": n, "failed": n, "errors": [...]}``, the
errors being the first 20 failures as "ClassName: message" (exception messages never contain
a secret: that is part of the client's contract), and exits 0 when every call succeeded.
"""

from __future__ import annotations

import json
import sys
import time

import procore

ME_ID = 1234567


def main() -> int:
    base_url, login_url, ca_cert, store, seconds = sys.argv[1:6]
    client = procore.Client(
        base_url=base_url, login_url=login_url, ca_cert=ca_cert, token_store=store
    )
    print("ready", flush=True)
    sys.stdin.readline()
    calls = ok = failed = 0
    errors = []
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        calls += 1
        try:
            me = client.me()
        except procore.ProcoreError as e:
            failed += 1
            if len(errors) < 20:
                errors.append(f"{type(e).__name__}: {e}")
            continue
        if me.id == ME_ID:
            ok += 1
        else:
            failed += 1
            if len(errors) < 20:
                errors.append(f"unexpected /me id {me.id}")
    client.close()
    print(json.dumps({"calls": calls, "ok": ok, "failed": failed, "errors": errors}), flush=True)
    return 0 if failed == 0 and ok == calls else 1


if __name__ == "__main__":
    raise SystemExit(main())
