"""Every method of the public contract, against the mock.

Written once for both clients: test_contract_async.py is the source, and
test_contract_sync.py is generated from it by scripts/unasync.py (edit the source, then run
the script). What only one client does (awaitables; the GIL released by blocking calls) is
in test_async_only.py and test_sync_only.py.
"""

from __future__ import annotations

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
    agather,
    alogin,
    netloc,
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
# Step 1: authorization_url (plain, not a coroutine, on the async client too)


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
    assert sent.all() == []


@pytest.mark.asyncio
async def test_authorization_url_never_carries_the_secret(server):
    async with server.async_client() as client:
        url = client.authorization_url(state="s")
        assert server.client_secret not in url
        assert "client_secret" not in url


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
    assert parse_qs(urlsplit(url).query)["client_id"] == ["my-client-id"]
    assert client.token is None
    assert await client.close() is None
    assert client.closed


@pytest.mark.asyncio
async def test_default_environment_is_production():
    client = procore.AsyncClient("my-client-id")
    assert netloc(client.authorization_url()) == "login.procore.com"
    await client.close()


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


@pytest.mark.asyncio
async def test_explicit_client_id_beats_the_environment(server, monkeypatch):
    monkeypatch.setenv("PROCORE_CLIENT_ID", "someone-else")
    async with server.async_client(client_id=server.client_id) as client:
        q = parse_qs(urlsplit(client.authorization_url()).query)
        assert q["client_id"] == [server.client_id]


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
            assert not same_secret(token.access_token, token.refresh_token)
            assert token.token_type.lower() == "bearer"
            assert token.expires_in == lifetime
            assert isinstance(token.created_at, int) and not isinstance(token.created_at, bool)
            assert before - 5 <= token.created_at <= after + 5
            assert isinstance(token.expires_at, int)
            assert token.expires_at == token.created_at + token.expires_in
            assert client.token == token  # a plain property, not a coroutine


@pytest.mark.asyncio
async def test_client_credentials_token_has_no_refresh_token(fresh_server):
    async with fresh_server.async_client() as client:
        token = await client.client_credentials()
        assert token.access_token
        assert token.refresh_token is None
        assert token.expires_at == token.created_at + token.expires_in
        assert (await client.me()).id == 1234567


@pytest.mark.asyncio
async def test_token_round_trips_through_a_dict(aclient):
    token = aclient.token
    d = token.to_dict()
    assert isinstance(d, dict)
    assert {"access_token", "refresh_token", "token_type", "expires_in", "created_at"} <= set(d)
    assert same_secret(d["access_token"], token.access_token)
    assert same_secret(d["refresh_token"], token.refresh_token)
    assert d["created_at"] == token.created_at and d["expires_in"] == token.expires_in
    again = procore.Token.from_dict(d)
    assert isinstance(again, procore.Token)
    assert again == token
    assert again.expires_at == token.expires_at
    json.dumps(d)  # a token dict is plain JSON, ready for a file or a secret manager


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
    # Someone still holding the old token (say, a stale copy of a token file) is refused.
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
    """Refresh tokens rotate: two refreshes with one refresh token would lock the user out."""
    server = fresh_server
    async with server.async_client() as client:
        await alogin(client, server)
        server.expire_tokens()
        # Tasks of the event loop in the async suite, threads in the sync one.
        results = await agather(*(client.me for _ in range(8)))
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
        assert own.token is not None
        assert same_secret(own.token.access_token, aclient.token.access_token)
        assert (await own.me()).id == 1234567
    assert sent.login() == []


@pytest.mark.asyncio
async def test_token_argument_is_used_as_given(server, aclient):
    async with server.async_client(token=aclient.token) as other:
        assert other.token == aclient.token
        assert (await other.me()).id == 1234567


# ---------------------------------------------------------------------------------------------
# token_store


