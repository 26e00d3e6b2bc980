//! The thin pyo3 layer: Python classes over the core, one shared tokio runtime, and the one
//! place where core errors become Python exceptions.

mod client;
mod convert;
mod errors;
mod iter;
mod logging;
mod mock;
mod models;
mod records;
mod runtime;

use pyo3::prelude::*;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::BaseClient>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<client::Companies>()?;
    m.add_class::<client::Projects>()?;
    m.add_class::<iter::PageIterator>()?;
    m.add_class::<models::Token>()?;
    m.add_class::<models::Me>()?;
    m.add_class::<models::Company>()?;
    m.add_class::<models::Project>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    mock::register(m)?;
    records::register(m)?;
    m.add_function(pyo3::wrap_pyfunction!(runtime::_complete_future, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(runtime::_drain_deliveries, m)?)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (m.getattr("_drain_deliveries")?,))?;
    logging::register(m)?;
    Ok(())
}
