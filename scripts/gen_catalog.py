#!/usr/bin/env python3
"""Generates the operation catalog from spec/ (standard library only, deterministic output).

Reads:
  spec/rest_OAS_all_postman.json   Procore's REST documentation (Postman v2.1 collection)
  spec/responses.json              response types per operation

Writes:
  src/core/catalog/operations.rs   the static table of every operation (Rust core)
  python/procore/_namespaces.pyi   the stubs of the resource namespaces
  docs/api.md                      the reference of every namespace

The naming rule, the defects of the source and how each is handled are described in
spec/README.md and in the README's "The whole API" section; the code below is the rule.

    python3 scripts/gen_catalog.py           # write the outputs
    python3 scripts/gen_catalog.py --check   # exit 1 when an output would change
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
OUT_RS = ROOT / "src" / "core" / "catalog" / "operations.rs"
OUT_PYI = ROOT / "python" / "procore" / "_namespaces.pyi"
OUT_DOC = ROOT / "docs" / "api.md"

# ---------------------------------------------------------------------------------------------
# The naming rule's fixed parts.

# Resources whose path does not say what users call them, or that several scopes share: the
# namespace is given here. Key: (API family, scope kind, static path words joined by "/").
OVERRIDES = {
    ("v1", "project", "checklist/lists"): "inspections",
    ("v1", "none", "observations/items"): "observations",
    ("v1", "company", "users"): "company_users",
    ("v1", "project", "users"): "project_users",
    ("v1", "company", "timecard_entries"): "timecard_entries",
    ("v1", "project", "documents"): "documents",
}

# Attributes of the clients that a namespace may not take (the hand-written `projects` and
# `companies` namespaces are extended instead, see below). A generated namespace with one of
# these names gets a trailing "_api".
RESERVED = {
    "aclose", "authorization_url", "base_url", "client_credentials", "client_id", "close",
    "closed", "company_id", "delete", "environment", "exchange_code", "get", "iter_pages", "login",
    "login_url", "me", "paginate", "patch", "post", "put", "rate_limit", "refresh", "request",
    "revoke", "token",
}
# Hand-written namespaces (Rust classes): their generated operations are reachable through them;
# the hand-written methods (`list`, `iter`, `get` of projects, `list`, `iter` of companies) stay.
HANDWRITTEN = {"projects": ("list", "iter", "get"), "companies": ("list", "iter")}
# The routes those hand-written methods call keep the plain names, whatever the newest version.
PINNED = {
    "GET /rest/v1.0/projects": "list",
    "GET /rest/v1.0/projects/{id}": "get",
    "GET /rest/v1.0/companies": "list",
}

# The table the README promises: namespace -> its list operation.
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

SCOPE_ORDER = {"none": 0, "company": 1, "project": 2}
METHOD_ORDER = {"GET": 0, "POST": 1, "PATCH": 2, "PUT": 3, "DELETE": 4}

# ---------------------------------------------------------------------------------------------
# Reading the collection.


def text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        return str(v.get("content") or "")
    return str(v)


def one_line(s: str, limit: int = 160) -> str:
    """The first sentence or line of a description, at most `limit` characters."""
    s = text(s).strip()
    s = re.sub(r"^\(Required\)\s*", "", s)
    line = s.split("\n", 1)[0].strip()
    m = re.match(r"(.+?[.!?])(\s|$)", line)
    if m:
        line = m.group(1)
    line = re.sub(r"\s+", " ", line)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def leaves(items, folders=()):
    for it in items:
        if "item" in it:
            yield from leaves(it["item"], folders + (it["name"],))
        else:
            yield folders, it


VIEW_STOP = {
    "the", "this", "that", "a", "an", "which", "each", "same", "given", "valid", "any", "its",
    "specified", "response", "full", "requested", "data", "default", "following", "of", "is",
    "other", "resource", "example", "these", "your", "what", "one", "to", "be", "and", "or",
    "not", "if", "only", "view", "views", "true", "false", "in", "for", "with", "as", "all",
    "new", "paginated", "both", "returned", "used", "current", "specific", "requested",
}


def view_choices(desc: str, example: str) -> list[str]:
    """The values of a `view` parameter, read from its description (they are only there):
    "the `extended` view", "the normal view", "view is normal", list items "- `ids`: ...",
    and the example value."""
    d = text(desc)
    q = r"[`'\"]?([A-Za-z][a-z0-9_]*)[`'\"]?"
    found = []
    found += re.findall(q + r"\s+views?\b", d)
    found += re.findall(r"\bviews?\s+(?:is|of|=|:)\s+" + q, d)
    found += re.findall(r"(?m)^\s*[-*]\s+`([a-z][a-z0-9_]*)`", d)
    found += re.findall(r"\b(?:view|views)\b[^.]*?\b(?:are|is|:)\s+`([a-z][a-z0-9_]*)`", d)
    ex = example.strip()
    if ex and re.fullmatch(r"[a-z][a-z0-9_]*", ex):
        found.append(ex)
    out = []
    for w in found:
        w = w.lower()
        if w not in out and w not in VIEW_STOP:
            out.append(w)
    return sorted(out)


def param_type(key: str, value: str, desc: str) -> tuple[str, str]:
    """(type, list style) of a query parameter from its placeholder value.

    Types: int, str, bool, date, datetime, range, uuid, json. List styles: one, comma
    (`1,2`), brackets (`key[]=1&key[]=2`)."""
    v = (value or "").strip()
    style = "one"
    if key.endswith("[]"):
        style = "brackets"
    elif re.fullmatch(r"<\w+>(,<\w+>)+", v):
        style = "comma"
        v = v.split(",")[0]
    if v.startswith("[") and style == "one":
        return "json", "one"
    if v.startswith("{"):
        return "json", style
    base = {
        "<integer>": "int", "<number>": "int", "<string>": "str", "<boolean>": "bool",
        "<date>": "date", "<dateTime>": "datetime", "<uuid>": "uuid", "<email>": "str",
        "<time>": "str", "<log_date>": "date",
    }.get(v)
    if base is None:
        if v in ("true", "false"):
            base = "bool"
        elif re.fullmatch(r"-?\d+", v):
            base = "int"
        else:
            base = "str"
    # Defect: range filters are typed <date> though they take START...END.
    if base in ("date", "datetime") and style == "one":
        d = text(desc)
        if "..." in d or re.search(r"\brange\b", d, re.I):
            base = "range"
    return base, style


def split_key(key: str) -> tuple[str, str | None]:
    """`filters[status][]` -> ("filters", "status"); `view` -> ("view", None)."""
    k = key[:-2] if key.endswith("[]") else key
    m = re.fullmatch(r"([^\[\]]+)\[([^\[\]]*)\](.*)", k)
    if m:
        return m.group(1), m.group(2) + m.group(3)
    return k, None


def query_params(raw_query: list) -> list[dict]:
    """The documented query parameters, one per key: a repeated key (a defect of the source)
    keeps its best-described occurrence (the longest description; the first on a tie)."""
    best: dict[str, dict] = {}
    order: list[str] = []
    for q in raw_query or []:
        key = q.get("key")
        if not key:
            continue
        norm = key[:-2] if key.endswith("[]") else key
        desc = text(q.get("description"))
        if norm not in best:
            order.append(norm)
            best[norm] = q
        elif len(desc.strip()) > len(text(best[norm].get("description")).strip()):
            best[norm] = q
    out = []
    for norm in order:
        q = best[norm]
        key = q["key"]
        desc = text(q.get("description"))
        ty, style = param_type(key, str(q.get("value") or ""), desc)
        group, sub = split_key(key)
        choices: list[str] = []
        if key == "view" and ty == "str":
            choices = view_choices(desc, str(q.get("value") or ""))
        out.append({
            "name": norm,
            "group": group if sub is not None else "",
            "type": ty,
            "list": style,
            "required": desc.strip().startswith("(Required)"),
            "doc": one_line(desc),
            "choices": choices,
        })
    return out


def path_params(variables: list, names: list[str]) -> list[dict]:
    by_key = {v.get("key"): v for v in variables or []}
    out = []
    for n in names:
        v = by_key.get(n, {})
        ph = str(v.get("value") or "<integer>")
        ty = {"<integer>": "int", "<uuid>": "uuid"}.get(ph, "str")
        out.append({
            "name": n, "group": "", "type": ty, "list": "one", "required": True,
            "doc": one_line(v.get("description")), "choices": [],
        })
    return out


def scope_of(words: list[str], query: list[dict]) -> tuple[str, str, list[str]]:
    """(scope kind, where, remaining path segments) of a path after /rest/vX.Y.

    `companies/{company_id}` and `projects/{project_id}` (also `project/{project_id}`) pairs
    are taken out wherever they are; the project scope wins over the company scope."""
    rest = []
    in_path = set()
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w == "companies" and nxt == "{company_id}":
            in_path.add("company")
            i += 2
            continue
        if w in ("projects", "project") and nxt == "{project_id}":
            in_path.add("project")
            i += 2
            continue
        rest.append(w)
        i += 1
    qnames = {q["name"] for q in query}
    if "project" in in_path:
        return "project", "path", rest
    if "company" in in_path:
        return "company", "path", rest
    if "project_id" in qnames:
        return "project", "query", rest
    if "company_id" in qnames:
        return "company", "query", rest
    return "none", "none", rest


def ident(word: str) -> str:
    s = re.sub(r"[^0-9a-zA-Z]+", "_", word).strip("_").lower()
    s = re.sub(r"_+", "_", s)
    if not s:
        s = "root"
    if s[0].isdigit():
        s = "n" + s
    return s


def version_key(v: str) -> tuple[int, int]:
    a, b = v[1:].split(".")
    return int(a), int(b)


def read_operations() -> list[dict]:
    coll = json.loads((SPEC / "rest_OAS_all_postman.json").read_text(encoding="utf-8"))
    responses = json.loads((SPEC / "responses.json").read_text(encoding="utf-8"))
    types = responses["types"]
    ops = []
    for folders, item in leaves(coll["item"]):
        req = item["request"]
        segs = list(req["url"]["path"])
        if segs[0] != "rest":
            continue  # the 4 OAuth paths: the client's own OAuth methods cover them
        # Defect: two paths write their id Postman's way, `{{id}}.pdf`.
        words = [
            ("{" + s[1:] + "}") if s.startswith(":") else re.sub(r"\{\{(\w+)\}\}", r"{\1}", s)
            for s in segs
        ]
        path = "/" + "/".join(words)
        version = words[1]
        method = req["method"].upper()
        query = query_params(req["url"].get("query"))
        pnames = [n for w in words for n in re.findall(r"\{(\w+)\}", w)]
        pparams = path_params(req["url"].get("variable"), pnames)
        body = (req.get("body") or {}).get("mode")
        body_kind = {"raw": "json", "formdata": "multipart"}.get(body or "", "none")
        resp = responses["operations"].get(f"{method} {path}") or {}
        rtype, rlist = None, False
        for status in sorted(resp):
            if status.startswith("2"):
                t = resp[status]
                if isinstance(t, dict) and "list" in t:
                    rlist = True
                    t = t["list"]
                if isinstance(t, dict) and "ref" in t:
                    rtype = t["ref"]
                elif isinstance(t, dict) and "dict" in t:
                    rtype = "dict"
                elif isinstance(t, str):
                    rtype = t
                break
        qnames = {q["name"] for q in query}
        paginates = method == "GET" and (
            "page" in qnames or "per_page" in qnames or rlist
        )
        # Defect: some v1 list endpoints wrap their records in a key; v2 wraps in "data".
        list_key = None
        if paginates and not rlist and rtype in types:
            fields = types[rtype].get("fields") or {}
            lists = [f for f, v in fields.items() if isinstance(v["type"], dict) and "list" in v["type"]]
            last_word = [w for w in words if not w.startswith("{")][-1]
            if version.startswith("v2") and "data" in lists:
                list_key = "data"
            elif last_word in lists:
                list_key = last_word
            elif len(lists) == 1:
                list_key = lists[0]
        # A wrapped list's records are of its list field's item type, not of the wrapper.
        if list_key and rtype in types:
            declared = (types[rtype].get("fields") or {})[list_key]["type"]
            element = declared.get("list") if isinstance(declared, dict) else None
            if isinstance(element, dict) and "ref" in element:
                rtype, rlist = element["ref"], True
            elif isinstance(element, str):
                rtype, rlist = element, True
        # Named as a list (`page`/`per_page` documented), but answering one object with no
        # list to walk (`vendors/{id}`, `calendar_events`): one request, its answer typed.
        named_list = paginates
        if paginates and not rlist and rtype is not None and list_key is None:
            paginates = False
        sync = words[-1] == "sync" and method in ("PATCH", "POST")
        desc = text(req.get("description"))
        ops.append({
            "method": method,
            "path": path,
            "version": version,
            "family": "v2" if version.startswith("v2") else "v1",
            "words": words[2:],
            "query": query,
            "path_params": pparams,
            "body": body_kind,
            "response": rtype,
            "response_list": rlist,
            "list_key": list_key,
            "paginates": paginates,
            "named_list": named_list,
            "sync": sync,
            "summary": item.get("name", "").strip(),
            "doc": one_line(desc, 300),
            "folder": " / ".join(folders[:2]),
        })
    return ops


# ---------------------------------------------------------------------------------------------
# Naming.


def resource_of(op: dict) -> None:
    scope, where, rest = scope_of(op["words"], op["query"])
    op["scope"], op["scope_in"] = scope, where
    if op["sync"]:
        rest = rest[:-1]
    statics = [w for w in rest if not w.startswith("{")]
    op["ends_with_param"] = bool(rest) and rest[-1].startswith("{")
    # `{id}.pdf`: a document of the record, `get_pdf`.
    m = re.fullmatch(r"\{\w+\}\.(\w+)", rest[-1]) if rest else None
    op["suffix"] = "_" + m.group(1) if m else ""
    if not statics:
        # `companies/{company_id}` or `projects/{project_id}` themselves.
        statics = ["projects" if scope == "project" else "companies"]
        op["ends_with_param"] = True
    op["statics"] = statics
    # A scope in the query does not make another resource: only a scope in the path does.
    op["resource"] = (op["family"], scope if where == "path" else "none", "/".join(statics))


def action_of(op: dict) -> str:
    return base_action(op) + op["suffix"]


def base_action(op: dict) -> str:
    m = op["method"]
    if op["sync"]:
        return "sync"
    if m == "GET":
        return "list" if op["named_list"] and not op["ends_with_param"] else "get"
    return {"POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}[m]


def assign_names(ops: list[dict]) -> None:
    for op in ops:
        resource_of(op)
    resources = sorted(
        {op["resource"] for op in ops},
        key=lambda r: (r[0], SCOPE_ORDER[r[1]], r[2]),
    )
    taken: set[str] = set()
    ns_of: dict[tuple, str] = {}
    # Overrides first, so that the names they give are never taken by another resource.
    for r in resources:
        if r in OVERRIDES:
            ns_of[r] = OVERRIDES[r]
            taken.add(OVERRIDES[r])
    for r in resources:
        if r in ns_of:
            continue
        family, scope, statics = r
        base = ident("_".join(statics.split("/")))
        if base in RESERVED or keyword.iskeyword(base):
            base += "_api"
        prefix = "" if scope == "none" else scope + "_"
        if family == "v1":
            candidates = [base, prefix + base]
        else:
            candidates = [base, base + "_v2", prefix + base + "_v2"]
        name = next((c for c in candidates if c not in taken), None)
        n = 2
        while name is None:
            c = f"{candidates[-1]}_{n}"
            name = c if c not in taken else None
            n += 1
        ns_of[r] = name
        taken.add(name)
    by_ns: dict[str, list[dict]] = defaultdict(list)
    for op in ops:
        op["namespace"] = ns_of[op["resource"]]
        op["action"] = action_of(op)
        by_ns[op["namespace"]].append(op)
    for ns, members in by_ns.items():
        groups: dict[str, list[dict]] = defaultdict(list)
        for op in members:
            groups[op["action"]].append(op)
        used = set(groups)
        for action, group in sorted(groups.items()):
            # Newest version first; PATCH before PUT; then the path.
            group.sort(key=lambda o: (
                f"{o['method']} {o['path']}" not in PINNED,
                tuple(-x for x in version_key(o["version"])),
                METHOD_ORDER[o["method"]],
                o["path"],
            ))
            group[0]["name"] = f"{ns}.{action}"
            for op in group[1:]:
                v = op["version"].replace("v", "").replace(".", "_")
                cand = f"{action}_v{v}"
                if op["method"] == "PUT" and group[0]["method"] == "PATCH" and "replace" not in used:
                    cand = "replace"
                n = 2
                base = cand
                while cand in used:
                    cand = f"{base}_{n}"
                    n += 1
                used.add(cand)
                op["name"] = f"{ns}.{cand}"
    names = [op["name"] for op in ops]
    assert len(names) == len(set(names)), "operation names are not unique"
    for ns, route in REQUIRED.items():
        hits = [op for op in ops if op["name"] == f"{ns}.list"]
        got = f"{hits[0]['method']} {hits[0]['path']}" if hits else None
        assert got == route, f"required name {ns}.list is {got}, not {route}"


# ---------------------------------------------------------------------------------------------
# Output.

RS_TYPE = {
    "int": "Int", "str": "Str", "bool": "Bool", "date": "Date", "datetime": "DateTime",
    "range": "Range", "uuid": "Uuid", "json": "Json",
}
RS_LIST = {"one": "One", "comma": "Comma", "brackets": "Brackets"}


def rs_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


class Strings:
    """Every string of the table in one text, each stored once: the table holds (offset,
    length) pairs, no pointers, so the extension carries no relocation per entry."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.at: dict[str, tuple[int, int]] = {}
        self.size = 0

    def __call__(self, s: str | None) -> str:
        s = s or ""
        if s not in self.at:
            n = len(s.encode("utf-8"))
            self.at[s] = (self.size, n)
            self.parts.append(s)
            self.size += n
        off, n = self.at[s]
        return f"S({off}, {n})"


