"""Scripts using the async client exit cleanly.

A result still being handed to the event loop by a runtime thread while the interpreter shuts
down used to abort the process (exit code -6) in about one run in forty. Many short scripts
are run here; every one must exit 0.
"""

import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import asyncio, os, procore

async def main():
    async with procore.AsyncClient(
        os.environ["MOCK_CLIENT_ID"], os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
    ) as client:
        await client.client_credentials()
        users = await asyncio.gather(*(client.me() for _ in range(50)))
    assert {u.id for u in users} == {1234567}

asyncio.run(main())
print("ok")
"""


@pytest.mark.timeout(300)
def test_many_async_scripts_all_exit_cleanly(server):
    env = dict(
        os.environ,
        MOCK_CLIENT_ID=server.client_id,
        MOCK_CLIENT_SECRET=server.client_secret,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
        MOCK_COMPANY_ID=str(server.company_id),
    )
    codes = []
    for _ in range(60):
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
        )
        codes.append(proc.returncode)
        if proc.returncode == 0:
            assert proc.stdout.strip() == "ok"
    assert codes == [0] * 60, f"exit codes other than 0: {sorted(set(codes) - {0})}"
