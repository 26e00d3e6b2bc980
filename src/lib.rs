//! procore: a client for the Procore REST API.
//!
//! `core` is pure Rust (no pyo3): configuration, OAuth, HTTP, pagination, models, errors.
//! `mock` is the mock Procore server used by the tests, examples and benchmarks.
//! `python` is the thin pyo3 layer, built only with the `python` feature.

pub mod core;
pub mod mock;
#[cfg(feature = "python")]
mod python;

#[cfg(feature = "python")]
#[pyo3::pymodule]
fn _procore(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    python::register(m)
}
