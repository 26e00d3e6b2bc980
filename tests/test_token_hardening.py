"""Tokens and token stores that could not be used safely are refused or repaired before
anything is sent: header-breaking access tokens, absurd lifetimes, a store readable by others,
a symlinked store, temporary files a killed save left behind."""

from __future__ import annotations

import os
import stat
import time

import pytest

import procore
from helpers import Sent

SECRETISH = "tok" + "x" * 40


@pytest.mark.parametrize("suffix", ["\r\nX-Injected: 1", "\n", " tail", "\x00", "\u00e9"])
def test_access_token_that_breaks_a_header_is_refused_before_sending(fresh_server, suffix):
    sent = Sent(fresh_server)
    with pytest.raises(procore.ConfigError) as info:
        fresh_server.client(access_token=SECRETISH + suffix)
    assert "header" in str(info.value)
    assert SECRETISH not in str(info.value)
    assert sent.all() == []


@pytest.mark.parametrize(
    "field, value",
    [("expires_in", 2**62), ("expires_in", -1), ("created_at", 2**62), ("created_at", -10)],
)
def test_absurd_lifetimes_are_refused_not_wrapped(field, value):
    data = {"access_token": SECRETISH, "token_type": "bearer", "expires_in": 5400,
            "created_at": 1_700_000_000}
    data[field] = value
    with pytest.raises(procore.ConfigError) as info:
        procore.Token.from_dict(data)
    assert field in str(info.value)


def test_largest_accepted_lifetime_gives_a_positive_expiry():
    t = procore.Token.from_dict({"access_token": SECRETISH, "expires_in": 10 * 366 * 24 * 3600,
                                 "created_at": 253_402_300_799})
    assert t.expires_at is not None and t.expires_at > t.created_at > 0


def _stored(server, path):
    with server.client(token_store=str(path)) as c:
        c.client_credentials()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_world_readable_store_is_made_private_when_loaded(fresh_server, tmp_path):
    path = tmp_path / "token.json"
    _stored(fresh_server, path)
    os.chmod(path, 0o666)
    with fresh_server.client(token_store=str(path)) as c:
        assert c.token is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symlinked_store_is_refused(fresh_server, tmp_path):
    real = tmp_path / "real.json"
    _stored(fresh_server, real)
    link = tmp_path / "token.json"
    link.symlink_to(real)
    with pytest.raises(procore.TokenStoreError) as info:
        fresh_server.client(token_store=str(link))
    assert "symbolic link" in str(info.value)


def test_temporary_files_of_a_killed_save_are_removed(fresh_server, tmp_path):
    path = tmp_path / "token.json"
    _stored(fresh_server, path)
    stale = tmp_path / ".procore-token-abc123.tmp"
    stale.write_text('{"access_token": "left behind"}')
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    fresh = tmp_path / ".procore-token-def456.tmp"
    fresh.write_text("{}")
    with fresh_server.client(token_store=str(path)) as c:
        assert c.token is not None
    assert not stale.exists()
    # One written just now may belong to a save in progress in another process.
    assert fresh.exists()


def _break_saves(path):
    """Saves of the store at `path` fail from now on (a directory where the file goes, which
    stops even root, unlike a read-only folder); loads find no file. Returns the undo."""
    os.remove(path)
    os.mkdir(path)
    (path / "keep").write_text("")

    def undo() -> None:
        os.remove(path / "keep")
        os.rmdir(path)

    return undo


@pytest.mark.parametrize("is_async", [False, True])
def test_a_rotated_token_whose_save_fails_is_kept_and_saved_later(fresh_server, tmp_path, is_async):
    import asyncio
    import json

    path = tmp_path / "token.json"
    with fresh_server.client(token_store=str(path)) as c:
        c.exchange_code(fresh_server.approve(c.authorization_url()))
    first = procore.Token.from_dict(json.loads(path.read_text()))

    async def run() -> None:
        factory = fresh_server.async_client if is_async else fresh_server.client
        c = factory(token_store=str(path))
        try:
            undo = _break_saves(path)
            fresh_server.expire_tokens()

            async def call(f):  # the same script for both clients
                r = f()
                return await r if is_async else r

            with pytest.raises(procore.TokenStoreError) as info:
                await call(c.me)
            assert "kept in memory" in str(info.value)
            rotated = c.token
            assert rotated is not None and rotated.refresh_token != first.refresh_token
            # The rotated token is current and works, without another refresh.
            grants = fresh_server.stats()["token_requests"].get("refresh_token", 0)
            assert (await call(c.me)).id
            assert fresh_server.stats()["token_requests"].get("refresh_token", 0) == grants
            # Once the store can be written again, the next token is saved; the refresh uses
            # the rotated refresh token (the store's dead one would be invalid_grant).
            undo()
            newest = await call(c.refresh)
            saved = procore.Token.from_dict(json.loads(path.read_text()))
            assert saved == newest and saved.refresh_token != rotated.refresh_token
        finally:
            r = c.close()
            if is_async:
                await r

    asyncio.run(run())
