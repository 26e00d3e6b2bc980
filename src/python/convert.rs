//! Python arguments to core types, with `procore.ConfigError` for anything wrong.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};
use serde_json::Value;

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
    let v: Value =
        pythonize::depythonize(obj).map_err(|e| config_error(py, format!("params: {e}")))?;
    core::flatten_params(&v).map_err(|e| config_error(py, e.to_string()))
}

/// A JSON body from any JSON-serialisable Python value.
pub fn json_arg(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => pythonize::depythonize::<Value>(o)
            .map(Some)
            .map_err(|e| config_error(py, format!("json: not JSON-serialisable: {e}"))),
    }
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
