"""No secret (client secret, access token, refresh token) in any repr, str, exception message or
log line. Every check is an absence (`not in`): these tests never print a secret themselves."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import traceback

import pytest

import procore
from helpers import alogin, login

ME = "/rest/v1.0/me"


def secrets_of(server, *tokens):
    found = [server.client_secret]
    for t in tokens:
        if t is None:
            continue
        found.append(t.access_token)
        if t.refresh_token:
            found.append(t.refresh_token)
    assert all(isinstance(s, str) and len(s) >= 8 for s in found)
    return found


def leaks(text: str, secrets) -> bool:
    """True when any secret appears in text. Returns a bool so a failing assert shows no secret."""
    return any(s in text for s in secrets)


def exception_texts(err: BaseException):
    yield str(err)
    yield repr(err)
    yield "".join(traceback.format_exception(type(err), err, err.__traceback__))
    for arg in err.args:
        yield repr(arg)
    for name in ("body", "url", "method", "error", "description", "request_id"):
        if hasattr(err, name):
            yield repr(getattr(err, name))


def test_token_repr_and_str_hide_both_tokens(fresh_server):
    server = fresh_server
    with server.client() as client:
        token = login(client, server)
        secrets = secrets_of(server, token)
        for text in (repr(token), str(token), f"{token!r}", f"{token}", repr([token])):
            assert not leaks(text, secrets)
        assert "Token" in repr(token)


def test_client_repr_hides_secrets_before_and_after_login(fresh_server):
    server = fresh_server
    with server.client() as client:
        assert not leaks(repr(client) + str(client), [server.client_secret])
        token = login(client, server)
        secrets = secrets_of(server, token)
        assert not leaks(repr(client) + str(client), secrets)
        assert not leaks(repr(client.token), secrets)


@pytest.mark.asyncio
async def test_async_client_repr_hides_secrets(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        token = await alogin(client, server)
        secrets = secrets_of(server, token)
        assert not leaks(repr(client) + str(client) + repr(client.token), secrets)


def test_model_reprs_hold_no_secret(fresh_server):
    server = fresh_server
    with server.client() as client:
        token = login(client, server)
        secrets = secrets_of(server, token)
        texts = [repr(client.me()), repr(client.companies.list())]
        texts.append(repr(client.projects.list(per_page=300)[:3]))
        assert not leaks("".join(texts), secrets)


def test_api_error_texts_hold_no_secret(fresh_server):
    server = fresh_server
    with server.client(max_retries=0) as client:
        token = login(client, server)
        secrets = secrets_of(server, token)
        errors = []
        for status in (400, 401, 403, 404, 422, 429, 500):
            server.fail_next(status=status, path=ME)
            try:
                client.me()
            except procore.ProcoreError as e:
                errors.append(e)
        try:
            client.get("/rest/v1.0/unknown_route")
        except procore.ServerError as e:
            errors.append(e)
        assert len(errors) >= 7
        for err in errors:
            for text in exception_texts(err):
                assert not leaks(text, secrets), type(err).__name__


def test_rejected_access_token_is_not_echoed(server):
    bogus = "bogus-access-token-4f1c9e2a7d"
    with server.client(access_token=bogus, max_retries=0) as client:
        with pytest.raises(procore.AuthenticationError) as info:
            client.me()
    for text in exception_texts(info.value):
        assert not leaks(text, [bogus, server.client_secret])


def test_oauth_error_texts_hold_no_secret(fresh_server):
    server = fresh_server
    wrong = "wrong-client-secret-93b1d0"
    with server.client(client_secret=wrong) as client:
        with pytest.raises(procore.OAuthError) as info:
            client.client_credentials()
    for text in exception_texts(info.value):
        assert not leaks(text, [wrong, server.client_secret])

    with server.client() as client:
        old = login(client, server)
        client.refresh()
    with server.client(token=old) as stale:
        with pytest.raises(procore.OAuthError) as info:
            stale.refresh()
    for text in exception_texts(info.value):
        assert not leaks(text, secrets_of(server, old))


def test_config_error_texts_hold_no_secret(server, client, elsewhere):
    secrets = secrets_of(server, client.token)
    errors = []
    for kwargs in (
        {"base_url": "http://api.example.com"},
        {"login_url": "http://login.example.com"},
        {"company_id": "abc"},
        {"environment": "nowhere"},
    ):
        try:
            procore.Client(
                server.client_id,
                server.client_secret,
                access_token=client.token.access_token,
                **kwargs,
            )
        except procore.ConfigError as e:
            errors.append(e)
    for path in (f"https://{elsewhere.netloc}/rest/v1.0/me", "/rest/%2e%2e/oauth/token"):
        try:
            client.get(path)
        except procore.ConfigError as e:
            errors.append(e)
    assert len(errors) == 6
    for err in errors:
        for text in exception_texts(err):
            assert not leaks(text, secrets)


def test_connection_error_texts_hold_no_secret(fresh_server):
    server = fresh_server
    with server.client(max_retries=0, timeout=0.5) as client:
        token = login(client, server)
        secrets = secrets_of(server, token)
        errors = []
        server.drop_next(path=ME)
        server.delay_next(10, path="/rest/v1.0/companies")
        for call in (client.me, client.companies.list):
            try:
                call()
            except procore.APIConnectionError as e:
                errors.append(e)
        assert len(errors) == 2
        for err in errors:
            for text in exception_texts(err):
                assert not leaks(text, secrets)


def test_python_log_records_hold_no_secret(fresh_server, caplog):
    server = fresh_server
    caplog.set_level(logging.DEBUG)
    with server.client(max_retries=1) as client:
        token = login(client, server)
        server.fail_next(status=500, path=ME)
        client.me()
        new = client.refresh()
        server.expire_tokens()
        client.companies.list()
        secrets = secrets_of(server, token, new, client.token)
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert not leaks(text, secrets)


CHILD = textwrap.dedent(
    """
    import json, logging, os, sys
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    import procore

    client = procore.Client(
        os.environ["MOCK_CLIENT_ID"], os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
        max_retries=1,
    )
    seen = []
    seen.append(client.exchange_code(os.environ["MOCK_CODE"]).to_dict())
    print(client.me().name)
    seen.append(client.refresh().to_dict())
    print(client.projects.list()[:2])
    try:
        client.get("/rest/v1.0/unknown_route")
    except procore.ServerError as e:
        print(repr(e))
    # The parent reads the tokens from this file, never from the output.
    with open(os.environ["TOKENS_FILE"], "w") as f:
        json.dump(seen, f)
    client.close()
    """
)


def test_rust_and_python_logs_of_a_whole_session_hold_no_secret(fresh_server, tmp_path):
    """Run a session in a child process with every log switched on (Python logging at DEBUG,
    RUST_LOG=trace) and look for secrets in everything it wrote."""
    server = fresh_server
    probe = procore.Client(
        server.client_id, base_url=server.base_url, login_url=server.login_url
    )
    code = server.approve(probe.authorization_url())
    probe.close()
    tokens_file = tmp_path / "tokens.json"
    env = dict(
        os.environ,
        RUST_LOG="trace",
        RUST_BACKTRACE="1",
        MOCK_CLIENT_ID=server.client_id,
        MOCK_CLIENT_SECRET=server.client_secret,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
        MOCK_COMPANY_ID=str(server.company_id),
        MOCK_CODE=code,
        TOKENS_FILE=str(tokens_file),
    )
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=50
    )
    assert proc.returncode == 0, proc.stderr[-2000:].replace(server.client_secret, "[secret]")
    tokens = [procore.Token.from_dict(d) for d in json.loads(tokens_file.read_text())]
    secrets = secrets_of(server, *tokens)
    assert "Joe Builder" in proc.stdout
    assert not leaks(proc.stdout, secrets)
    assert not leaks(proc.stderr, secrets)
