"""The operation catalog (``procore.catalog``), the resource namespaces of both clients and
their typed parameters: names, look-ups, bad arguments refused before anything is sent, the
query the server receives, and the generated files in step with spec/."""

from __future__ import annotations

import asyncio
import datetime
import json
import operator
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl

import pytest

import procore
from helpers import Sent

ROOT = Path(__file__).resolve().parent.parent

# The README's table: namespace -> its list operation.
REQUIRED = {
    "rfis": "GET /rest/v1.0/projects/{project_id}/rfis",
    "submittals": "GET /rest/v1.1/projects/{project_id}/submittals",
    "punch_items": "GET /rest/v1.1/punch_items",
    "observations": "GET /rest/v1.0/observations/items",
    "inspections": "GET /rest/v1.0/projects/{project_id}/checklist/lists",
    "incidents": "GET /rest/v1.0/projects/{project_id}/incidents",
    "manpower_logs": "GET /rest/v1.0/projects/{project_id}/manpower_logs",
    "notes_logs": "GET /rest/v1.0/projects/{project_id}/notes_logs",
    "budget_views": "GET /rest/v1.0/budget_views",
    "purchase_order_contracts": "GET /rest/v1.0/purchase_order_contracts",
    "work_order_contracts": "GET /rest/v1.0/work_order_contracts",
    "direct_costs": "GET /rest/v1.1/projects/{project_id}/direct_costs",
    "cost_codes": "GET /rest/v1.0/cost_codes",
    "tasks": "GET /rest/v1.0/tasks",
    "change_events": "GET /rest/v1.1/change_events",
    "potential_change_orders": "GET /rest/v1.0/potential_change_orders",
    "prime_contracts": "GET /rest/v1.0/prime_contracts",
    "requisitions": "GET /rest/v1.1/requisitions",
    "drawing_revisions": "GET /rest/v1.0/projects/{project_id}/drawing_revisions",
    "documents": "GET /rest/v1.0/projects/{project_id}/documents",
    "images": "GET /rest/v1.0/images",
    "vendors": "GET /rest/v1.0/vendors",
    "company_users": "GET /rest/v1.3/companies/{company_id}/users",
    "project_users": "GET /rest/v1.0/projects/{project_id}/users",
    "timecard_entries": "GET /rest/v1.0/companies/{company_id}/timecard_entries",
    "trades": "GET /rest/v1.0/companies/{company_id}/trades",
}


def _collection_operations() -> List[Tuple[str, str]]:
    """(method, path) of every operation of the Postman collection, read here independently."""
    coll = json.loads((ROOT / "spec" / "rest_OAS_all_postman.json").read_text(encoding="utf-8"))
    out: List[Tuple[str, str]] = []

    def walk(items: List[Dict[str, Any]]) -> None:
        for it in items:
            if "item" in it:
                walk(it["item"])
            else:
                segs = it["request"]["url"]["path"]
                path = "/" + "/".join("{" + s[1:] + "}" if s.startswith(":") else s for s in segs)
                path = path.replace("{{", "{").replace("}}", "}")  # `{{id}}.pdf`, see spec/README.md
                out.append((it["request"]["method"], path))

    walk(coll["item"])
    return out


# ---------------------------------------------------------------------------------------------
# The catalog


def test_the_catalog_has_every_rest_operation_of_the_collection():
    ops = _collection_operations()
    assert len(ops) == 2321
    oauth = [o for o in ops if o[1].startswith("/oauth/")]
    assert len(oauth) == 4
    assert len(procore.catalog) == 2321 - 4 == 2317
    routes = {op.route for op in procore.catalog}
    assert routes == {f"{m} {p}" for m, p in ops if not p.startswith("/oauth/")}
    names = [op.name for op in procore.catalog]
    assert len(set(names)) == len(names) == 2317
    assert sum(op.sync for op in procore.catalog) == 33


@pytest.mark.parametrize("namespace,route", sorted(REQUIRED.items()))
def test_required_names(namespace, route):
    op = procore.catalog.get(f"{namespace}.list")
    assert op is not None, namespace
    assert op.route == route
    assert procore.catalog.get(route) == op


