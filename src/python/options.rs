//! The client's options as Python passes them (numbers of any size reach the core's range
//! checks, so they end as `ConfigError`), and the core's defaults and environments as Python
//! reads them: `procore._procore.DEFAULTS`, `ENVIRONMENTS` and `environment_name()`.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::to_pyerr;
use crate::core::{defaults, Environment};

/// A number of seconds. An int too large for a float becomes an infinity of its sign, which
/// the core refuses with its message; anything but a number is a `TypeError`.
pub fn seconds(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    match obj.extract::<f64>() {
        Ok(v) => Ok(v),
        Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Ok(if obj.lt(0)? {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        Err(e) => Err(e),
    }
}

/// [`seconds`], or `None`.
pub fn optional_seconds(obj: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    if obj.is_none() {
        return Ok(None);
    }
    seconds(obj).map(Some)
}

/// An integer count. One beyond 64 bits becomes the 64-bit bound of its sign, which the core
/// refuses with its message; anything but an integer is a `TypeError`.
pub fn count(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    match obj.extract::<i64>() {
        Ok(v) => Ok(v),
        Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
            Ok(if obj.lt(0)? { i64::MIN } else { i64::MAX })
        }
        Err(e) => Err(e),
    }
}

/// [`count`], or `None`.
pub fn optional_count(obj: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if obj.is_none() {
        return Ok(None);
    }
    count(obj).map(Some)
}

/// The canonical name of an environment (`"prod"` → `"production"`), as the client reads it;
/// `ConfigError` for a name it does not know.
#[pyfunction]
fn environment_name(py: Python<'_>, name: &str) -> PyResult<&'static str> {
    Environment::parse(name)
        .map(Environment::name)
        .map_err(|e| to_pyerr(py, e))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let d = PyDict::new(py);
    d.set_item("environment", defaults::ENVIRONMENT.name())?;
    d.set_item("redirect_uri", defaults::REDIRECT_URI)?;
    d.set_item("timeout", defaults::TIMEOUT)?;
    d.set_item("connect_timeout_cap", defaults::CONNECT_TIMEOUT_CAP)?;
    d.set_item("max_retries", defaults::MAX_RETRIES)?;
    d.set_item("max_concurrency", defaults::MAX_CONCURRENCY)?;
    d.set_item("max_response_bytes", defaults::MAX_RESPONSE_BYTES)?;
    m.add("DEFAULTS", d)?;
    let envs = PyDict::new(py);
    for env in Environment::ALL {
        let (login, api) = env.hosts();
        envs.set_item(env.name(), (api, login))?;
    }
    m.add("ENVIRONMENTS", envs)?;
    m.add_function(pyo3::wrap_pyfunction!(environment_name, m)?)?;
    Ok(())
}