@pytest.mark.asyncio
async def test_token_store_is_written_0600_and_reused_without_a_new_grant(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "procore-token.json"
    async with server.async_client(token_store=str(store)) as first:
        assert first.token is None
        await alogin(first, server)
        assert store.exists()
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        saved = json.loads(store.read_text())
        assert same_secret(saved["access_token"], first.token.access_token)
        assert same_secret(saved["refresh_token"], first.token.refresh_token)

    async with server.async_client(token_store=str(store)) as second:
        assert second.token is not None
        assert (await second.me()).id == 1234567
        assert token_grants(server) == {
            "authorization_code": 1,
            "refresh_token": 0,
            "client_credentials": 0,
        }
        # Every new token is written back, atomically: same mode, no temporary files left.
        new = await second.refresh()
        saved = json.loads(store.read_text())
        assert same_secret(saved["refresh_token"], new.refresh_token)
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        # Beside the store only its lock file (which serialises refreshes across processes).
        assert sorted(p.name for p in tmp_path.iterdir()) == [store.name, store.name + ".lock"]


@pytest.mark.asyncio
async def test_token_store_is_loaded_from_an_existing_file(fresh_server, tmp_path):
    server = fresh_server
    async with server.async_client() as first:
        token = await alogin(first, server)
    store = tmp_path / "token.json"
    store.write_text(json.dumps(token.to_dict()))
    os.chmod(store, 0o644)  # as a user might have written it
    async with server.async_client(token_store=str(store)) as other:
        assert other.token == token
        assert (await other.me()).id == 1234567
        assert token_grants(server)["authorization_code"] == 1
        await other.refresh()
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        text = store.read_text()
        assert server.client_secret not in text
        assert same_secret(json.loads(text)["refresh_token"], other.token.refresh_token)


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
        assert same_secret(saved["access_token"], client.token.access_token)


@pytest.mark.asyncio
async def test_client_credentials_token_is_stored(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "cc.json"
    async with server.async_client(token_store=str(store)) as client:
        token = await client.client_credentials()
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
        assert procore.Token.from_dict(json.loads(store.read_text())) == token


# ---------------------------------------------------------------------------------------------
# Step 3: me, companies, projects


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
            assert len(companies) == 7
            assert len(sent.api(COMPANIES)) == 3  # 3 + 3 + 1
            assert all(isinstance(c.name, str) and c.name for c in companies)
            assert companies[0].to_dict()["id"] == companies[0].id


@pytest.mark.asyncio
async def test_company_ids_are_64_bit_ints_end_to_end(server, aclient):
    ids = server.company_ids
    assert all(isinstance(i, int) and i > 2**32 for i in ids)
    assert [c.id for c in await aclient.companies.list()] == ids
    sent = Sent(server)
    projects = await aclient.projects.list(company_id=ids[1])
    assert {p.company.id for p in projects} == {ids[1]}
    assert {c["company_header"] for c in sent.api(PROJECTS)} == {str(ids[1])}
    assert {query_of(c)["company_id"] for c in sent.api(PROJECTS)} == {str(ids[1])}


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
async def test_projects_list_sends_filters_as_query_params(server, aclient):
    cid = server.company_ids[0]
    sent = Sent(server)
    projects = await aclient.projects.list(
        company_id=cid, **{"filters[active]": "true", "view": "normal"}
    )
    assert isinstance(projects, procore.ResultList)
    calls = sent.api(PROJECTS)
    assert calls
    for call in calls:
        q = query_of(call)
        assert q["filters[active]"] == "true"
        assert q["view"] == "normal"
        assert q["company_id"] == str(cid)


@pytest.mark.asyncio
async def test_projects_list_honours_per_page(server, aclient):
    cid = server.company_ids[0]
    sent = Sent(server)
    projects = await aclient.projects.list(company_id=cid, per_page=50)
    assert len(projects) == PROJECTS_PER_COMPANY
    calls = sent.api(PROJECTS)
    assert len(calls) == PROJECTS_PER_COMPANY // 50
    assert {query_of(c)["per_page"] for c in calls} == {"50"}
    assert sorted(int(query_of(c).get("page", "1")) for c in calls) == [1, 2, 3, 4, 5]


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
    for field in (
        "id name display_name project_number address city state_code country_code zip county "
        "latitude longitude stage phone created_at updated_at active origin_id origin_data"
    ).split():
        assert field in raw, f"mock sends {field}"
        assert getattr(project, field) == raw[field], field
    assert project.company.id == raw["company"]["id"] == cid
    assert project.company.name == raw["company"]["name"]
    assert isinstance(project.latitude, float)
    assert isinstance(project.active, bool)
    assert project == listed
    other = (await aclient.projects.list(company_id=cid))[8]
    assert project != await aclient.projects.get(other.id, company_id=cid)


@pytest.mark.asyncio
async def test_projects_get_uses_the_clients_company(server):
    cid = server.company_ids[1]
    async with server.async_client(company_id=cid) as client:
        await alogin(client, server)
        pid = (await client.projects.list())[0].id
        sent = Sent(server)
        project = await client.projects.get(pid)
        assert project.id == pid and project.company.id == cid
        (call,) = sent.api(f"{PROJECTS}/{pid}")
        assert call["company_header"] == str(cid)
        assert query_of(call)["company_id"] == str(cid)


@pytest.mark.asyncio
async def test_company_ids_beyond_2_53_are_sent_exactly(server, aclient):
    # 2**62 + 1 is not representable as a float: a trip through a double would change it.
    big = 2**62 + 1
    async with server.async_client(token=aclient.token, company_id=big, max_retries=0) as c:
        sent = Sent(server)
        with pytest.raises(procore.PermissionDeniedError):
            await c.projects.list()
        with pytest.raises(procore.PermissionDeniedError):
            await c.get(PROJECTS, params={"company_id": big}, company_id=big)
    calls = sent.api(PROJECTS)
    assert len(calls) == 2
    assert {c["company_header"] for c in calls} == {str(big)}
    assert {query_of(c)["company_id"] for c in calls} == {str(big)}


@pytest.mark.asyncio
async def test_result_list_behaves_like_a_list(aclient, server):
    companies = await aclient.companies.list()
    plain = list(companies)
    assert isinstance(companies, list)
    assert companies == plain and plain == companies
    assert len(companies) == len(plain) == len(server.company_ids)
    assert companies[0] == plain[0] and companies[-1] == plain[-1]
    assert [c.id for c in companies] == [c.id for c in plain]
    assert companies[:1] == plain[:1]
    assert companies != plain[:1]


# ---------------------------------------------------------------------------------------------
# Any endpoint: get / post / put / patch / delete / paginate


@pytest.mark.asyncio
async def test_get_passes_params_and_returns_decoded_json(server, aclient):
    cid = server.company_ids[0]
    everything = await aclient.paginate(PROJECTS, {"company_id": cid}, company_id=cid)
    page = await aclient.get(
        PROJECTS, params={"company_id": cid, "page": 2, "per_page": 5}, company_id=cid
    )
    assert isinstance(page, list)
    assert [p["id"] for p in page] == [p["id"] for p in everything[5:10]]
    me = await aclient.get(ME)
    assert isinstance(me, dict) and me["id"] == 1234567


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
        assert isinstance(created, dict)
        assert created["name"] == "Tower B"
        pid = created["id"]
        assert isinstance(pid, int)
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
        assert {query_of(r)["company_id"] for r in sent.api()} == {str(cid)}


@pytest.mark.asyncio
async def test_write_methods_take_a_per_call_company(server, aclient):
    cid = server.company_ids[1]
    sent = Sent(server)
    created = await aclient.post(
        PROJECTS, json={"project": {"name": "Depot"}}, params={"company_id": cid}, company_id=cid
    )
    await aclient.delete(f"{PROJECTS}/{created['id']}", params={"company_id": cid}, company_id=cid)
    assert {r["company_header"] for r in sent.api()} == {str(cid)}


@pytest.mark.asyncio
async def test_paginate_returns_every_item_of_every_page(server, aclient):
    cid = server.company_ids[0]
    sent = Sent(server)
    items = await aclient.paginate(PROJECTS, {"company_id": cid}, company_id=cid)
    assert isinstance(items, procore.ResultList)
    assert all(isinstance(i, dict) for i in items)
    assert len(items) == PROJECTS_PER_COMPANY
    assert len({i["id"] for i in items}) == PROJECTS_PER_COMPANY
    projects = await aclient.projects.list(company_id=cid)
    assert [i["id"] for i in items] == [p.id for p in projects]
    assert len(sent.api(PROJECTS)) >= 2


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
    """The server caps per_page at 50: Per-Page and Total say so, and every item still comes back."""
    with new_server(max_per_page=50) as server:
        async with server.async_client() as client:
            await alogin(client, server)
            cid = server.company_id
            sent = Sent(server)
            items = await client.paginate(
                PROJECTS, {"company_id": cid, "per_page": 100}, company_id=cid
            )
            assert len(items) == PROJECTS_PER_COMPANY
            assert len({i["id"] for i in items}) == PROJECTS_PER_COMPANY
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
        assert await client.paginate(PROJECTS, {"company_id": server.company_id}) == []


# ---------------------------------------------------------------------------------------------
# Lifecycle


@pytest.mark.asyncio
async def test_context_manager_returns_the_client(server):
    async with server.async_client() as client:
        assert isinstance(client, procore.AsyncClient)
        await alogin(client, server)
        assert (await client.me()).id == 1234567
    assert client.closed
    plain = server.async_client()
    assert not plain.closed
    await plain.close()
    assert plain.closed
