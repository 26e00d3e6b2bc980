//! Model classes: each holds the record as the server sent it (parsed in Rust, off the GIL)
//! and makes Python values only when an attribute is read.

use std::collections::HashMap;

use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::convert::to_json;
use super::errors::{config_error, to_pyerr};
use crate::core;

/// One field of a record as a Python value: `None` when absent or null.
fn raw_field(py: Python<'_>, raw: Option<&RawValue>) -> PyResult<Py<PyAny>> {
    match raw {
        None => Ok(py.None()),
        Some(r) => Ok(raw_to_py(py, r)?.unbind()),
    }
}

/// A raw JSON record as Python values (dict, list, …).
pub fn raw_to_py<'py>(py: Python<'py>, raw: &RawValue) -> PyResult<Bound<'py, PyAny>> {
    JsonToPy::new(py).convert(raw)
}

/// Turns JSON text straight into Python objects, without a `serde_json::Value` in between.
/// The values are those `pythonize` makes of the `Value` serde_json would parse (the same
/// parser, the same number rules: integers that fit 64 bits become `int`, other numbers
/// `float`; a repeated key keeps its first place and its last value), with one exception:
/// an integer beyond 64 bits becomes the exact `int`, not a `float` (a record holding one is
/// converted again by Python's `json.loads`, which keeps it exact; the fast path only notes
/// that it saw a number that could be one). Object keys seen before are reused: the dicts of
/// a page share their key strings (and their hashes); so do recurring short string values
/// (equal strings, made once: Python strings are immutable).
pub struct JsonToPy<'py> {
    py: Python<'py>,
    cache: KeyCache,
    /// Keys met so far in the current record.
    place: usize,
    /// A Python error raised while building, reported instead of the parser's.
    failed: Option<PyErr>,
    /// The current record holds a number that may be an integer beyond 64 bits.
    maybe_big_int: bool,
}

/// The key strings made so far. One cache per thread outlives each conversion (a converter
/// takes it and gives it back when dropped), so the `to_dict()` of one record after another
/// reuses the keys of the first.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<Box<str>, Py<PyString>>,
    /// The n-th key of the last records, by n: records of one list share their layout, so
    /// a key is usually found here with one comparison, without hashing.
    by_place: Vec<(Box<str>, Py<PyString>)>,
    /// Short string values made lately, by a hash of their text (empty until first used).
    values: Vec<ValueSlot>,
}

/// One short string value kept for reuse: its text, and the Python string made of it.
#[derive(Default)]
struct ValueSlot {
    len: u8,
    text: [u8; VALUE_LEN],
    string: Option<Py<PyString>>,
}

thread_local! {
    static KEYS: std::cell::Cell<Option<KeyCache>> = const { std::cell::Cell::new(None) };
}

impl Drop for JsonToPy<'_> {
    fn drop(&mut self) {
        let cache = std::mem::take(&mut self.cache);
        let _ = KEYS.try_with(|k| k.set(Some(cache)));
    }
}

/// Distinct keys kept for reuse, and the longest one kept.
const KEY_CACHE_ENTRIES: usize = 1024;
const KEY_CACHE_LEN: usize = 64;
/// Key places remembered per record.
const KEY_PLACES: usize = 256;
/// Short string values remembered (a power of two), and the longest one: the values of a
/// field that takes few distinct ones (a status, a state code, a company's name) become one
/// shared `str` instead of one per record. A slot holds the last value that hashed to it.
const VALUE_SLOTS: usize = 1024;
const VALUE_LEN: usize = 24;

/// The slot of a short text among `VALUE_SLOTS` (aHash with fixed seeds, already in the tree
/// through arrow-array; the top bits pick the slot).
fn value_slot(text: &[u8]) -> usize {
    static HASH: ahash::RandomState = ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    );
    (HASH.hash_one(text) >> (64 - VALUE_SLOTS.trailing_zeros())) as usize
}

impl<'py> JsonToPy<'py> {
    pub fn new(py: Python<'py>) -> Self {
        JsonToPy {
            py,
            cache: KEYS
                .try_with(|k| k.take())
                .ok()
                .flatten()
                .unwrap_or_default(),
            place: 0,
            failed: None,
            maybe_big_int: false,
        }
    }