def render_rust(ops: list[dict]) -> str:
    st = Strings()
    params: list[str] = []
    choices: list[str] = []
    choice_at: dict[tuple, int] = {}

    def param_rows(ps: list[dict]) -> str:
        start = len(params)
        for p in ps:
            key = tuple(p["choices"])
            if key not in choice_at:
                choice_at[key] = len(choices)
                choices.extend(st(c) for c in key)
            params.append(
                f"    P {{ name: {st(p['name'])}, doc: {st(p['doc'])}, "
                f"choices: ({choice_at[key]}, {len(key)}), ty: T::{RS_TYPE[p['type']]}, "
                f"list: L::{RS_LIST[p['list']]}, required: {str(p['required']).lower()} }},"
            )
        return f"({start}, {len(ps)})"

    scope_rs = {
        ("none", "none"): "S_::None", ("company", "path"): "S_::CompanyPath",
        ("company", "query"): "S_::CompanyQuery", ("project", "path"): "S_::ProjectPath",
        ("project", "query"): "S_::ProjectQuery",
    }
    rows = []
    for op in ops:
        pp = param_rows(op["path_params"])
        qp = param_rows(op["query"])
        rows.append(
            "    Operation {"
            f" name: {st(op['name'])}, method: M::{op['method'].capitalize()},"
            f" path: {st(op['path'])}, version: {st(op['version'])},"
            f" scope: {scope_rs[(op['scope'], op['scope_in'])]},"
            f" path_params: {pp}, query: {qp}, body: B::{op['body'].capitalize()},"
            f" paginates: {str(op['paginates']).lower()}, sync: {str(op['sync']).lower()},"
            f" response: {st(op['response'])}, response_list: {str(op['response_list']).lower()},"
            f" list_key: {st(op['list_key'])}, summary: {st(op['summary'])}, doc: {st(op['doc'])} }},"
        )
    index = {op["name"]: i for i, op in enumerate(ops)}
    by_route = sorted(ops, key=lambda o: (o["method"], o["path"]))
    ns_rows = []
    seen = set()
    for i, op in enumerate(ops):
        ns = op["name"].split(".")[0]
        if ns not in seen:
            seen.add(ns)
            ns_rows.append(f"    ({st(ns)}, {i}),")
    text = "".join(st.parts)
    out = [
        "// @generated by scripts/gen_catalog.py from spec/: do not edit by hand.",
        "// Every REST operation of Procore's documentation, sorted by name. Strings are",
        "// (offset, length) pairs into STRINGS.",
        "",
        "use super::{Body as B, ListStyle as L, Method as M, Operation, Param as P,"
        " ParamType as T, Scope as S_, Str as S};",
        "",
        f"pub static OPERATIONS: &[Operation] = &[",
        *rows,
        "];",
        "",
        "/// The parameters of every operation, each operation's in one run.",
        "pub static PARAMS: &[P] = &[",
        *params,
        "];",
        "",
        "/// The documented values of parameters (`view`), each list in one run.",
        "pub static CHOICES: &[S] = &[",
        *(f"    {c}," for c in choices),
        "];",
        "",
        "/// Indexes into OPERATIONS, sorted by (method, path).",
        "pub static BY_ROUTE: &[u16] = &[",
        *(f"    {index[o['name']]}," for o in by_route),
        "];",
        "",
        "/// `(namespace, index of its first operation in OPERATIONS)`, sorted by name.",
        "pub static NAMESPACES: &[(S, u16)] = &[",
        *ns_rows,
        "];",
        "",
        f"pub static STRINGS: &str = {rs_str(text)};",
        "",
    ]
    return "\n".join(out)


