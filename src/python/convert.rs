//! Python arguments to core types, with `procore.ConfigError` for anything wrong.

use std::fmt::Write as _;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMapping,
    PySequence, PySet, PyString, PyTuple,
};
use serde_json::{Map, Number, Value};

use super::errors::config_error;
use crate::core;

/// A Procore id: a positive 64-bit integer, as an `int` or a string of digits. `bool`,
/// `float` and anything else is refused.
pub fn id_arg(py: Python<'_>, what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let bad =
        |detail: String| config_error(py, format!("{what} must be a positive integer, {detail}"));
    let value: i64 = if obj.is_instance_of::<PyBool>() {
        return Err(bad(format!("not a bool ({})", obj.repr()?)));
    } else if obj.is_instance_of::<PyInt>() {
        obj.extract::<i64>().map_err(|_| {
            bad(format!(
                "and {} does not fit in 64 bits",
                obj.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?
    } else if obj.is_instance_of::<PyString>() {
        let s: String = obj.extract()?;
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("not {s:?}")));
        }
        t.parse::<i64>()
            .map_err(|_| bad(format!("and {s:?} does not fit in 64 bits")))?
    } else {
        let tname = obj.get_type().name()?.to_string();
        return Err(bad(format!("not a {tname} ({})", obj.repr()?)));
    };
    if value <= 0 {
        return Err(bad(format!("not {value}")));
    }
    Ok(Some(value))
}

/// Query parameters from a dict (None → none). Values: str, int, float, bool, None, lists and
/// nested dicts (Rails bracket style).
pub fn params_arg(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(String, String)>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    if obj.is_none() {
        return Ok(Vec::new());
    }
    if !obj.is_instance_of::<PyDict>() {
        return Err(config_error(py, "params must be a dict"));
    }
    let v = to_json(obj, "params")?;
    core::flatten_params(&v).map_err(|e| config_error(py, e.to_string()))
}

/// A JSON body from any JSON-serialisable Python value.
pub fn json_arg(_py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_json(o, "json").map(Some),
    }
}

/// The deepest nesting of lists and dicts accepted in `json=` and `params=`: serde_json's own
/// limit when it parses (128), so nothing is sent that procore could not read back, and far
/// beyond any Procore body (a few levels). Deeper values are refused with `ConfigError`, as
/// are values that contain themselves, before anything is sent.
pub const MAX_DEPTH: usize = 128;

/// A Python value as JSON, or `ConfigError` saying what is wrong and where (`json["a"][0]`).
///
/// Accepts what `json.dumps` would, and what `pythonize` accepted before (which this replaces
/// because it recursed without limit: a value containing itself, or nested 100,000 deep,
/// overflowed the stack): `None`, `bool`, `int` (64 bits), finite `float`, `str`, `dict`
/// with `str` keys, `list`, `tuple`, sets, other sequences and mappings, and dataclasses.
/// `nan` and the infinities are refused: JSON has no such numbers, and sent as `null` (or a
/// dropped parameter) they would silently change the request.
pub fn to_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let mut path = Vec::new();
    match value(obj, &mut path) {
        Ok(v) => Ok(v),
        Err(Fault::Python(e)) => Err(e),
        Err(Fault::Refused { problem, mut at }) => {
            at.reverse();
            let mut place = what.to_string();
            for step in at {
                let _ = match step {
                    Step::Key(k) => write!(place, "[{k:?}]"),
                    Step::Index(i) => write!(place, "[{i}]"),
                };
            }
            Err(config_error(
                obj.py(),
                format!("{what}: {problem} (at {place})"),
            ))
        }
    }
}

enum Fault {
    Python(PyErr),
    /// What is wrong, and the steps from it back up to the top.
    Refused {
        problem: String,
        at: Vec<Step>,
    },
}

enum Step {
    Key(String),
    Index(usize),
}

impl From<PyErr> for Fault {
    fn from(e: PyErr) -> Self {
        Fault::Python(e)
    }
}

fn refused(problem: String) -> Fault {
    Fault::Refused {
        problem,
        at: Vec::new(),
    }
}

/// Adds the step taken to reach a value to the fault found inside it.
fn within<T>(r: Result<T, Fault>, step: impl FnOnce() -> Step) -> Result<T, Fault> {
    r.map_err(|f| match f {
        Fault::Refused { problem, mut at } => {
            at.push(step());
            Fault::Refused { problem, at }
        }
        other => other,
    })
}

