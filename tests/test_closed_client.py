"""After ``close()`` a client still reads what needs no I/O (the token, the rate-limit figures,
its configuration); only I/O raises (issue 14, item 10). A script that saves its token after
its ``with`` block keeps working."""

from __future__ import annotations

import asyncio

import pytest

import procore
from helpers import Sent, alogin, login

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"


def readable(client) -> dict:
    return dict(
        token=client.token,
        rate_limit=client.rate_limit,
        environment=client.environment,
        base_url=client.base_url,
        login_url=client.login_url,
        client_id=client.client_id,
        company_id=client.company_id,
    )


def sync_io(client, cid):
    return [
        lambda: client.me(),
        lambda: client.get(ME),
        lambda: client.post(PROJECTS, json={"project": {"name": "x"}}),
        lambda: client.delete(f"{PROJECTS}/1"),
        lambda: client.paginate(PROJECTS, {"company_id": cid}),
        lambda: client.iter_pages(PROJECTS, {"company_id": cid}),
        lambda: client.companies.list(),
        lambda: client.companies.iter(),
        lambda: client.projects.list(company_id=cid),
        lambda: client.projects.iter(company_id=cid),
        lambda: client.projects.get(1, company_id=cid),
        lambda: client.exchange_code("code"),
        lambda: client.client_credentials(),
        lambda: client.refresh(),
        lambda: client.revoke(),
        lambda: client.authorization_url(),
    ]


def test_a_closed_sync_client_reads_but_does_no_io(server):
    sent = Sent(server)
    with server.client() as client:
        token = login(client, server)
        client.me()
        before = readable(client)
    assert client.closed and repr(client) == "Client(closed)"
    assert before["token"] == token and before["rate_limit"] is not None
    assert readable(client) == before
    # The script that saves its token after the `with` block.
    assert procore.Token.from_dict(client.token.to_dict()) == token
    count = len(sent.all())
    for call in sync_io(client, server.company_id):
        with pytest.raises(procore.ConfigError, match="the client is closed"):
            call()
    assert len(sent.all()) == count


@pytest.mark.asyncio
async def test_a_closed_async_client_reads_but_does_no_io(server):
    sent = Sent(server)
    async with server.async_client() as client:
        token = await alogin(client, server)
        await client.me()
        before = readable(client)
    assert client.closed and repr(client) == "AsyncClient(closed)"
    assert before["token"] == token and readable(client) == before
    count = len(sent.all())
    for call in sync_io(client, server.company_id):
        with pytest.raises(procore.ConfigError, match="the client is closed"):
            result = call()
            if asyncio.iscoroutine(result):
                await result
    assert len(sent.all()) == count


def test_a_client_that_never_had_a_token_reads_none_after_close(server):
    client = server.client()
    client.close()
    assert client.token is None and client.rate_limit is None
    assert client.base_url == server.base_url


@pytest.mark.asyncio
async def test_a_token_renewed_by_a_call_under_way_at_close_is_the_one_read(fresh_server):
    server = fresh_server
    client = server.async_client()
    old = await alogin(client, server)
    server.expire_tokens()
    server.delay_next(0.5, count=1, path=ME)
    task = asyncio.create_task(client.me())
    await asyncio.sleep(0)  # one step: the call starts (with the expired token)
    await client.close()
    assert client.closed
    assert (await task).id == 1234567
    renewed = client.token
    assert renewed is not None and renewed.access_token != old.access_token
    assert server.stats()["token_requests"]["refresh_token"] == 1
    with pytest.raises(procore.ConfigError, match="the client is closed"):
        await client.me()
