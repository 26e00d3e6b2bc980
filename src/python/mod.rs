//! The thin pyo3 layer: Python classes over the core, one shared tokio runtime, and the one
//! place where core errors become Python exceptions.

/// `module.attr`, imported on first use and kept for the life of the process: for what a hot
/// path calls (`asyncio.get_running_loop`, `ResultList`), where looking the module up on every
/// call would cost more than the call.
macro_rules! imported {
    ($py:expr, $module:literal, $attr:literal) => {{
        static CELL: ::pyo3::sync::PyOnceLock<::pyo3::Py<::pyo3::PyAny>> =
            ::pyo3::sync::PyOnceLock::new();
        CELL.import($py, $module, $attr)
    }};
}

/// The module `name`, imported on first use and kept. Its attributes are still read on every
/// use, so replacing one (a test's `monkeypatch.setattr`) takes effect.
macro_rules! module {
    ($py:expr, $name:literal) => {{
        static CELL: ::pyo3::sync::PyOnceLock<::pyo3::Py<::pyo3::types::PyModule>> =
            ::pyo3::sync::PyOnceLock::new();
        CELL.get_or_try_init($py, || $py.import($name).map(::pyo3::Bound::unbind))
            .map(|m| m.bind($py))
    }};
}

mod catalog;
mod client;
mod convert;
mod errors;
mod frames;
mod iter;
mod lifecycle;
mod logging;
mod login;
mod mock;
mod models;
mod namespaces;
mod options;
mod records;
mod runtime;
mod secrets;

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
    namespaces_register(m)?;
    mock::register(m)?;
    runtime::register(m)?;
    m.add_function(pyo3::wrap_pyfunction!(secrets::_scrub, m)?)?;
    records::register(m)?;
    frames::register(m)?;
    logging::register(m)?;
    options::register(m)?;
    Ok(())
}

/// The catalog and the resource namespaces.
fn namespaces_register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<catalog::Catalog>()?;
    m.add_class::<catalog::Operation>()?;
    m.add_class::<catalog::Param>()?;
    m.add_class::<namespaces::Namespace>()?;
    m.add_class::<namespaces::BoundOperation>()?;
    m.add_class::<namespaces::RecordIterator>()?;
    m.add("catalog", catalog::Catalog)?;
    m.add_function(pyo3::wrap_pyfunction!(namespaces::_namespace, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(namespaces::_namespace_names, m)?)?;
    Ok(())
}
