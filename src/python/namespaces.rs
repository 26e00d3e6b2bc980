//! The resource namespaces of both clients (`client.rfis.list(project_id=…)`), over the core's
//! catalog: one `Namespace` class and one `BoundOperation` class serve every operation, so
//! nothing is generated per operation in the extension.
//!
//! Arguments are checked by `core::catalog::prepare` before anything is sent; the call then
//! goes through the core client's public `request` / `paginate` / `pages`, and `dispatch`
//! makes it blocking or awaitable. Records become Python objects in one place,
//! [`convert`].

use std::collections::VecDeque;
use std::sync::Arc;

use pyo3::exceptions::{PyAttributeError, PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use reqwest::Method;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::catalog::Operation as PyOperation;
use super::client::{window_arg, BaseClient};
use super::convert::params_arg;
use super::errors::{config_error, to_pyerr};
use super::lifecycle::LiveClient;
use super::models::{raw_to_py, Json, Records};
use super::records::{Typed, TypedOne};
use super::runtime::{awaitable, block_on, dispatch, IntoPyErrLater};
use crate::core::catalog::{self, Operation};
use crate::core::{self, Error};

/// Items of a sync action sent in one request (Procore's limit).
pub const SYNC_BATCH: usize = 1000;
/// Pages read at most from a list wrapped in a key (a bound, not an expectation).
const MAX_WRAPPED_PAGES: u64 = 100_000;

// ----- records ---------------------------------------------------------------------------------

/// What an operation answered, before it becomes Python objects.
pub enum Payload {
    /// Every record of a list operation.
    Records(Vec<Box<RawValue>>),
    /// One record of a list operation, when iterating.
    Record(Box<RawValue>),
    /// The decoded answer of any other operation (`None`: an empty body).
    Answer(Option<Value>),
    /// An answer that is not JSON (a PDF, a CSV export), as sent.
    File(bytes::Bytes),
}

/// THE one place where an operation's records become Python objects: instances of the model
/// class of the operation's response type (`op.response()`, its name in
/// `spec/responses.json`), in a `ResultList` for a list; plain dicts when the operation
/// declares no type; the decoded JSON for any other answer; `bytes` for a file.
pub fn convert<'py>(
    py: Python<'py>,
    op: &'static Operation,
    payload: Payload,
) -> PyResult<Bound<'py, PyAny>> {
    let ty = op.response().and_then(crate::core::records::type_by_name);
    match (payload, ty) {
        (Payload::Records(raws), Some(ty)) => Typed { ty: Some(ty), raws }.into_pyobject(py),
        (Payload::Records(records), None) => Records::Json(records).into_pyobject(py),
        (Payload::Record(raw), Some(ty)) => TypedOne { ty: Some(ty), raw }.into_pyobject(py),
        (Payload::Record(raw), None) => raw_to_py(py, &raw),
        (Payload::Answer(value), _) => Json(value).into_pyobject(py),
        (Payload::File(data), _) => Ok(pyo3::types::PyBytes::new(py, &data).into_any()),
    }
}

/// The payload of a one-request answer: a file when the server says it is not JSON; the
/// record (or records) of the operation's declared type, kept as JSON text for the model;
/// else the decoded JSON.
fn answer_payload(op: &'static Operation, resp: core::Response) -> core::Result<Payload> {
    let body = resp.body;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Payload::Answer(None));
    }
    let json = resp
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("json"));
    if !json {
        return Ok(Payload::File(body));
    }
    let bad = |e: serde_json::Error| Error::Decode(format!("the response is not valid JSON: {e}"));
    if op
        .response()
        .and_then(crate::core::records::type_by_name)
        .is_some()
    {
        let raw: Box<RawValue> = serde_json::from_slice(&body).map_err(bad)?;
        if op.response_list && raw.get().starts_with('[') {
            return serde_json::from_str(raw.get())
                .map(Payload::Records)
                .map_err(bad);
        }
        return Ok(Payload::Record(raw));
    }
    serde_json::from_slice(&body)
        .map(|v| Payload::Answer(Some(v)))
        .map_err(bad)
}

/// A payload on its way to Python (through `dispatch`).
pub struct Converted(&'static Operation, Payload);

impl<'py> IntoPyObject<'py> for Converted {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert(py, self.0, self.1)
    }
}

// ----- Python values to JSON ---------------------------------------------------------------------

