"""Typed records (procore.models, made from the generated type table) and the mock's generated
routes: every GET operation of the catalog answers with records of its response type."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import pickle
import ssl
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode, urlsplit

import pytest

import procore
from helpers import alogin, login, new_server
from procore import models
from procore._procore import _decode_records

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import gen_types  # noqa: E402

RFIS = "/rest/v1.0/projects/{project_id}/rfis"

RFI = {
    "id": 9_000_000_000_123,
    "subject": "Door hardware",
    "created_at": "2024-05-01T12:30:00.25+02:00",
    "updated_at": "2024-05-02T08:00:00Z",
    "due_date": "2024-05-10",
    "private": False,
    "status": "open",
    "questions": [{"id": 1, "body": "Which hinge?", "created_at": "2024-05-01T10:00:00Z"}],
    "assignees": [],
    "cost_code": {"id": 5, "name": "Doors"},
    "location": None,
    "x_custom": {"anything": [1, 2]},
    "access_token": "s3cr3t-value-never-shown",
}


def test_attributes_are_typed():
    rfi = models.Rfi(RFI)
    assert isinstance(rfi, models.Record)
    assert rfi.id == RFI["id"] and isinstance(rfi.id, int)
    assert rfi.subject == "Door hardware"
    assert rfi.created_at == dt.datetime(2024, 5, 1, 10, 30, 0, 250_000, tzinfo=dt.timezone.utc)
    assert rfi.created_at.utcoffset() == dt.timedelta(0)
    assert rfi.due_date == dt.date(2024, 5, 10) and type(rfi.due_date) is dt.date
    assert rfi.private is False
    assert rfi.status == "open"
    (q,) = rfi.questions
    assert type(q) is models.RfiQuestion and q.body == "Which hinge?"
    assert rfi.assignees == []
    assert rfi.cost_code.name == "Doors" and isinstance(rfi.cost_code, models.Record)
    assert rfi.location is None
    assert rfi.reference is None  # declared, not sent
    assert type(rfi).__procore_type__ == "RestV10ProjectsProjectIdRfisGet200ResponseInner"


def test_unknown_fields_are_kept_and_to_dict_is_what_was_sent():
    rfi = models.Rfi(RFI)
    assert rfi["x_custom"] == {"anything": [1, 2]}
    assert rfi.x_custom == {"anything": [1, 2]}
    assert rfi["created_at"] == RFI["created_at"]  # as sent: [] is the plain view
    assert "x_custom" in rfi and "nope" not in rfi
    assert rfi.to_dict() == RFI
    assert list(rfi.to_dict()) == list(RFI)
    with pytest.raises(KeyError):
        rfi["nope"]
    with pytest.raises(AttributeError):
        rfi.nope


def test_values_of_another_shape_come_as_sent():
    rfi = models.Rfi({"id": "12", "created_at": "yesterday", "due_date": 5, "questions": "none"})
    assert rfi.id == "12"
    assert rfi.created_at == "yesterday"
    assert rfi.due_date == 5
    assert rfi.questions == "none"


def test_equality_repr_pickle_and_immutability():
    a, b = models.Rfi(RFI), models.Rfi(json.loads(json.dumps(RFI, indent=2)))
    assert a == b
    assert a != models.Rfi(dict(RFI, subject="Other"))
    assert a != models.RfiDetail(RFI)  # another type
    assert a != RFI
    with pytest.raises(TypeError):
        hash(a)
    text = repr(a)
    assert text == "Rfi(id=9000000000123, subject='Door hardware')"
    assert "s3cr3t" not in text and "s3cr3t" not in str(a)
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(AttributeError):
        a.subject = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        models.Record({"id": 1})
    with pytest.raises(procore.ConfigError):
        models.Rfi([1, 2])  # type: ignore[arg-type]


def test_classes_are_made_once_on_first_use_with_readable_names():
    names = [cls for _, cls, _ in gen_types.NAMESPACES]
    assert "Rfi" in names and "TimecardEntry" in names
    for name in names:
        cls = getattr(models, name)
        assert cls is getattr(models, name)
        assert cls.__name__ == name and cls.__module__ == "procore.models"
        assert issubclass(cls, models.Record)
    assert "Rfi" in dir(models)
    assert models.Rfi.subject.kind == "str"
    assert models.Rfi.questions.kind == "list[RfiQuestion]"
    with pytest.raises(AttributeError):
        models.NoSuchModel  # noqa: B018


def test_decoding_an_unknown_type_gives_dicts():
    out = _decode_records("NoSuchType", json.dumps([{"id": 1}, {"id": 2}]))
    assert isinstance(out, procore.ResultList) and out == [{"id": 1}, {"id": 2}]
    typed = _decode_records("Rfi", json.dumps([{"id": 1}, [1], 3]))
    assert type(typed[0]) is models.Rfi and typed[1:] == [[1], 3]
    one = _decode_records("RestV10ProjectsProjectIdRfisGet200ResponseInner", '{"id": 4}')
    assert type(one) is models.Rfi and one.id == 4


# ----------------------------------------------------------------------------- the mock


@pytest.fixture(scope="module")
def mock():
    with new_server() as s:
        with s.client(company_id=s.company_id) as c:
            login(c, s)
            yield s, c


def raw_get(server: Any, client: Any, path: str, params: Dict[str, Any]) -> Tuple[int, Dict[str, str], bytes]:
    """A GET with the client's token, for the headers the client does not hand back."""
    url = urlsplit(server.base_url)
    ctx = ssl.create_default_context(cafile=server.ca_cert)
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=30)
    try:
        conn.request(
            "GET",
            f"{path}?{urlencode(params)}",
            headers={
                "Authorization": f"Bearer {client.token.access_token}",
                "Procore-Company-Id": str(server.company_id),
            },
        )
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_lists_paginate_with_headers_and_decode_to_their_type(mock):
    server, client = mock
    path = server.example_path(RFIS)
    status, headers, body = raw_get(server, client, path, {"per_page": 10, "page": 2})
    assert status == 200
    total = int(headers["total"])
    assert 25 <= total <= 250 and headers["per-page"] == "10"
    assert 'rel="next"' in headers["link"] and 'rel="prev"' in headers["link"]
    rfis = _decode_records("Rfi", body.decode())
    assert len(rfis) == 10 and all(type(r) is models.Rfi for r in rfis)
    assert all(isinstance(r.updated_at, dt.datetime) for r in rfis)
    everything = client.paginate(path, {"per_page": 100})
    assert len(everything) == total
    assert len({r["id"] for r in everything}) == total
    # Same request, same answer (and from another server too).
    assert raw_get(server, client, path, {"per_page": 10, "page": 2})[2] == body
    with new_server() as other:
        with other.client(company_id=other.company_id) as c2:
            login(c2, other)
            assert raw_get(other, c2, other.example_path(RFIS), {"per_page": 10, "page": 2})[2] == body