    /// One JSON document (a record) as a Python value.
    pub fn convert(&mut self, raw: &RawValue) -> PyResult<Bound<'py, PyAny>> {
        self.convert_text(raw.get(), "")
    }

    /// JSON text as a Python value; an undecodable text is a `ProcoreError` whose message
    /// starts with `context`.
    fn convert_text(&mut self, text: &str, context: &str) -> PyResult<Bound<'py, PyAny>> {
        let mut de = serde_json::Deserializer::from_str(text);
        self.place = 0;
        self.maybe_big_int = false;
        let out = PySeed(self)
            .deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v));
        match out {
            // Valid JSON (checked just now), so `json.loads` reads it the same way, but for
            // the integers beyond 64 bits, which it keeps exact.
            Ok(_) if self.maybe_big_int => imported!(self.py, "json", "loads")?.call1((text,)),
            Ok(v) => Ok(v),
            Err(e) => Err(self.failed.take().unwrap_or_else(|| {
                to_pyerr(self.py, core::Error::Decode(format!("{context}{e}")))
            })),
        }
    }

    fn key(&mut self, k: &str) -> Bound<'py, PyString> {
        let py = self.py;
        let place = self.place;
        self.place += 1;
        let cache = &mut self.cache;
        if let Some((text, s)) = cache.by_place.get(place) {
            if **text == *k {
                return s.bind(py).clone();
            }
        }
        if k.len() > KEY_CACHE_LEN {
            return PyString::new(py, k);
        }
        let s = match cache.keys.get(k) {
            Some(s) => s.bind(py).clone(),
            None => {
                let s = PyString::new(py, k);
                if cache.keys.len() < KEY_CACHE_ENTRIES {
                    cache.keys.insert(k.into(), s.clone().unbind());
                }
                s
            }
        };
        if place < cache.by_place.len() {
            cache.by_place[place] = (k.into(), s.clone().unbind());
        } else if place == cache.by_place.len() && place < KEY_PLACES {
            cache.by_place.push((k.into(), s.clone().unbind()));
        }
        s
    }

    /// A string value: a short one is the string made for the same text lately, if any.
    fn string(&mut self, v: &str) -> Bound<'py, PyString> {
        let py = self.py;
        let bytes = v.as_bytes();
        if bytes.len() > VALUE_LEN {
            return PyString::new(py, v);
        }
        let values = &mut self.cache.values;
        if values.is_empty() {
            values.resize_with(VALUE_SLOTS, ValueSlot::default);
        }
        let slot = &mut values[value_slot(bytes)];
        if let Some(s) = &slot.string {
            if usize::from(slot.len) == bytes.len() && slot.text[..bytes.len()] == *bytes {
                return s.bind(py).clone();
            }
        }
        let s = PyString::new(py, v);
        slot.len = bytes.len() as u8;
        slot.text[..bytes.len()].copy_from_slice(bytes);
        slot.string = Some(s.clone().unbind());
        s
    }

    fn fail<E: de::Error>(&mut self, e: PyErr) -> E {
        self.failed = Some(e);
        E::custom("a Python error")
    }
}

struct PySeed<'a, 'py>(&'a mut JsonToPy<'py>);

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0.py, v).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0.py, v).into_any())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0.py, v).into_any())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // serde_json reads an integer that overflows 64 bits as the nearest f64: whole, and
        // out of the range of i64 and u64. (A float such as 2e19 looks the same; converted
        // again, it stays a float.)
        if v.fract() == 0.0
            && !(-9_223_372_036_854_775_808.0..18_446_744_073_709_551_616.0).contains(&v)
        {
            self.0.maybe_big_int = true;
        }
        // As serde_json's `Value`: a number that is not finite is null.
        Ok(if v.is_finite() {
            PyFloat::new(self.0.py, v).into_any()
        } else {
            self.0.py.None().into_bound(self.0.py)
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.string(v).into_any())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.py.None().into_bound(self.0.py))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        PySeed(self.0).deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(PySeed(&mut *self.0))? {
            items.push(v);
        }
        match PyList::new(self.0.py, items) {
            Ok(list) => Ok(list.into_any()),
            Err(e) => Err(self.0.fail(e)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0.py);
        while let Some(k) = map.next_key_seed(KeySeed(&mut *self.0))? {
            let v = map.next_value_seed(PySeed(&mut *self.0))?;
            if let Err(e) = dict.set_item(k, v) {
                return Err(self.0.fail(e));
            }
        }
        Ok(dict.into_any())
    }
}

