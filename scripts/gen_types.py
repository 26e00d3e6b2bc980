#!/usr/bin/env python3
"""Generates the typed records and the mock's routes from Procore's API description.

    python scripts/gen_types.py            # write the outputs
    python scripts/gen_types.py --check    # exit 1 (naming the files) when they are stale

Inputs (in ``spec/``, copies of the sources named in ``spec/README.md``):
- ``responses.json``: the response type of each operation, and every type's fields;
- ``rest_OAS_all_postman.json``: every operation (method, path, parameters, headers).

Outputs (committed; ``make check-generated`` fails when regenerating would change them):
- ``src/core/catalog/types.rs``: ``TYPES``, every response type with its Python class name and
  its fields (JSON name, Python attribute, kind, description); ``CLASSES``, class name to type.
- ``src/mock/routes.rs``: ``ROUTES``, every GET operation of the collection (and the writes on
  the collections they list) with its response shape, for the mock server.
- ``python/procore/models.pyi``: the stubs of ``procore.models``.

Standard library only; the output depends on nothing but the inputs (sorted everywhere).

Class names (the rule, also in the README):
1. The record types of the resource namespaces have the curated names of ``NAMESPACES``: the
   item type of the namespace's list operation (``Rfi``), and ``<Name>Detail`` for the type of
   its ``GET .../{id}`` when that is another type with a generated (``RestV...``) name.
2. A type with a generated name (``RestV...``, ``ArrayOf...``, or one with ``Inner`` / ``AllOf``
   in it) used by exactly one field of exactly one named type is named after that field:
   ``<Owner><Field>`` in CamelCase, a list field's name made singular (``Rfi.questions`` holds
   ``RfiQuestion``; the owner's name is not repeated: ``ChangeEvent.change_event_line_items``
   holds ``ChangeEventLineItem``). Repeated until no more names are found, owners in name order.
3. Every other type keeps the name Procore's generator gave it (``Location``,
   ``RestV10ProjectsProjectIdWasteLogsGet200ResponseInner``). A source name that a rule 1 or 2
   name displaces gets the first free numeric suffix (``TimecardEntry`` -> ``TimecardEntry1``,
   or the next free number).

Response types of operations that ``responses.json`` lacks: an operation of version v1.x with
no entry takes the entry of the same method and path at the nearest other v1 version (lower
first): ``GET /rest/v1.1/change_events`` is typed as ``GET /rest/v1.0/change_events``.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
OUT_TYPES = ROOT / "src" / "core" / "catalog" / "types.rs"
OUT_ROUTES = ROOT / "src" / "mock" / "routes.rs"
OUT_STUBS = ROOT / "python" / "procore" / "models.pyi"

# (namespace, class name, list operation): the namespaces of issue 10, in its order.
NAMESPACES: List[Tuple[str, str, str]] = [
    ("rfis", "Rfi", "GET /rest/v1.0/projects/{project_id}/rfis"),
    ("submittals", "Submittal", "GET /rest/v1.1/projects/{project_id}/submittals"),
    ("punch_items", "PunchItem", "GET /rest/v1.1/punch_items"),
    ("observations", "Observation", "GET /rest/v1.0/observations/items"),
    ("inspections", "Inspection", "GET /rest/v1.0/projects/{project_id}/checklist/lists"),
    ("incidents", "Incident", "GET /rest/v1.0/projects/{project_id}/incidents"),
    ("manpower_logs", "ManpowerLog", "GET /rest/v1.0/projects/{project_id}/manpower_logs"),
    ("notes_logs", "NotesLog", "GET /rest/v1.0/projects/{project_id}/notes_logs"),
    ("budget_views", "BudgetView", "GET /rest/v1.0/budget_views"),
    (
        "purchase_order_contracts",
        "PurchaseOrderContract",
        "GET /rest/v1.0/purchase_order_contracts",
    ),
    ("work_order_contracts", "WorkOrderContract", "GET /rest/v1.0/work_order_contracts"),
    ("direct_costs", "DirectCost", "GET /rest/v1.1/projects/{project_id}/direct_costs"),
    ("cost_codes", "CostCode", "GET /rest/v1.0/cost_codes"),
    ("tasks", "Task", "GET /rest/v1.0/tasks"),
    ("change_events", "ChangeEvent", "GET /rest/v1.1/change_events"),
    (
        "potential_change_orders",
        "PotentialChangeOrder",
        "GET /rest/v1.0/potential_change_orders",
    ),
    ("prime_contracts", "PrimeContract", "GET /rest/v1.0/prime_contracts"),
    ("requisitions", "Requisition", "GET /rest/v1.1/requisitions"),
    (
        "drawing_revisions",
        "DrawingRevision",
        "GET /rest/v1.0/projects/{project_id}/drawing_revisions",
    ),
    ("documents", "Document", "GET /rest/v1.0/projects/{project_id}/documents"),
    ("images", "Image", "GET /rest/v1.0/images"),
    ("vendors", "Vendor", "GET /rest/v1.0/vendors"),
    ("company_users", "CompanyUser", "GET /rest/v1.3/companies/{company_id}/users"),
    ("project_users", "ProjectUser", "GET /rest/v1.0/projects/{project_id}/users"),
    (
        "timecard_entries",
        "TimecardEntry",
        "GET /rest/v1.0/companies/{company_id}/timecard_entries",
    ),
    ("trades", "Trade", "GET /rest/v1.0/companies/{company_id}/trades"),
]

SCALARS = ("int", "float", "str", "bool", "date", "datetime", "any", "bytes")
# Attributes every record has: a field of one of these names is reached with record["..."].
RESERVED_ATTRS = {"to_dict"}
GENERATED_NAME = re.compile(r"^(RestV\d|ArrayOf)|Inner|AllOf")
# Longest description kept (characters); longer ones are cut at a word and end with "...".
MAX_DOC = 400

TypeRef = Any  # "int" | ... | {"list": T} | {"dict": T} | {"ref": NAME}


# ----------------------------------------------------------------------------- loading


def load_json(name: str) -> Any:
    with open(SPEC / name, encoding="utf-8") as f:
        return json.load(f)


def postman_operations(collection: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every leaf of the collection: method, path template, params, headers, in file order."""
    out: List[Dict[str, Any]] = []

    def walk(items: List[Dict[str, Any]]) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            req = item["request"]
            segments = req["url"]["path"]
            # `:id` is a path variable; `{{id}}` (a Postman variable, in `{{id}}.pdf`) too.
            path = "/" + "/".join(
                re.sub(
                    r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|:([A-Za-z_][A-Za-z0-9_]*)",
                    lambda m: "{" + (m.group(1) or m.group(2)) + "}",
                    s,
                )
                for s in segments
            )
            variables = {v["key"]: v for v in req["url"].get("variable") or []}
            params = []
            for name in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", path):
                placeholder = (variables.get(name) or {}).get("value") or "<string>"
                params.append((name, placeholder))
            query = []
            seen: Set[str] = set()
            for q in req["url"].get("query") or []:
                key = q.get("key") or ""
                if not key or key in seen:
                    continue  # 70 operations repeat a key: the first one counts
                seen.add(key)
                desc = q.get("description") or ""
                if isinstance(desc, dict):
                    desc = desc.get("content") or ""
                query.append((key, desc.strip().startswith("(Required)")))
            headers = {h.get("key", "").lower(): h for h in req.get("header") or []}
            company_header = "procore-company-id" in headers and str(
                headers["procore-company-id"].get("description") or ""
            ).strip().startswith("(Required)")
            out.append(
                {
                    "method": req["method"].upper(),
                    "path": path,
                    "params": params,
                    "query": query,
                    "company_header": company_header,
                    "name": item.get("name") or "",
                }
            )

    walk(collection["item"])
    return out


