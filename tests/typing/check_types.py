"""The types the stubs promise, pinned with ``assert_type``. Never run: type-checked by pyright
(strict) and mypy (strict) from tests/test_typing.py.

A line ending in ``# type-error: <pyright rule> <mypy code>`` must be reported by both checkers
with that rule and code (``-``: that checker does not catch this one, and must stay silent), and
no other line may be reported at all. Those lines are the mistakes
the stubs exist to catch. A line ending in ``# reveal: <pyright type> <mypy type>`` must be
revealed as those types.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any, AsyncIterator, Coroutine, Dict, Iterator, List, Optional

from typing_extensions import assert_type

import procore
from procore import models
from procore import AsyncClient, Client, Company, Me, Project, ResultList, Token
from procore._procore import Operation
from procore.testing import MockServer

# --- the sync client -----------------------------------------------------------------------------


def sync_client(client: Client) -> None:
    reveal_type(client.projects.list(company_id=1)[0].company.id)  # reveal: int int
    projects = client.projects.list(company_id=1, per_page=100)
    assert_type(projects, ResultList[Project])
    assert_type(client.projects.list(company_id="1")[0].company.id, int)
    assert_type(projects[0], Project)
    assert_type(projects[0].id, int)
    assert_type(projects[0].name, Optional[str])
    assert_type(projects[0].latitude, Optional[float])
    assert_type(projects[0].active, Optional[bool])
    assert_type(projects[0].company, Company)
    assert_type(projects[0].company.name, Optional[str])
    assert_type(projects[0]["custom_field"], Any)
    assert_type(projects[0].to_dict(), Dict[str, Any])
    assert_type(projects[1:], List[Project])
    as_list: List[Project] = projects  # a ResultList is a list
    assert_type(len(as_list), int)

    assert_type(client.me(), Me)
    assert_type(client.login(), Token)
    assert_type(client.login(oob=True, timeout=60.0), Token)
    assert_type(client.projects.list(progress=False), ResultList[Project])
    assert_type(client.paginate("/rest/v1.0/projects", progress=True), ResultList[Dict[str, Any]])
    assert_type(client.me().id, int)
    assert_type(client.me().login, Optional[str])
    assert_type(client.companies.list(), ResultList[Company])
    assert_type(client.companies.list()[0].id, int)
    assert_type(client.projects.get(5, company_id=1), Project)
    assert_type(client.projects.get("5").company.id, int)

    assert_type(client.get("/rest/v1.0/me"), Any)
    assert_type(client.get("/rest/v1.0/projects", {"company_id": 1}, company_id=1), Any)
    assert_type(client.post("/rest/v1.0/projects", {"name": "x"}, company_id=1), Any)
    assert_type(client.put("/rest/v1.0/projects/1", {"name": "y"}), Any)
    assert_type(client.patch("/rest/v1.0/projects/1", json={"name": "z"}), Any)
    assert_type(client.delete("/rest/v1.0/projects/1", params={"x": 1}), Any)

    # The namespaces of the catalog: records are instances of the operation's model class.
    rfis = client.rfis.list(project_id=1, filters={"status": "open"}, per_page=50)
    assert_type(rfis, ResultList[models.Rfi])
    assert_type(rfis[0].subject, Optional[str])
    assert_type(rfis[0].id, Optional[int])
    assert_type(rfis[0]["custom"], Any)
    rfi = client.rfis.get(5, project_id=1)
    assert_type(rfi, models.RfiDetail)
    assert_type(rfi.subject, Optional[str])
    assert_type(rfi.due_date, Optional[datetime.date])
    assert_type(client.rfis.get_pdf(5, project_id=1), bytes)
    assert_type(client.crews_ids.list(project_id=1), ResultList[int])
    assert_type(client.rfis.iter(project_id=1), Iterator[models.Rfi])
    # Pulls: a window where `filters[updated_at]` is documented, several projects at once.
    assert_type(client.rfis.list(project_ids=[1, 2], updated_since=datetime.datetime(2024, 5, 1)), ResultList[models.Rfi])
    assert_type(client.rfis.iter(project_id=1, updated_until="2024-05-01"), Iterator[models.Rfi])
    assert_type(client.rfis.list(project_id=1, as_arrow=True), procore.ArrowTable)
    assert_type(client.rfis.list(project_id=1, as_arrow=False), ResultList[models.Rfi])
    assert_type(client.rfis.iter(project_ids=(1, 2)), Iterator[models.Rfi])
    assert_type(client.change_events.list(project_id=1, include_deleted="only"), ResultList[Dict[str, Any]])
    assert_type(client.submittals.list_v1_0(project_id="1"), ResultList[models.RestV11ProjectsProjectIdSubmittalsRecycleBinGet200ResponseInner])
    assert_type(client.projects.create({"project": {"name": "x"}}), Any)
    assert_type(procore.catalog.get("rfis.list"), Optional[Operation])
    assert_type([p.name for p in procore.catalog.find("rfi")[0].params], List[str])
    assert_type(client.paginate("/rest/v1.0/projects", {"per_page": 300}), ResultList[Dict[str, Any]])

    assert_type(client.authorization_url(), str)
    assert_type(client.authorization_url("state"), str)
    assert_type(client.exchange_code("code"), Token)
    assert_type(client.client_credentials(), Token)
    assert_type(client.refresh(), Token)
    assert_type(client.revoke(), None)
    assert_type(client.token, Optional[Token])
    assert_type(client.company_id, Optional[int])
    assert_type(client.rate_limit, Optional[Dict[str, Any]])
    assert_type(client.close(), None)

    token = client.token
    if token is not None:
        assert_type(token.access_token, str)
        assert_type(token.refresh_token, Optional[str])
        assert_type(token.expires_at, Optional[int])
        assert_type(Token.from_dict(token.to_dict()), Token)


def sync_iteration(client: Client) -> None:
    for page in client.iter_pages("/rest/v1.0/projects", {"company_id": 1}):
        assert_type(page, ResultList[Dict[str, Any]])
    for project in client.projects.iter(company_id=1, per_page=100):
        assert_type(project, Project)
        assert_type(project.company.id, int)
    for company in client.companies.iter():
        assert_type(company, Company)
    lazy = client.projects.iter()
    assert_type(lazy.total, Optional[int])
    assert_type(next(lazy), Project)
    as_iterator: Iterator[Project] = client.projects.iter()
    assert_type(list(as_iterator), List[Project])


def sync_construction() -> None:
    with Client("id", "secret", environment="sandbox", company_id=1, timeout=10, max_retries=0) as client:
        assert_type(client, Client)
    assert_type(Client(token=Token("access"), ca_cert="ca.pem", token_store="token.json"), Client)
    assert_type(Client(token={"access_token": "a"}), Client)
    with MockServer() as server:
        assert_type(server.client(), Client)
        assert_type(server.async_client(), AsyncClient)
        assert_type(server.approve(server.client().authorization_url()), str)


def after_with() -> Me:
    # `__exit__` never swallows an exception, so nothing is reachable after the return.
    with Client() as client:
        return client.me()


# --- the async client ----------------------------------------------------------------------------


async def async_client(client: AsyncClient) -> None:
    # (`assert_type` hands back its argument: awaited, so that it is no unused coroutine.)
    listing = client.projects.list(company_id=1, per_page=100)
    projects = await assert_type(listing, Coroutine[object, None, ResultList[Project]])
    assert_type(projects, ResultList[Project])
    assert_type((await client.projects.list(company_id=1))[0].company.id, int)
    assert_type(await client.rfis.list(project_id=1, as_arrow=True), procore.ArrowTable)

    assert_type(await assert_type(client.me(), Coroutine[object, None, Me]), Me)
    assert_type(await client.me(), Me)
    assert_type(await client.login(), Token)
    assert_type(await client.companies.list(progress=None), ResultList[Company])
    assert_type((await client.me()).id, int)
    assert_type(await client.companies.list(), ResultList[Company])
    assert_type(await client.projects.get(5, company_id=1), Project)
    rfis = client.rfis.list(project_id=1)
    assert_type(await assert_type(rfis, Coroutine[object, None, ResultList[models.Rfi]]), ResultList[models.Rfi])
    assert_type(await client.rfis.list(project_id=1, filters={"id": [1]}), ResultList[models.Rfi])
    async for rfi in client.rfis.iter(project_id=1):
        assert_type(rfi, models.Rfi)
        assert_type(rfi.subject, Optional[str])
    assert_type(await client.rfis.get(5, project_id=1), models.RfiDetail)
    assert_type(await client.rfis.get_pdf(5, project_id=1), bytes)
    assert_type(await client.get("/rest/v1.0/me"), Any)
    assert_type(await client.post("/rest/v1.0/projects", {"name": "x"}), Any)
    assert_type(await client.put("/rest/v1.0/projects/1"), Any)
    assert_type(await client.patch("/rest/v1.0/projects/1"), Any)
    assert_type(await client.delete("/rest/v1.0/projects/1"), Any)
    assert_type(await client.paginate("/rest/v1.0/projects"), ResultList[Dict[str, Any]])
    assert_type(await client.exchange_code("code"), Token)
    assert_type(await client.client_credentials(), Token)
    assert_type(await client.refresh(), Token)
    assert_type(await client.revoke(), None)
    me, companies = await asyncio.gather(client.me(), client.companies.list())
    assert_type(me, Me)
    assert_type(companies, ResultList[Company])
    # Real coroutines: `create_task` and `wait_for` take them.
    assert_type(asyncio.create_task(client.me()), "asyncio.Task[Me]")
    assert_type(await asyncio.wait_for(client.projects.get(5, company_id=1), 10), Project)

    # No I/O, so plain on the async client too.
    assert_type(client.authorization_url(), str)
    assert_type(client.token, Optional[Token])
    await client.close()
    await client.aclose()


def async_from_sync_code(client: AsyncClient) -> None:
    # A coroutine, so `asyncio.run` takes a call as it is.
    assert_type(asyncio.run(client.me()), Me)


async def async_iteration(client: AsyncClient) -> None:
    async for page in client.iter_pages("/rest/v1.0/projects", {"company_id": 1}):
        assert_type(page, ResultList[Dict[str, Any]])
    async for project in client.projects.iter(company_id=1):
        assert_type(project, Project)
        assert_type(project.company.id, int)
    async for company in client.companies.iter():
        assert_type(company, Company)
    as_iterator: AsyncIterator[Project] = client.projects.iter()
    assert_type([p async for p in as_iterator], List[Project])


async def async_construction() -> None:
    async with AsyncClient(environment="monthly") as client:
        assert_type(client, AsyncClient)
        assert_type(client.closed, bool)


# --- exceptions ----------------------------------------------------------------------------------


def exceptions(client: Client) -> List[Exception]:
    try:
        client.me()
    except procore.RateLimitError as e:
        assert_type(e.retry_after, Optional[float])
        assert_type(e.status_code, int)
    except procore.APIError as e:
        assert_type(e.body, Any)
        assert_type(e.request_id, Optional[str])
        assert_type(e.method, str)
    except procore.OAuthError as e:
        assert_type(e.error, str)
        assert_type(e.description, Optional[str])
        assert_type(e.status_code, Optional[int])
    except procore.APITimeoutError as e:
        assert_type(e.attempts, int)
    except procore.ConfigError as e:
        assert_type(e.message, str)
    except procore.ProcoreError as e:
        assert_type(e, procore.ProcoreError)

    errors: List[procore.ProcoreError] = [
        procore.ConfigError("bad"),
        procore.TokenStoreError("unreadable"),
        procore.OAuthError("refused", error="invalid_grant"),
        procore.APIConnectionError("unreachable"),
        procore.APITimeoutError("slow"),
    ]
    api_errors: List[procore.APIError] = [
        procore.BadRequestError("m", status_code=400),
        procore.AuthenticationError("m", status_code=401),
        procore.PermissionDeniedError("m", status_code=403),
        procore.NotFoundError("m", status_code=404),
        procore.ConflictError("m", status_code=409),
        procore.UnprocessableEntityError("m", status_code=422),
        procore.RateLimitError("m", status_code=429, retry_after=2.0),
        procore.ServerError("m", status_code=503),
    ]
    also_a_value_error: ValueError = procore.ConfigError("bad")
    return [*errors, *api_errors, also_a_value_error]


# --- mistakes the types must catch ---------------------------------------------------------------


async def mistakes(client: Client, aclient: AsyncClient) -> None:
    # Wrong or missing arguments.
    client.projects.get()  # type-error: reportCallIssue call-arg
    Client(timeout="x")  # type-error: reportArgumentType arg-type
    Client(environment="prod")  # type-error: reportArgumentType arg-type
    client.paginate("/rest/v1.0/projects", params=[("page", 1)])  # type-error: reportArgumentType call-overload
    # Fields a model does not name are read as `record["field"]`, so a misspelling is caught.
    client.me().nonexistent_attr  # type-error: reportAttributeAccessIssue attr-defined
    # Optional fields are Optional.
    client.me().name.upper()  # type-error: reportOptionalMemberAccess union-attr
    # Sync and async do not mix: a forgotten `await`, an `await` too many, the wrong `for`.
    aclient.me().id  # type-error: reportAttributeAccessIssue attr-defined
    await client.me()  # type-error: reportGeneralTypeIssues misc
    for _ in aclient.projects.iter():  # type-error: reportGeneralTypeIssues misc
        pass
    async for _ in client.projects.iter():  # type-error: reportGeneralTypeIssues misc
        pass
    # A call whose coroutine is dropped unawaited sends nothing.
    aclient.me()  # type-error: reportUnusedCoroutine unused-coroutine
    # A timeout is a connection error, not an API (status) error.
    _wrong: procore.APIError = procore.APITimeoutError("slow")  # type-error: reportAssignmentType assignment
    # Models are compared by value and unhashable (mypy does not check hashability).
    {client.projects.get(1)}  # type-error: reportUnhashable -
    # Namespaces: a scope id the operation needs, a parameter it does not document, the
    # wrong type, a method the namespace does not have.
    client.rfis.list()  # type-error: reportCallIssue call-overload
    client.rfis.list(project_id=1, colour="red")  # type-error: reportCallIssue call-overload
    client.rfis.list(project_id=1, per_page="50")  # type-error: reportArgumentType call-overload
    # Where Procore documents no deleted-records filter, no project scope, or no window.
    client.rfis.list(project_ids=[1], include_deleted=True)  # type-error: reportCallIssue call-overload
    client.vendors.list(project_ids=[1])  # type-error: reportCallIssue call-overload
    client.rfis.iter(project_id=1, project_ids=[1])  # type-error: reportCallIssue call-overload
    client.rfis.lst(project_id=1)  # type-error: reportAttributeAccessIssue attr-defined
    aclient.rfis.list(project_id=1)[0]  # type-error: reportIndexIssue index