/// An object key, as a (reused) Python string.
struct KeySeed<'a, 'py>(&'a mut JsonToPy<'py>);

impl<'de, 'py> DeserializeSeed<'de> for KeySeed<'_, 'py> {
    type Value = Bound<'py, PyString>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for KeySeed<'_, 'py> {
    type Value = Bound<'py, PyString>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.key(v))
    }
}

fn repr_str(v: Option<String>) -> String {
    match v {
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        None => "None".into(),
    }
}

fn dict_to_value(py: Python<'_>, data: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if !data.is_instance_of::<PyDict>() {
        return Err(config_error(py, format!("{what}: expected a dict")));
    }
    // The same checks as a request body: no value containing itself, no absurd depth.
    to_json(data, what)
}

macro_rules! py_model {
    ($name:ident, $core:ident, [$($field:ident),*], repr: [$($rfield:ident),*] $(, extra: { $($extra:tt)* })?) => {
        #[pyclass(frozen, module = "procore._procore")]
        #[derive(Clone)]
        pub struct $name {
            pub inner: core::$core,
        }

        impl From<core::$core> for $name {
            fn from(inner: core::$core) -> Self {
                $name { inner }
            }
        }

        #[pymethods]
        impl $name {
            /// Builds the model from a dict (as `to_dict()` returns it).
            #[new]
            fn py_new(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let v = dict_to_value(py, data, stringify!($name))?;
                core::$core::from_value(v).map(Self::from).map_err(|e| to_pyerr(py, e))
            }

            #[getter]
            fn id(&self) -> i64 {
                self.inner.id()
            }

            // Fields go from their raw JSON text straight to Python values, so integers
            // beyond 64 bits stay exact `int`s.
            $(
                #[getter]
                fn $field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    raw_field(py, self.inner.get_raw(stringify!($field)))
                }
            )*

            /// Every field the server sent, unknown ones included.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                raw_to_py(py, self.inner.raw())
            }

            /// Fields Procore added that this class does not name are attributes too.
            fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
                match self.inner.get_raw(name) {
                    Some(v) => raw_field(py, Some(v)),
                    None => Err(PyAttributeError::new_err(format!(
                        "'{}' object has no attribute '{}'", stringify!($name), name
                    ))),
                }
            }

            fn __getitem__(&self, py: Python<'_>, key: &str) -> PyResult<Py<PyAny>> {
                match self.inner.get_raw(key) {
                    Some(v) => raw_field(py, Some(v)),
                    None => Err(PyKeyError::new_err(key.to_string())),
                }
            }

            fn __contains__(&self, key: &str) -> bool {
                self.inner.get_raw(key).is_some()
            }

            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
                match other.cast::<$name>() {
                    Ok(o) => (self.inner == o.get().inner).into_pyobject(py).map(|b| b.to_owned().into_any().unbind()).unwrap_or_else(|_| py.NotImplemented()),
                    Err(_) => py.NotImplemented(),
                }
            }

            fn __repr__(&self) -> String {
                let mut s = format!("{}(id={}", stringify!($name), self.inner.id());
                $(
                    s.push_str(&format!(", {}={}", stringify!($rfield), repr_str(self.inner.$rfield())));
                )*
                s.push(')');
                s
            }

            $($($extra)*)?
        }
    };
}

py_model!(Me, Me, [login, name], repr: [login, name]);
py_model!(Company, Company, [name, is_active, logo_url], repr: [name]);
py_model!(
    Project,
    Project,
    [
        name, display_name, project_number, address, city, state_code, country_code, zip, county,
        latitude, longitude, stage, phone, created_at, updated_at, active, origin_id, origin_data
    ],
    repr: [name],
    extra: {
        /// The project's company (`project.company.id`). Procore sends it with every project;
        /// a record without one has no `company` attribute, and one whose `company` is not a
        /// company record raises `ProcoreError`. Never None: the stubs promise a `Company`.
        #[getter]
        fn company(&self, py: Python<'_>) -> PyResult<Company> {
            match self.inner.company_record() {
                Ok(Some(c)) => Ok(Company::from(c)),
                Ok(None) => Err(PyAttributeError::new_err(
                    "'Project' object has no attribute 'company'",
                )),
                Err(e) => Err(to_pyerr(py, e)),
            }
        }
    }
);

