//! Typed records for Python, driven by the type table (`core::records::TYPES`): no pyclass
//! per type. One Rust base class, `procore.models.Record`, holds a record as the server sent
//! it (validated JSON text) and the index of its type. Each response type is a Python
//! subclass of it, made on first use (`procore.models.Rfi`), whose attributes are [`Field`]
//! descriptors: reading one finds the field in the JSON text and converts it by its declared
//! kind (int, float, str, bool, UTC `datetime`, `date`, nested model, list, dict).
//!
//! The one entry point for the namespaces is [`typed_records`] (a `ResultList` of models, or
//! of dicts for a type the table does not know) and its single-record twin [`typed_record`];
//! [`Typed`] and [`TypedOne`] are the same as values that a core future can return.

use std::cell::Cell;

use pyo3::exceptions::{PyAttributeError, PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDate, PyDateTime, PyDict, PyList, PyString, PyTuple, PyType, PyTzInfo};
use serde_json::value::RawValue;
use serde_json::Value;

use super::errors::config_error;
use super::models::{result_list, JsonToPy};
use crate::core::records::{
    self, array_items, field_raw, object_entries, parse_date, parse_datetime, Kind, TypeDef,
    UtcDateTime, TYPES,
};

// ----------------------------------------------------------------------------- Record

/// A record of Procore's API: the base class of every model in `procore.models`.
#[pyclass(subclass, frozen, module = "procore.models", name = "Record")]
pub struct Record {
    raw: Box<RawValue>,
    ty: u16,
}

thread_local! {
    /// The record a model class's `__new__` is about to wrap (see [`instantiate`]).
    static PENDING: Cell<Option<Record>> = const { Cell::new(None) };
}

/// A new instance of `cls` (a model class) around `rec`: `cls()` takes it from `PENDING`,
/// so no argument is converted on the way.
fn instantiate<'py>(cls: &Bound<'py, PyType>, rec: Record) -> PyResult<Bound<'py, PyAny>> {
    PENDING.with(|p| p.set(Some(rec)));
    let out = cls.call0();
    PENDING.with(|p| p.take());
    out
}

/// The type index a model class stands for.
fn class_type(cls: &Bound<'_, PyType>) -> PyResult<u16> {
    match cls.getattr("__procore_type__") {
        Ok(name) => {
            let name: String = name.extract()?;
            records::type_by_name(&name)
                .map(TypeDef::index)
                .ok_or_else(|| PyTypeError::new_err(format!("unknown record type {name:?}")))
        }
        Err(_) => Err(PyTypeError::new_err(
            "Record is the base class; build a model class such as procore.models.Rfi",
        )),
    }
}

impl Record {
    /// The record as the server sent it (JSON text).
    pub(crate) fn raw_text(&self) -> &str {
        self.raw.get()
    }

    /// Its type's place in `TYPES`.
    pub(crate) fn type_index(&self) -> u16 {
        self.ty
    }
}

fn def(ty: u16) -> &'static TypeDef {
    &TYPES[ty as usize]
}

/// A plain JSON value as Python objects (dict, list, str, int, float, bool, None).
fn plain<'py>(py: Python<'py>, raw: &RawValue) -> PyResult<Bound<'py, PyAny>> {
    JsonToPy::new(py).convert(raw)
}

fn py_str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Fields a repr may show besides the id (never anything else: no secret is shown).
const LABELS: &[&str] = &[
    "name",
    "title",
    "subject",
    "display_name",
    "full_name",
    "number",
];