/// `path`: the containers from the top down to this value, to find one inside itself.
fn value(obj: &Bound<'_, PyAny>, path: &mut Vec<usize>) -> Result<Value, Fault> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            return Ok(Value::from(n));
        }
        if let Ok(n) = i.extract::<u64>() {
            return Ok(Value::from(n));
        }
        return Err(refused(format!(
            "the integer {} does not fit in 64 bits",
            obj.repr()?
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return match Number::from_f64(f.value()) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(refused(format!(
                "{} is not a JSON number (only finite floats are)",
                obj.repr()?
            ))),
        };
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return Err(unsupported(obj));
    }
    // A container from here on.
    let id = obj.as_ptr() as usize;
    if path.contains(&id) {
        return Err(refused("the value contains itself".into()));
    }
    if path.len() >= MAX_DEPTH {
        return Err(refused(format!("nested more than {MAX_DEPTH} levels deep")));
    }
    path.push(id);
    let out = container(obj, path);
    path.pop();
    out
}

fn container(obj: &Bound<'_, PyAny>, path: &mut Vec<usize>) -> Result<Value, Fault> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            entry(&mut map, &k, &v, path)?;
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return items(l.iter(), path);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return items(t.iter(), path);
    }
    if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
        return items(obj.try_iter()?.collect::<PyResult<Vec<_>>>()?, path);
    }
    if obj.cast::<PySequence>().is_ok() {
        return items(obj.try_iter()?.collect::<PyResult<Vec<_>>>()?, path);
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        for pair in m.items()?.iter() {
            let (k, v) = pair.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            entry(&mut map, &k, &v, path)?;
        }
        return Ok(Value::Object(map));
    }
    if let Some(names) = dataclass_fields(obj)? {
        let mut map = Map::new();
        for name in names {
            let v = obj.getattr(name.as_str())?;
            let converted = within(value(&v, path), || Step::Key(name.clone()))?;
            map.insert(name, converted);
        }
        return Ok(Value::Object(map));
    }
    Err(unsupported(obj))
}

fn entry(
    map: &mut Map<String, Value>,
    k: &Bound<'_, PyAny>,
    v: &Bound<'_, PyAny>,
    path: &mut Vec<usize>,
) -> Result<(), Fault> {
    let Ok(key) = k.cast::<PyString>() else {
        return Err(refused(format!(
            "keys must be strings, not {} ({})",
            k.get_type().name()?,
            k.repr()?
        )));
    };
    let key = key.to_cow()?.into_owned();
    let converted = within(value(v, path), || Step::Key(key.clone()))?;
    map.insert(key, converted);
    Ok(())
}

fn items<'py>(
    it: impl IntoIterator<Item = Bound<'py, PyAny>>,
    path: &mut Vec<usize>,
) -> Result<Value, Fault> {
    let mut out = Vec::new();
    for (i, v) in it.into_iter().enumerate() {
        out.push(within(value(&v, path), || Step::Index(i))?);
    }
    Ok(Value::Array(out))
}

/// The field names of a dataclass instance, or `None` for anything else.
fn dataclass_fields(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    let py = obj.py();
    if obj.is_instance_of::<pyo3::types::PyType>()
        || !obj.hasattr(pyo3::intern!(py, "__dataclass_fields__"))?
    {
        return Ok(None);
    }
    let fields = imported!(py, "dataclasses", "fields")?.call1((obj,))?;
    let mut names = Vec::new();
    for f in fields.try_iter()? {
        names.push(f?.getattr(pyo3::intern!(py, "name"))?.extract()?);
    }
    Ok(Some(names))
}

fn unsupported(obj: &Bound<'_, PyAny>) -> Fault {
    let tname = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    refused(format!("a {tname} is not JSON-serialisable"))
}

/// A path from `str` or `os.PathLike`, with `~` expanded.
pub fn path_arg(
    py: Python<'_>,
    what: &str,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<PathBuf>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let p: PathBuf = obj
        .extract()
        .map_err(|_| config_error(py, format!("{what} must be a path (str or os.PathLike)")))?;
    let s = p.to_string_lossy();
    if s.is_empty() {
        return Err(config_error(py, format!("{what} is empty")));
    }
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return Ok(Some(PathBuf::from(home).join(rest)));
        }
    }
    Ok(Some(p))
}

/// A non-empty env var.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
