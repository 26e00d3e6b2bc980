"""Procore's "Making your first call", step by step, against the mock: 1. authorization URL
(OOB redirect), 2. code -> token, 3. /me, companies, projects, any endpoint.

Written once for both clients: test_seed_async.py is the source, and test_seed_sync.py is
generated from it by scripts/unasync.py (edit the source, then run the script).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

import procore
from helpers import OOB, PROJECTS_PER_COMPANY, Sent, netloc, query_of, token_grants


@pytest.mark.asyncio
async def test_three_steps_of_the_first_call(fresh_server):
    server = fresh_server
    sent = Sent(server)
    async with procore.AsyncClient(
        server.client_id,
        server.client_secret,
        base_url=server.base_url,
        login_url=server.login_url,
        ca_cert=server.ca_cert,
    ) as client:
        assert client.token is None

        # 1. Obtain authorization from the user: the URL the user opens in a browser (plain,
        #    no I/O, on both clients).
        url = client.authorization_url()
        assert isinstance(url, str)
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert parts.netloc == netloc(server.login_url)
        assert parts.path == "/oauth/authorize"
        assert parse_qs(parts.query) == {
            "response_type": ["code"],
            "client_id": [server.client_id],
            "redirect_uri": [OOB],
        }
        assert sent.all() == [], "building the URL sends nothing"

        # 2. Retrieve an access token (the mock approves in place of the user's browser).
        code = server.approve(url)
        token = await client.exchange_code(code)
        assert isinstance(token, procore.Token)
        assert token.token_type.lower() == "bearer"
        assert token.access_token and token.refresh_token
        assert client.token == token
        assert token_grants(server)["authorization_code"] == 1
        (token_call,) = sent.login()
        assert (token_call["method"], token_call["path"]) == ("POST", "/oauth/token")

        # 3. Make calls to the API.
        me = await client.me()
        assert isinstance(me, procore.Me)
        assert (me.id, me.login, me.name) == (1234567, "joe.builder@acme.com", "Joe Builder")
        (me_call,) = sent.api("/rest/v1.0/me")
        assert me_call["method"] == "GET" and me_call["authorized"]

        companies = await client.companies.list()
        assert isinstance(companies, procore.ResultList)
        assert all(isinstance(c, procore.Company) for c in companies)
        assert [c.id for c in companies] == server.company_ids

        company_id = companies[0].id
        projects = await client.projects.list(company_id=company_id)
        assert isinstance(projects, procore.ResultList)
        assert len(projects) == PROJECTS_PER_COMPANY
        assert all(isinstance(p, procore.Project) for p in projects)
        assert {p.company.id for p in projects} == {company_id}
        assert len({p.id for p in projects}) == PROJECTS_PER_COMPANY
        project_calls = sent.api("/rest/v1.0/projects")
        assert project_calls, "projects were listed"
        for call in project_calls:
            assert query_of(call)["company_id"] == str(company_id)
            assert call["company_header"] == str(company_id)

        project = await client.projects.get(projects[0].id, company_id=company_id)
        assert isinstance(project, procore.Project)
        assert project == projects[0]

        # Any endpoint: the raw JSON of the same calls.
        assert await client.get("/rest/v1.0/me") == me.to_dict()
        raw = await client.paginate(
            "/rest/v1.0/projects", {"company_id": company_id}, company_id=company_id
        )
        assert [p["id"] for p in raw] == [p.id for p in projects]

        assert all(r["authorized"] for r in sent.api())


@pytest.mark.asyncio
async def test_first_call_with_a_service_account(fresh_server):
    """Step 2 the client-credentials way: no browser, no refresh token."""
    server = fresh_server
    sent = Sent(server)
    async with server.async_client() as client:
        token = await client.client_credentials()
        assert token.refresh_token is None
        assert token_grants(server) == {
            "authorization_code": 0,
            "refresh_token": 0,
            "client_credentials": 1,
        }
        assert client.token == token
        me = await client.me()
        assert me.id == 1234567
        companies = await client.companies.list()
        assert [c.id for c in companies] == server.company_ids
        projects = await client.projects.list()
        assert len(projects) == PROJECTS_PER_COMPANY
        assert {p.company.id for p in projects} == {server.company_id}
        assert sent.api() and all(r["authorized"] for r in sent.api())