/// A model object the cycle collector leaves alone. pyo3 makes every class a GC type, but a
/// `Project` or `Company` holds Rust data only (no Python reference, no `__dict__`, no
/// subclasses), so it can be part of no reference cycle: untracked, the 20,000 objects of a
/// big list are not walked by every collection that runs while they live (`to_dict()` over
/// them triggers dozens).
pub fn untracked<T>(py: Python<'_>, model: T) -> PyResult<Bound<'_, T>>
where
    T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    let obj = Bound::new(py, model)?;
    // SAFETY: `obj` is a live object of a GC type, and the GIL is held. Untracking is
    // undone by nothing: pyo3's dealloc untracks only an object still tracked.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) };
    Ok(obj)
}

/// A Python list of model objects, each [`untracked`].
fn untracked_list<'py, T>(
    py: Python<'py>,
    models: impl Iterator<Item = T>,
) -> PyResult<Bound<'py, PyList>>
where
    T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    let objects = models
        .map(|m| untracked(py, m))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}

/// A list of models or plain JSON records, returned to Python as a `procore.ResultList`.
pub enum Records {
    Companies(Vec<core::Company>),
    Projects(Vec<core::Project>),
    Json(Vec<Box<RawValue>>),
    /// Records already made Python values (`paginate()` converts page by page).
    Converted(Vec<Py<PyAny>>),
}

/// A Python list as a `procore.ResultList`.
pub fn result_list<'py>(list: Bound<'py, PyList>) -> PyResult<Bound<'py, PyAny>> {
    imported!(list.py(), "procore._results", "ResultList")?.call1((list,))
}

impl<'py> IntoPyObject<'py> for Records {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list = match self {
            Records::Companies(v) => untracked_list(py, v.into_iter().map(Company::from))?,
            Records::Projects(v) => untracked_list(py, v.into_iter().map(Project::from))?,
            Records::Json(v) => {
                let mut conv = JsonToPy::new(py);
                let items = v
                    .iter()
                    .map(|x| conv.convert(x))
                    .collect::<PyResult<Vec<_>>>()?;
                PyList::new(py, items)?
            }
            Records::Converted(v) => PyList::new(py, v)?,
        };
        result_list(list)
    }
}

/// An answer's body, decoded straight into dict / list / str / int / float / bool, or None
/// when it is empty (204). Decoded when handed to Python, by the converter of list records
/// (integers beyond 64 bits stay exact).
pub struct JsonBody(pub bytes::Bytes);

impl<'py> IntoPyObject<'py> for JsonBody {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        const CONTEXT: &str = "the response is not valid JSON: ";
        if self.0.iter().all(u8::is_ascii_whitespace) {
            return Ok(py.None().into_bound(py));
        }
        let text = std::str::from_utf8(&self.0)
            .map_err(|e| to_pyerr(py, core::Error::Decode(format!("{CONTEXT}{e}"))))?;
        JsonToPy::new(py).convert_text(text, CONTEXT)
    }
}

/// Decoded JSON, returned as dict / list / str / int / float / bool / None.
pub struct Json(pub Option<Value>);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            None => Ok(py.None().into_bound(py)),
            Some(v) => Ok(pythonize::pythonize(py, &v)?),
        }
    }
}

/// An OAuth 2.0 token. Its repr never shows the token values.
#[pyclass(frozen, module = "procore._procore")]
#[derive(Clone)]
pub struct Token {
    pub inner: core::Token,
}

impl From<core::Token> for Token {
    fn from(inner: core::Token) -> Self {
        Token { inner }
    }
}