PY_TYPE = {
    "int": "int", "str": "str", "bool": "bool", "date": "_Date", "datetime": "_DateTime",
    "range": "_Range", "uuid": "str", "json": "Any",
}


def py_type(p: dict) -> str:
    t = PY_TYPE[p["type"]]
    if len(p["choices"]) >= 2:
        t = "Literal[" + ", ".join(json.dumps(c) for c in p["choices"]) + "]"
    if p["list"] != "one":
        t = f"{t} | Sequence[{t}]"
    return t


def takes(op: dict) -> dict[str, bool]:
    """The pull's arguments an operation takes, by the rule of `Operation::takes_window`,
    `takes_include_deleted` and `takes_project_ids` in src/core/catalog/mod.rs."""
    names = {q["name"] for q in op["query"]}
    return {
        "window": "filters[updated_at]" in names,
        "include_deleted": "filters[include_deleted]" in names,
        "project_ids": op["paginates"] and op["method"] == "GET" and op["scope"] == "project",
    }


def takes_arrow(op: dict, action: str) -> bool:
    """Whether a method takes `as_arrow=`: the list call of a paginated GET operation."""
    return action.startswith("list") and op["paginates"] and op["method"] == "GET" and not op["sync"]


def signature(
    op: dict, action: str, projects: bool = False, arrow: bool = False
) -> tuple[list[str], str]:
    """The parameters of a namespace method (after self) and its return type (sync);
    `projects`: the `project_ids=` form of a list operation whose path names the project;
    `arrow`: the `as_arrow=True` form of a list call (an Arrow table)."""
    args: list[str] = []
    pos: list[str] = []
    kw: list[str] = []
    pp = [p for p in op["path_params"]]
    trailing = pp[-1]["name"] if op["ends_with_param"] and pp else None
    if trailing and trailing not in ("company_id", "project_id"):
        pos.append(f"{trailing}: int | str")
    if op["sync"]:
        pos.append("updates: Sequence[Mapping[str, Any]]")
    elif op["body"] != "none":
        pos.append("body: Mapping[str, Any] | None = None")
    for p in pp:
        if p["name"] == trailing and p["name"] not in ("company_id", "project_id"):
            continue
        opt = p["name"] == "company_id"
        kw.append(f"{p['name']}: int | str{' | None = None' if opt else ''}")
    groups: dict[str, list[dict]] = defaultdict(list)
    for q in op["query"]:
        if q["group"]:
            groups[q["group"]].append(q)
            continue
        if q["name"] in ("page",) or not q["name"].isidentifier() or keyword.iskeyword(q["name"]):
            continue
        if any(k.startswith(q["name"] + ":") for k in kw):
            continue
        if q["name"] == "per_page":
            continue
        kw.append(f"{q['name']}: {py_type(q)} | None = None")
    for g in sorted(groups):
        if g.isidentifier() and not keyword.iskeyword(g):
            kw.append(f"{g}: Mapping[str, Any] | None = None")
    if op["paginates"]:
        kw.append("per_page: int | None = None")
    pull = takes(op)
    if pull["window"]:
        kw.append("updated_since: _DateTime | None = None")
        kw.append("updated_until: _DateTime | None = None")
    if pull["include_deleted"]:
        kw.append('include_deleted: bool | Literal["with", "only"] | None = None')
    if pull["project_ids"] and action.startswith(("list", "iter")):
        if projects:
            kw = [k for k in kw if not k.startswith("project_id:")]
            kw.insert(0, "project_ids: Sequence[int]")
        elif op["scope_in"] == "query":
            kw.append("project_ids: Sequence[int] | None = None")
    kw.append("params: Mapping[str, Any] | None = None")
    if takes_arrow(op, action) and not projects:
        kw.append("as_arrow: Literal[True]" if arrow else "as_arrow: Literal[False] = False")
    if pos:
        args.extend(pos)
    args.append("*")
    args.extend(kw)
    record = record_type(op)
    if op["sync"]:
        ret = "dict[str, Any]"
    elif action.startswith("list") and op["paginates"]:
        ret = f"ResultList[{record}]"
    elif action.startswith("iter"):
        ret = f"Iterator[{record}]"
    else:
        ret = answer_type(op, record)
    return args, ret