#[pymethods]
impl Record {
    /// Builds the record from a dict (as `to_dict()` returns it): `procore.models.Rfi({...})`.
    #[new]
    #[classmethod]
    #[pyo3(signature = (data=None))]
    fn py_new(cls: &Bound<'_, PyType>, data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        if data.is_none() {
            if let Some(rec) = PENDING.with(|p| p.take()) {
                return Ok(rec);
            }
        }
        let py = cls.py();
        let ty = class_type(cls)?;
        let name = def(ty).class_name();
        let Some(data) = data else {
            return Err(PyTypeError::new_err(format!(
                "{name}() takes a dict of the record's fields"
            )));
        };
        if !data.is_instance_of::<PyDict>() {
            return Err(config_error(py, format!("{name}: expected a dict")));
        }
        let v: Value =
            pythonize::depythonize(data).map_err(|e| config_error(py, format!("{name}: {e}")))?;
        let raw = serde_json::value::to_raw_value(&v)
            .map_err(|e| config_error(py, format!("{name}: {e}")))?;
        Ok(Record { raw, ty })
    }

    /// Every field the server sent, unknown ones included, exactly as it sent them (plain
    /// JSON values: date-times stay strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        plain(py, &self.raw)
    }

    /// A field as the server sent it (plain JSON), declared or not.
    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match field_raw(self.raw.get(), key) {
            Some(v) => plain(py, v),
            None => Err(PyKeyError::new_err(key.to_string())),
        }
    }

    fn __contains__(&self, key: &str) -> bool {
        field_raw(self.raw.get(), key).is_some()
    }

    /// Fields Procore sends that the type does not declare are attributes too (plain JSON).
    fn __getattr__<'py>(slf: &Bound<'py, Self>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let me = slf.get();
        match field_raw(me.raw.get(), name) {
            Some(v) if !name.starts_with("__") => plain(slf.py(), v),
            _ => Err(PyAttributeError::new_err(format!(
                "'{}' object has no attribute '{}'",
                def(me.ty).class_name(),
                name
            ))),
        }
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        let Ok(o) = other.cast::<Record>() else {
            return py.NotImplemented();
        };
        let o = o.get();
        let same = self.ty == o.ty
            && (self.raw.get() == o.raw.get()
                || serde_json::from_str::<Value>(self.raw.get()).ok()
                    == serde_json::from_str::<Value>(o.raw.get()).ok());
        pyo3::types::PyBool::new(py, same)
            .to_owned()
            .into_any()
            .unbind()
    }

    /// `Rfi(id=7, subject='Door hardware')`: the id and one label field, nothing else.
    fn __repr__(&self) -> String {
        let text = self.raw.get();
        let mut parts = Vec::new();
        if let Some(id) = field_raw(text, "id") {
            let shown = match serde_json::from_str::<Value>(id.get()) {
                Ok(Value::Number(n)) => n.to_string(),
                Ok(Value::String(s)) => py_str_repr(&s),
                _ => "...".into(),
            };
            parts.push(format!("id={shown}"));
        }
        for label in LABELS {
            if let Some(Value::String(s)) =
                field_raw(text, label).and_then(|v| serde_json::from_str::<Value>(v.get()).ok())
            {
                parts.push(format!("{label}={}", py_str_repr(&s)));
                break;
            }
        }
        format!("{}({})", def(self.ty).class_name(), parts.join(", "))
    }

    /// Pickles as its class and `to_dict()`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let data = slf.get().to_dict(py)?;
        PyTuple::new(
            py,
            [
                slf.get_type().into_any(),
                PyTuple::new(py, [data])?.into_any(),
            ],
        )
    }
}

// ----------------------------------------------------------------------------- Field

/// A declared field of a model class: reading it converts the field by its kind.
#[pyclass(frozen, module = "procore._procore", name = "Field")]
pub struct Field {
    ty: u16,
    idx: u16,
}

impl Field {
    fn def(&self) -> &'static records::Field {
        &def(self.ty).fields()[self.idx as usize]
    }
}