def test_lookups_by_name_and_route():
    op = procore.catalog.get("rfis.list")
    assert op.name == "rfis.list"
    assert (op.method, op.path, op.version) == ("GET", "/rest/v1.0/projects/{project_id}/rfis", "v1.0")
    assert op.paginates and not op.sync
    assert op.scope == "project (path)"
    assert op.response == "RestV10ProjectsProjectIdRfisGet200ResponseInner" and op.response_list
    assert "RFI" in op.doc
    assert procore.catalog.get("GET /rest/v1.0/projects/{project_id}/rfis") == op
    assert procore.catalog.get("get /rest/v1.0/projects/:project_id/rfis") == op
    assert "rfis.list" in procore.catalog and "rfis.nope" not in procore.catalog
    assert procore.catalog.get("rfis.nope") is None
    assert procore.catalog.get("rfis.nope", "x") == "x"
    names = {p.name for p in op.params}
    assert {"project_id", "filters[status]", "filters[updated_at]", "per_page"} <= names
    status = next(p for p in op.params if p.name == "filters[status]")
    assert status.location == "query" and status.type == "str"
    updated = next(p for p in op.params if p.name == "filters[updated_at]")
    assert updated.type == "range"
    pid = next(p for p in op.params if p.name == "project_id")
    assert pid.location == "path" and pid.required
    # Versions: the namespace has the newest, the older ones keep a suffixed name.
    assert procore.catalog.get("submittals.list_v1_0").route == "GET /rest/v1.0/projects/{project_id}/submittals"
    assert procore.catalog.get("punch_items.list_v1_0").route == "GET /rest/v1.0/punch_items"
    assert procore.catalog.get("company_users.list_v1_0").route == "GET /rest/v1.0/companies/{company_id}/users"
    # The hand-written namespaces keep the routes their methods call.
    assert procore.catalog.get("projects.list").route == "GET /rest/v1.0/projects"
    assert procore.catalog.get("projects.list_v1_1").route == "GET /rest/v1.1/projects"
    assert procore.catalog.get("companies.list").route == "GET /rest/v1.0/companies"


def test_view_is_an_enum_read_from_the_description():
    op = procore.catalog.get("project_users.list")
    view = next(p for p in op.params if p.name == "view")
    assert view.choices == ("compact", "normal")
    # Two or more documented values are an enum; one is only a hint.
    op = procore.catalog.get("rfis.list")
    assert all(len(p.choices) == 0 for p in op.params if p.name != "view")


def test_find():
    found = procore.catalog.find("rfi")
    names = [op.name for op in found]
    assert "rfis.list" in names and "rfis.get" in names
    # Name matches come first, then matches of the path or title only.
    found = procore.catalog.find("punch item")
    in_name = ["punch" in op.name and "item" in op.name for op in found]
    assert in_name[0] and False in in_name
    assert in_name == sorted(in_name, reverse=True)
    assert [op.name for op in procore.catalog.find("RFIS list")][0].startswith("rfis")
    assert procore.catalog.find("no such operation anywhere") == []


def test_iteration_and_indexing():
    ops = list(procore.catalog)
    assert len(ops) == len(procore.catalog)
    assert ops[0] == procore.catalog[0] and ops[-1] == procore.catalog[-1]
    assert [o.name for o in ops] == sorted(o.name for o in ops)
    with pytest.raises(IndexError):
        procore.catalog[len(ops)]


# ---------------------------------------------------------------------------------------------
# Namespaces


@pytest.mark.parametrize("make", ["sync", "async"])
def test_every_operation_is_reachable_by_its_name(server, make):
    client = server.client() if make == "sync" else server.async_client()
    try:
        for op in procore.catalog:
            method = operator.attrgetter(op.name)(client)
            assert callable(method), op.name
            ns, action = op.name.split(".", 1)
            if ns == "projects" and action in ("list", "get") or ns == "companies" and action == "list":
                continue  # the hand-written methods
            assert method.operation == op, op.name
            if op.paginates and action.startswith("list"):
                twin = getattr(getattr(client, ns), "iter" + action[4:])
                assert twin.operation == op
    finally:
        if make == "sync":
            client.close()
        else:
            async def close() -> None:
                await client.aclose()

            asyncio.run(close())


def test_namespaces_are_found_on_both_clients_and_listed_by_dir():
    for client in (procore.Client(access_token="x"), procore.AsyncClient(access_token="x")):
        listed = dir(client)
        for ns in REQUIRED:
            assert type(getattr(client, ns)).__name__ == "Namespace", ns
            assert ns in listed, ns
        # the client's own attributes stay listed, and every name is listed once
        assert {"me", "paginate", "projects", "close"} <= set(listed)
        assert len(listed) == len(set(listed))
        assert set(procore._procore._namespace_names()) <= set(listed)
    # nothing of the catalog is made when procore is imported: the classes hold no namespace
    for cls in (procore.Client, procore.AsyncClient):
        assert not any(ns in vars(cls) for ns in REQUIRED)


def test_unknown_client_attribute_is_an_attribute_error_naming_the_nearest():
    client = procore.Client(access_token="x")
    with pytest.raises(AttributeError, match=r"'Client' object has no attribute 'rfi'; did you mean rfis"):
        client.rfi
    with pytest.raises(AttributeError, match=r"no attribute '_repr_html_'$"):
        client._repr_html_
    assert not hasattr(client, "no_such_thing_at_all")