# A declared answer that is a value, not a record (a declared `bytes` may come as a file).
VALUE_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool", "bytes": "str | bytes",
               "dict": "dict[str, Any]"}


def answer_type(op: dict, record: str) -> str:
    """The stub type of a one-request answer: a record of the response type's model class
    (a `ResultList` of them for a declared list), a declared value, `bytes` for a file."""
    if record.startswith("_models."):
        return f"ResultList[{record}]" if op["response_list"] else record
    value = VALUE_TYPES.get(op["response"] or "")
    if value:
        return f"list[{value}]" if op["response_list"] else value
    if op["response"] is None and op["method"] == "GET" and op["path"].endswith(("/pdf", ".pdf")):
        return "bytes"
    return "Any"


_MODEL_CLASSES: dict[str, str] = {}


def record_type(op: dict) -> str:
    """The stub type of one record of an operation: the model class of its response type
    (named as scripts/gen_types.py names it, which the runtime uses too), else a dict."""
    if not _MODEL_CLASSES:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import gen_types

        _MODEL_CLASSES.update(gen_types.Spec().class_names())
    cls = _MODEL_CLASSES.get(op["response"] or "")
    if cls:
        return f"_models.{cls}"
    if op["response"] is None and op["response_list"]:
        return "list[dict[str, Any]]"  # a list of lists, no type given (`recent_activity`)
    return VALUE_TYPES.get(op["response"] or "", "dict[str, Any]")


