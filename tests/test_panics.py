"""No Rust panic crosses into Python as pyo3's ``PanicException`` (a ``BaseException`` that
``except Exception`` misses): at the boundary it becomes ``procore.ProcoreError`` (issue 14,
item 4). Options that used to panic are range-checked into ``ConfigError`` by the core; either
way the caller gets a ``ProcoreError``.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

import procore


@pytest.mark.parametrize(
    "options",
    [dict(timeout=1e20), dict(connect_timeout=1e300), dict(read_timeout=1e300)],
    ids=["timeout", "connect_timeout", "read_timeout"],
)
@pytest.mark.parametrize("cls", [procore.Client, procore.AsyncClient])
def test_absurd_timeouts_raise_a_procore_error(cls, options):
    # `pytest.raises(ProcoreError)` lets a PanicException through: it is no Exception.
    with pytest.raises(procore.ProcoreError):
        cls("my-client-id", **options)


class CallsTheSyncClient(logging.Handler):
    """A log handler that makes a sync call: records are handed over on the runtime's threads,
    where blocking on the runtime again is refused (a panic inside tokio)."""

    def __init__(self, client: procore.Client) -> None:
        super().__init__(logging.DEBUG)
        self.client = client
        self.errors: list = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.client.me()
        except Exception as e:  # a PanicException would escape this
            self.errors.append(e)


def test_a_panic_inside_a_sync_call_is_a_procore_error(server):
    with server.client() as sync:
        sync.client_credentials()
        handler = CallsTheSyncClient(sync)
        logger = logging.getLogger("procore.http")
        level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:

            async def main():
                async with server.async_client() as client:
                    await client.client_credentials()
                    return await client.me()

            assert asyncio.run(main()).id == 1234567
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        assert handler.errors, "the handler ran on a runtime thread"
        for e in handler.errors:
            assert type(e) is procore.ProcoreError
            assert str(e).startswith("internal error in procore (please report it): ")
            assert "runtime" in str(e)
        # The client that refused still works from a plain thread.
        assert sync.me().id == 1234567
