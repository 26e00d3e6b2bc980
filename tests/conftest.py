"""Shared fixtures: one mock Procore server per module, fresh ones for tests that change its state.

Every test runs with the PROCORE_* environment variables cleared, so a developer's own
credentials never leak into (or change the outcome of) a test.
"""

from __future__ import annotations

import signal

import pytest
import pytest_asyncio

from helpers import Elsewhere, alogin, login, new_server

# Several tests press Ctrl-C: in this process (a log handler raising KeyboardInterrupt) or in
# a child (SIGINT sent to a login, a slow call, the CLI). A process started with SIGINT
# ignored (a background job of a shell without job control) has no KeyboardInterrupt to
# raise, and its children inherit the ignored signal. Give the suite the disposition a
# terminal gives: Python's handler here, the default in children (a caught signal is reset
# to the default across exec, an ignored one is not).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

PROCORE_ENV_VARS = (
    "PROCORE_CLIENT_ID",
    "PROCORE_CLIENT_SECRET",
    "PROCORE_ENVIRONMENT",
    "PROCORE_COMPANY_ID",
    "PROCORE_BASE_URL",
    "PROCORE_LOGIN_URL",
    "PROCORE_CA_CERT",
)


@pytest.fixture(autouse=True)
def _no_procore_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROCORE_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server():
    """One mock per module, for tests that only read from it."""
    with new_server() as s:
        yield s


@pytest.fixture
def fresh_server():
    """A mock of its own, for tests that change its state or count its requests."""
    with new_server() as s:
        yield s


@pytest.fixture
def client(server):
    """A sync client of the module's mock, authorized through the authorization-code flow."""
    with server.client() as c:
        login(c, server)
        yield c


@pytest_asyncio.fixture
async def aclient(server):
    """An async client of the module's mock, authorized through the authorization-code flow."""
    async with server.async_client() as c:
        await alogin(c, server)
        yield c


@pytest.fixture
def elsewhere():
    """A loopback listener standing in for a host the bearer token must never reach."""
    e = Elsewhere()
    yield e
    e.close()