def class_name(ns: str, is_async: bool) -> str:
    camel = "".join(w.capitalize() for w in ns.split("_"))
    return f"_{'Async' if is_async else ''}{camel}"


def methods_of(ops_in_ns: list[dict]) -> list[tuple[str, dict]]:
    """(method name, operation) of a namespace, with `iter` twins of the list operations."""
    out = []
    for op in ops_in_ns:
        action = op["name"].split(".", 1)[1]
        out.append((action, op))
        if op["paginates"] and action.startswith("list"):
            out.append(("iter" + action[4:], op))
    return sorted(out, key=lambda x: x[0])


def projects_overload(op: dict, action: str, is_async: bool = False) -> list[str]:
    """The `project_ids=` overload of a list (or iter) method whose path names the project,
    beside the `project_id=` one (none for any other method)."""
    if not (
        action.startswith(("list", "iter")) and takes(op)["project_ids"] and op["scope_in"] == "path"
    ):
        return []
    args, ret = signature(op, action, projects=True)
    if is_async:
        ret = f"AsyncIterator[{record_type(op)}]" if action.startswith("iter") else f"Coroutine[object, None, {ret}]"
    doc = json.dumps(f"{op['method']} {op['path']}: {op['summary']} (several projects)")[1:-1]
    return ["    @overload", f"    def {action}(self, {', '.join(args)}) -> {ret}:", f'        """{doc}"""']


