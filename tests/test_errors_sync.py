"""Each exception class, raised from a real response of the mock (or a real network failure),
sync client. The async twin is test_errors_async.py."""

from __future__ import annotations

import socket
import time

import pytest

import procore
from helpers import Sent, login

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


def test_400_missing_company_header_is_bad_request(server, client):
    # A raw call to a company-scoped endpoint from a client with no default company: no
    # Procore-Company-Id header goes out, and the mock answers 400 as Procore does.
    with server.client(token=client.token, company_id=None, max_retries=0) as c:
        sent = Sent(server)
        with pytest.raises(procore.BadRequestError) as info:
            c.get(PROJECTS, params={"company_id": server.company_id})
        assert [r["company_header"] for r in sent.api(PROJECTS)] == [None]
    check_api_error(info.value, 400, "GET", PROJECTS)


def test_401_unknown_access_token_is_authentication_error(server):
    with server.client(access_token="no-such-token", max_retries=0) as c:
        with pytest.raises(procore.AuthenticationError) as info:
            c.me()
    check_api_error(info.value, 401, "GET", ME)


def test_403_company_the_user_is_not_in_is_permission_denied(server, client):
    stranger = max(server.company_ids) + 1000
    with pytest.raises(procore.PermissionDeniedError) as info:
        client.projects.list(company_id=stranger)
    check_api_error(info.value, 403, "GET", PROJECTS)


def test_404_unknown_project_is_not_found(server, client):
    with pytest.raises(procore.NotFoundError) as info:
        client.projects.get(424242, company_id=server.company_id)
    check_api_error(info.value, 404, "GET", f"{PROJECTS}/424242")


def test_422_project_without_a_name_is_unprocessable(server, client):
    cid = server.company_id
    with pytest.raises(procore.UnprocessableEntityError) as info:
        client.post(PROJECTS, json={"project": {"city": "Anytown"}}, params={"company_id": cid})
    check_api_error(info.value, 422, "POST", PROJECTS)
    assert info.value.body, "the server's explanation is kept"


def test_500_unknown_route_is_server_error_with_the_body(server, client):
    with server.client(token=client.token, max_retries=0) as c:
        with pytest.raises(procore.ServerError) as info:
            c.get("/rest/v1.0/no_such_endpoint")
    check_api_error(info.value, 500, "GET", "/rest/v1.0/no_such_endpoint")
    assert "unexpected" in str(info.value.body)


def test_429_from_the_rate_limit_is_rate_limit_error(fresh_server):
    server = fresh_server
    with server.client(max_retries=0) as c:
        login(c, server)
        server.set_rate_limit(2, 3600)
        c.me()
        c.me()
        with pytest.raises(procore.RateLimitError) as info:
            c.me()
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
def test_injected_status_raises_its_class(fresh_server, status, cls):
    server = fresh_server
    with server.client(max_retries=0) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(status=status, path=ME)
        with pytest.raises(cls) as info:
            c.me()
        check_api_error(info.value, status, "GET", ME)
        assert len(sent.api(ME)) == 1, "max_retries=0 sends once"
        assert c.me().id == 1234567, "the fault was one-shot"


def test_rate_limit_error_carries_retry_after(fresh_server):
    server = fresh_server
    with server.client(max_retries=0) as c:
        login(c, server)
        server.fail_next(status=429, path=ME, retry_after=7)
        with pytest.raises(procore.RateLimitError) as info:
            c.me()
    assert info.value.retry_after == 7


def test_server_error_that_persists_after_retries_is_raised(fresh_server):
    server = fresh_server
    with server.client(max_retries=2) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(status=503, count=3, path=ME)
        with pytest.raises(procore.ServerError) as info:
            c.me()
        assert info.value.status_code == 503
        assert len(sent.api(ME)) == 3, "one try and two retries"


def test_a_transient_server_error_is_retried(fresh_server):
    server = fresh_server
    with server.client(max_retries=1) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(status=500, count=1, path=ME)
        assert c.me().id == 1234567
        assert len(sent.api(ME)) == 2