#[pymethods]
impl Field {
    fn __get__<'py>(
        slf: &Bound<'py, Self>,
        obj: Option<&Bound<'py, PyAny>>,
        _owner: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let obj = match obj {
            Some(o) if !o.is_none() => o,
            _ => return Ok(slf.clone().into_any()),
        };
        let rec = obj.cast::<Record>()?;
        let f = slf.get().def();
        match field_raw(rec.get().raw.get(), f.name()) {
            None => Ok(py.None().into_bound(py)),
            Some(v) => typed(py, v, f.kind),
        }
    }

    fn __set__(&self, _obj: &Bound<'_, PyAny>, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "{}.{} is read-only (records are immutable)",
            def(self.ty).class_name(),
            self.def().attr()
        )))
    }

    fn __delete__(&self, _obj: &Bound<'_, PyAny>) -> PyResult<()> {
        self.__set__(_obj, _obj)
    }

    /// The field's JSON name.
    #[getter]
    fn name(&self) -> &'static str {
        self.def().name()
    }

    /// Procore's description of the field.
    #[getter]
    fn __doc__(&self) -> &'static str {
        self.def().doc()
    }

    /// The declared kind: `int`, `str`, `datetime`, `list[RfiQuestion]`, ...
    #[getter]
    fn kind(&self) -> String {
        self.def().kind.describe()
    }

    fn __repr__(&self) -> String {
        format!(
            "<field {}.{}: {}>",
            def(self.ty).class_name(),
            self.def().attr(),
            self.def().kind.describe()
        )
    }
}

// ----------------------------------------------------------------------------- conversion

/// One JSON value as the Python value of its declared kind; a value that is not of that kind
/// (a number sent as a string, a date-time without a date) comes as sent, not as an error.
/// A timezone-aware UTC `datetime` of a parsed instant (typed fields and Arrow columns alike).
pub fn utc_datetime<'py>(py: Python<'py>, t: &UtcDateTime) -> PyResult<Bound<'py, PyAny>> {
    let utc = PyTzInfo::utc(py)?;
    Ok(PyDateTime::new(
        py,
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.micro,
        Some(&utc),
    )?
    .into_any())
}

fn typed<'py>(py: Python<'py>, raw: &RawValue, kind: Kind) -> PyResult<Bound<'py, PyAny>> {
    let text = raw.get();
    let first = text.as_bytes().first().copied().unwrap_or(b'n');
    if first == b'n' {
        return Ok(py.None().into_bound(py));
    }
    match kind {
        Kind::Int if first == b'-' || first.is_ascii_digit() => match text.parse::<i64>() {
            Ok(v) => Ok(v.into_pyobject(py)?.into_any()),
            Err(_) => plain(py, raw),
        },
        Kind::Float if first == b'-' || first.is_ascii_digit() => {
            match serde_json::from_str::<f64>(text) {
                Ok(v) => Ok(v.into_pyobject(py)?.into_any()),
                Err(_) => plain(py, raw),
            }
        }
        Kind::Bool if first == b't' || first == b'f' => {
            Ok(pyo3::types::PyBool::new(py, first == b't')
                .to_owned()
                .into_any())
        }
        Kind::Str | Kind::Enum(_) | Kind::Bytes | Kind::Any => plain(py, raw),
        Kind::Date if first == b'"' => {
            let s: std::borrow::Cow<'_, str> = serde_json::from_str(text).unwrap_or_default();
            match parse_date(&s) {
                Some((y, m, d)) => Ok(PyDate::new(py, y, m, d)?.into_any()),
                None => Ok(PyString::new(py, &s).into_any()),
            }
        }
        Kind::DateTime if first == b'"' => {
            let s: std::borrow::Cow<'_, str> = serde_json::from_str(text).unwrap_or_default();
            match parse_datetime(&s) {
                Some(t) => utc_datetime(py, &t),
                None => Ok(PyString::new(py, &s).into_any()),
            }
        }
        Kind::List(_) if first == b'[' => match array_items(text) {
            Some(items) => {
                let inner = kind.element().unwrap_or(Kind::Any);
                let out = PyList::empty(py);
                for item in items {
                    out.append(typed(py, item, inner)?)?;
                }
                Ok(out.into_any())
            }
            None => plain(py, raw),
        },
        Kind::Dict(_) if first == b'{' => match object_entries(text) {
            Some(entries) => {
                let inner = kind.element().unwrap_or(Kind::Any);
                let out = PyDict::new(py);
                for (k, v) in entries {
                    out.set_item(k, typed(py, v, inner)?)?;
                }
                Ok(out.into_any())
            }
            None => plain(py, raw),
        },
        Kind::Ref(t) if first == b'{' => {
            let cls = model_class(py, t)?;
            instantiate(
                &cls,
                Record {
                    raw: raw.to_owned(),
                    ty: t,
                },
            )
        }
        _ => plain(py, raw),
    }
}