def arrow_overload(op: dict, action: str, is_async: bool = False) -> list[str]:
    """The `as_arrow=True` overload of a list method (none for any other method)."""
    if not takes_arrow(op, action):
        return []
    args, _ = signature(op, action, arrow=True)
    ret = "Coroutine[object, None, ArrowTable]" if is_async else "ArrowTable"
    doc = json.dumps(f"{op['method']} {op['path']}: {op['summary']} (an Arrow table)")[1:-1]
    return ["    @overload", f"    def {action}(self, {', '.join(args)}) -> {ret}:", f'        """{doc}"""']


def render_pyi(ops: list[dict]) -> str:
    by_ns: dict[str, list[dict]] = defaultdict(list)
    for op in ops:
        by_ns[op["name"].split(".")[0]].append(op)
    out = [
        "# @generated by scripts/gen_catalog.py from spec/: do not edit by hand.",
        '"""Stubs of the resource namespaces of `Client` and `AsyncClient` (records are model\n'
        'instances of `procore.models` where the operation declares a type, dicts otherwise)."""',
        "",
        "import datetime",
        "from typing import (",
        "    Any, AsyncIterator, Coroutine, Iterator, Literal, Mapping, Sequence, Union, overload,",
        "    type_check_only,",
        ")",
        "",
        "from . import models as _models",
        "from ._procore import ArrowTable",
        "from ._results import ResultList",
        "",
        "_Date = Union[datetime.date, str]",
        "_DateTime = Union[datetime.datetime, datetime.date, str]",
        "_Range = Union[str, tuple[_DateTime, _DateTime]]",
        "",
    ]
    for is_async in (False, True):
        for ns in sorted(by_ns):
            cls = class_name(ns, is_async)
            out.append(f"class {cls}:")
            for action, op in methods_of(by_ns[ns]):
                if ns in HANDWRITTEN and action in HANDWRITTEN[ns]:
                    continue
                extra = projects_overload(op, action, is_async) + arrow_overload(op, action, is_async)
                if extra:
                    out.extend(extra)
                    out.append("    @overload")
                args, ret = signature(op, action)
                if is_async:
                    if action.startswith("iter"):
                        ret = f"AsyncIterator[{record_type(op)}]"
                    else:
                        ret = f"Coroutine[object, None, {ret}]"
                doc = json.dumps(f"{op['method']} {op['path']}: {op['summary']}")[1:-1]
                doc = doc.replace('"""', '\\"\\"\\"')
                out.append(f"    def {action}(self, {', '.join(args)}) -> {ret}:")
                out.append(f'        """{doc}"""')
            if out[-1] == f"class {cls}:":
                out.append("    pass")
            out.append("")
        mixin = "AsyncNamespaces" if is_async else "SyncNamespaces"
        out.append("@type_check_only")
        out.append(f"class {mixin}:")
        for ns in sorted(by_ns):
            if ns in HANDWRITTEN:
                continue
            out.append("    @property")
            out.append(f"    def {ns}(self) -> {class_name(ns, is_async)}: ...")
        out.append("")
    return "\n".join(out)


