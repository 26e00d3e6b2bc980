"""Every operation of the catalog is callable by name on both clients: this walks the whole
catalog against the mock, on a ``Client`` and on an ``AsyncClient``, calls each GET operation
through ``operator.attrgetter(op.name)(client)`` with the path and scope arguments it needs,
and checks that the answer decodes to the operation's declared type: instances of the model
class of its response type (a ``ResultList`` of them for a list), each declared field of the
Python type its declaration says (recursively into nested models), or the documented shape
when the source declares no type (a file as ``bytes``, plain dicts for untyped records).
Every other operation (create, update, delete, sync) is reachable by name on both clients."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import operator
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import procore
from helpers import alogin, login, new_server
from procore import models
from procore._procore import _decode_records

ROOT = Path(__file__).resolve().parent.parent
RECORDS = 3
RFIS = "/rest/v1.0/projects/{project_id}/rfis"
GETS = [op for op in procore.catalog if op.method == "GET"]

# `client.projects` and `client.companies` keep their hand-written classes and models.
HANDWRITTEN = {
    "companies.list": procore.Company,
    "projects.list": procore.Project,
    "projects.get": procore.Project,
}

# A required query parameter's value when it is not a scope id: one of its documented values
# if it has any, else one of its type.
VALUES: Dict[str, Any] = {
    "int": 1,
    "bool": True,
    "str": "1",
    "json": {},
    "date": dt.date(2024, 5, 1),
    "datetime": dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc),
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
}


@pytest.fixture(scope="module")
def server():
    with new_server(records_per_list=RECORDS) as s:
        yield s


def arguments(op: Any, server: Any, project: str) -> Dict[str, Any]:
    """The keyword arguments of a call: the path parameters of the mock's example path for
    the operation (ids of records it has), then the required query parameters."""
    concrete = server.example_path(op.path).split("/")
    template = op.path.split("/")
    assert len(concrete) == len(template), op.path
    types = {p.name: p.type for p in op.params}
    kwargs: Dict[str, Any] = {}
    for word, value in zip(template, concrete):
        m = re.fullmatch(r"([^{]*)\{(\w+)\}(.*)", word)
        if m is None:
            assert word == value, op.path
            continue
        prefix, name, suffix = m.groups()
        value = value[len(prefix) : len(value) - len(suffix)]
        kwargs[name] = int(value) if types[name] == "int" and value.isdigit() else value
    filters: Dict[str, Any] = {}
    for p in op.params:
        if p.location != "query" or not p.required or p.name in kwargs:
            continue
        if p.name in ("project_id", "company_id"):
            value = int(project) if p.name == "project_id" else server.company_id
        else:
            value = p.choices[0] if p.choices else VALUES[p.type]
        group = re.fullmatch(r"(\w+)\[(\w+)\]", p.name)
        if group:
            filters.setdefault(group.group(1), {})[group.group(2)] = value
        else:
            kwargs[p.name] = value
    kwargs.update(filters)
    return kwargs


def call(client: Any, op: Any, kwargs: Dict[str, Any]) -> Any:
    method = operator.attrgetter(op.name)(client)
    if op.name == "projects.get":  # hand-written: `get(project_id, company_id=None)`
        return method(kwargs["id"], company_id=kwargs["company_id"])
    return method(**kwargs)


# ----------------------------------------------------------------------------- declared types

_CLASSES: Dict[str, Optional[type]] = {}


def model_of(type_name: str) -> Optional[type]:
    """The model class of a response type's source name (None: no model, plain values)."""
    if type_name not in _CLASSES:
        cls = type(_decode_records(type_name, "{}"))
        _CLASSES[type_name] = cls if issubclass(cls, models.Record) else None
    return _CLASSES[type_name]


def fields_of(cls: type) -> List[Tuple[str, str]]:
    """(attribute, declared kind) of a model class's declared fields."""
    return [
        (attr, value.kind)
        for attr, value in vars(cls).items()
        if type(value).__name__ == "Field" and type(value).__module__ == "procore._procore"
    ]


class Tally:
    def __init__(self) -> None:
        self.values = 0
        self.records = 0