/// A keyword argument as JSON: `date`/`datetime` become ISO 8601 text, tuples lists.
fn to_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Err(config_error(
            py,
            format!("{what}: {} does not fit in 64 bits", obj.repr()?),
        ));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| config_error(py, format!("{what}: {f} is not a finite number")));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(obj.extract()?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| config_error(py, format!("{what}: keys must be strings")))?;
            let value = to_value(&v, &format!("{what}[{key:?}]"))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(to_value(&item?, what)?);
        }
        return Ok(Value::Array(items));
    }
    if obj.hasattr("isoformat")? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if let Ok(items) = obj.try_iter() {
        if !obj.is_instance_of::<pyo3::types::PyBytes>() {
            let mut out = Vec::new();
            for item in items {
                out.push(to_value(&item?, what)?);
            }
            return Ok(Value::Array(out));
        }
    }
    Err(config_error(
        py,
        format!(
            "{what}: a {} is not a parameter value (str, int, float, bool, date, datetime, list or dict)",
            obj.get_type().name()?
        ),
    ))
}

// ----- namespaces ----------------------------------------------------------------------------------

/// `client.rfis`: the operations of one resource. Its methods are the catalog's
/// (`list`, `iter`, `get`, `create`, `update`, `delete`, `sync`, and version-suffixed ones).
#[pyclass(frozen, module = "procore._procore")]
pub struct Namespace {
    client: Py<BaseClient>,
    name: &'static str,
    ops: &'static [Operation],
}

impl Namespace {
    pub fn new(client: Py<BaseClient>, name: &str) -> Option<Namespace> {
        let ops = catalog::namespace(name)?;
        Some(Namespace {
            client,
            name: ops[0].namespace(),
            ops,
        })
    }

    /// The bound operation of a method name (`iter…` is the lazy twin of `list…`).
    pub fn method(&self, py: Python<'_>, action: &str) -> Option<BoundOperation> {
        let (lookup, iter) = match action.strip_prefix("iter") {
            Some(rest) => (format!("list{rest}"), true),
            None => (action.to_string(), false),
        };
        let op = self.ops.iter().find(|o| o.action() == lookup)?;
        if iter && !op.paginates {
            return None;
        }
        Some(BoundOperation {
            client: self.client.clone_ref(py),
            op,
            iter,
        })
    }

    fn actions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for op in self.ops {
            out.push(op.action().to_string());
            if op.paginates && op.action().starts_with("list") {
                out.push(format!("iter{}", &op.action()[4..]));
            }
        }
        out.sort();
        out
    }
}

#[pymethods]
impl Namespace {
    fn __getattr__(&self, py: Python<'_>, action: &str) -> PyResult<BoundOperation> {
        self.method(py, action).ok_or_else(|| {
            let actions = self.actions();
            let near = catalog::nearest(action, actions.iter().map(String::as_str));
            PyAttributeError::new_err(format!(
                "namespace {:?} has no method {action:?}{}",
                self.name,
                if near.is_empty() {
                    format!(" (it has: {})", actions.join(", "))
                } else {
                    format!("; did you mean {}?", near.join(", "))
                }
            ))
        })
    }

    fn __dir__(&self) -> Vec<String> {
        self.actions()
    }

    /// The catalog's operations of this namespace.
    #[getter]
    fn operations(&self) -> Vec<PyOperation> {
        self.ops.iter().map(|op| PyOperation { op }).collect()
    }

    fn __repr__(&self) -> String {
        format!("<namespace {} ({} operations)>", self.name, self.ops.len())
    }
}

/// The namespace of `name` on a client, or AttributeError.
pub fn namespace_of(client: &Bound<'_, BaseClient>, name: &str) -> PyResult<Namespace> {
    Namespace::new(client.clone().unbind(), name)
        .ok_or_else(|| PyAttributeError::new_err(format!("no namespace {name:?}")))
}

/// A method of a hand-written namespace (`projects`, `companies`) that the catalog has and the
/// class does not (`client.projects.create(…)`).
pub fn handwritten_fallback(
    client: &Py<BaseClient>,
    py: Python<'_>,
    namespace: &str,
    action: &str,
) -> PyResult<BoundOperation> {
    let ns = Namespace::new(client.clone_ref(py), namespace)
        .ok_or_else(|| PyAttributeError::new_err(action.to_string()))?;
    ns.__getattr__(py, action)
}

