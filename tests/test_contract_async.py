"""Every method of the public contract, async client, against the mock.

The sync twin is test_contract_sync.py; the two files follow the same order.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import stat
import time
from urllib.parse import parse_qs, urlsplit

import pytest

import procore
from helpers import (
    OOB,
    PROJECTS_PER_COMPANY,
    Sent,
    alogin,
    new_server,
    query_of,
    token_grants,
)

ME = "/rest/v1.0/me"
COMPANIES = "/rest/v1.0/companies"
PROJECTS = "/rest/v1.0/projects"


def same_secret(a, b) -> bool:
    """Compare two secrets without letting pytest print them on failure."""
    return a == b


# ---------------------------------------------------------------------------------------------
# Step 1: authorization_url (plain, not a coroutine, on the async client)


@pytest.mark.asyncio
async def test_authorization_url_state_is_encoded_and_sends_nothing(server):
    sent = Sent(server)
    async with server.async_client() as client:
        state = "a b&c=d/é?#"
        url = client.authorization_url(state=state)
        assert isinstance(url, str)
        q = parse_qs(urlsplit(url).query)
        assert q["state"] == [state]
        assert q["redirect_uri"] == [OOB]
        assert "state" not in parse_qs(urlsplit(client.authorization_url()).query)
        assert server.client_secret not in url
    assert sent.all() == []


@pytest.mark.asyncio
async def test_custom_redirect_uri_is_used_for_both_steps(server):
    redirect = "https://app.example.com/procore/callback"
    async with server.async_client(redirect_uri=redirect) as client:
        url = client.authorization_url()
        assert parse_qs(urlsplit(url).query)["redirect_uri"] == [redirect]
        token = await client.exchange_code(server.approve(url))
        assert token.access_token
        assert (await client.me()).id == 1234567


@pytest.mark.parametrize(
    "environment, login_host",
    [
        ("production", "login.procore.com"),
        ("sandbox", "login-sandbox.procore.com"),
        ("monthly", "login-sandbox-monthly.procore.com"),
    ],
)
@pytest.mark.asyncio
async def test_environment_picks_procores_login_host(environment, login_host):
    client = procore.AsyncClient("my-client-id", environment=environment)
    url = client.authorization_url()
    assert url.startswith(f"https://{login_host}/oauth/authorize?")
    assert client.token is None
    assert await client.close() is None
    assert client.closed


@pytest.mark.asyncio
async def test_client_id_and_secret_default_to_the_environment(fresh_server, monkeypatch):
    server = fresh_server
    monkeypatch.setenv("PROCORE_CLIENT_ID", server.client_id)
    monkeypatch.setenv("PROCORE_CLIENT_SECRET", server.client_secret)
    async with procore.AsyncClient(
        base_url=server.base_url, login_url=server.login_url, ca_cert=server.ca_cert
    ) as client:
        assert parse_qs(urlsplit(client.authorization_url()).query)["client_id"] == [
            server.client_id
        ]
        assert (await client.client_credentials()).access_token
        assert token_grants(server)["client_credentials"] == 1


# ---------------------------------------------------------------------------------------------
# Step 2: tokens


@pytest.mark.parametrize("lifetime", [5400, 7200])
@pytest.mark.asyncio
async def test_exchange_code_returns_a_full_token(lifetime):
    with new_server(token_lifetime=lifetime) as server:
        async with server.async_client() as client:
            before = int(time.time())
            token = await client.exchange_code(server.approve(client.authorization_url()))
            after = int(time.time())
            assert isinstance(token.access_token, str) and token.access_token
            assert isinstance(token.refresh_token, str) and token.refresh_token
            assert token.token_type.lower() == "bearer"
            assert token.expires_in == lifetime
            assert isinstance(token.created_at, int) and not isinstance(token.created_at, bool)
            assert before - 5 <= token.created_at <= after + 5
            assert token.expires_at == token.created_at + token.expires_in
            assert client.token == token  # a plain property, not a coroutine


@pytest.mark.asyncio
async def test_client_credentials_token_has_no_refresh_token(fresh_server):
    async with fresh_server.async_client() as client:
        token = await client.client_credentials()
        assert token.access_token
        assert token.refresh_token is None
        assert (await client.me()).id == 1234567


@pytest.mark.asyncio
async def test_refresh_rotates_both_tokens_and_kills_the_old_refresh_token(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        old = await alogin(client, server)
        new = await client.refresh()
        assert token_grants(server)["refresh_token"] == 1
        assert client.token == new
        assert not same_secret(new.access_token, old.access_token)
        assert not same_secret(new.refresh_token, old.refresh_token)
        assert (await client.me()).id == 1234567
    async with server.async_client(token=old) as stale:
        with pytest.raises(procore.OAuthError) as info:
            await stale.refresh()
        assert info.value.error == "invalid_grant"


@pytest.mark.asyncio
async def test_expired_access_token_is_refreshed_automatically(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        first = await alogin(client, server)
        server.expire_tokens()
        assert (await client.me()).id == 1234567
        assert token_grants(server)["refresh_token"] == 1
        assert not same_secret(client.token.access_token, first.access_token)


@pytest.mark.asyncio
async def test_concurrent_calls_refresh_once(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.expire_tokens()
        results = await asyncio.gather(*(client.me() for _ in range(8)))
        assert [m.id for m in results] == [1234567] * 8
        assert token_grants(server)["refresh_token"] == 1


@pytest.mark.asyncio
async def test_revoke_kills_the_access_token(fresh_server):
    server = fresh_server
    async with server.async_client() as client:
        token = await alogin(client, server)
        sent = Sent(server)
        assert await client.revoke() is None
        assert [(r["method"], r["path"]) for r in sent.login()] == [("POST", "/oauth/revoke")]
    async with server.async_client(access_token=token.access_token, max_retries=0) as other:
        with pytest.raises(procore.AuthenticationError):
            await other.me()


@pytest.mark.asyncio
async def test_bring_your_own_access_token_needs_no_client_id(server, aclient):
    sent = Sent(server)
    async with procore.AsyncClient(
        access_token=aclient.token.access_token,
        base_url=server.base_url,
        login_url=server.login_url,
        ca_cert=server.ca_cert,
    ) as own:
        assert (await own.me()).id == 1234567
    assert sent.login() == []


# ---------------------------------------------------------------------------------------------
# token_store


@pytest.mark.asyncio
async def test_token_store_is_written_0600_and_reused_without_a_new_grant(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "procore-token.json"
    async with server.async_client(token_store=str(store)) as first:
        assert first.token is None
        await alogin(first, server)
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        saved = json.loads(store.read_text())
        assert same_secret(saved["access_token"], first.token.access_token)

    async with server.async_client(token_store=str(store)) as second:
        assert second.token is not None
        assert (await second.me()).id == 1234567
        assert token_grants(server) == {
            "authorization_code": 1,
            "refresh_token": 0,
            "client_credentials": 0,
        }
        new = await second.refresh()
        saved = json.loads(store.read_text())
        assert same_secret(saved["refresh_token"], new.refresh_token)
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        # Beside the store only its lock file (which serialises refreshes across processes).
        assert sorted(p.name for p in tmp_path.iterdir()) == [store.name, store.name + ".lock"]


@pytest.mark.asyncio
async def test_automatic_refresh_is_persisted(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "t.json"
    async with server.async_client(token_store=str(store)) as client:
        await alogin(client, server)
        server.expire_tokens()
        await client.me()
        assert token_grants(server)["refresh_token"] == 1
        saved = json.loads(store.read_text())
        assert same_secret(saved["refresh_token"], client.token.refresh_token)


# ---------------------------------------------------------------------------------------------
# Step 3: me, companies, projects


@pytest.mark.asyncio
async def test_io_methods_are_awaitable(aclient, server):
    cid = server.company_id
    calls = [
        aclient.me(),
        aclient.companies.list(),
        aclient.projects.list(company_id=cid, per_page=300),
        aclient.get(ME),
        aclient.paginate(COMPANIES),
    ]
    assert all(inspect.isawaitable(c) for c in calls)
    me, companies, projects, raw_me, raw_companies = await asyncio.gather(*calls)
    assert me.to_dict() == raw_me
    assert [c.id for c in companies] == [c["id"] for c in raw_companies] == server.company_ids
    assert len(projects) == PROJECTS_PER_COMPANY


@pytest.mark.asyncio
async def test_me_is_a_typed_model_of_the_raw_json(aclient):
    me = await aclient.me()
    raw = await aclient.get(ME)
    assert me.to_dict() == raw
    assert (me.id, me.login, me.name) == (raw["id"], raw["login"], raw["name"])
    assert me == await aclient.me()


@pytest.mark.asyncio
async def test_me_and_companies_are_sent_without_the_company_header(server):
    async with server.async_client(company_id=server.company_ids[0]) as client:
        await alogin(client, server)
        sent = Sent(server)
        await client.me()
        await client.companies.list()
        calls = sent.api(ME) + sent.api(COMPANIES)
        assert len(calls) >= 2
        assert [c["company_header"] for c in calls] == [None] * len(calls)


@pytest.mark.asyncio
async def test_client_credentials_tokens_send_the_header_on_me_and_companies_too(server):
    async with server.async_client(company_id=server.company_ids[1]) as client:
        await client.client_credentials()
        sent = Sent(server)
        await client.me()
        await client.companies.list()
        calls = sent.api(ME) + sent.api(COMPANIES)
        assert len(calls) >= 2
        assert {c["company_header"] for c in calls} == {str(server.company_ids[1])}


@pytest.mark.asyncio
async def test_companies_list_fetches_every_page():
    with new_server(companies=7, max_per_page=3) as server:
        async with server.async_client() as client:
            await alogin(client, server)
            sent = Sent(server)
            companies = await client.companies.list()
            assert isinstance(companies, procore.ResultList) and isinstance(companies, list)
            assert [c.id for c in companies] == server.company_ids
            assert len(sent.api(COMPANIES)) == 3


@pytest.mark.asyncio
async def test_company_ids_are_64_bit_ints_end_to_end(server, aclient):
    ids = server.company_ids
    assert all(isinstance(i, int) and i > 2**32 for i in ids)
    assert [c.id for c in await aclient.companies.list()] == ids
    sent = Sent(server)
    projects = await aclient.projects.list(company_id=ids[1])
    assert {p.company.id for p in projects} == {ids[1]}
    assert {c["company_header"] for c in sent.api(PROJECTS)} == {str(ids[1])}


@pytest.mark.asyncio
async def test_projects_list_uses_the_clients_company_and_a_call_overrides_it(server):
    first, second = server.company_ids
    async with server.async_client(company_id=first) as client:
        await alogin(client, server)
        sent = Sent(server)
        default = await client.projects.list()
        assert {p.company.id for p in default} == {first}
        assert {c["company_header"] for c in sent.api(PROJECTS)} == {str(first)}
        sent = Sent(server)
        other = await client.projects.list(company_id=second)
        assert {p.company.id for p in other} == {second}
        assert {c["company_header"] for c in sent.api(PROJECTS)} == {str(second)}
        assert {query_of(c)["company_id"] for c in sent.api(PROJECTS)} == {str(second)}


@pytest.mark.asyncio
async def test_projects_list_sends_filters_and_per_page(server, aclient):
    cid = server.company_ids[0]
    sent = Sent(server)
    projects = await aclient.projects.list(
        company_id=cid, per_page=50, **{"filters[active]": "true"}
    )
    assert len(projects) == PROJECTS_PER_COMPANY
    calls = sent.api(PROJECTS)
    assert len(calls) == PROJECTS_PER_COMPANY // 50
    for call in calls:
        q = query_of(call)
        assert (q["filters[active]"], q["per_page"], q["company_id"]) == ("true", "50", str(cid))


@pytest.mark.asyncio
async def test_project_model_matches_the_raw_json(server, aclient):
    cid = server.company_ids[0]
    listed = (await aclient.projects.list(company_id=cid))[7]
    project = await aclient.projects.get(listed.id, company_id=cid)
    raw = await aclient.get(f"{PROJECTS}/{listed.id}", params={"company_id": cid}, company_id=cid)
    assert project.to_dict() == raw
    assert project.company.id == raw["company"]["id"] == cid
    assert (project.stage, project.latitude, project.name) == (
        raw["stage"],
        raw["latitude"],
        raw["name"],
    )
    assert project == listed


# ---------------------------------------------------------------------------------------------
# Any endpoint


@pytest.mark.asyncio
async def test_get_passes_params_and_returns_decoded_json(server, aclient):
    cid = server.company_ids[0]
    everything = await aclient.paginate(PROJECTS, {"company_id": cid}, company_id=cid)
    page = await aclient.get(
        PROJECTS, params={"company_id": cid, "page": 2, "per_page": 5}, company_id=cid
    )
    assert [p["id"] for p in page] == [p["id"] for p in everything[5:10]]


@pytest.mark.asyncio
async def test_write_methods_send_json_and_return_decoded_json(fresh_server):
    server = fresh_server
    cid = server.company_id
    async with server.async_client() as client:
        await alogin(client, server)
        sent = Sent(server)
        created = await client.post(
            PROJECTS, json={"project": {"name": "Tower B"}}, params={"company_id": cid}
        )
        assert created["name"] == "Tower B"
        pid = created["id"]
        patched = await client.patch(
            f"{PROJECTS}/{pid}", json={"project": {"name": "Tower B2"}}, params={"company_id": cid}
        )
        assert patched["id"] == pid and patched["name"] == "Tower B2"
        put = await client.put(
            f"{PROJECTS}/{pid}", json={"project": {"name": "Tower B3"}}, params={"company_id": cid}
        )
        assert put["id"] == pid and put["name"] == "Tower B3"
        assert await client.delete(f"{PROJECTS}/{pid}", params={"company_id": cid}) is None
        calls = [(r["method"], r["path"]) for r in sent.api()]
        assert calls == [
            ("POST", PROJECTS),
            ("PATCH", f"{PROJECTS}/{pid}"),
            ("PUT", f"{PROJECTS}/{pid}"),
            ("DELETE", f"{PROJECTS}/{pid}"),
        ]
        assert {r["company_header"] for r in sent.api()} == {str(cid)}


@pytest.mark.asyncio
async def test_paginate_returns_every_item_of_every_page(server, aclient):
    cid = server.company_ids[0]
    items = await aclient.paginate(PROJECTS, {"company_id": cid}, company_id=cid)
    assert isinstance(items, procore.ResultList)
    assert len(items) == PROJECTS_PER_COMPANY
    assert len({i["id"] for i in items}) == PROJECTS_PER_COMPANY


@pytest.mark.asyncio
async def test_paginate_respects_per_page_in_params(server, aclient):
    cid = server.company_ids[0]
    sent = Sent(server)
    items = await aclient.paginate(PROJECTS, {"company_id": cid, "per_page": 125}, company_id=cid)
    assert len(items) == PROJECTS_PER_COMPANY
    calls = sent.api(PROJECTS)
    assert len(calls) == 2
    assert {query_of(c)["per_page"] for c in calls} == {"125"}


@pytest.mark.asyncio
async def test_paginate_trusts_the_servers_page_size():
    with new_server(max_per_page=50) as server:
        async with server.async_client() as client:
            await alogin(client, server)
            cid = server.company_id
            sent = Sent(server)
            items = await client.paginate(PROJECTS, {"company_id": cid, "per_page": 100})
            assert len({i["id"] for i in items}) == len(items) == PROJECTS_PER_COMPANY
            assert len(sent.api(PROJECTS)) == PROJECTS_PER_COMPANY // 50


@pytest.mark.asyncio
async def test_empty_list_is_an_empty_result_list(fresh_server):
    server = fresh_server
    server.set_projects(server.company_id, 0)
    async with server.async_client() as client:
        await alogin(client, server)
        projects = await client.projects.list()
        assert isinstance(projects, procore.ResultList)
        assert projects == []


# ---------------------------------------------------------------------------------------------
# Lifecycle


@pytest.mark.asyncio
async def test_async_context_manager_returns_the_client_and_close_is_awaitable(server):
    async with server.async_client() as client:
        assert isinstance(client, procore.AsyncClient)
        await alogin(client, server)
        assert (await client.me()).id == 1234567
    plain = server.async_client()
    closing = plain.close()
    assert inspect.isawaitable(closing)
    await closing
