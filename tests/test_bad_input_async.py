"""Bad input gets a clear ConfigError and sends nothing.

Every test checks, through the mock's request log, that no request left; the ones about other
hosts also check that nobody connected to a listener standing in for that host.

Written once for both clients: test_bad_input_async.py is the source, and
test_bad_input_sync.py is generated from it by scripts/unasync.py (edit the source, then run
the script).
"""

from __future__ import annotations

import pytest
import pytest_asyncio

import procore
from helpers import Sent

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"


async def refused(thunk) -> procore.ConfigError:
    """The ConfigError of a call. On the async client it may come when the call is made or
    when it is awaited: either way, the caller sees it before anything is sent."""
    with pytest.raises(procore.ConfigError) as info:
        await thunk()
    return info.value


# ---------------------------------------------------------------------------------------------
# Plain-http hosts


@pytest.mark.parametrize("field", ["base_url", "login_url"])
def test_plain_http_host_is_refused(server, field):
    sent = Sent(server)
    kwargs = dict(
        client_id=server.client_id,
        client_secret=server.client_secret,
        base_url=server.base_url,
        login_url=server.login_url,
        ca_cert=server.ca_cert,
    )
    kwargs[field] = kwargs[field].replace("https://", "http://", 1)
    with pytest.raises(procore.ConfigError) as info:
        procore.AsyncClient(**kwargs)
    assert isinstance(info.value, ValueError)
    assert field in str(info.value)
    assert "https" in str(info.value)
    assert sent.all() == []


@pytest.mark.parametrize("field", ["base_url", "login_url"])
def test_plain_http_host_is_refused_even_with_a_token(server, field):
    kwargs = {field: "http://api.procore.com"}
    with pytest.raises(procore.ConfigError):
        procore.AsyncClient(access_token="tok", **kwargs)


def test_unknown_environment_is_refused():
    with pytest.raises(procore.ConfigError) as info:
        procore.AsyncClient("id", environment="staging")
    assert "staging" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"timeout": -1.0}, {"max_retries": -1}, {"ca_cert": "/nonexistent/ca.pem"}],
    ids=["timeout-zero", "timeout-negative", "max-retries-negative", "ca-cert-missing"],
)
def test_other_bad_arguments_are_config_errors(kwargs):
    with pytest.raises(procore.ConfigError):
        procore.AsyncClient("id", **kwargs)


# ---------------------------------------------------------------------------------------------
# Paths that would take the bearer token to another host, or out of /rest


FOREIGN = [
    "https://{other}/rest/v1.0/me",
    "http://{other}/rest/v1.0/me",
    "//{other}/rest/v1.0/me",
    "https://{api}@{other}/rest/v1.0/me",
    "HTTPS://{other}/rest/v1.0/me",
]

ESCAPING = [
    "/rest/../oauth/token/info",
    "/rest/v1.0/../../oauth/token/info",
    "/rest/v1.0/me/../../../admin",
    "/rest/%2e%2e/oauth/token/info",
    "/rest/v1.0/%2E%2E/%2e%2e/oauth/token/info",
    "/rest/.%2e/oauth/token/info",
    "/rest/%2e./oauth/token/info",
    "/..",
    # Other paths of the API host: only its REST API gets the bearer token.
    "/oauth/token/info",
    "oauth/token",
    "/vapid/projects",
    "/restful/v1.0/me",
]


def calls(client, path):
    """Every way of sending a path, as (name, thunk)."""
    return [
        ("get", lambda: client.get(path)),
        ("post", lambda: client.post(path, json={"x": 1})),
        ("put", lambda: client.put(path, json={"x": 1})),
        ("patch", lambda: client.patch(path, json={"x": 1})),
        ("delete", lambda: client.delete(path)),
        ("paginate", lambda: client.paginate(path)),
    ]


@pytest.mark.parametrize("template", FOREIGN)
@pytest.mark.asyncio
async def test_url_to_another_host_is_refused(server, aclient, elsewhere, template):
    api = server.base_url.split("://", 1)[1]
    path = template.format(other=elsewhere.netloc, api=api)
    sent = Sent(server)
    for name, call in calls(aclient, path):
        await refused(call)
    assert sent.all() == []
    assert elsewhere.connections() == 0


@pytest.mark.parametrize("path", ESCAPING)
@pytest.mark.asyncio
async def test_path_escaping_rest_is_refused(server, aclient, path):
    sent = Sent(server)
    for name, call in calls(aclient, path):
        await refused(call)
    assert sent.all() == []