/// `_procore._namespace(client, name)`: what the client's `name` property returns.
#[pyfunction]
pub fn _namespace(client: &Bound<'_, BaseClient>, name: &str) -> PyResult<Namespace> {
    namespace_of(client, name)
}

/// `_procore._namespace_names()`: every generated namespace, sorted.
#[pyfunction]
pub fn _namespace_names() -> Vec<&'static str> {
    catalog::namespaces().collect()
}

// ----- calls -------------------------------------------------------------------------------------

/// One operation bound to a client: `client.rfis.list` (calling it sends the request).
#[pyclass(frozen, module = "procore._procore")]
pub struct BoundOperation {
    client: Py<BaseClient>,
    op: &'static Operation,
    /// The lazy twin of a list operation (`iter`).
    iter: bool,
}

/// A checked call, ready to send.
struct Call {
    client: Arc<LiveClient>,
    req: catalog::Prepared,
    /// The items of a sync action.
    updates: Option<Value>,
    /// `project_ids=`: each project's request, in the caller's order.
    projects: Option<Vec<(i64, catalog::Prepared)>>,
    /// `as_arrow=True`: the records as one Arrow table, no record objects.
    as_arrow: bool,
}

/// The arguments of a pull rather than of the operation: `updated_since`, `updated_until`,
/// `include_deleted`, `project_ids`.
#[derive(Default)]
struct PullArgs<'py> {
    since: Option<Bound<'py, PyAny>>,
    until: Option<Bound<'py, PyAny>>,
    include_deleted: Option<Bound<'py, PyAny>>,
    project_ids: Option<Bound<'py, PyAny>>,
    as_arrow: Option<Bound<'py, PyAny>>,
}

impl<'py> PullArgs<'py> {
    /// Takes `key` when it is one of the pull's arguments (`None` values are not given) and
    /// not a query parameter the operation documents under that name (`include_deleted` of
    /// `punch_items.get`, `project_ids` of `schedule_summary.get`), which stays one.
    fn take(&mut self, op: &Operation, key: &str, v: &Bound<'py, PyAny>) -> bool {
        if op.query().iter().any(|p| p.name() == key) {
            return false;
        }
        let slot = match key {
            "updated_since" => &mut self.since,
            "updated_until" => &mut self.until,
            "include_deleted" => &mut self.include_deleted,
            "project_ids" => &mut self.project_ids,
            "as_arrow" => &mut self.as_arrow,
            _ => return false,
        };
        if !v.is_none() {
            *slot = Some(v.clone());
        }
        true
    }

    /// Puts the window and the deleted-records filter into the `filters` argument, after
    /// checking that the operation documents them (before anything is sent).
    fn apply(
        &self,
        py: Python<'_>,
        op: &Operation,
        named: &mut Map<String, Value>,
    ) -> PyResult<()> {
        let refuse = |arg: &str, filter: &str| {
            config_error(
                py,
                format!(
                    "{}(): {arg}= is not accepted: this operation ({}) does not document {filter}",
                    op.name(),
                    op.route()
                ),
            )
        };
        let mut extra: Vec<(&str, Value)> = Vec::new();
        for (arg, v) in [
            ("updated_since", &self.since),
            ("updated_until", &self.until),
        ] {
            if v.is_some() && !op.takes_window() {
                return Err(refuse(arg, core::UPDATED_AT_FILTER));
            }
        }
        if let Some(window) = window_arg(py, self.since.as_ref(), self.until.as_ref())? {
            extra.push(("updated_at", Value::String(window)));
        }
        if let Some(v) = &self.include_deleted {
            if !op.takes_include_deleted() {
                return Err(refuse("include_deleted", catalog::INCLUDE_DELETED_FILTER));
            }
            let value = if v.is_instance_of::<PyBool>() {
                v.is_truthy()?.then_some("with")
            } else {
                match v.extract::<String>().ok().as_deref() {
                    Some("with") => Some("with"),
                    Some("only") => Some("only"),
                    _ => {
                        return Err(config_error(
                            py,
                            format!(
                                "{}(): include_deleted must be True, False, \"with\" or \"only\", not {}",
                                op.name(),
                                v.repr()?
                            ),
                        ))
                    }
                }
            };
            if let Some(value) = value {
                extra.push(("include_deleted", Value::from(value)));
            }
        }
        if extra.is_empty() {
            return Ok(());
        }
        let filters = named
            .entry("filters")
            .or_insert_with(|| Value::Object(Map::new()));
        if filters.is_null() {
            *filters = Value::Object(Map::new());
        }
        // Not a mapping: `catalog::prepare` says so.
        if let Value::Object(f) = filters {
            for (key, value) in extra {
                if f.get(key).is_some_and(|v| !v.is_null()) {
                    let arg = if key == "updated_at" {
                        "updated_since=/updated_until="
                    } else {
                        "include_deleted="
                    };
                    return Err(config_error(
                        py,
                        format!(
                            "{}(): give {arg} or filters={{\"{key}\": …}}, not both",
                            op.name()
                        ),
                    ));
                }
                f.insert(key.to_string(), value);
            }
        }
        Ok(())
    }
}