// ----------------------------------------------------------------------------- classes

/// The model class of `TYPES[ty]`, made on first use.
pub fn model_class(py: Python<'_>, ty: u16) -> PyResult<Bound<'_, PyType>> {
    static CLASSES: PyOnceLock<Vec<PyOnceLock<Py<PyType>>>> = PyOnceLock::new();
    let all = CLASSES.get_or_init(py, || (0..TYPES.len()).map(|_| PyOnceLock::new()).collect());
    let cell = all
        .get(ty as usize)
        .ok_or_else(|| PyKeyError::new_err(format!("no record type {ty}")))?;
    cell.get_or_try_init(py, || build_class(py, ty))
        .map(|c| c.bind(py).clone())
}

fn build_class(py: Python<'_>, ty: u16) -> PyResult<Py<PyType>> {
    let t = def(ty);
    let ns = PyDict::new(py);
    ns.set_item("__module__", "procore.models")?;
    ns.set_item("__qualname__", t.class_name())?;
    ns.set_item("__slots__", PyTuple::empty(py))?;
    ns.set_item("__procore_type__", t.name())?;
    let doc = format!(
        "A record of Procore's API: ``{}`` in Procore's OpenAPI document.",
        t.name()
    );
    ns.set_item("__doc__", doc)?;
    for (i, f) in t.fields().iter().enumerate() {
        if !f.attr().is_empty() {
            ns.set_item(f.attr(), Py::new(py, Field { ty, idx: i as u16 })?)?;
        }
    }
    let base = py.get_type::<Record>();
    let cls = py
        .get_type::<PyType>()
        .call1((t.class_name(), PyTuple::new(py, [base])?, ns))?;
    Ok(cls.cast_into::<PyType>()?.unbind())
}

/// `procore.models.<name>`: the model class with this class name.
#[pyfunction]
pub fn _model_class(py: Python<'_>, name: &str) -> PyResult<Py<PyType>> {
    match records::type_by_class(name) {
        Some(t) => Ok(model_class(py, t.index())?.unbind()),
        None => Err(PyKeyError::new_err(name.to_string())),
    }
}

/// Every model class name, sorted.
#[pyfunction]
pub fn _model_names() -> Vec<&'static str> {
    records::CLASSES
        .iter()
        .map(|&i| TYPES[i as usize].class_name())
        .collect()
}

/// Decodes JSON text (one record or a list of them) as records of `type_name` (a class name
/// or a source name): what the namespaces do with a page, for tests and tools.
#[pyfunction]
#[pyo3(signature = (type_name, text))]
pub fn _decode_records(py: Python<'_>, type_name: &str, text: &str) -> PyResult<Py<PyAny>> {
    let bad = |e: serde_json::Error| config_error(py, format!("not JSON: {e}"));
    if text.trim_start().starts_with('[') {
        let raws: Vec<Box<RawValue>> = serde_json::from_str(text).map_err(bad)?;
        typed_records(py, type_name, raws)
    } else {
        let raw: Box<RawValue> = serde_json::from_str(text).map_err(bad)?;
        typed_record(py, type_name, raw)
    }
}