def check_value(value: Any, kind: str, where: str, depth: int, tally: Tally) -> None:
    """`value` is what the declaration `kind` says (None: the field is absent or null)."""
    if value is None or kind == "any":
        return
    tally.values += 1
    if kind == "int":
        assert type(value) is int, (where, kind, value)
    elif kind == "float":
        assert type(value) is float, (where, kind, value)
    elif kind in ("str", "bytes") or kind.startswith("enum["):
        assert type(value) is str, (where, kind, value)
    elif kind == "bool":
        assert type(value) is bool, (where, kind, value)
    elif kind == "date":
        assert type(value) is dt.date, (where, kind, value)
    elif kind == "datetime":
        assert type(value) is dt.datetime, (where, kind, value)
        assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0), (where, value)
    elif kind.startswith("list["):
        assert type(value) is list, (where, kind, value)
        for i, item in enumerate(value):
            check_value(item, kind[5:-1], f"{where}[{i}]", depth, tally)
    elif kind.startswith("dict[str, "):
        assert type(value) is dict, (where, kind, value)
        for k, item in value.items():
            assert type(k) is str, (where, k)
            check_value(item, kind[10:-1], f"{where}[{k!r}]", depth, tally)
    else:  # a nested model, by class name
        assert type(value).__name__ == kind and isinstance(value, models.Record), (where, kind, value)
        assert type(value) is getattr(models, kind), (where, kind)
        if depth < 3:
            check_record(value, where, depth + 1, tally)


def check_record(record: Any, where: str, depth: int, tally: Tally) -> None:
    """Every declared field of a record has its declared Python type."""
    tally.records += 1
    for attr, kind in fields_of(type(record)):
        check_value(getattr(record, attr), kind, f"{where}.{attr}", depth, tally)


def check_answer(op: Any, out: Any, tally: Tally) -> None:
    """The answer of a GET operation decodes to its declared type, or the documented shape."""
    where = op.name
    if op.name in HANDWRITTEN:
        cls = HANDWRITTEN[op.name]
        items = out if op.paginates else [out]
        assert items and all(type(x) is cls for x in items), where
        return
    cls = model_of(op.response) if op.response else None
    if cls is not None:
        assert cls.__module__ == "procore.models" and cls is getattr(models, cls.__name__)
        assert cls.__procore_type__ == op.response  # type: ignore[attr-defined]
        if op.paginates or op.response_list:
            assert isinstance(out, procore.ResultList), (where, type(out))
            if op.paginates:
                # The mock's collections have RECORDS records; each answer is a page of them.
                assert len(out) == RECORDS, (where, len(out))
            for i, record in enumerate(out):
                assert type(record) is cls, (where, type(record))
                check_record(record, f"{where}[{i}]", 0, tally)
        else:
            assert type(out) is cls, (where, type(out))
            check_record(out, where, 0, tally)
        return
    if op.response is not None:  # declared, but not a record: int, str, bytes (sent as text)
        kind = {"bytes": "str"}.get(op.response, op.response)
        if op.response_list:
            assert isinstance(out, list), (where, out)
            for i, item in enumerate(out):
                check_value(item, kind, f"{where}[{i}]", 0, tally)
        else:
            assert out is not None, where
            check_value(out, kind, where, 0, tally)
        return
    # No declared type. v2 answers come in their `{"data": ...}` envelope.
    if op.version.startswith("v2") and not op.paginates and isinstance(out, dict):
        assert list(out) == ["data"], (where, out)
        out = out["data"]
    if op.path.endswith(("pdf", ".pdf")):
        assert type(out) is bytes and out.startswith(b"%PDF-"), (where, out[:20])
    elif op.paginates and op.response_list:  # a list of lists (`recent_activity`): as sent
        assert isinstance(out, procore.ResultList) and out, (where, out)
        assert all(type(r) is list and all(type(x) is dict for x in r) for r in out), where
    elif op.paginates:
        assert isinstance(out, procore.ResultList) and len(out) == RECORDS, (where, out)
        assert all(type(r) is dict and "id" in r for r in out), where
    elif isinstance(out, list):
        assert out and all(type(r) is dict and "id" in r for r in out), (where, out)
    else:
        assert type(out) is dict and "id" in out, (where, out)
    tally.values += 1


def stub_returns() -> Dict[str, str]:
    """The return annotation of every method of the sync namespaces' stubs, by operation name
    (`rfis.get` -> `_models.RfiDetail`)."""
    tree = ast.parse((ROOT / "python" / "procore" / "_namespaces.pyi").read_text(encoding="utf-8"))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    out: Dict[str, str] = {}
    for ns in {op.namespace for op in GETS}:
        cls = classes["_" + "".join(w.capitalize() for w in ns.split("_"))]  # the sync class
        for node in cls.body:
            if isinstance(node, ast.FunctionDef) and node.returns is not None:
                out[f"{ns}.{node.name}"] = ast.unparse(node.returns)
    return out


def matches(value: Any, annotation: str) -> bool:
    """`value` is of the stub type `annotation` (as the generator writes them)."""
    if annotation == "Any":
        return True
    if annotation.startswith(("ResultList[", "list[")):
        outer = procore.ResultList if annotation.startswith("ResultList[") else list
        inner = annotation[annotation.index("[") + 1 : -1]
        return isinstance(value, outer) and all(matches(v, inner) for v in value)
    if annotation.startswith("_models."):
        return type(value) is getattr(models, annotation[len("_models.") :])
    types = {"int": int, "float": float, "str": str, "bytes": bytes, "dict[str, Any]": dict}
    return any(isinstance(value, types[a.strip()]) for a in annotation.split("|"))


