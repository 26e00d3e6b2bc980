"""Each exception class, raised from a real response of the mock (or a real network failure).

Written once for both clients: test_errors_async.py is the source, and test_errors_sync.py is
generated from it by scripts/unasync.py (edit the source, then run the script).
"""

from __future__ import annotations

import socket
import time

import pytest

import procore
from helpers import Sent, alogin

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"


def check_api_error(err: procore.APIError, status: int, method: str, path: str) -> None:
    assert isinstance(err, procore.APIError)
    assert isinstance(err, procore.ProcoreError)
    assert err.status_code == status
    assert err.method == method
    assert path in err.url
    assert err.request_id is None or isinstance(err.request_id, str)
    assert str(status) in str(err)


# ---------------------------------------------------------------------------------------------
# Statuses the mock answers by itself


@pytest.mark.asyncio
async def test_400_missing_company_header_is_bad_request(server, aclient):
    # A raw call to a company-scoped endpoint from a client with no default company: no
    # Procore-Company-Id header goes out, and the mock answers 400 as Procore does.
    async with server.async_client(token=aclient.token, company_id=None, max_retries=0) as c:
        sent = Sent(server)
        with pytest.raises(procore.BadRequestError) as info:
            await c.get(PROJECTS, params={"company_id": server.company_id})
        assert [r["company_header"] for r in sent.api(PROJECTS)] == [None]
    check_api_error(info.value, 400, "GET", PROJECTS)


@pytest.mark.asyncio
async def test_401_unknown_access_token_is_authentication_error(server):
    async with server.async_client(access_token="no-such-token", max_retries=0) as c:
        with pytest.raises(procore.AuthenticationError) as info:
            await c.me()
    check_api_error(info.value, 401, "GET", ME)


@pytest.mark.asyncio
async def test_403_company_the_user_is_not_in_is_permission_denied(server, aclient):
    stranger = max(server.company_ids) + 1000
    with pytest.raises(procore.PermissionDeniedError) as info:
        await aclient.projects.list(company_id=stranger)
    check_api_error(info.value, 403, "GET", PROJECTS)


@pytest.mark.asyncio
async def test_404_unknown_project_is_not_found(server, aclient):
    with pytest.raises(procore.NotFoundError) as info:
        await aclient.projects.get(424242, company_id=server.company_id)
    check_api_error(info.value, 404, "GET", f"{PROJECTS}/424242")


@pytest.mark.asyncio
async def test_422_project_without_a_name_is_unprocessable(server, aclient):
    cid = server.company_id
    with pytest.raises(procore.UnprocessableEntityError) as info:
        await aclient.post(
            PROJECTS, json={"project": {"city": "Anytown"}}, params={"company_id": cid}
        )
    check_api_error(info.value, 422, "POST", PROJECTS)
    assert info.value.body, "the server's explanation is kept"


@pytest.mark.asyncio
async def test_500_unknown_route_is_server_error_with_the_body(server, aclient):
    async with server.async_client(token=aclient.token, max_retries=0) as c:
        with pytest.raises(procore.ServerError) as info:
            await c.get("/rest/v1.0/no_such_endpoint")
    check_api_error(info.value, 500, "GET", "/rest/v1.0/no_such_endpoint")
    assert "unexpected" in str(info.value.body)


@pytest.mark.asyncio
async def test_429_from_the_rate_limit_is_rate_limit_error(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0) as c:
        await alogin(c, server)
        server.set_rate_limit(2, 3600)
        await c.me()
        await c.me()
        with pytest.raises(procore.RateLimitError) as info:
            await c.me()
    check_api_error(info.value, 429, "GET", ME)
    assert info.value.retry_after is not None and info.value.retry_after > 0


# ---------------------------------------------------------------------------------------------
# Injected statuses: every class, with max_retries=0 for a single answer


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, procore.BadRequestError),
        (403, procore.PermissionDeniedError),
        (404, procore.NotFoundError),
        (422, procore.UnprocessableEntityError),
        (429, procore.RateLimitError),
        (500, procore.ServerError),
        (502, procore.ServerError),
        (503, procore.ServerError),
        (504, procore.ServerError),
    ],
)
@pytest.mark.asyncio
async def test_injected_status_raises_its_class(fresh_server, status, cls):
    server = fresh_server
    async with server.async_client(max_retries=0) as c:
        await alogin(c, server)
        sent = Sent(server)
        server.fail_next(status=status, path=ME)
        with pytest.raises(cls) as info:
            await c.me()
        check_api_error(info.value, status, "GET", ME)
        assert len(sent.api(ME)) == 1, "max_retries=0 sends once"
        assert (await c.me()).id == 1234567, "the fault was one-shot"


@pytest.mark.asyncio
async def test_rate_limit_error_carries_retry_after(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0) as c:
        await alogin(c, server)
        server.fail_next(status=429, path=ME, retry_after=7)
        with pytest.raises(procore.RateLimitError) as info:
            await c.me()
    assert info.value.retry_after == 7


@pytest.mark.asyncio
async def test_server_error_that_persists_after_retries_is_raised(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=2) as c:
        await alogin(c, server)
        sent = Sent(server)
        server.fail_next(status=503, count=3, path=ME)
        with pytest.raises(procore.ServerError) as info:
            await c.me()
        assert info.value.status_code == 503
        assert len(sent.api(ME)) == 3, "one try and two retries"


