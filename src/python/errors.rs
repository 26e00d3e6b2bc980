//! Core errors become `procore` exceptions here, and only here. The classes live in
//! `procore/_exceptions.py` (classes with fields are simplest in Python under abi3).

use std::any::Any;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::core::Error;

pub fn to_pyerr(py: Python<'_>, e: Error) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(import_failure) => import_failure,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let m = module!(py, "procore._exceptions")?;
    let message = e.to_string();
    let kw = PyDict::new(py);
    let instance = match e {
        Error::Config(_) => m.getattr("ConfigError")?.call1((message,))?,
        Error::TokenStore(_) => m.getattr("TokenStoreError")?.call1((message,))?,
        Error::Decode(_) => m.getattr("ProcoreError")?.call1((message,))?,
        Error::OAuth {
            error,
            description,
            status,
        } => {
            kw.set_item("error", error)?;
            kw.set_item("description", description)?;
            kw.set_item("status_code", status)?;
            m.getattr("OAuthError")?.call((message,), Some(&kw))?
        }
        Error::Api(api) => {
            kw.set_item("body", pythonize::pythonize(py, &api.body)?)?;
            kw.set_item("method", &api.method)?;
            kw.set_item("url", &api.url)?;
            kw.set_item("request_id", &api.request_id)?;
            kw.set_item("attempts", api.attempts)?;
            kw.set_item("retry_after", api.retry_after)?;
            m.getattr("_api_error")?
                .call((message, api.status), Some(&kw))?
        }
        Error::Connection {
            timeout, attempts, ..
        } => {
            kw.set_item("attempts", attempts)?;
            let cls = if *timeout {
                "APITimeoutError"
            } else {
                "APIConnectionError"
            };
            m.getattr(cls)?.call((message,), Some(&kw))?
        }
    };
    Ok(PyErr::from_value(instance))
}

/// A `procore.ConfigError` for bad arguments found in the Python layer.
pub fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_pyerr(py, Error::Config(message.into()))
}

/// A Rust panic, caught at the boundary, as `procore.ProcoreError`: a bug of procore, but one
/// the caller's `except Exception` (or `except procore.ProcoreError`) sees, unlike pyo3's
/// `PanicException`.
pub fn panic_error(py: Python<'_>, payload: Box<dyn Any + Send>) -> PyErr {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no details".into());
    let message = format!("internal error in procore (please report it): {detail}");
    match module!(py, "procore._exceptions").and_then(|m| m.getattr("ProcoreError")) {
        Ok(cls) => match cls.call1((message,)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        },
        Err(e) => e,
    }
}
