//! Core errors become `procore` exceptions here, and only here. The classes live in
//! `procore/_exceptions.py` (classes with fields are simplest in Python under abi3).

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
    let m = py.import("procore._exceptions")?;
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
