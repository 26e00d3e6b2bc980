//! The shared tokio runtime and the two ways of running a core future from Python.

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use tokio::runtime::Runtime;

use super::errors::to_pyerr;
use crate::core;

/// The one tokio runtime every client (and the mock server) runs on.
pub fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// How often a blocked sync call looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Runs `fut` to completion with the GIL released, checking for signals (Ctrl-C) while it
/// waits: a pending `KeyboardInterrupt` drops (cancels) the future and is raised.
pub fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| {
        runtime().block_on(async {
            tokio::pin!(fut);
            loop {
                tokio::select! {
                    out = &mut fut => return Ok(out),
                    _ = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

/// Runs a core call the way the client wants: blocking (sync client) or as an awaitable
/// (async client). The call itself is written once, as `fut`.
pub fn dispatch<T, F>(py: Python<'_>, is_async: bool, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = core::Result<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    if is_async {
        let aw = pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match fut.await {
                Ok(v) => Ok(v),
                Err(e) => Err(Python::attach(|py| to_pyerr(py, e))),
            }
        })?;
        Ok(aw.unbind())
    } else {
        let out = block_on(py, fut)?.map_err(|e| to_pyerr(py, e))?;
        out.into_py_any(py)
    }
}
