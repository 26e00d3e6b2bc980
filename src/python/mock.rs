//! `procore._procore.MockServer`: the pyo3 face of the mock Procore server (`crate::mock`).
//! The public Python API is `procore.testing.MockServer`, a thin wrapper over this class.
//!
//! The server runs on the shared tokio runtime (the one the clients use); anything that
//! waits releases the GIL.

use std::io;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::runtime::runtime;
use crate::mock::{MockConfig, MockError, MockServer};

fn value_error(e: MockError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Seconds (float) to a `Duration`; negative, NaN or huge values are a `ValueError`.
fn seconds(name: &str, s: f64) -> PyResult<Duration> {
    if !s.is_finite() || s < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{name} must be a non-negative number of seconds"
        )));
    }
    Duration::try_from_secs_f64(s)
        .map_err(|_| PyValueError::new_err(format!("{name} is too large")))
}

/// A running mock Procore server (HTTPS on 127.0.0.1, its own CA). Use
/// `procore.testing.MockServer`, which wraps this class.
#[pyclass(name = "MockServer", module = "procore._procore", frozen)]
pub struct PyMockServer {
    inner: MockServer,
}

#[pymethods]
impl PyMockServer {
    #[new]
    #[pyo3(signature = (
        *,
        client_id = None,
        client_secret = None,
        companies = 2,
        projects_per_company = 250,
        token_lifetime = 5400,
        code_lifetime = 600,
        default_per_page = 100,
        max_per_page = 300,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: Option<String>,
        client_secret: Option<String>,
        companies: usize,
        projects_per_company: usize,
        token_lifetime: u64,
        code_lifetime: u64,
        default_per_page: u32,
        max_per_page: u32,
    ) -> PyResult<Self> {
        let mut cfg = MockConfig {
            companies,
            projects_per_company,
            token_lifetime,
            code_lifetime,
            default_per_page,
            max_per_page,
            ..MockConfig::default()
        };
        if let Some(id) = client_id {
            cfg.client_id = id;
        }
        if let Some(secret) = client_secret {
            cfg.client_secret = secret;
        }
        let inner = py
            .detach(|| runtime().block_on(MockServer::start(cfg)))
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidInput => PyValueError::new_err(e.to_string()),
                _ => PyOSError::new_err(format!("the mock server could not start: {e}")),
            })?;
        Ok(PyMockServer { inner })
    }

    /// The API host, `https://127.0.0.1:PORT`.
    #[getter]
    fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// The login (OAuth) host, `https://127.0.0.1:PORT`.
    #[getter]
    fn login_url(&self) -> String {
        self.inner.login_url()
    }

    /// The CA certificate (PEM text) clients must trust.
    #[getter]
    fn ca_cert_pem(&self) -> String {
        self.inner.ca_cert_pem()
    }

    #[getter]
    fn client_id(&self) -> String {
        self.inner.client_id()
    }

    /// The mock's own throwaway client secret.
    #[getter]
    fn client_secret(&self) -> String {
        self.inner.client_secret()
    }

    /// The first company's id.
    #[getter]
    fn company_id(&self) -> i64 {
        self.inner.company_id()
    }

    #[getter]
    fn company_ids(&self) -> Vec<i64> {
        self.inner.company_ids()
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_shut_down()
    }

    /// Play the user's browser: validate the authorization URL and return a fresh code.
    fn approve(&self, authorization_url: &str) -> PyResult<String> {
        self.inner.approve(authorization_url).map_err(value_error)
    }

    #[pyo3(signature = (status = 500, count = 1, path = None, retry_after = None))]
    fn fail_next(
        &self,
        status: u16,
        count: u32,
        path: Option<String>,
        retry_after: Option<u64>,
    ) -> PyResult<()> {
        if !(100..=599).contains(&status) {
            return Err(PyValueError::new_err(
                "status must be an HTTP status code (100..=599)",
            ));
        }
        self.inner.fail_next(status, count, path, retry_after);
        Ok(())
    }

    #[pyo3(signature = (count = 1, path = None, *, after_processing = false))]
    fn drop_next(&self, count: u32, path: Option<String>, after_processing: bool) {
        if after_processing {
            self.inner.drop_after_next(count, path);
        } else {
            self.inner.drop_next(count, path);
        }
    }

    #[pyo3(signature = (seconds, count = 1, path = None))]
    fn delay_next(&self, seconds: f64, count: u32, path: Option<String>) -> PyResult<()> {
        let delay = self::seconds("seconds", seconds)?;
        self.inner.delay_next(delay, count, path);
        Ok(())
    }

    #[pyo3(signature = (rate, seed = None))]
    fn set_fault_rate(&self, rate: f64, seed: Option<u64>) -> PyResult<()> {
        if !(0.0..=1.0).contains(&rate) {
            return Err(PyValueError::new_err("rate must be between 0 and 1"));
        }
        self.inner.set_fault_rate(rate, seed);
        Ok(())
    }

    fn set_latency(&self, seconds: f64) -> PyResult<()> {
        self.inner.set_latency(self::seconds("seconds", seconds)?);
        Ok(())
    }

    /// Paginate by `Link` alone (no `Total` / `Per-Page` headers).
    fn set_link_only(&self, on: bool) {
        self.inner.set_link_only(on);
    }

    /// Drop every queued fault, the random fault rate and the latency.
    fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    fn set_rate_limit(&self, limit: u32, window_seconds: f64) -> PyResult<()> {
        let window = seconds("window_seconds", window_seconds)?;
        if window.is_zero() {
            return Err(PyValueError::new_err("window_seconds must be positive"));
        }
        self.inner.set_rate_limit(limit, window);
        Ok(())
    }

    fn expire_tokens(&self) {
        self.inner.expire_tokens();
    }

    fn set_projects(&self, company_id: i64, count: usize) -> PyResult<()> {
        self.inner
            .set_projects(company_id, count)
            .map_err(value_error)
    }

    /// Change a list once, right after its page `page` has been served (see
    /// `procore.testing.MockServer.change_after_page`).
    #[pyo3(signature = (page, *, delete = 0, create = 0, touch = 0, company_id = None, companies = false))]
    #[allow(clippy::too_many_arguments)]
    fn change_after_page(
        &self,
        page: u64,
        delete: usize,
        create: usize,
        touch: usize,
        company_id: Option<i64>,
        companies: bool,
    ) -> PyResult<()> {
        let company = if companies {
            None
        } else {
            Some(company_id.unwrap_or_else(|| self.inner.company_id()))
        };
        self.inner
            .change_after_page(company, page, delete, create, touch)
            .map_err(value_error)
    }

    /// `count` records in every list of the catalog route `route` (every list when None).
    #[pyo3(signature = (count, route = None))]
    fn set_records(&self, count: usize, route: Option<&str>) -> PyResult<()> {
        self.inner.set_records(route, count).map_err(value_error)
    }

    /// A concrete path of the catalog GET route `route` that this mock answers.
    fn example_path(&self, route: &str) -> PyResult<String> {
        self.inner.example_path(route).ok_or_else(|| {
            PyValueError::new_err(format!("not a GET route of the catalog: {route}"))
        })
    }

    /// `{"requests", "api_requests", "login_requests", "token_requests": {grant: n},
    /// "status_counts": {"200": n, ...}, "refreshes", "dropped"}`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("requests", s.requests)?;
        d.set_item("api_requests", s.api_requests)?;
        d.set_item("login_requests", s.login_requests)?;
        let grants = PyDict::new(py);
        grants.set_item("authorization_code", s.token_requests.authorization_code)?;
        grants.set_item("refresh_token", s.token_requests.refresh_token)?;
        grants.set_item("client_credentials", s.token_requests.client_credentials)?;
        d.set_item("token_requests", grants)?;
        let statuses = PyDict::new(py);
        for (status, n) in &s.status_counts {
            statuses.set_item(status.to_string(), n)?;
        }
        d.set_item("status_counts", statuses)?;
        d.set_item("refreshes", s.refreshes)?;
        d.set_item("dropped", s.dropped)?;
        Ok(d)
    }

    /// Requests seen, in arrival order: `{"host": "api"|"login", "method", "path", "query",
    /// "company_header", "authorized", "http_version", "status"}`. Never a token or secret.
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in self.inner.requests() {
            let d = PyDict::new(py);
            d.set_item("host", r.host.as_str())?;
            d.set_item("method", r.method)?;
            d.set_item("path", r.path)?;
            d.set_item("query", r.query)?;
            d.set_item("company_header", r.company_header)?;
            d.set_item("authorized", r.authorized)?;
            d.set_item("http_version", r.http_version)?;
            d.set_item("status", r.status)?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    /// Stop the server: both listeners close and every connection ends. Idempotent.
    fn close(&self, py: Python<'_>) {
        self.inner.shutdown();
        py.detach(|| runtime().block_on(self.inner.stopped()));
    }

    fn __repr__(&self) -> String {
        format!(
            "<procore._procore.MockServer base_url={:?} login_url={:?}{}>",
            self.inner.base_url(),
            self.inner.login_url(),
            if self.inner.is_shut_down() {
                " closed"
            } else {
                ""
            }
        )
    }
}

/// Add `MockServer` to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMockServer>()
}