/// Every record of a list endpoint (all pages) as records of `type_name`: what a namespace's
/// `list()` does, for tests and the benchmark until the namespaces exist.
#[pyfunction]
#[pyo3(signature = (client, type_name, path, params=None, *, company_id=None))]
pub fn _paginate_typed(
    py: Python<'_>,
    client: &Bound<'_, super::client::BaseClient>,
    type_name: &str,
    path: &str,
    params: Option<&Bound<'_, PyAny>>,
    company_id: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let base = client.get();
    let c = base.core(py)?;
    let query = super::convert::params_arg(py, params)?;
    let company = super::convert::id_arg(py, "company_id", company_id)?;
    c.api_url(path)
        .map_err(|e| super::errors::to_pyerr(py, e))?;
    let path = path.to_string();
    let type_name = type_name.to_string();
    super::runtime::dispatch(py, base.is_async, async move {
        c.paginate(&path, &query, company)
            .await
            .map(|raws| Typed::new(&type_name, raws))
    })
}

// ----------------------------------------------------------------------------- entry points

/// The type a name means: the class name first (`TimecardEntry`), then the source name.
fn resolve_name(type_name: &str) -> Option<&'static TypeDef> {
    records::lookup(type_name)
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().as_bytes().first() == Some(&b'{')
}

fn model<'py>(
    cls: Option<&Bound<'py, PyType>>,
    ty: u16,
    raw: Box<RawValue>,
    conv: &mut JsonToPy<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    match cls {
        Some(cls) if is_object(&raw) => instantiate(cls, Record { raw, ty }),
        _ => conv.convert(&raw),
    }
}

/// Records of the type `type_name` (a class name such as `Rfi`, or the source name of
/// `spec/responses.json`) as a `procore.ResultList` of model instances. An unknown type, or
/// an item that is not a JSON object, gives plain values (dicts).
pub fn typed_records(
    py: Python<'_>,
    type_name: &str,
    raws: Vec<Box<RawValue>>,
) -> PyResult<Py<PyAny>> {
    Ok(Typed::new(type_name, raws).into_pyobject(py)?.unbind())
}

/// One record of the type `type_name` as a model instance (a plain value for an unknown
/// type or a record that is not a JSON object).
pub fn typed_record(py: Python<'_>, type_name: &str, raw: Box<RawValue>) -> PyResult<Py<PyAny>> {
    Ok(TypedOne::new(type_name, raw).into_pyobject(py)?.unbind())
}

/// Typed records as a value a core future returns (`dispatch` makes them Python objects).
pub struct Typed {
    pub ty: Option<&'static TypeDef>,
    pub raws: Vec<Box<RawValue>>,
}

impl Typed {
    pub fn new(type_name: &str, raws: Vec<Box<RawValue>>) -> Self {
        Typed {
            ty: resolve_name(type_name),
            raws,
        }
    }
}

impl<'py> IntoPyObject<'py> for Typed {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut conv = JsonToPy::new(py);
        let cls = match self.ty {
            Some(t) => Some(model_class(py, t.index())?),
            None => None,
        };
        let ty = self.ty.map_or(0, TypeDef::index);
        let items = self
            .raws
            .into_iter()
            .map(|raw| model(cls.as_ref(), ty, raw, &mut conv))
            .collect::<PyResult<Vec<_>>>()?;
        result_list(PyList::new(py, items)?)
    }
}

/// One typed record as a value a core future returns.
pub struct TypedOne {
    pub ty: Option<&'static TypeDef>,
    pub raw: Box<RawValue>,
}

impl TypedOne {
    pub fn new(type_name: &str, raw: Box<RawValue>) -> Self {
        TypedOne {
            ty: resolve_name(type_name),
            raw,
        }
    }
}

impl<'py> IntoPyObject<'py> for TypedOne {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut conv = JsonToPy::new(py);
        let cls = match self.ty {
            Some(t) => Some(model_class(py, t.index())?),
            None => None,
        };
        model(
            cls.as_ref(),
            self.ty.map_or(0, TypeDef::index),
            self.raw,
            &mut conv,
        )
    }
}

/// Adds `Record`, `Field` and the helpers to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Record>()?;
    m.add_class::<Field>()?;
    m.add_function(pyo3::wrap_pyfunction!(_model_class, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(_model_names, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(_decode_records, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(_paginate_typed, m)?)?;
    Ok(())
}