/// The ids of `project_ids=`: a list (or any iterable but a string or a mapping) of positive
/// integers (or integer-like objects, or strings of digits), none twice.
fn project_ids_arg(py: Python<'_>, op: &Operation, v: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let bad = || {
        config_error(
            py,
            format!(
                "{}(): project_ids must be a list of project ids (integers)",
                op.name()
            ),
        )
    };
    if v.is_instance_of::<PyString>()
        || v.is_instance_of::<pyo3::types::PyBytes>()
        || v.is_instance_of::<PyDict>()
    {
        return Err(bad());
    }
    let mut ids = Vec::new();
    for item in v.try_iter().map_err(|_| bad())? {
        let item = item?;
        let id = if item.is_instance_of::<PyBool>() {
            None
        } else if item.is_instance_of::<PyInt>() {
            item.extract::<i64>().ok()
        } else if !item.is_instance_of::<PyFloat>() && item.hasattr("__index__")? {
            // numpy's integers (`project_ids=frame["id"].values`).
            item.call_method0("__index__")
                .and_then(|i| i.extract::<i64>())
                .ok()
        } else if item.is_instance_of::<PyString>() {
            let t: String = item.extract()?;
            t.trim()
                .parse::<i64>()
                .ok()
                .filter(|_| t.trim().bytes().all(|b| b.is_ascii_digit()))
        } else {
            None
        };
        match id {
            Some(id) => ids.push(id),
            None => {
                return Err(config_error(
                    py,
                    format!(
                        "{}(): project_ids must hold project ids (positive integers), not {}",
                        op.name(),
                        item.repr()?
                    ),
                ))
            }
        }
    }
    core::check_project_ids(&ids)
        .map_err(|e| config_error(py, format!("{}(): {}", op.name(), error_text(e))))?;
    Ok(ids)
}

fn error_text(e: Error) -> String {
    match e {
        Error::Config(m) => m,
        other => other.to_string(),
    }
}

impl BoundOperation {
    /// The checked request and the client to send it with.
    /// `as_arrow=`: a bool, for the `list` of a paginated GET operation over one scope.
    fn as_arrow_arg(&self, py: Python<'_>, pull: &PullArgs<'_>) -> PyResult<bool> {
        let op = self.op;
        let Some(v) = &pull.as_arrow else {
            return Ok(false);
        };
        let wanted = v
            .cast::<PyBool>()
            .map_err(|_| {
                config_error(
                    py,
                    format!(
                        "{}(): as_arrow must be True or False, not {}",
                        op.name(),
                        v.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    ),
                )
            })?
            .is_true();
        if !wanted {
            return Ok(false);
        }
        if self.iter || !op.paginates || op.method() != "GET" {
            return Err(config_error(
                py,
                format!(
                    "{}(): as_arrow= is for the list call of a paginated operation (for pages as \
                     Arrow tables one at a time: client.iter_pages(path, as_arrow=True))",
                    op.name()
                ),
            ));
        }
        if pull.project_ids.is_some() {
            return Err(config_error(
                py,
                format!(
                    "{}(): as_arrow= takes one project; with project_ids= call .to_arrow() on \
                     the list",
                    op.name()
                ),
            ));
        }
        Ok(true)
    }

