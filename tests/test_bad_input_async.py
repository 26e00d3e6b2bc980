"""Bad input gets a clear ConfigError and sends nothing (async client).

The sync twin is test_bad_input_sync.py.
"""

from __future__ import annotations

import pytest

import procore
from helpers import Sent

PROJECTS = "/rest/v1.0/projects"


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
    assert field in str(info.value)
    assert sent.all() == []


FOREIGN = [
    "https://{other}/rest/v1.0/me",
    "http://{other}/rest/v1.0/me",
    "//{other}/rest/v1.0/me",
    "https://{api}@{other}/rest/v1.0/me",
]

ESCAPING = [
    "/rest/../oauth/token/info",
    "/rest/v1.0/../../oauth/token/info",
    "/rest/%2e%2e/oauth/token/info",
    "/rest/v1.0/%2E%2E/%2e%2e/oauth/token/info",
    "/rest/.%2e/oauth/token/info",
]


def calls(client, path):
    return [
        ("get", lambda: client.get(path)),
        ("post", lambda: client.post(path, json={"x": 1})),
        ("put", lambda: client.put(path, json={"x": 1})),
        ("patch", lambda: client.patch(path, json={"x": 1})),
        ("delete", lambda: client.delete(path)),
        ("paginate", lambda: client.paginate(path)),
    ]


async def refused(thunk) -> procore.ConfigError:
    """The ConfigError may come when the call is made or when it is awaited: either way, the
    caller sees it at the await, before anything is sent."""
    with pytest.raises(procore.ConfigError) as info:
        await thunk()
    return info.value


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


@pytest.mark.asyncio
async def test_grants_without_client_id_are_refused(server):
    sent = Sent(server)
    async with procore.AsyncClient(
        base_url=server.base_url, login_url=server.login_url, ca_cert=server.ca_cert
    ) as c:
        with pytest.raises(procore.ConfigError):
            c.authorization_url()
        err = await refused(lambda: c.exchange_code("some-code"))
        assert "client_id" in str(err) or "PROCORE_CLIENT_ID" in str(err)
        await refused(c.client_credentials)
    assert sent.all() == []


BAD_COMPANY_IDS = ["abc", 1.5, 7.0, True, False, -7, 2**64]
BAD_IDS = [pytest.param(v, id=f"{type(v).__name__}-{v!r}") for v in BAD_COMPANY_IDS]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_company_id_in_the_constructor_is_refused(server, bad):
    with pytest.raises(procore.ConfigError) as info:
        procore.AsyncClient(server.client_id, base_url=server.base_url, company_id=bad)
    assert "company_id" in str(info.value)


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.asyncio
async def test_bad_company_id_in_a_call_is_refused(server, aclient, bad):
    sent = Sent(server)
    thunks = [
        lambda: aclient.projects.list(company_id=bad),
        lambda: aclient.projects.get(1, company_id=bad),
        lambda: aclient.get(PROJECTS, company_id=bad),
        lambda: aclient.post(PROJECTS, json={"project": {"name": "x"}}, company_id=bad),
        lambda: aclient.put(f"{PROJECTS}/1", json={}, company_id=bad),
        lambda: aclient.patch(f"{PROJECTS}/1", json={}, company_id=bad),
        lambda: aclient.delete(f"{PROJECTS}/1", company_id=bad),
        lambda: aclient.paginate(PROJECTS, company_id=bad),
    ]
    for thunk in thunks:
        err = await refused(thunk)
        assert "company_id" in str(err)
    assert sent.all() == []


@pytest.mark.parametrize(
    "template",
    ["\\\\{other}/rest/v1.0/me", "/\\{other}/rest/v1.0/me", "/\t/{other}/rest/v1.0/me"],
    ids=["backslashes", "slash-backslash", "slash-tab-slash"],
)
@pytest.mark.asyncio
async def test_lookalike_paths_never_reach_another_host(server, aclient, elsewhere, template):
    path = template.format(other=elsewhere.netloc)
    async with server.async_client(token=aclient.token, max_retries=0) as c:
        with pytest.raises(procore.ProcoreError):
            await c.get(path)
    assert elsewhere.connections() == 0
