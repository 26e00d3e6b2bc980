//! The shared tokio runtime and the two ways of running a core future from Python.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
        Ok(awaitable(py, fut)?.unbind())
    } else {
        let out = block_on(py, fut)?.map_err(|e| to_pyerr(py, e))?;
        out.into_py_any(py)
    }
}

/// An error made into a Python exception only when it is delivered (with the GIL held).
pub trait IntoPyErrLater: Send + 'static {
    fn into_pyerr(self, py: Python<'_>) -> PyErr;
}

impl IntoPyErrLater for PyErr {
    fn into_pyerr(self, _py: Python<'_>) -> PyErr {
        self
    }
}

impl IntoPyErrLater for core::Error {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        to_pyerr(py, self)
    }
}

/// Set when the interpreter starts to shut down: results still arriving are dropped instead
/// of being handed to a Python that is going away.
static FINALIZING: AtomicBool = AtomicBool::new(false);
/// Tokio threads inside Python right now, handing a result to an event loop.
static DELIVERING: AtomicUsize = AtomicUsize::new(0);

/// Runs `fut` on the shared runtime and returns an asyncio future of the running loop that
/// completes with its result. Cancelling the asyncio future cancels the Rust one.
///
/// Written here rather than taken from pyo3-async-runtimes because of the interpreter's exit:
/// a tokio thread still inside `call_soon_threadsafe` when the interpreter finalises is ended
/// by `pthread_exit`, which aborts the process (seen as a rare exit code -6 of scripts using
/// the async client). Deliveries are counted, and an `atexit` hook waits for them to finish
/// and turns later ones away.
pub fn awaitable<'py, F, T, E>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    E: IntoPyErrLater,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_fut = event_loop.call_method0("create_future")?;
    let target = (event_loop.unbind(), py_fut.clone().unbind());
    let task = runtime().spawn(async move {
        let result = fut.await;
        deliver(target, result);
    });
    py_fut.call_method1(
        "add_done_callback",
        (CancelTask {
            handle: task.abort_handle(),
        },),
    )?;
    Ok(py_fut)
}

fn deliver<T, E>(target: (Py<PyAny>, Py<PyAny>), result: Result<T, E>)
where
    T: for<'a> IntoPyObject<'a>,
    E: IntoPyErrLater,
{
    if FINALIZING.load(Ordering::SeqCst) {
        return;
    }
    DELIVERING.fetch_add(1, Ordering::SeqCst);
    // Checked again after counting ourselves: either the exit hook sees the count, or we see
    // its flag.
    if !FINALIZING.load(Ordering::SeqCst) {
        Python::attach(|py| {
            let (event_loop, fut) = target;
            let (ok, value) = match result {
                Ok(v) => match v.into_py_any(py) {
                    Ok(obj) => (true, obj),
                    Err(e) => (false, e.into_value(py).into_any()),
                },
                Err(e) => (false, e.into_pyerr(py).into_value(py).into_any()),
            };
            let complete = match py
                .import("procore._procore")
                .and_then(|m| m.getattr("_complete_future"))
            {
                Ok(f) => f,
                Err(_) => return,
            };
            // A closed loop refuses the call: then nobody is waiting for the result.
            let _ = event_loop.call_method1(py, "call_soon_threadsafe", (complete, fut, ok, value));
        });
    }
    DELIVERING.fetch_sub(1, Ordering::SeqCst);
}

/// Runs on the event loop's thread: completes the future unless it was cancelled meanwhile.
#[pyfunction]
pub fn _complete_future(
    fut: &Bound<'_, PyAny>,
    ok: bool,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    if fut.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    if ok {
        fut.call_method1("set_result", (value,))?;
    } else {
        fut.call_method1("set_exception", (value,))?;
    }
    Ok(())
}

/// The `atexit` hook: stop delivering, and wait (GIL released) for deliveries under way.
#[pyfunction]
pub fn _drain_deliveries(py: Python<'_>) {
    FINALIZING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while DELIVERING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Done-callback of an awaitable: a cancelled asyncio future cancels its Rust task.
#[pyclass(module = "procore._procore")]
struct CancelTask {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl CancelTask {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
        }
        Ok(())
    }
}