    fn prepare(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Call> {
        let op = self.op;
        let mut pull = PullArgs::default();
        let base = self.client.get();
        let c = base.core(py)?;
        let mut named = Map::new();
        let mut verbatim = Vec::new();
        let mut body: Option<Value> = None;
        let mut updates: Option<Value> = None;
        // Positional: the trailing id, then the body (the updates of a sync action).
        let id = op.id_param();
        let mut slots: Vec<&str> = Vec::new();
        if let Some(p) = id {
            slots.push(p.name());
        }
        slots.push(if op.sync { "updates" } else { "body" });
        if args.len() > slots.len() {
            return Err(PyTypeError::new_err(format!(
                "{}() takes at most {} positional argument{} ({}), {} given",
                op.name(),
                slots.len(),
                if slots.len() == 1 { "" } else { "s" },
                slots.join(", "),
                args.len()
            )));
        }
        let mut given: Vec<(String, Bound<'_, PyAny>)> = args
            .iter()
            .zip(slots.iter())
            .map(|(v, k)| (k.to_string(), v))
            .collect();
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                let key: String = k.extract()?;
                if given.iter().any(|(g, _)| *g == key) {
                    return Err(PyTypeError::new_err(format!(
                        "{}() got multiple values for argument {key:?}",
                        op.name()
                    )));
                }
                given.push((key, v));
            }
        }
        for (key, v) in given {
            if pull.take(op, &key, &v) {
                continue;
            }
            match key.as_str() {
                "params" => verbatim = params_arg(py, Some(&v))?,
                "body" => body = Some(to_value(&v, "body")?).filter(|b| !b.is_null()),
                "updates" if op.sync => updates = Some(to_value(&v, "updates")?),
                _ => {
                    let value = to_value(&v, &key)?;
                    named.insert(key, value);
                }
            }
        }
        if op.sync {
            match &updates {
                Some(Value::Array(_)) => {}
                Some(other) => {
                    return Err(config_error(
                        py,
                        format!(
                            "{}(): updates must be a list of records, not {other}",
                            op.name()
                        ),
                    ))
                }
                None => {
                    return Err(config_error(
                        py,
                        format!("{}(): missing the updates (a list of records)", op.name()),
                    ))
                }
            }
        }
        pull.apply(py, op, &mut named)?;
        let as_arrow = self.as_arrow_arg(py, &pull)?;
        let default_company = c.config().company_id;
        let mut projects = None;
        if let Some(v) = &pull.project_ids {
            if !op.takes_project_ids() {
                return Err(config_error(
                    py,
                    format!(
                        "{}(): project_ids= is for the list operations of one project (`{{project_id}}` in the path or `project_id=` in the query)",
                        op.name(),
                    ),
                ));
            }
            if named.get("project_id").is_some_and(|p| !p.is_null()) {
                return Err(config_error(
                    py,
                    format!(
                        "{}(): give project_id= (one project) or project_ids= (several), not both",
                        op.name()
                    ),
                ));
            }
            let ids = project_ids_arg(py, op, v)?;
            let mut each = Vec::with_capacity(ids.len());
            for id in ids {
                let mut named = named.clone();
                named.insert("project_id".into(), Value::from(id));
                let req = catalog::prepare(
                    op,
                    catalog::Args {
                        named,
                        verbatim: verbatim.clone(),
                        body: body.clone(),
                        default_company,
                    },
                )
                .map_err(|e| to_pyerr(py, e))?;
                c.api_url(&req.path).map_err(|e| to_pyerr(py, e))?;
                each.push((id, req));
            }
            projects = Some(each);
        }
        let prepared = match &projects {
            Some(each) => each[0].1.clone(),
            None => catalog::prepare(
                op,
                catalog::Args {
                    named,
                    verbatim,
                    body,
                    default_company,
                },
            )
            .map_err(|e| to_pyerr(py, e))?,
        };
        // Path problems are reported before anything is scheduled.
        c.api_url(&prepared.path).map_err(|e| to_pyerr(py, e))?;
        Ok(Call {
            client: c,
            req: prepared,
            updates,
            projects,
            as_arrow,
        })
    }
}