def _project(server: Any) -> str:
    return server.example_path(RFIS).split("/")[4]


# ----------------------------------------------------------------------------- the walk


def test_the_catalog_has_a_mock_route_for_every_get():
    assert len(GETS) > 1100
    server_routes = set()
    with new_server(records_per_list=RECORDS) as s:
        for op in GETS:
            server_routes.add(s.example_path(op.path))  # ValueError when the mock lacks one
    assert len(server_routes) == len(GETS)


def test_every_get_operation_answers_by_name_and_decodes_to_its_type_sync_and_async(server):
    project = _project(server)
    calls = [(op, arguments(op, server, project)) for op in GETS]
    tally = Tally()
    with server.client(company_id=server.company_id) as client:
        login(client, server)
        answers = []
        for op, kwargs in calls:
            out = call(client, op, kwargs)
            check_answer(op, out, tally)
            answers.append(out)
    assert len(answers) == len(GETS)
    # The stubs say what the runtime returns (stubtest cannot see return types).
    stubs = stub_returns()
    typed = 0
    for (op, _), out in zip(calls, answers):
        if op.name in HANDWRITTEN:  # their stubs are procore.Project / procore.Company
            continue
        annotation = stubs[op.name]
        assert matches(out, annotation), (op.name, annotation, type(out))
        typed += annotation != "Any"
    assert typed > 900, typed
    # Not a walk over empty answers: thousands of typed values were checked.
    assert tally.records > 2000 and tally.values > 20000, vars(tally)

    async def walk() -> List[Any]:
        async with server.async_client(company_id=server.company_id) as aclient:
            await alogin(aclient, server)
            out = []
            for op, kwargs in calls:
                pending = call(aclient, op, kwargs)
                assert not isinstance(pending, (list, dict, bytes, models.Record)), op.name
                out.append(await pending)
            return out

    async_answers = asyncio.run(walk())
    atally = Tally()
    for (op, _), out, sync_out in zip(calls, async_answers, answers):
        check_answer(op, out, atally)
        # The mock answers the same request the same way: both clients decode it alike.
        assert out == sync_out, op.name
    assert vars(atally) == vars(tally)


def test_every_other_operation_is_reachable_by_name_on_both_clients(server):
    others = [op for op in procore.catalog if op.method != "GET"]
    assert len(others) + len(GETS) == len(procore.catalog)
    with server.client() as client:
        aclient = server.async_client()
        try:
            for op in others:
                for c in (client, aclient):
                    method = operator.attrgetter(op.name)(c)
                    assert callable(method), op.name
                    if op.namespace not in ("projects", "companies"):
                        assert method.operation == op, op.name
        finally:
            asyncio.run(aclient.close())


def test_every_list_has_a_lazy_twin_that_yields_the_same_records_sync_and_async(server):
    project = _project(server)
    lists = [
        op for op in GETS if op.paginates and ".list" in op.name and op.name not in HANDWRITTEN
    ]
    assert len(lists) > 500
    calls = [(op, op.name.replace(".list", ".iter"), arguments(op, server, project)) for op in lists]
    with server.client(company_id=server.company_id) as client:
        login(client, server)
        eager = [call(client, op, kwargs) for op, _, kwargs in calls]
        lazy = [list(operator.attrgetter(name)(client)(**kwargs)) for _, name, kwargs in calls]
    assert lazy == [list(out) for out in eager]
    assert sum(map(len, lazy)) > 1500

    async def walk() -> List[List[Any]]:
        async with server.async_client(company_id=server.company_id) as aclient:
            await alogin(aclient, server)
            return [[r async for r in operator.attrgetter(name)(aclient)(**kwargs)] for _, name, kwargs in calls]

    assert asyncio.run(walk()) == lazy


def test_a_wrapped_list_over_several_projects_lazily_and_eagerly(server):
    # `{"project_dates": [...]}` per project, read whole per project; each record with its project.
    with server.client(company_id=server.company_id) as client:
        login(client, server)
        projects = [p.id for p in client.projects.list(company_id=server.company_id)[:2]]
        eager = client.project_project_dates.list(project_ids=projects)
        lazy = list(client.project_project_dates.iter(project_ids=projects))
    assert eager == lazy and len(lazy) == 2 * RECORDS
    assert [r["project_id"] for r in lazy] == [projects[0]] * RECORDS + [projects[1]] * RECORDS
    assert all(type(r) is model_of(procore.catalog.get("project_project_dates.list").response) for r in lazy)