def test_filters(mock):
    server, client = mock
    path = server.example_path(RFIS)
    rfis = client.get(path, {"per_page": 50})
    ids = [rfis[3]["id"], rfis[7]["id"]]
    got = client.get(path, {"filters[id]": f"{ids[0]},{ids[1]}"})
    assert [r["id"] for r in got] == ids
    got = client.get(path, {"filters": {"id": ids}})
    assert [r["id"] for r in got] == ids
    lo, hi = rfis[10]["updated_at"], rfis[20]["updated_at"]
    got = client.get(path, {"filters[updated_at]": f"{lo}...{hi}", "per_page": 100})
    assert [r["id"] for r in got] == [r["id"] for r in rfis[10:21]]
    with pytest.raises(procore.BadRequestError):
        client.get(path, {"filters[updated_at]": "not a range"})


def test_writes_are_seen_by_later_reads(mock):
    server, client = mock
    path = server.example_path("/rest/v1.1/punch_items")
    params = {"project_id": server.example_path(RFIS).split("/")[4]}
    created = client.post(path, {"punch_item": {"name": "Scuffed wall"}}, params=params)
    assert created["name"] == "Scuffed wall"
    assert client.get(f"{path}/{created['id']}", params)["name"] == "Scuffed wall"
    listed = client.get(path, {**params, "filters[id]": created["id"]})
    assert [r["name"] for r in listed] == ["Scuffed wall"]
    first = client.get(path, {**params, "per_page": 1})[0]
    client.patch(f"{path}/{first['id']}", {"punch_item": {"name": "Renamed"}}, params=params)
    assert client.get(f"{path}/{first['id']}", params)["name"] == "Renamed"
    client.delete(f"{path}/{first['id']}", params=params)
    with pytest.raises(procore.NotFoundError):
        client.get(f"{path}/{first['id']}", params)
    assert client.get(path, {**params, "filters[id]": first["id"]}) == []
    deleted = client.get(path, {**params, "filters[id]": first["id"], "filters[include_deleted]": "true"})
    assert deleted[0]["deleted_at"] is not None
    with pytest.raises(procore.UnprocessableEntityError):
        client.post(path, {"punch_item": {"name": 5}}, params=params)


def test_sync_reports_bad_items_and_keeps_the_good_ones(mock):
    server, client = mock
    params = {"company_id": server.company_id}
    vendors = client.get("/rest/v1.0/vendors", {**params, "per_page": 1})
    out = client.patch(
        "/rest/v1.0/vendors/sync",
        {"updates": [{"id": vendors[0]["id"], "name": "Acme"}, {"name": "New"}, {"id": 1}, 7, {"name": 3}]},
        params=params,
    )
    assert [e["name"] for e in out["entities"]] == ["Acme", "New"]
    assert [sorted(e["errors"]) for e in out["errors"]] == [["id"], ["base"], ["name"]]
    assert client.get(f"/rest/v1.0/vendors/{vendors[0]['id']}", params)["name"] == "Acme"