@pytest.mark.parametrize(
    "template",
    ["\\\\{other}/rest/v1.0/me", "/\\{other}/rest/v1.0/me", "/\t/{other}/rest/v1.0/me"],
    ids=["backslashes", "slash-backslash", "slash-tab-slash"],
)
@pytest.mark.asyncio
async def test_lookalike_paths_never_reach_another_host(server, aclient, elsewhere, template):
    """URL parsers read these as "//host": whether refused or sent to the API host as an odd
    path, the token must not travel to the other host."""
    path = template.format(other=elsewhere.netloc)
    async with server.async_client(token=aclient.token, max_retries=0) as c:
        with pytest.raises(procore.ProcoreError):
            await c.get(path)
    assert elsewhere.connections() == 0


@pytest.mark.asyncio
async def test_absolute_url_of_the_api_host_is_not_a_way_out(server, aclient, elsewhere):
    # The configured host with a path escaping /rest is refused like the bare path.
    sent = Sent(server)
    await refused(lambda: aclient.get(server.base_url + "/rest/%2e%2e/oauth/token/info"))
    assert sent.all() == []


# ---------------------------------------------------------------------------------------------
# Missing client id


@pytest_asyncio.fixture
async def no_id_client(server):
    async with procore.AsyncClient(
        base_url=server.base_url, login_url=server.login_url, ca_cert=server.ca_cert
    ) as c:
        yield c


@pytest.mark.asyncio
async def test_authorization_url_without_client_id_is_refused(server, no_id_client):
    sent = Sent(server)
    with pytest.raises(procore.ConfigError) as info:
        no_id_client.authorization_url()
    assert "client_id" in str(info.value) or "PROCORE_CLIENT_ID" in str(info.value)
    assert sent.all() == []


@pytest.mark.parametrize("grant", ["exchange_code", "client_credentials"])
@pytest.mark.asyncio
async def test_grant_without_client_id_is_refused(server, no_id_client, grant):
    sent = Sent(server)
    if grant == "exchange_code":
        err = await refused(lambda: no_id_client.exchange_code("some-code"))
    else:
        err = await refused(no_id_client.client_credentials)
    assert "client_id" in str(err) or "PROCORE_CLIENT_ID" in str(err)
    assert sent.all() == []


@pytest.mark.asyncio
async def test_refresh_without_client_id_is_refused(server, aclient):
    async with procore.AsyncClient(
        token=aclient.token,
        base_url=server.base_url,
        login_url=server.login_url,
        ca_cert=server.ca_cert,
    ) as c:
        sent = Sent(server)
        await refused(c.refresh)
        assert sent.all() == []


# ---------------------------------------------------------------------------------------------
# Company ids


BAD_COMPANY_IDS = ["abc", "", 1.5, 7.0, True, False, -7, 2**64]
BAD_IDS = [pytest.param(v, id=f"{type(v).__name__}-{v!r}") for v in BAD_COMPANY_IDS]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_company_id_in_the_constructor_is_refused(server, bad):
    with pytest.raises(procore.ConfigError) as info:
        procore.AsyncClient(
            server.client_id,
            server.client_secret,
            base_url=server.base_url,
            login_url=server.login_url,
            ca_cert=server.ca_cert,
            company_id=bad,
        )
    assert "company_id" in str(info.value)


def company_calls(client, bad):
    return [
        ("projects.list", lambda: client.projects.list(company_id=bad)),
        ("projects.get", lambda: client.projects.get(1, company_id=bad)),
        ("get", lambda: client.get(PROJECTS, company_id=bad)),
        ("post", lambda: client.post(PROJECTS, json={"project": {"name": "x"}}, company_id=bad)),
        ("put", lambda: client.put(f"{PROJECTS}/1", json={}, company_id=bad)),
        ("patch", lambda: client.patch(f"{PROJECTS}/1", json={}, company_id=bad)),
        ("delete", lambda: client.delete(f"{PROJECTS}/1", company_id=bad)),
        ("paginate", lambda: client.paginate(PROJECTS, company_id=bad)),
    ]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.asyncio
async def test_bad_company_id_in_a_call_is_refused(server, aclient, bad):
    sent = Sent(server)
    for name, call in company_calls(aclient, bad):
        err = await refused(call)
        assert "company_id" in str(err), name
    assert sent.all() == []