def test_429_is_retried_after_retry_after(fresh_server):
    server = fresh_server
    with server.client(max_retries=1) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(status=429, count=1, path=ME, retry_after=1)
        start = time.monotonic()
        assert c.me().id == 1234567
        assert time.monotonic() - start >= 0.9, "Retry-After is honoured"
        assert len(sent.api(ME)) == 2


def test_persistent_rate_limit_after_retries_is_rate_limit_error(fresh_server):
    server = fresh_server
    with server.client(max_retries=1) as c:
        login(c, server)
        server.fail_next(status=429, count=2, path=ME, retry_after=1)
        with pytest.raises(procore.RateLimitError):
            c.me()


def test_post_is_not_retried_after_a_server_error(fresh_server):
    """A POST may have taken effect: it is not sent twice, whatever max_retries says."""
    server = fresh_server
    cid = server.company_id
    with server.client(max_retries=3) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(status=503, path=PROJECTS)
        with pytest.raises(procore.ServerError):
            c.post(PROJECTS, json={"project": {"name": "Once"}}, params={"company_id": cid})
        assert [r["method"] for r in sent.api(PROJECTS)] == ["POST"]


# ---------------------------------------------------------------------------------------------
# OAuth errors


def test_unknown_code_is_oauth_error(server):
    with server.client() as c:
        with pytest.raises(procore.OAuthError) as info:
            c.exchange_code("not-a-code")
    err = info.value
    assert isinstance(err, procore.ProcoreError)
    assert err.error == "invalid_grant"
    assert isinstance(err.status_code, int) and 400 <= err.status_code < 500
    assert err.description is None or isinstance(err.description, str)
    assert "invalid_grant" in str(err)


def test_a_code_is_single_use(server):
    with server.client() as c:
        code = server.approve(c.authorization_url())
        c.exchange_code(code)
        with pytest.raises(procore.OAuthError) as info:
            c.exchange_code(code)
    assert info.value.error == "invalid_grant"


def test_wrong_client_secret_is_oauth_error(server):
    with server.client(client_secret="not-the-secret") as c:
        with pytest.raises(procore.OAuthError) as info:
            c.client_credentials()
    assert info.value.error == "invalid_client"
    assert info.value.status_code in (400, 401)


def test_redirect_uri_must_match_the_authorization(server):
    with server.client() as c:
        code = server.approve(c.authorization_url())
    with server.client(redirect_uri="https://elsewhere.example.com/cb") as other:
        with pytest.raises(procore.OAuthError) as info:
            other.exchange_code(code)
    assert info.value.error == "invalid_grant"


# ---------------------------------------------------------------------------------------------
# Network and TLS


def test_dropped_connection_is_connection_error(fresh_server):
    server = fresh_server
    with server.client(max_retries=0) as c:
        login(c, server)
        server.drop_next(path=ME)
        with pytest.raises(procore.APIConnectionError) as info:
            c.me()
    assert not isinstance(info.value, procore.APITimeoutError)
    assert isinstance(info.value, procore.ProcoreError)


def test_dropped_connection_is_retried(fresh_server):
    server = fresh_server
    with server.client(max_retries=1) as c:
        login(c, server)
        server.drop_next(path=ME)
        assert c.me().id == 1234567


def test_slow_answer_is_timeout_error(fresh_server):
    server = fresh_server
    with server.client(max_retries=0, timeout=0.5) as c:
        login(c, server)
        server.delay_next(20, path=ME)
        start = time.monotonic()
        with pytest.raises(procore.APITimeoutError) as info:
            c.me()
        assert time.monotonic() - start < 10
    assert isinstance(info.value, procore.APIConnectionError)


def test_untrusted_certificate_is_connection_error_and_cannot_be_skipped(server):
    # Without the mock's CA the TLS handshake fails: verification cannot be switched off.
    sent = Sent(server)
    with procore.Client(
        access_token="tok", base_url=server.base_url, login_url=server.login_url, max_retries=0
    ) as c:
        with pytest.raises(procore.APIConnectionError):
            c.me()
    assert sent.all() == []


def test_refused_connection_is_connection_error():
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        port = holder.getsockname()[1]
        with procore.Client(
            access_token="tok", base_url=f"https://127.0.0.1:{port}", max_retries=0
        ) as c:
            with pytest.raises(procore.APIConnectionError):
                c.me()
    finally:
        holder.close()