def test_unknown_method_names_the_nearest(client):
    with pytest.raises(AttributeError, match="lst"):
        client.rfis.lst
    with pytest.raises(AttributeError, match="did you mean list"):
        client.rfis.lst


def test_generated_call_against_the_mock(client, server):
    me = client.me_api.get()
    # One record of the operation's response type, holding exactly what was sent.
    assert isinstance(me, procore.models.Record) and type(me).__procore_type__ == "RestV10MeGet200Response"
    assert me.to_dict() == client.get("/rest/v1.0/me")
    assert isinstance(me.id, int) and me.id == me["id"]


def test_handwritten_namespaces_keep_their_methods_and_reach_the_catalogs_others(client, server):
    projects = client.projects.list(company_id=server.company_id)
    assert isinstance(projects[0], procore.Project)
    created = client.projects.create({"project": {"name": "Catalog"}}, company_id=server.company_id)
    assert created["name"] == "Catalog"
    updated = client.projects.update(created["id"], {"project": {"name": "Renamed"}}, company_id=server.company_id)
    assert updated["name"] == "Renamed"
    assert client.projects.get(created["id"], company_id=server.company_id).name == "Renamed"


@pytest.mark.asyncio
async def test_async_namespaces_return_awaitables(aclient, server):
    call = aclient.me_api.get()
    assert asyncio.isfuture(call) or asyncio.iscoroutine(call) or hasattr(call, "__await__")
    me = await call
    assert me.to_dict() == await aclient.get("/rest/v1.0/me")
    created = await aclient.projects.create({"project": {"name": "Async"}}, company_id=server.company_id)
    assert created["name"] == "Async"


def _generated(client: Any, namespace: str) -> Any:
    """The generated namespace of a name, also where a hand-written class takes the client's
    attribute (`projects`): the mock serves the project list, so the generated list operation
    can run against real pages."""
    return procore._procore._namespace(client, namespace)


def test_generated_list_and_iter_against_the_mock(client, server):
    company = server.company_id
    expected = client.paginate("/rest/v1.0/projects", {"company_id": company})
    sent = Sent(server)
    records = _generated(client, "projects").list(company_id=company, per_page=100)
    assert isinstance(records, procore.ResultList)
    # Records are instances of the operation's model class, holding exactly what was sent.
    assert all(isinstance(r, procore.models.Record) for r in records)
    assert [r.to_dict() for r in records] == expected and len(records) > 100
    (first,) = [r for r in sent.api("/rest/v1.0/projects")][:1]
    pairs = parse_qsl(first["query"] if isinstance(first["query"], str) else "")
    assert ("company_id", str(company)) in pairs and ("per_page", "100") in pairs
    assert [r.to_dict() for r in _generated(client, "projects").iter(company_id=company)] == expected
    frame = records.to_pandas()
    assert len(frame) == len(expected)


@pytest.mark.asyncio
async def test_generated_list_and_iter_against_the_mock_async(aclient, server):
    company = server.company_id
    expected = await aclient.paginate("/rest/v1.0/projects", {"company_id": company})
    records = await _generated(aclient, "projects").list(company_id=company)
    assert [r.to_dict() for r in records] == expected
    seen = [r.to_dict() async for r in _generated(aclient, "projects").iter(company_id=company)]
    assert seen == expected
    with pytest.raises(TypeError, match="async for"):
        iter(_generated(aclient, "projects").iter(company_id=company))


def test_a_failed_page_raises_from_the_iterator(server):
    from helpers import login

    with server.client(max_retries=0) as c:
        login(c, server)
        it = c.rfis.iter(project_id=3)
        server.fail_next(503, path="/rest/v1.0/projects/3/rfis")
        with pytest.raises(procore.ServerError):
            next(it)


# ---------------------------------------------------------------------------------------------
# Typed parameters


BAD_CALLS = [
    # (call, words the message must contain)
    (lambda c: c.rfis.list(project_id=1, filters={"stauts": "open"}), ["stauts", "`status`"]),
    (lambda c: c.rfis.list(project_id=1, filters={"id": "one"}), ["filters[id]", "integer"]),
    (lambda c: c.rfis.list(filters={"status": "open"}), ["project_id"]),
    (lambda c: c.rfis.list(project_id=1, per_pge=10), ["per_pge", "`per_page`"]),
    (lambda c: c.rfis.list(project_id=1, filters={"updated_at": "2024-01-01"}), ["filters[updated_at]", "range"]),
    (lambda c: c.rfis.list(project_id=1, filters="status=open"), ["filters", "mapping"]),
    (lambda c: c.rfis.get(project_id=1), ["id"]),
    (lambda c: c.rfis.get(True, project_id=1), ["id"]),
    (lambda c: c.project_users.list(project_id=1, view="everything"), ["view", '"normal"', "params="]),
    (lambda c: c.punch_items.list(project_id="x"), ["project_id", "integer"]),
    (lambda c: c.rfis.list(project_id=1, params=[("a", 1)]), ["params"]),
]