#[pymethods]
impl BoundOperation {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let op = self.op;
        let is_async = self.client.get().is_async;
        let Call {
            client: c,
            req,
            updates,
            projects,
            as_arrow,
        } = self.prepare(py, args, kwargs)?;
        if self.iter {
            let queue: VecDeque<(Option<i64>, catalog::Prepared)> = match projects {
                Some(each) => each.into_iter().map(|(id, r)| (Some(id), r)).collect(),
                None => VecDeque::from([(None, req)]),
            };
            return Ok(RecordIterator::new(c, op, queue, is_async)
                .into_pyobject(py)?
                .into_any()
                .unbind());
        }
        if let Some(projects) = projects {
            return dispatch(py, is_async, async move {
                let ids: Vec<i64> = projects.iter().map(|(id, _)| *id).collect();
                let reqs: std::collections::HashMap<i64, catalog::Prepared> =
                    projects.into_iter().collect();
                let (c, reqs) = (&c, &reqs);
                let shares = c
                    .walk_each(&ids, |id| async move {
                        match reqs.get(&id) {
                            Some(req) => list_records(c, op, req).await,
                            None => Err(Error::Config(format!("project {id} was not prepared"))),
                        }
                    })
                    .await;
                Ok(ProjectShares(op, shares))
            });
        }
        if op.sync {
            let items = match updates {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            return dispatch(py, is_async, async move {
                sync_batches(&c, op, req, items)
                    .await
                    .map(|v| Json(Some(v)))
            });
        }
        let method = Method::from_bytes(op.method().as_bytes())
            .map_err(|e| config_error(py, format!("{}: {e}", op.name())))?;
        if as_arrow {
            return dispatch(py, is_async, async move {
                let records = list_records(&c, op, &req).await?;
                Ok(super::frames::Arrow::of_type(records, op.response()))
            });
        }
        if op.paginates && method == Method::GET {
            return dispatch(py, is_async, async move {
                let records = list_records(&c, op, &req).await?;
                Ok(Converted(op, Payload::Records(records)))
            });
        }
        dispatch(py, is_async, async move {
            let url = c.api_url(&req.path)?;
            let resp = c
                .send(method, url, &req.query, req.body.as_ref(), req.company_id)
                .await?;
            answer_payload(op, resp).map(|p| Converted(op, p))
        })
    }

    /// The catalog's operation.
    #[getter]
    fn operation(&self) -> PyOperation {
        PyOperation { op: self.op }
    }

    #[getter]
    fn __doc__(&self) -> String {
        format!("{}: {}", self.op.route(), self.op.summary())
    }

    fn __repr__(&self) -> String {
        format!(
            "<operation {}{} ({})>",
            self.op.namespace(),
            if self.iter {
                format!(".iter{}", &self.op.action()[4..])
            } else {
                format!(".{}", self.op.action())
            },
            self.op.route()
        )
    }
}

/// Every record of a list operation's request.
async fn list_records(
    c: &core::Client,
    op: &'static Operation,
    req: &catalog::Prepared,
) -> core::Result<Vec<Box<RawValue>>> {
    match op.list_key() {
        Some(key) if key != "data" => wrapped_pages(c, req, key).await,
        _ => c.paginate(&req.path, &req.query, req.company_id).await,
    }
}

/// The shares of a `project_ids=` pull on their way to Python: one `ResultList` of every
/// record in project then page order; when a project failed, `procore.PartialPullError`
/// naming the failed projects, with the others' records (`.records`) and each failed
/// project's error (`.errors`).
pub struct ProjectShares(&'static Operation, Vec<core::ProjectRecords>);

impl<'py> IntoPyObject<'py> for ProjectShares {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ProjectShares(op, shares) = self;
        let mut records = Vec::new();
        let errors = PyDict::new(py);
        for share in shares {
            match share.records {
                Ok(page) => records.extend(page),
                Err(e) => errors.set_item(share.project_id, to_pyerr(py, e).into_value(py))?,
            }
        }
        let records = convert(py, op, Payload::Records(records))?;
        if errors.is_empty() {
            return Ok(records);
        }
        Err(partial_pull_error(py, op, records, errors)?)
    }
}

/// `procore.PartialPullError` of a pull over several projects.
fn partial_pull_error(
    py: Python<'_>,
    op: &'static Operation,
    records: Bound<'_, PyAny>,
    errors: Bound<'_, PyDict>,
) -> PyResult<PyErr> {
    let err = imported!(py, "procore._exceptions", "_partial_pull_error")?.call1((
        op.name(),
        records,
        errors,
    ))?;
    Ok(PyErr::from_value(err))
}