def test_v2_routes_wrap_in_data_with_string_ids(mock):
    server, client = mock
    template = "/rest/v2.0/companies/{company_id}/projects/{project_id}/inspection_items/{item_id}/signature_requests"
    path = server.example_path(template)
    status, headers, body = raw_get(server, client, path, {"per_page": 500})
    assert status == 200 and headers["per-page"] == "100"
    data = json.loads(body)["data"]
    assert data and all(isinstance(r["id"], str) for r in data)


def test_bad_paths_and_unknown_calls_are_refused_loudly(mock):
    server, client = mock
    path = server.example_path(RFIS)
    with pytest.raises(procore.NotFoundError):
        client.get(path + "/1")
    with pytest.raises(procore.NotFoundError):
        client.get(path.replace(str(path.split("/")[4]), "42"))
    status, _, body = raw_get(server, client, "/rest/v1.0/no/such/route", {})
    assert status == 500
    assert json.loads(body)["message"] == "mock: unexpected GET /rest/v1.0/no/such/route"
    with pytest.raises(ValueError):
        server.example_path("/rest/v1.0/nowhere")
    with pytest.raises(ValueError):
        server.set_records(5, "/rest/v1.0/nowhere")


HAND_WRITTEN = {"/rest/v1.0/companies", "/rest/v1.0/projects"}


def spec_routes() -> List[Tuple[str, Optional[Any], List[str]]]:
    """Every GET route of the catalog: (template, response type, required query keys)."""
    spec = gen_types.Spec()
    seen: Dict[str, Tuple[str, Optional[Any], List[str]]] = {}
    for op in spec.operations:
        if op["method"] != "GET" or not op["path"].startswith("/rest/") or op["path"] in seen:
            continue
        required = [k for k, req in op["query"] if req and not k.startswith("filters[")]
        seen[op["path"]] = (op["path"], spec.response("GET", op["path"]), required)
    return sorted(seen.values())


def test_every_get_route_answers_and_decodes_to_its_type():
    routes = spec_routes()
    assert len(routes) > 1100
    with new_server(records_per_list=3) as server:
        with server.client(company_id=server.company_id) as client:
            login(client, server)
            project = server.example_path(RFIS).split("/")[4]
            checked = 0
            for template, rtype, required in routes:
                path = server.example_path(template)
                params: Dict[str, Any] = {}
                for key in required:
                    params[key] = {"project_id": project, "company_id": server.company_id}.get(key, "1")
                if rtype is None and template.endswith(("/pdf", ".pdf")):
                    status, headers, _ = raw_get(server, client, path, params)
                    assert status == 200 and headers["content-type"] == "application/pdf", template
                    continue
                body = client.get(path, params)
                if isinstance(rtype, dict) and "list" in rtype and isinstance(rtype["list"], dict):
                    name = rtype["list"].get("ref")
                    items = body["data"] if template.startswith("/rest/v2") else body
                    if name:
                        out = _decode_records(name, json.dumps(items))
                        cls = getattr(models, gen_types_class(name))
                        # The hand-written routes (companies, projects) keep their own counts.
                        assert all(type(x) is cls for x in out), template
                        assert len(out) == 3 or template in HAND_WRITTEN, template
                elif isinstance(rtype, dict) and "ref" in rtype:
                    out = _decode_records(rtype["ref"], json.dumps(body))
                    assert type(out).__procore_type__ == rtype["ref"], template
                checked += 1
            assert checked > 1100


_CLASSES: Dict[str, str] = {}


def gen_types_class(source: str) -> str:
    if not _CLASSES:
        _CLASSES.update(gen_types.Spec().class_names())
    return _CLASSES[source]


def test_a_typed_pull_through_the_entry_point_sync_and_async():
    from procore._procore import _paginate_typed

    with new_server(records_per_list=130) as server:
        path = server.example_path(RFIS)
        with server.client(company_id=server.company_id) as client:
            login(client, server)
            rfis = _paginate_typed(client, "Rfi", path, {"per_page": 50})
            assert isinstance(rfis, procore.ResultList) and len(rfis) == 130
            assert all(type(r) is models.Rfi for r in rfis)
            assert len({r.id for r in rfis}) == 130
            plain = _paginate_typed(client, "NoSuchType", path, {"per_page": 50})
            assert plain == [r.to_dict() for r in rfis]

        async def pull() -> Any:
            async with server.async_client(company_id=server.company_id) as aclient:
                await alogin(aclient, server)
                return await _paginate_typed(aclient, "Rfi", path, {"per_page": 50})

        assert asyncio.run(pull()) == rfis