#[pymethods]
impl Token {
    #[new]
    #[pyo3(signature = (access_token, refresh_token=None, token_type="bearer".to_string(), expires_in=None, created_at=None))]
    fn py_new(
        py: Python<'_>,
        access_token: String,
        refresh_token: Option<String>,
        token_type: String,
        expires_in: Option<i64>,
        created_at: Option<i64>,
    ) -> PyResult<Self> {
        let mut m = Map::new();
        m.insert("access_token".into(), access_token.into());
        m.insert(
            "refresh_token".into(),
            refresh_token.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("token_type".into(), token_type.into());
        m.insert(
            "expires_in".into(),
            expires_in.map(Value::from).unwrap_or(Value::Null),
        );
        if let Some(c) = created_at {
            m.insert("created_at".into(), c.into());
        }
        core::Token::from_json(&Value::Object(m))
            .map(Token::from)
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// Builds a token from a dict (as `to_dict()` returns it, or Procore's token response).
    #[staticmethod]
    pub fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let v = dict_to_value(py, data, "Token.from_dict()")?;
        core::Token::from_json(&v)
            .map(Token::from)
            .map_err(|e| config_error(py, e.to_string()))
    }

    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token.expose()
    }

    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token.as_ref().map(|s| s.expose())
    }

    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }

    /// Lifetime in seconds, as the server gave it.
    #[getter]
    fn expires_in(&self) -> Option<i64> {
        self.inner.expires_in
    }

    /// Unix seconds.
    #[getter]
    fn created_at(&self) -> i64 {
        self.inner.created_at
    }

    /// Unix seconds: `created_at + expires_in`.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        self.inner.expires_at()
    }

    /// True when the token has expired (or is about to).
    #[getter]
    fn expired(&self) -> bool {
        self.inner.needs_refresh(core::now_unix())
    }

    /// Every field, token values included (for storing the token yourself).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.to_json())?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        match other.cast::<Token>() {
            Ok(o) => (self.inner == o.get().inner)
                .into_pyobject(py)
                .map(|b| b.to_owned().into_any().unbind())
                .unwrap_or_else(|_| py.NotImplemented()),
            Err(_) => py.NotImplemented(),
        }
    }

    fn __repr__(&self) -> String {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "None".into());
        format!(
            "Token(token_type='{}', expires_in={}, expires_at={}, access_token='[redacted]', refresh_token={})",
            self.inner.token_type,
            opt(self.inner.expires_in),
            opt(self.inner.expires_at()),
            if self.inner.refresh_token.is_some() { "'[redacted]'" } else { "None" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::with_python;
    use super::*;

    /// What `raw_to_py` gave before it converted directly: `pythonize` of the parsed `Value`.
    fn through_value<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| to_pyerr(py, core::Error::Decode(e.to_string())))?;
        Ok(pythonize::pythonize(py, &v)?)
    }

    /// `repr` shows the types (1 / 1.0 / True), the float digits and the key order; `==` and
    /// a type walk catch anything `repr` could hide.
    fn same<'py>(a: &Bound<'py, PyAny>, b: &Bound<'py, PyAny>) -> bool {
        fn types(v: &Bound<'_, PyAny>) -> String {
            let mut out = v.get_type().name().unwrap().to_string();
            if let Ok(d) = v.cast::<PyDict>() {
                for (k, x) in d.iter() {
                    out += &format!("[{}:{}]", types(&k), types(&x));
                }
            } else if let Ok(l) = v.cast::<PyList>() {
                for x in l.iter() {
                    out += &format!("[{}]", types(&x));
                }
            }
            out
        }
        a.repr().unwrap().to_string() == b.repr().unwrap().to_string()
            && a.eq(b).unwrap()
            && types(a) == types(b)
    }

    /// The one document with integers beyond 64 bits: those stay exact `int`s (as
    /// `json.loads` reads them), where `pythonize` of a `Value` has `float`s.
    const BIG_INTS: &str = r#"{"big": 18446744073709551615, "bigger": 18446744073709551616, "neg": -9223372036854775808,
            "more_neg": -9223372036854775809, "zero": 0, "neg_zero": -0, "neg_zero_f": -0.0}"#;

    const DOCS: &[&str] = &[
        r#"{"id": 5000000000001, "name": "Riverside Medical Center #1", "active": true, "origin_id": null}"#,
        BIG_INTS,
        r#"{"f": 1.5, "e": 1e3, "E": 2E-7, "tiny": 5e-324, "huge": 1.7976931348623157e308,
            "lat": 34.3988838, "third": 0.3333333333333333, "int_like": 3.0}"#,
        r#"{"s": "caf\u00e9 \u2603 \ud83d\ude00 😀 \"q\" \\ \/ \b\f\n\r\t", "empty": "", "nul": "a\u0000b"}"#,
        r#"{"nested": {"a": [1, [2, [3, {"b": null}]], {}], "c": {"d": {"e": [true, false]}}}}"#,
        r#"{"dup": 1, "other": 2, "dup": 3}"#,
        r#"{"": "empty key", "ключ": "значение", "a key much longer than sixty-four bytes, so it is not kept for reuse": 1}"#,
        r#"[1, "two", 3.0, null, true, {"x": []}]"#,
        r#""just a string""#,
        "42",
        "-1.25",
        "null",
        "true",
        "[]",
        "{}",
        "  {\"padded\" : [ 1 , 2 ] }  ",
    ];

    /// Text a `RawValue` accepts (it only checks the syntax) that is still not a JSON value
    /// serde_json can decode.
    const UNDECODABLE: &[&str] = &[r#"{"lone": "\ud800"}"#, "1e400", r#"[1, {"a": -1e999}]"#];

    #[test]
    fn direct_conversion_matches_pythonize() {
        with_python(|py| {
            let mut shared = JsonToPy::new(py);
            for doc in DOCS {
                let raw = RawValue::from_string(doc.to_string()).unwrap();
                let want = if *doc == BIG_INTS {
                    json_loads(py, doc)
                } else {
                    through_value(py, doc).unwrap()
                };
                let got = raw_to_py(py, &raw).unwrap();
                assert!(same(&got, &want), "{doc}: {got:?} != {want:?}");
                // The converter that reuses keys across records gives the same values.
                let again = shared.convert(&raw).unwrap();
                assert!(same(&again, &want), "{doc} (shared keys)");
            }
        });
    }

    fn json_loads<'py>(py: Python<'py>, text: &str) -> Bound<'py, PyAny> {
        py.import("json")
            .unwrap()
            .call_method1("loads", (text,))
            .unwrap()
    }

    #[test]
    fn integers_beyond_64_bits_stay_exact() {
        with_python(|py| {
            let doc = r#"{"a": 18446744073709551616, "b": -9223372036854775809,
                "c": 123456789012345678901234567890, "d": [1, {"e": 18446744073709551615}],
                "f": 2e19, "g": 1.5, "h": -1e30, "k": "18446744073709551616"}"#;
            let raw = RawValue::from_string(doc.into()).unwrap();
            let mut conv = JsonToPy::new(py);
            let got = conv.convert(&raw).unwrap();
            assert_eq!(
                got.repr().unwrap().to_string(),
                "{'a': 18446744073709551616, 'b': -9223372036854775809, \
                 'c': 123456789012345678901234567890, 'd': [1, {'e': 18446744073709551615}], \
                 'f': 2e+19, 'g': 1.5, 'h': -1e+30, 'k': '18446744073709551616'}"
            );
            // The next record of the same converter takes the fast path again.
            let plain = RawValue::from_string(r#"{"a": 1, "f": 2e19}"#.into()).unwrap();
            let again = conv.convert(&plain).unwrap();
            assert_eq!(again.repr().unwrap().to_string(), "{'a': 1, 'f': 2e+19}");
        });
    }

    #[test]
    fn answer_bodies_decode_like_records() {
        with_python(|py| {
            let body = |text: &str| JsonBody(bytes::Bytes::from(text.to_string()));
            let big = body(r#" {"id": 18446744073709551616, "ok": [true, null, 0.5]} "#);
            let got = big.into_pyobject(py).unwrap();
            assert_eq!(
                got.repr().unwrap().to_string(),
                "{'id': 18446744073709551616, 'ok': [True, None, 0.5]}"
            );
            for empty in ["", "  \r\n"] {
                assert!(body(empty).into_pyobject(py).unwrap().is_none());
            }
            for bad in ["{", "[1, 2", "1e400", "\u{ff}"] {
                let e = body(bad).into_pyobject(py).unwrap_err();
                assert!(
                    e.to_string().contains("the response is not valid JSON: "),
                    "{bad}: {e}"
                );
            }
            let e = JsonBody(bytes::Bytes::from_static(b"\"\xff\""))
                .into_pyobject(py)
                .unwrap_err();
            assert!(
                e.to_string().contains("the response is not valid JSON: "),
                "{e}"
            );
        });
    }

    #[test]
    fn reused_keys_are_shared_strings() {
        with_python(|py| {
            let mut conv = JsonToPy::new(py);
            let a = RawValue::from_string(r#"{"name": "a", "stage": 1}"#.into()).unwrap();
            let b = RawValue::from_string(r#"{"name": "b", "stage": 2}"#.into()).unwrap();
            let (a, b) = (conv.convert(&a).unwrap(), conv.convert(&b).unwrap());
            fn key<'py>(d: &Bound<'py, PyAny>) -> Bound<'py, PyAny> {
                d.cast::<PyDict>().unwrap().keys().get_item(0).unwrap()
            }
            assert!(key(&a).is(key(&b)));
            assert_eq!(a.get_item("name").unwrap().to_string(), "a");
            assert_eq!(b.get_item("stage").unwrap().extract::<i64>().unwrap(), 2);
            // Keys in another order, or nested, or new, are still the right keys.
            for (doc, want) in [
                (r#"{"stage": 3, "name": "c"}"#, "{'stage': 3, 'name': 'c'}"),
                (r#"{"name": "d", "stage": 4}"#, "{'name': 'd', 'stage': 4}"),
                (
                    r#"{"name": {"stage": 5}, "x": 6}"#,
                    "{'name': {'stage': 5}, 'x': 6}",
                ),
                (r#"{"name": "e"}"#, "{'name': 'e'}"),
                (r#"{"stage": 7, "name": "f"}"#, "{'stage': 7, 'name': 'f'}"),
            ] {
                let raw = RawValue::from_string(doc.into()).unwrap();
                assert_eq!(
                    conv.convert(&raw).unwrap().repr().unwrap().to_string(),
                    want
                );
            }
        });
    }

    #[test]
    fn recurring_short_values_are_shared_strings() {
        with_python(|py| {
            let mut conv = JsonToPy::new(py);
            let doc = |city: &str, name: &str| {
                let text = serde_json::json!({"city": city, "name": name}).to_string();
                RawValue::from_string(text).unwrap()
            };
            let long = "Riverside Water Treatment Plant";
            let a = conv.convert(&doc("Austin", long)).unwrap();
            // Thousands of distinct short values in between: every slot is taken over many
            // times, and every value still comes out as its own text.
            for i in 0..5000 {
                let city = format!("c{i}\u{e9}\u{1F600}");
                let d = conv.convert(&doc(&city, &i.to_string())).unwrap();
                assert_eq!(
                    d.get_item("city").unwrap().extract::<String>().unwrap(),
                    city
                );
                assert_eq!(
                    d.get_item("name").unwrap().extract::<String>().unwrap(),
                    i.to_string()
                );
            }
            let b = conv.convert(&doc("Austin", long)).unwrap();
            let c = conv.convert(&doc("Austin", long)).unwrap();
            assert!(b.get_item("city").unwrap().is(c.get_item("city").unwrap()));
            assert_eq!(
                a.get_item("city").unwrap().extract::<String>().unwrap(),
                "Austin"
            );
            // Long values are made each time; equal all the same.
            assert!(!b.get_item("name").unwrap().is(c.get_item("name").unwrap()));
            assert!(b.eq(&c).unwrap() && a.eq(&b).unwrap());
            // A string with escapes is one value like any other.
            let esc = RawValue::from_string(r#"{"q": "a\"b", "r": "a\"b"}"#.into()).unwrap();
            let e = conv.convert(&esc).unwrap();
            assert_eq!(
                e.get_item("q").unwrap().extract::<String>().unwrap(),
                "a\"b"
            );
            assert!(e.get_item("q").unwrap().is(e.get_item("r").unwrap()));
        });
    }

    #[test]
    fn undecodable_records_fail_like_before() {
        with_python(|py| {
            for doc in UNDECODABLE {
                let raw = RawValue::from_string(doc.to_string()).unwrap();
                let want = through_value(py, doc).unwrap_err();
                let got = raw_to_py(py, &raw).unwrap_err();
                assert_eq!(got.to_string(), want.to_string(), "{doc}");
                assert!(got.get_type(py).is(want.get_type(py)), "{doc}");
            }
        });
    }
}