# ----------------------------------------------------------------------------- helpers


def camel(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", text) if p)


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def version_of(path: str) -> str:
    m = re.match(r"^/rest/(v\d+\.\d+)/", path)
    return m.group(1) if m else ""


def success(entry: Optional[Dict[str, TypeRef]]) -> Optional[TypeRef]:
    """The 2xx type of an operation's entry (the lowest status), None when it has none."""
    if not entry:
        return None
    codes = sorted(c for c in entry if c.startswith("2"))
    return entry[codes[0]] if codes else None


def refs_in(t: TypeRef) -> List[str]:
    if isinstance(t, str):
        return []
    if "ref" in t:
        return [t["ref"]]
    return refs_in(t.get("list") or t.get("dict"))


def clean_doc(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) > MAX_DOC:
        cut = text[: MAX_DOC - 3].rsplit(" ", 1)[0]
        text = cut + "..."
    return text


def rust_str(s: str) -> str:
    """A Rust string literal."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ----------------------------------------------------------------------------- the model


class Spec:
    def __init__(self) -> None:
        responses = load_json("responses.json")
        self.types: Dict[str, Dict[str, Any]] = responses["types"]
        self.responses: Dict[str, Dict[str, TypeRef]] = responses["operations"]
        self.operations = postman_operations(load_json("rest_OAS_all_postman.json"))
        self.names = sorted(self.types)
        self.index = {n: i for i, n in enumerate(self.names)}
        if len(self.names) >= 65535:
            raise SystemExit("more types than a u16 indexes")

    def response(self, method: str, path: str) -> Optional[TypeRef]:
        """The 2xx type of an operation, by the rule for v1 operations missing a type."""
        key = f"{method} {path}"
        if key in self.responses:
            return success(self.responses[key])
        version = version_of(path)
        if not version.startswith("v1."):
            return None
        minor = int(version.split(".")[1])
        others = []
        for m in range(0, 10):
            if m == minor:
                continue
            other = path.replace(f"/rest/{version}/", f"/rest/v1.{m}/", 1)
            if f"{method} {other}" in self.responses:
                others.append((0 if m < minor else 1, abs(m - minor), other))
        if not others:
            return None
        return success(self.responses[f"{method} {min(others)[2]}"])

    # ------------------------------------------------------------------- class names

    def class_names(self) -> Dict[str, str]:
        names: Dict[str, str] = {}  # source name -> class name
        taken: Dict[str, str] = {}  # class name -> source name

        def give(source: str, name: str) -> None:
            if source in names:
                return
            if name in taken and taken[name] != source:
                raise SystemExit(f"class name {name} given twice ({taken[name]}, {source})")
            names[source] = name
            taken[name] = source

        ops = {(o["method"], o["path"]) for o in self.operations}
        for _, cls, op in NAMESPACES:
            method, path = op.split(" ", 1)
            if (method, path) not in ops:
                raise SystemExit(f"{op}: not in the collection")
            t = self.response(method, path)
            if not (isinstance(t, dict) and "list" in t and refs_in(t["list"])):
                raise SystemExit(f"{op}: not a list of records ({t})")
            give(refs_in(t["list"])[0], cls)
        for _, cls, op in NAMESPACES:
            method, path = op.split(" ", 1)
            item = refs_in(self.response(method, path)["list"])[0]
            for o in self.operations:
                if o["method"] != "GET" or not re.fullmatch(
                    re.escape(path) + r"/\{[A-Za-z_0-9]+\}", o["path"]
                ):
                    continue
                t = self.response("GET", o["path"])
                if isinstance(t, dict) and "ref" in t and t["ref"] != item:
                    if GENERATED_NAME.search(t["ref"]) and t["ref"] not in names:
                        give(t["ref"], cls + "Detail")

        # Rule 2: single-use generated types named after their field.
        uses: Dict[str, Set[Tuple[str, str]]] = {}
        for owner in self.names:
            for fname, fd in self.types[owner]["fields"].items():
                for r in refs_in(fd["type"]):
                    uses.setdefault(r, set()).add((owner, fname))
            for member in self.types[owner].get("one_of") or []:
                for r in refs_in(member):
                    uses.setdefault(r, set()).add((owner, "<one_of>"))
        for entry in self.responses.values():
            for t in entry.values():
                for r in refs_in(t):
                    uses.setdefault(r, set()).add(("<operation>", ""))
        changed = True
        while changed:
            changed = False
            for owner in sorted(names, key=lambda s: names[s]):
                for fname in sorted(self.types[owner]["fields"]):
                    fd = self.types[owner]["fields"][fname]
                    for r in refs_in(fd["type"]):
                        if r in names or not GENERATED_NAME.search(r):
                            continue
                        if uses.get(r) != {(owner, fname)}:
                            continue
                        is_list = isinstance(fd["type"], dict) and "list" in fd["type"]
                        word = singular(fname) if is_list else fname
                        part = camel(word)
                        if part.startswith(names[owner]) and part != names[owner]:
                            part = part[len(names[owner]) :]  # ChangeEvent.change_event_line_items
                        candidate = names[owner] + part
                        if candidate in taken or candidate in self.types and candidate != r:
                            continue
                        give(r, candidate)
                        changed = True
        # Rule 3: the rest keep their source names; a displaced one gets a number.
        for source in self.names:
            if source in names:
                continue
            name = source
            n = 0
            while name in taken or (name != source and name in self.types):
                n += 1
                name = f"{source}{n}"
            give(source, name)
        for source, name in names.items():
            if not name.isidentifier() or keyword.iskeyword(name):
                raise SystemExit(f"{source}: bad class name {name}")
        # A name is looked up as a class name first: no operation's response type may have a
        # source name that is another type's class name.
        for key, entry in self.responses.items():
            for t in entry.values():
                for r in refs_in(t):
                    if r in taken and taken[r] != r:
                        raise SystemExit(f"{key}: its type {r} is also the class of {taken[r]}")
        return names


# ----------------------------------------------------------------------------- types.rs


class Blob:
    """One text holding every string of a table; a string is `(byte offset, byte length)`."""

    def __init__(self, ctor: str) -> None:
        self.ctor = ctor
        self.parts: List[str] = []
        self.at: Dict[str, Tuple[int, int]] = {}
        self.size = 0

    def __call__(self, text: str) -> str:
        if text not in self.at:
            n = len(text.encode("utf-8"))
            self.at[text] = (self.size, n)
            self.parts.append(text)
            self.size += n
        off, n = self.at[text]
        return f"{self.ctor}({off}, {n})"

    def emit(self, name: str, doc: str) -> List[str]:
        out = [f"/// {doc}", f"pub static {name}: &str = concat!("]
        out.extend(f"    {rust_str(p)}," for p in self.parts if p)
        out.append(");")
        return out


class Kinds:
    """Interned kinds (`KINDS`) and enums (`ENUMS` over `ENUM_VALUES`)."""

    def __init__(self, spec: "Spec", blob: Blob) -> None:
        self.spec = spec
        self.blob = blob
        self.kinds: List[str] = []
        self.kind_at: Dict[str, int] = {}
        self.enums: List[Tuple[int, int]] = []
        self.enum_at: Dict[Tuple[str, ...], int] = {}
        self.enum_values: List[str] = []

    def intern(self, expr: str) -> int:
        if expr not in self.kind_at:
            self.kind_at[expr] = len(self.kinds)
            self.kinds.append(expr)
        return self.kind_at[expr]

    def enum(self, values: List[Any]) -> int:
        key = tuple(str(v) for v in values)
        if key not in self.enum_at:
            self.enum_at[key] = len(self.enums)
            self.enums.append((len(self.enum_values), len(key)))
            self.enum_values.extend(self.blob(v) for v in key)
        return self.enum_at[key]

    def __call__(self, t: TypeRef, enum: Optional[List[Any]] = None) -> str:
        if isinstance(t, str):
            if t not in SCALARS:
                raise SystemExit(f"unknown scalar type {t}")
            if t == "str" and enum:
                return f"K::Enum({self.enum(enum)})"
            return {
                "int": "K::Int",
                "float": "K::Float",
                "str": "K::Str",
                "bool": "K::Bool",
                "date": "K::Date",
                "datetime": "K::DateTime",
                "any": "K::Any",
                "bytes": "K::Bytes",
            }[t]
        if "ref" in t:
            if t["ref"] not in self.spec.index:
                raise SystemExit(f"unknown type {t['ref']}")
            return f"K::Ref({self.spec.index[t['ref']]})"
        if "list" in t:
            return f"K::List({self.intern(self(t['list'], enum))})"
        if "dict" in t:
            return f"K::Dict({self.intern(self(t['dict'], enum))})"
        raise SystemExit(f"unknown type reference {t}")


def attr_name(field: str) -> str:
    if not field.isidentifier() or field.startswith("__"):
        return ""
    if keyword.iskeyword(field) or field in RESERVED_ATTRS:
        return field + "_"
    return field


def field_doc(fd: Dict[str, Any]) -> str:
    doc = clean_doc(fd.get("description") or "")
    enum = fd.get("enum")
    if enum and fd["type"] != "str" and not (
        isinstance(fd["type"], dict) and fd["type"].get("list") == "str"
    ):
        values = ", ".join(str(v) for v in enum)
        doc = (doc + " " if doc else "") + f"(one of {values})"
    return doc


def gen_types_rs(spec: Spec, classes: Dict[str, str], kinds: "Kinds", routes: Any) -> str:
    """`types.rs`; `routes()` runs before the kind tables are written (it interns kinds)."""
    blob = kinds.blob
    fields: List[str] = []
    one_of: List[int] = []
    types: List[str] = []
    for name in spec.names:
        t = spec.types[name]
        start = len(fields)
        for fname in sorted(t["fields"]):
            fd = t["fields"][fname]
            enum = fd.get("enum") if fd["type"] in ("str", {"list": "str"}) else None
            fields.append(
                f"    F {{ name: {blob(fname)}, attr: {blob(attr_name(fname))}, "
                f"kind: {kinds(fd['type'], enum)}, doc: {blob(field_doc(fd))} }},"
            )
        members = [spec.index[refs_in(m)[0]] for m in t.get("one_of") or [] if isinstance(m, dict) and "ref" in m]
        o_start = len(one_of)
        one_of.extend(members)
        types.append(
            f"    TypeDef {{ name: {blob(name)}, class_name: {blob(classes[name])}, "
            f"fields: ({start}, {len(fields) - start}), one_of: ({o_start}, {len(members)}), "
            f"open: {'true' if t.get('additional_properties') else 'false'} }},"
        )
    routes()
    order = [spec.index[n] for n in sorted(spec.names, key=lambda n: classes[n])]
    out: List[str] = [
        "// @generated by scripts/gen_types.py from spec/responses.json: do not edit.",
        "//! Every response type of Procore's API: its source name, its Python class name and",
        "//! its fields. Read it through `core::records` (`TYPES`, `TypeDef::fields`, `Kind`).",
        "//! Strings are `T(offset, length)` in `STRINGS`; `Kind::Ref(i)` is `TYPES[i]`,",
        "//! `Kind::List(i)` / `Kind::Dict(i)` hold `KINDS[i]`, `Kind::Enum(i)` is `ENUMS[i]`.",
        "",
        "use crate::core::records::{Field as F, Kind as K, Text as T, TypeDef};",
        "",
        f"/// The {len(spec.names)} response types, sorted by source name.",
        "pub static TYPES: &[TypeDef] = &[",
        *types,
        "];",
        "",
        "/// `TYPES` indices sorted by class name.",
        "pub static CLASSES: &[u16] = &[",
    ]
    for i in range(0, len(order), 16):
        out.append("    " + ", ".join(str(x) for x in order[i : i + 16]) + ",")
    out += ["];", "", "/// The fields of every type, type after type.", "pub static FIELDS: &[F] = &[", *fields, "];", ""]
    out += ["/// The member types of `oneOf` wrappers.", "pub static ONE_OF: &[u16] = &["]
    for i in range(0, len(one_of), 16):
        out.append("    " + ", ".join(str(x) for x in one_of[i : i + 16]) + ",")
    out += ["];", "", "/// The element kinds of lists and dicts.", "pub static KINDS: &[K] = &["]
    out += [f"    {k}," for k in kinds.kinds]
    out += ["];", "", "/// Enums: `(start, count)` in `ENUM_VALUES`.", "pub static ENUMS: &[(u32, u16)] = &["]
    out += [f"    ({a}, {b})," for a, b in kinds.enums]
    out += ["];", "", "/// The values of every enum.", "pub static ENUM_VALUES: &[T] = &["]
    out += [f"    {v}," for v in kinds.enum_values]
    out += ["];", ""]
    out += blob.emit("STRINGS", "Every string of the tables.")
    out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- routes.rs


def shape_of(
    spec: Spec, kinds: Kinds, rblob: Blob, t: Optional[TypeRef], path: str, list_key: Optional[str] = None
) -> str:
    """The Rust `Shape` of an answer. `list_key`: the key the catalog reads a wrapped list's
    records from (scripts/gen_catalog.py), which the mock then pages."""
    if list_key and isinstance(t, dict) and "ref" in t:
        inner = spec.types[t["ref"]]["fields"][list_key]["type"]
        if isinstance(inner, dict) and isinstance(inner.get("list"), dict) and "ref" in inner["list"]:
            return f"Shape::List {{ item: {spec.index[inner['list']['ref']]}, wrap: Some({rblob(list_key)}) }}"
    if t is None:
        if path.endswith((".pdf", "/pdf")):
            return "Shape::Bytes"
        if re.search(r"\}[^/]*$", path):
            return "Shape::UntypedOne"
        return "Shape::UntypedList"
    if isinstance(t, dict) and "list" in t and isinstance(t["list"], dict) and "ref" in t["list"]:
        return f"Shape::List {{ item: {spec.index[t['list']['ref']]}, wrap: None }}"
    if isinstance(t, dict) and "ref" in t:
        fields = spec.types[t["ref"]]["fields"]
        if len(fields) == 1:
            (key, fd), = fields.items()
            inner = fd["type"]
            if (
                isinstance(inner, dict)
                and "list" in inner
                and isinstance(inner["list"], dict)
                and "ref" in inner["list"]
                and not path.endswith("}")
            ):
                return (
                    f"Shape::List {{ item: {spec.index[inner['list']['ref']]}, "
                    f"wrap: Some({rblob(key)}) }}"
                )
            if key == "data" and isinstance(inner, dict) and "ref" in inner:
                return f"Shape::One {{ ty: {spec.index[inner['ref']]}, wrap: Some({rblob('data')}) }}"
        return f"Shape::One {{ ty: {spec.index[t['ref']]}, wrap: None }}"
    return f"Shape::Value({kinds(t)})"


def gen_routes_rs(spec: Spec, kinds: Kinds) -> str:
    rblob = Blob("R")
    gets = [o for o in spec.operations if o["method"] == "GET" and o["path"].startswith("/rest/")]
    by_key = {}
    for o in gets:
        by_key.setdefault(o["path"], o)
    routes = sorted(by_key.values(), key=lambda o: o["path"])
    import gen_catalog

    list_keys = {o["path"]: o["list_key"] for o in gen_catalog.read_operations() if o["method"] == "GET"}
    shapes = {
        o["path"]: shape_of(
            spec, kinds, rblob, spec.response("GET", o["path"]), o["path"], list_keys.get(o["path"])
        )
        for o in routes
    }
    lists = {p for p, s in shapes.items() if s.startswith(("Shape::List", "Shape::UntypedList"))}
    index = {o["path"]: i for i, o in enumerate(routes)}

    # Writes on the listed collections: create (POST L), update (PATCH/PUT L/{id}),
    # delete (DELETE L/{id}), sync (PATCH or POST L/sync).
    writes: Dict[str, Set[str]] = {}
    for o in spec.operations:
        m, p = o["method"], o["path"]
        if m == "GET":
            continue
        if m == "POST" and p in lists:
            writes.setdefault(p, set()).add("create")
        elif m in ("PATCH", "POST") and p.endswith("/sync") and p[: -len("/sync")] in lists:
            writes.setdefault(p[: -len("/sync")], set()).add("sync")
        else:
            base, _, last = p.rpartition("/")
            if base in lists and re.fullmatch(r"\{[A-Za-z_0-9]+\}", last):
                if m in ("PATCH", "PUT"):
                    writes.setdefault(base, set()).add("update")
                elif m == "DELETE":
                    writes.setdefault(base, set()).add("delete")

    # The namespaces' collections take create, update and delete whatever the collection says.
    for _, _, op in NAMESPACES:
        writes.setdefault(op.split(" ", 1)[1], set()).update({"create", "update", "delete"})

    out = [
        "// @generated by scripts/gen_types.py from spec/: do not edit.",
        "//! Every GET operation of Procore's REST collection as the mock serves it: path template,",
        "//! path parameters (with the list route whose ids they name), required query parameters,",
        "//! whether the `Procore-Company-Id` header is required, the answer's shape, and the",
        "//! writes (create, update, delete, sync) a list route's collection accepts (those of its",
        "//! operations in the collection; create, update and delete for the namespaces' lists).",
        "//! Sorted by path.",
        "",
        "//! Strings are `R(offset, length)` in `ROUTE_STRINGS`; `params` and `required` are",
        "//! `(start, count)` in `PARAMS` and `REQUIRED`.",
        "",
        "use super::generated::{Param, ParamKind as P, RText as R, Route, Shape, Writes};",
        "use crate::core::records::Kind as K;",
        "",
        f"/// The {len(routes)} GET routes, sorted by path template.",
        "pub static ROUTES: &[Route] = &[",
    ]
    params: List[str] = []
    required: List[str] = []
    for o in routes:
        p = o["path"]
        p_start = len(params)
        segs = p.split("/")
        for name, placeholder in o["params"]:
            # The list whose ids this parameter names: the path up to it, when that is a list.
            pos = next(i for i, s in enumerate(segs) if "{" + name + "}" in s)
            prefix = "/".join(segs[:pos])
            parent = index.get(prefix) if prefix in lists else None
            kind = {"<integer>": "P::Int", "<uuid>": "P::Uuid"}.get(placeholder, "P::Str")
            params.append(
                f"    Param {{ name: {rblob(name)}, kind: {kind}, "
                f"parent: {'Some(%d)' % parent if parent is not None else 'None'} }},"
            )
        r_start = len(required)
        required.extend(
            f"    {rblob(k)}," for k, req in o["query"] if req and not k.startswith("filters[")
        )
        w = writes.get(p, set())
        flags = ", ".join(
            f"{k}: {'true' if k in w else 'false'}" for k in ("create", "update", "delete", "sync")
        )
        out.append(
            f"    Route {{ path: {rblob(p)}, params: ({p_start}, {len(params) - p_start}), "
            f"required: ({r_start}, {len(required) - r_start}), "
            f"company_header: {'true' if o['company_header'] else 'false'}, "
            f"shape: {shapes[p]}, writes: Writes {{ {flags} }} }},"
        )
    out += ["];", "", "/// The path parameters of every route, route after route.", "pub static PARAMS: &[Param] = &["]
    out += params
    out += ["];", "", "/// The required query parameters of every route.", "pub static REQUIRED: &[R] = &["]
    out += required
    out += ["];", ""]
    out += rblob.emit("ROUTE_STRINGS", "Every string of the route table.")
    out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- models.pyi


def py_type(spec: Spec, classes: Dict[str, str], t: TypeRef) -> str:
    if isinstance(t, str):
        return {
            "int": "int",
            "float": "float",
            "str": "str",
            "bool": "bool",
            "date": "_dt.date",
            "datetime": "_dt.datetime",
            "any": "Any",
            "bytes": "str",
        }[t]
    if "ref" in t:
        return classes[t["ref"]]
    if "list" in t:
        return f"List[{py_type(spec, classes, t['list'])}]"
    return f"Dict[str, {py_type(spec, classes, t['dict'])}]"


def gen_stubs(spec: Spec, classes: Dict[str, str]) -> str:
    out = [
        "# @generated by scripts/gen_types.py from spec/responses.json: do not edit.",
        '"""Typed records: one class per response type of Procore\'s API (stubs).',
        "",
        "At runtime each class is made on first use (``procore.models.Rfi``) from the type table in",
        "the compiled core. Every attribute is ``None`` when the server sent no value; date-times",
        "are timezone-aware UTC ``datetime``s, dates ``date``s, nested objects models. Fields the",
        "class does not name are read with ``record[\"field\"]``; ``to_dict()`` is what the server",
        'sent."""',
        "",
        "import datetime as _dt",
        "from typing import Any, ClassVar, Dict, List, Optional",
        "",
        "from typing_extensions import Self, disjoint_base",
        "",
        '__all__ = ["Record"]',
        "",
        "@disjoint_base",
        "class Record:",
        '    """What every model has: ``record["field"]``, ``to_dict()``, ``==`` by content."""',
        "",
        "    #: The type's name in Procore's OpenAPI document.",
        "    __procore_type__: ClassVar[str]",
        "    def __new__(cls, data: Dict[str, Any]) -> Self:",
        '        """Builds the record from a dict (as ``to_dict()`` returns it)."""',
        "    def to_dict(self) -> Dict[str, Any]:",
        '        """Every field the server sent, unknown ones included, as it sent them."""',
        "    def __getitem__(self, key: str, /) -> Any: ...",
        "    def __contains__(self, key: str, /) -> bool: ...",
        "    def __eq__(self, other: object, /) -> bool: ...",
        "    # Unhashable at runtime (compared by value), as typeshed spells it.",
        "    __hash__: ClassVar[None]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleMethodOverride]",
        "",
    ]
    class_set = set(classes.values())
    for source in sorted(spec.names, key=lambda n: classes[n]):
        t = spec.types[source]
        cls = classes[source]
        out.append(f"class {cls}(Record):")
        doc = f"``{source}``" if cls != source else ""
        if t.get("one_of"):
            members = ", ".join(classes[refs_in(m)[0]] for m in t["one_of"] if refs_in(m))
            doc = (doc + ": " if doc else "") + f"one of {members}"
        if doc:
            out.append(f'    """{doc}."""')
            out.append("")
        body = False
        for fname in sorted(t["fields"]):
            fd = t["fields"][fname]
            attr = attr_name(fname)
            if not attr:
                continue
            ann = py_type(spec, classes, fd["type"])
            if attr in class_set or attr in ("Any", "Dict", "List", "Optional", "ClassVar", "Self"):
                raise SystemExit(f"{cls}.{attr} shadows a name the stubs use")
            d = field_doc(fd).replace("\\", "\\\\").replace('"""', "'''")
            out.append("    @property")
            if d:
                out.append(f"    def {attr}(self) -> Optional[{ann}]:")
                if d.endswith('"'):
                    d += " "
                out.append(f'        """{d}"""')
            else:
                out.append(f"    def {attr}(self) -> Optional[{ann}]: ...")
            body = True
        if not body and not doc:
            out.append("    ...")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------- main


def outputs() -> Dict[Path, str]:
    spec = Spec()
    classes = spec.class_names()
    kinds = Kinds(spec, Blob("T"))
    routes: Dict[str, str] = {}

    def gen_routes() -> None:
        routes["text"] = gen_routes_rs(spec, kinds)

    types = gen_types_rs(spec, classes, kinds, gen_routes)
    return {
        OUT_TYPES: types,
        OUT_ROUTES: routes["text"],
        OUT_STUBS: gen_stubs(spec, classes),
    }


def main(argv: List[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run `make generate`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