@pytest.mark.parametrize("status", [500, 502])
@pytest.mark.asyncio
async def test_a_transient_server_error_is_retried(fresh_server, status):
    server = fresh_server
    async with server.async_client(max_retries=1) as c:
        await alogin(c, server)
        sent = Sent(server)
        server.fail_next(status=status, count=1, path=ME)
        assert (await c.me()).id == 1234567
        assert len(sent.api(ME)) == 2


@pytest.mark.asyncio
async def test_429_is_retried_after_retry_after(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=1) as c:
        await alogin(c, server)
        sent = Sent(server)
        server.fail_next(status=429, count=1, path=ME, retry_after=1)
        start = time.monotonic()
        assert (await c.me()).id == 1234567
        assert time.monotonic() - start >= 0.9, "Retry-After is honoured"
        assert len(sent.api(ME)) == 2


@pytest.mark.asyncio
async def test_persistent_rate_limit_after_retries_is_rate_limit_error(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=1) as c:
        await alogin(c, server)
        server.fail_next(status=429, count=2, path=ME, retry_after=1)
        with pytest.raises(procore.RateLimitError):
            await c.me()


@pytest.mark.asyncio
async def test_post_is_not_retried_after_a_server_error(fresh_server):
    """A POST may have taken effect: it is not sent twice, whatever max_retries says."""
    server = fresh_server
    cid = server.company_id
    async with server.async_client(max_retries=3) as c:
        await alogin(c, server)
        sent = Sent(server)
        server.fail_next(status=503, path=PROJECTS)
        with pytest.raises(procore.ServerError):
            await c.post(PROJECTS, json={"project": {"name": "Once"}}, params={"company_id": cid})
        assert [r["method"] for r in sent.api(PROJECTS)] == ["POST"]


# ---------------------------------------------------------------------------------------------
# OAuth errors


@pytest.mark.asyncio
async def test_unknown_code_is_oauth_error(server):
    async with server.async_client() as c:
        with pytest.raises(procore.OAuthError) as info:
            await c.exchange_code("not-a-code")
    err = info.value
    assert isinstance(err, procore.ProcoreError)
    assert err.error == "invalid_grant"
    assert isinstance(err.status_code, int) and 400 <= err.status_code < 500
    assert err.description is None or isinstance(err.description, str)
    assert "invalid_grant" in str(err)


@pytest.mark.asyncio
async def test_a_code_is_single_use(server):
    async with server.async_client() as c:
        code = server.approve(c.authorization_url())
        await c.exchange_code(code)
        with pytest.raises(procore.OAuthError) as info:
            await c.exchange_code(code)
    assert info.value.error == "invalid_grant"


@pytest.mark.asyncio
async def test_wrong_client_secret_is_oauth_error(server):
    async with server.async_client(client_secret="not-the-secret") as c:
        with pytest.raises(procore.OAuthError) as info:
            await c.client_credentials()
    assert info.value.error == "invalid_client"
    assert info.value.status_code in (400, 401)


@pytest.mark.asyncio
async def test_redirect_uri_must_match_the_authorization(server):
    async with server.async_client() as c:
        code = server.approve(c.authorization_url())
    async with server.async_client(redirect_uri="https://elsewhere.example.com/cb") as other:
        with pytest.raises(procore.OAuthError) as info:
            await other.exchange_code(code)
    assert info.value.error == "invalid_grant"


# ---------------------------------------------------------------------------------------------
# Network and TLS


@pytest.mark.asyncio
async def test_dropped_connection_is_connection_error(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0) as c:
        await alogin(c, server)
        server.drop_next(path=ME)
        with pytest.raises(procore.APIConnectionError) as info:
            await c.me()
    assert not isinstance(info.value, procore.APITimeoutError)
    assert isinstance(info.value, procore.ProcoreError)


@pytest.mark.asyncio
async def test_dropped_connection_is_retried(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=1) as c:
        await alogin(c, server)
        server.drop_next(path=ME)
        assert (await c.me()).id == 1234567


@pytest.mark.asyncio
async def test_slow_answer_is_timeout_error(fresh_server):
    server = fresh_server
    async with server.async_client(max_retries=0, timeout=0.5) as c:
        await alogin(c, server)
        server.delay_next(20, path=ME)
        start = time.monotonic()
        with pytest.raises(procore.APITimeoutError) as info:
            await c.me()
        assert time.monotonic() - start < 10
    assert isinstance(info.value, procore.APIConnectionError)


@pytest.mark.asyncio
async def test_untrusted_certificate_is_connection_error_and_cannot_be_skipped(server):
    # Without the mock's CA the TLS handshake fails: verification cannot be switched off.
    sent = Sent(server)
    async with procore.AsyncClient(
        access_token="tok", base_url=server.base_url, login_url=server.login_url, max_retries=0
    ) as c:
        with pytest.raises(procore.APIConnectionError):
            await c.me()
    assert sent.all() == []


@pytest.mark.asyncio
async def test_refused_connection_is_connection_error():
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        port = holder.getsockname()[1]
        async with procore.AsyncClient(
            access_token="tok", base_url=f"https://127.0.0.1:{port}", max_retries=0
        ) as c:
            with pytest.raises(procore.APIConnectionError):
                await c.me()
    finally:
        holder.close()