/// A v1 list wrapped in a key (`{"requested_changes": [...]}`): page by page until a short one.
async fn wrapped_pages(
    c: &core::Client,
    req: &catalog::Prepared,
    key: &str,
) -> core::Result<Vec<Box<RawValue>>> {
    let per_page: u64 = req
        .query
        .iter()
        .find(|(k, _)| k == "per_page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(100);
    let mut base: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .cloned()
        .collect();
    base.push(("per_page".into(), per_page.to_string()));
    let mut out = Vec::new();
    for page in 1..=MAX_WRAPPED_PAGES {
        let mut q = base.clone();
        q.push(("page".into(), page.to_string()));
        let answer = c
            .request(Method::GET, &req.path, &q, None, req.company_id)
            .await?;
        let items = match answer {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(Value::Object(mut m)) => match m.remove(key) {
                Some(Value::Array(items)) => items,
                Some(Value::Null) | None => Vec::new(),
                Some(_) => {
                    return Err(Error::Decode(format!(
                        "expected a list under {key:?} in the answer"
                    )))
                }
            },
            Some(_) => {
                return Err(Error::Decode(format!(
                    "expected {{{key:?}: [...]}} in the answer"
                )))
            }
        };
        let n = items.len() as u64;
        for item in items {
            let text = serde_json::to_string(&item).map_err(|e| Error::Decode(e.to_string()))?;
            out.push(RawValue::from_string(text).map_err(|e| Error::Decode(e.to_string()))?);
        }
        if n < per_page {
            break;
        }
    }
    Ok(out)
}

/// A sync action over any number of items: batches of at most 1,000 sent concurrently (within
/// the client's concurrency limit); the `entities` and `errors` of every batch merged in
/// order. A batch that fails as a whole adds one error naming the batch and its items' range,
/// and the others are kept.
async fn sync_batches(
    c: &core::Client,
    op: &'static Operation,
    req: catalog::Prepared,
    items: Vec<Value>,
) -> core::Result<Value> {
    let method = Method::from_bytes(op.method().as_bytes())
        .map_err(|e| Error::Config(format!("{}: {e}", op.name())))?;
    let extra = match &req.body {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let batches: Vec<Vec<Value>> = items.chunks(SYNC_BATCH).map(<[Value]>::to_vec).collect();
    let sends = batches.into_iter().enumerate().map(|(i, batch)| {
        let mut body = extra.clone();
        let count = batch.len();
        body.insert("updates".into(), Value::Array(batch));
        let (method, req) = (method.clone(), &req);
        async move {
            let out = c
                .request(
                    method,
                    &req.path,
                    &req.query,
                    Some(&Value::Object(body)),
                    req.company_id,
                )
                .await;
            (i, count, out)
        }
    });
    let results = futures::future::join_all(sends).await;
    let mut entities = Vec::new();
    let mut errors = Vec::new();
    let mut failed = 0usize;
    for (i, count, out) in results {
        match out {
            Ok(Some(Value::Object(mut m))) => {
                if let Some(Value::Array(e)) = m.remove("entities") {
                    entities.extend(e);
                }
                if let Some(Value::Array(e)) = m.remove("errors") {
                    errors.extend(e);
                }
            }
            Ok(_) => {}
            Err(e) => {
                failed += 1;
                let mut err = Map::new();
                err.insert("batch".into(), Value::from(i));
                err.insert(
                    "items".into(),
                    Value::from(vec![i * SYNC_BATCH, i * SYNC_BATCH + count]),
                );
                err.insert("error".into(), Value::from(e.to_string()));
                if let Error::Api(api) = &e {
                    err.insert("status_code".into(), Value::from(api.status));
                }
                errors.push(Value::Object(err));
            }
        }
    }
    let mut out = Map::new();
    out.insert("entities".into(), Value::Array(entities));
    out.insert("errors".into(), Value::Array(errors));
    out.insert("failed_batches".into(), Value::from(failed));
    Ok(Value::Object(out))
}

// ----- lazy iteration ----------------------------------------------------------------------------

struct IterState {
    client: Arc<LiveClient>,
    /// The requests still to walk: one, or one per project of `project_ids=` (with its id).
    queue: VecDeque<(Option<i64>, catalog::Prepared)>,
    /// The project of the stream being read (`project_ids=`).
    project: Option<i64>,
    /// A v1 list wrapped in this key: each request read whole by [`wrapped_pages`].
    wrapped: Option<&'static str>,
    stream: Option<core::PageStream>,
    buffer: VecDeque<Box<RawValue>>,
    /// Projects whose walk failed: reported once the others are done.
    failed: Vec<(i64, core::Error)>,
}

/// Why an iteration stopped early.
enum IterFail {
    Failed(core::Error),
    /// `project_ids=`: these projects failed; every other project's records were yielded.
    Projects(Vec<(i64, core::Error)>),
}

impl IterState {
    async fn next(&mut self) -> Result<Option<Box<RawValue>>, IterFail> {
        loop {
            if let Some(v) = self.buffer.pop_front() {
                return Ok(Some(v));
            }
            if self.stream.is_none() {
                let Some((project, r)) = self.queue.pop_front() else {
                    if self.failed.is_empty() {
                        return Ok(None);
                    }
                    return Err(IterFail::Projects(std::mem::take(&mut self.failed)));
                };
                self.project = project;
                if let Some(key) = self.wrapped {
                    match (wrapped_pages(&self.client, &r, key).await, project) {
                        (Ok(records), Some(id)) => self
                            .buffer
                            .extend(records.into_iter().map(|x| core::with_project_id(x, id))),
                        (Ok(records), None) => self.buffer.extend(records),
                        (Err(e), Some(id)) => self.failed.push((id, e)),
                        (Err(e), None) => {
                            self.queue.clear();
                            return Err(IterFail::Failed(e));
                        }
                    }
                    continue;
                }
                let stream = self.client.pages(&r.path, &r.query, r.company_id);
                self.stream = Some(stream.map_err(IterFail::Failed)?);
            }
            let stream = self.stream.as_mut().expect("just set");
            match stream.next_page().await {
                Some(Ok(page)) => match self.project {
                    Some(id) => self
                        .buffer
                        .extend(page.into_iter().map(|r| core::with_project_id(r, id))),
                    None => self.buffer.extend(page),
                },
                Some(Err(e)) => {
                    self.stream = None;
                    match self.project {
                        // One project failing does not stop the others.
                        Some(id) => self.failed.push((id, e)),
                        None => {
                            self.queue.clear();
                            return Err(IterFail::Failed(e));
                        }
                    }
                }
                None => self.stream = None,
            }
        }
    }
}

impl IterFail {
    fn into_pyerr(self, py: Python<'_>, op: &'static Operation) -> PyErr {
        match self {
            IterFail::Failed(e) => to_pyerr(py, e),
            IterFail::Projects(failed) => {
                let built = (|| {
                    let errors = PyDict::new(py);
                    for (id, e) in failed {
                        errors.set_item(id, to_pyerr(py, e).into_value(py))?;
                    }
                    let none = convert(py, op, Payload::Records(Vec::new()))?;
                    partial_pull_error(py, op, none, errors)
                })();
                built.unwrap_or_else(|e| e)
            }
        }
    }
}

enum IterEnd {
    Done,
    Failed(&'static Operation, IterFail),
}

impl IntoPyErrLater for IterEnd {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            IterEnd::Done => PyStopAsyncIteration::new_err(()),
            IterEnd::Failed(op, e) => e.into_pyerr(py, op),
        }
    }
}

/// The records of a list operation one at a time, pages fetched ahead (`for` on a `Client`,
/// `async for` on an `AsyncClient`).
#[pyclass(frozen, module = "procore._procore")]
pub struct RecordIterator {
    op: &'static Operation,
    state: Arc<tokio::sync::Mutex<IterState>>,
    is_async: bool,
}

impl RecordIterator {
    fn new(
        client: Arc<LiveClient>,
        op: &'static Operation,
        queue: VecDeque<(Option<i64>, catalog::Prepared)>,
        is_async: bool,
    ) -> Self {
        RecordIterator {
            op,
            state: Arc::new(tokio::sync::Mutex::new(IterState {
                client,
                queue,
                project: None,
                wrapped: op.list_key().filter(|k| *k != "data"),
                stream: None,
                buffer: VecDeque::new(),
                failed: Vec::new(),
            })),
            is_async,
        }
    }
}

#[pymethods]
impl RecordIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        if slf.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to an AsyncClient: use `async for`",
            ));
        }
        Ok(slf)
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to an AsyncClient: use `async for`",
            ));
        }
        let state = self.state.clone();
        let item = block_on(py, async move { state.lock().await.next().await })?
            .map_err(|e| e.into_pyerr(py, self.op))?;
        item.map(|raw| Converted(self.op, Payload::Record(raw)).into_py_any(py))
            .transpose()
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        if !slf.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to a sync Client: use `for`",
            ));
        }
        Ok(slf)
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if !self.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to a sync Client: use `for`",
            ));
        }
        let (state, op) = (self.state.clone(), self.op);
        awaitable(py, async move {
            match state.lock().await.next().await {
                Ok(Some(raw)) => Ok(Converted(op, Payload::Record(raw))),
                Ok(None) => Err(IterEnd::Done),
                Err(e) => Err(IterEnd::Failed(op, e)),
            }
        })
    }
}