def render_doc(ops: list[dict]) -> str:
    by_ns: dict[str, list[dict]] = defaultdict(list)
    for op in ops:
        by_ns[op["name"].split(".")[0]].append(op)
    out = [
        "<!-- @generated by scripts/gen_catalog.py from spec/: do not edit by hand. -->",
        "# API reference: every namespace",
        "",
        f"{len(ops)} operations in {len(by_ns)} namespaces, on `Client` and `AsyncClient` alike"
        " (awaitable on the latter). `client.NAMESPACE.METHOD(...)`; scope ids"
        " (`project_id=`, `company_id=`) are keyword arguments, `company_id` defaults to the"
        " client's. Query parameters written `group[key]` are passed as"
        " `group={\"key\": value}` (`filters={\"status\": \"open\"}`). See the README's"
        " \"The whole API\" section for the naming rule.",
        "",
        "Types: `int`, `str`, `bool`, `date` (a `datetime.date` or `YYYY-MM-DD`), `datetime`,"
        " `range` (`START...END` or a `(start, end)` pair), `uuid`, `json`; `[]` marks a list"
        " (sent as `key[]=a&key[]=b`), `,` a comma-separated list.",
        "",
        "## Namespaces",
        "",
    ]
    out.append(", ".join(f"[`{ns}`](#{ns})" for ns in sorted(by_ns)))
    out.append("")
    tsuffix = {"one": "", "comma": ",", "brackets": "[]"}
    for ns in sorted(by_ns):
        out.append(f"## {ns}")
        out.append("")
        for action, op in methods_of(by_ns[ns]):
            if action.startswith("iter"):
                continue
            out.append(f"### `{ns}.{action}` — {op['summary']}")
            out.append("")
            extra = []
            if op["paginates"]:
                extra.append("paginated (`iter" + action[4:] + "` walks it lazily)")
            if takes_arrow(op, action):
                extra.append("`as_arrow=`")
            pull = takes(op)
            if pull["window"]:
                extra.append("`updated_since=`/`updated_until=`")
            if pull["include_deleted"]:
                extra.append("`include_deleted=`")
            if pull["project_ids"] and action.startswith("list"):
                extra.append("`project_ids=`")
            if op["sync"]:
                extra.append("sync action (batches of 1,000)")
            if op["response"]:
                extra.append(
                    f"returns {'a list of ' if op['response_list'] or op['paginates'] else ''}"
                    f"`{op['response']}`"
                )
            out.append(f"`{op['method']} {op['path']}`" + (" — " + ", ".join(extra) if extra else ""))
            out.append("")
            if op["doc"]:
                out.append(op["doc"].replace("\n", " "))
                out.append("")
            rows = op["path_params"] + op["query"]
            if rows:
                out.append("| parameter | type | required | description |")
                out.append("|---|---|---|---|")
                for p in rows:
                    t = p["type"] + tsuffix[p["list"]]
                    if p["choices"]:
                        t += " (" + ", ".join(p["choices"]) + ")"
                    d = p["doc"].replace("|", "\\|")
                    out.append(f"| `{p['name']}` | {t} | {'yes' if p['required'] else ''} | {d} |")
                out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    ops = read_operations()
    assign_names(ops)
    ops.sort(key=lambda o: o["name"])
    outputs = {
        OUT_RS: render_rust(ops),
        OUT_PYI: render_pyi(ops),
        OUT_DOC: render_doc(ops),
    }
    stale = []
    for path, content in outputs.items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != content:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
    if check and stale:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run `make generate`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