@pytest.mark.parametrize("call,words", BAD_CALLS)
def test_bad_parameters_are_refused_before_sending(client, server, call, words):
    sent = Sent(server)
    with pytest.raises(procore.ConfigError) as info:
        call(client)
    for w in words:
        assert w in str(info.value), str(info.value)
    assert sent.api() == []


@pytest.mark.asyncio
async def test_bad_parameters_are_refused_before_sending_async(aclient, server):
    sent = Sent(server)
    with pytest.raises(procore.ConfigError, match="stauts"):
        aclient.rfis.list(project_id=1, filters={"stauts": "open"})
    assert sent.api() == []


def test_v2_per_page_is_at_most_100(client, server):
    op = next(o for o in procore.catalog if o.version.startswith("v2") and o.paginates)
    sent = Sent(server)
    kwargs = {p.name: 1 for p in op.params if p.location == "path"}
    with pytest.raises(procore.ConfigError, match="at most 100"):
        operator.attrgetter(op.name)(client)(per_page=101, **kwargs)
    assert sent.api() == []


def test_filters_are_encoded_as_the_documentation_shows(server):
    """What the mock receives: scalars as `filters[x]=v`, comma lists as `1,2`, bracket lists as
    `filters[x][]=`, ranges as `START...END`, dates as ISO 8601."""
    sent = Sent(server)
    with server.client(max_retries=0) as c:
        from helpers import login

        login(c, server)
        try:
            c.rfis.list(
                project_id=7,
                filters={
                    "status": "open",
                    "id": [1, 2],
                    "updated_at": (datetime.date(2024, 1, 1), datetime.datetime(2024, 2, 1, tzinfo=datetime.timezone.utc)),
                },
                per_page=50,
                params={"extra": "verbatim"},
            )
        except procore.APIError:
            pass  # the mock may not serve RFIs: what it received is what counts
    (req,) = [r for r in sent.api("/rest/v1.0/projects/7/rfis")][:1]
    q = req["query"]
    pairs = parse_qsl(q if isinstance(q, str) else "", keep_blank_values=True)
    assert ("filters[status]", "open") in pairs
    assert ("filters[updated_at]", "2024-01-01...2024-02-01T00:00:00+00:00") in pairs
    ids = [v for k, v in pairs if k.startswith("filters[id]")]
    op = procore.catalog.get("rfis.list")
    style = next(p.list for p in op.params if p.name == "filters[id]")
    assert ids == (["1,2"] if style == "comma" else ["1", "2"])
    assert ("per_page", "50") in pairs and ("extra", "verbatim") in pairs


def test_sync_sends_batches_of_1000_and_reports_a_failed_batch(server):
    """2,500 updates go out as 3 requests of at most 1,000 items, concurrently; a batch the
    server refuses becomes one error naming its items, and the other batches are kept."""
    from helpers import login

    with server.client(max_retries=0) as c:
        login(c, server)
        sent = Sent(server)
        server.fail_next(503, count=1, path="/rest/v1.0/projects/sync")
        out = c.projects.sync([{"id": i, "name": f"p{i}"} for i in range(1, 2501)], company_id=server.company_id)
    reqs = sent.api("/rest/v1.0/projects/sync")
    assert len(reqs) == 3 and all(r["method"] == "PATCH" for r in reqs)
    failed = [e for e in out["errors"] if "batch" in e]
    assert out["failed_batches"] == len(failed) >= 1
    assert [e["status_code"] for e in failed].count(503) == 1
    # Every batch is accounted for: a failed one by its items' range, the others by the
    # server's own entities and errors.
    ranges = sorted(tuple(e["items"]) for e in failed)
    assert set(ranges) <= {(0, 1000), (1000, 2000), (2000, 2500)}
    assert len(ranges) == len(set(ranges))


# ---------------------------------------------------------------------------------------------
# Generated files


def test_generated_files_are_up_to_date():
    """`make check-generated` in CI form: the generator, run in check mode, finds nothing to
    change."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr


def test_validation_costs_nothing_measurable(client, server):
    """Checking the arguments takes microseconds: a thousand checked calls refused before
    sending, against the time of one page fetched from the mock."""
    t0 = time.perf_counter()
    for _ in range(1000):
        with pytest.raises(procore.ConfigError):
            client.rfis.list(project_id=1, filters={"stauts": "open"})
    per_check = (time.perf_counter() - t0) / 1000
    t0 = time.perf_counter()
    client.get("/rest/v1.0/me")
    one_request = time.perf_counter() - t0
    assert per_check < one_request
