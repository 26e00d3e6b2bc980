//! The shared tokio runtime, and how a core future runs for Python: to completion on the
//! caller's thread (sync client), or as a coroutine that starts it when awaited (async client).
//!
//! Also the two things every way into Python from the runtime shares: the exit gate (no
//! runtime thread enters a Python that is shutting down) and the last-resort turning of a
//! Rust panic into `procore.ProcoreError` (never pyo3's `PanicException`, a `BaseException`
//! that `except Exception` misses).

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::FutureExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::{intern, IntoPyObjectExt};
use tokio::runtime::Runtime;

use super::errors::{panic_error, to_pyerr};
use crate::core;

/// The one tokio runtime every client (and the mock server) runs on.
pub fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

// ----- panics --------------------------------------------------------------------------------

/// Runs `f`, turning a panic into `procore.ProcoreError`: for the calls into the core that
/// are not futures (building a client).
pub fn catch_panic<R>(py: Python<'_>, f: impl FnOnce() -> R) -> PyResult<R> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_error(py, payload))
}

// ----- sync ----------------------------------------------------------------------------------

/// How often a blocked sync call looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Runs `fut` to completion with the GIL released, checking for signals (Ctrl-C) while it
/// waits: a pending `KeyboardInterrupt` drops (cancels) the future and is raised. A panic
/// (of the future, or of the runtime refusing to block, as inside a runtime thread) becomes
/// `procore.ProcoreError`.
pub fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let outcome = py.detach(|| {
        std::panic::catch_unwind(AssertUnwindSafe(|| {
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
        }))
    });
    outcome.unwrap_or_else(|payload| Err(panic_error(py, payload)))
}

// ----- the two clients -----------------------------------------------------------------------

/// Runs a core call the way the client wants: blocking (sync client) or as a coroutine
/// (async client) that starts the call when it is awaited. The call itself is written once,
/// as `fut`; nothing of it runs before that (a Rust future does nothing until polled).
pub fn dispatch<T, F>(py: Python<'_>, is_async: bool, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = core::Result<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    if is_async {
        coroutine(py, &method_name::<F>(), fut)
    } else {
        run_sync(py, fut)
    }
}

/// `dispatch` for a call made by a helper shared by several methods: `name` is the method's,
/// for the coroutine's repr and Python's "never awaited" warning (`AsyncClient.get`).
pub fn dispatch_named<T, F>(
    py: Python<'_>,
    is_async: bool,
    name: &str,
    fut: F,
) -> PyResult<Py<PyAny>>
where
    F: Future<Output = core::Result<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    if is_async {
        coroutine(py, &format!("AsyncClient.{name}"), fut)
    } else {
        run_sync(py, fut)
    }
}

fn run_sync<T, F>(py: Python<'_>, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = core::Result<T>> + Send,
    T: for<'py> IntoPyObject<'py> + Send,
{
    let out = block_on(py, fut)?.map_err(|e| to_pyerr(py, e))?;
    out.into_py_any(py)
}

/// The name a coroutine shows, from the type of the future the method built:
/// `…::BaseClient::me::{{closure}}` → `AsyncClient.me`, `…::Projects::list::{{closure}}` →
/// `AsyncClient.projects.list`.
fn method_name<F>() -> String {
    let parts: Vec<&str> = std::any::type_name::<F>()
        .split("::")
        .filter(|p| !p.starts_with('{'))
        .collect();
    match parts.as_slice() {
        [.., "BaseClient" | "AsyncClient", method] => format!("AsyncClient.{method}"),
        [.., owner, method] => format!("AsyncClient.{}.{method}", owner.to_lowercase()),
        _ => "AsyncClient call".into(),
    }
}

// ----- coroutines ----------------------------------------------------------------------------

/// What a coroutine calls when it is first resumed, once.
type Thunk = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// A Rust closure as a Python callable that runs once: the body of a coroutine of
/// `procore._coroutine`, called when the coroutine is awaited. Dropped unused (the coroutine
/// was never awaited, or closed first), it drops the request it holds: nothing is sent.
#[pyclass(frozen, module = "procore._procore")]
struct Deferred {
    thunk: Mutex<Option<Thunk>>,
}

impl Deferred {
    fn new(f: impl FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send + 'static) -> Self {
        Deferred {
            thunk: Mutex::new(Some(Box::new(f))),
        }
    }
}

#[pymethods]
impl Deferred {
    fn __call__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let thunk = self.thunk.lock().unwrap_or_else(|p| p.into_inner()).take();
        match thunk {
            Some(f) => f(py),
            None => Err(PyRuntimeError::new_err(
                "this call has already been started",
            )),
        }
    }
}

/// A real coroutine (`async def`) that, when awaited, starts `fut` on the runtime and waits
/// for it on the running loop. Never awaited, it sends nothing (and Python warns, as for any
/// coroutine, naming it `name`).
pub fn coroutine<F, T, E>(py: Python<'_>, name: &str, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    E: IntoPyErrLater,
{
    let start = Deferred::new(move |py| awaitable(py, fut).map(Bound::unbind));
    let coro = imported!(py, "procore._coroutine", "io")?.call1((start,))?;
    named(&coro, name)
}

/// A coroutine that runs `f` (no I/O: closing the client) when it is awaited.
pub fn on_await<R>(
    py: Python<'_>,
    name: &str,
    f: impl FnOnce(Python<'_>) -> R + Send + 'static,
) -> PyResult<Py<PyAny>>
where
    R: for<'a> IntoPyObject<'a>,
{
    let call = Deferred::new(move |py| f(py).into_py_any(py));
    let coro = imported!(py, "procore._coroutine", "later")?.call1((call,))?;
    named(&coro, name)
}

fn named(coro: &Bound<'_, PyAny>, name: &str) -> PyResult<Py<PyAny>> {
    let py = coro.py();
    coro.setattr(intern!(py, "__qualname__"), name)?;
    coro.setattr(
        intern!(py, "__name__"),
        name.rsplit('.').next().unwrap_or(name),
    )?;
    Ok(coro.clone().unbind())
}

// ----- futures of the event loop -------------------------------------------------------------

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

/// Runs `fut` on the shared runtime and returns an asyncio future of the running loop that
/// completes with its result. Cancelling the asyncio future cancels the Rust one; a panic of
/// the Rust one fails it with `procore.ProcoreError` (it would otherwise never complete).
///
/// Written here rather than taken from pyo3-async-runtimes for the interpreter's exit: the
/// result is handed over through the exit gate.
pub fn awaitable<'py, F, T, E>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    E: IntoPyErrLater,
{
    let event_loop = imported!(py, "asyncio", "get_running_loop")?.call0()?;
    let py_fut = event_loop.call_method0(intern!(py, "create_future"))?;
    let target = (event_loop.unbind(), py_fut.clone().unbind());
    let task = runtime().spawn(async move {
        let outcome = AssertUnwindSafe(fut).catch_unwind().await;
        deliver(target, outcome);
    });
    py_fut.call_method1(
        intern!(py, "add_done_callback"),
        (CancelTask {
            handle: task.abort_handle(),
        },),
    )?;
    Ok(py_fut)
}

type Outcome<T, E> = Result<Result<T, E>, Box<dyn Any + Send>>;

fn deliver<T, E>(target: (Py<PyAny>, Py<PyAny>), outcome: Outcome<T, E>)
where
    T: for<'a> IntoPyObject<'a>,
    E: IntoPyErrLater,
{
    EXIT_GATE.pass(|py| {
        let (event_loop, fut) = target;
        let failed = |e: PyErr| (false, e.into_value(py).into_any());
        let (ok, value) = match outcome {
            Ok(Ok(v)) => match std::panic::catch_unwind(AssertUnwindSafe(|| v.into_py_any(py))) {
                Ok(Ok(obj)) => (true, obj),
                Ok(Err(e)) => failed(e),
                Err(payload) => failed(panic_error(py, payload)),
            },
            Ok(Err(e)) => failed(e.into_pyerr(py)),
            Err(payload) => failed(panic_error(py, payload)),
        };
        let Ok(complete) = imported!(py, "procore._procore", "_complete_future") else {
            return;
        };
        // A closed loop refuses the call: then nobody is waiting for the result.
        let _ = event_loop.call_method1(
            py,
            intern!(py, "call_soon_threadsafe"),
            (complete, fut, ok, value),
        );
    });
}

/// Runs on the event loop's thread: completes the future unless it was cancelled meanwhile.
#[pyfunction]
pub fn _complete_future(
    fut: &Bound<'_, PyAny>,
    ok: bool,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = fut.py();
    if fut.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    if ok {
        fut.call_method1(intern!(py, "set_result"), (value,))?;
    } else {
        fut.call_method1(intern!(py, "set_exception"), (value,))?;
    }
    Ok(())
}

/// Done-callback of an awaitable: a cancelled asyncio future cancels its Rust task.
#[pyclass(module = "procore._procore")]
struct CancelTask {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl CancelTask {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut
            .call_method0(intern!(fut.py(), "cancelled"))?
            .is_truthy()?
        {
            self.handle.abort();
        }
        Ok(())
    }
}

// ----- the exit gate -------------------------------------------------------------------------

/// Every runtime thread that enters Python passes here: to hand a result to an event loop
/// (`deliver`) or a log record to `logging` (`logging.rs`).
///
/// A thread still inside Python when the interpreter finalises is ended by `pthread_exit`,
/// which aborts the process (seen as a rare exit code -6 of scripts using the async client).
/// So an `atexit` hook closes the gate and waits for the threads inside to leave; later ones
/// are turned away.
pub struct ExitGate {
    closed: AtomicBool,
    inside: AtomicUsize,
}

pub static EXIT_GATE: ExitGate = ExitGate {
    closed: AtomicBool::new(false),
    inside: AtomicUsize::new(0),
};

/// How long the exit hook waits for threads inside Python.
const EXIT_WAIT: Duration = Duration::from_secs(5);

impl ExitGate {
    /// Whether the interpreter has started to shut down.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Runs `f` with the GIL, unless the gate is closed (then `f` is dropped unrun).
    pub fn pass<R>(&self, f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
        if self.is_closed() {
            return None;
        }
        self.inside.fetch_add(1, Ordering::SeqCst);
        let _leave = Leave(&self.inside);
        // Checked again after counting ourselves: either the hook sees the count, or we see
        // its flag.
        if self.is_closed() {
            return None;
        }
        Some(Python::attach(f))
    }

    fn close(&self, py: Python<'_>) {
        self.closed.store(true, Ordering::SeqCst);
        // Records made from now on are dropped by the bridge; this makes them free.
        log::set_max_level(log::LevelFilter::Off);
        py.detach(|| {
            let deadline = Instant::now() + EXIT_WAIT;
            while self.inside.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
    }
}

struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `atexit` hook: closes the exit gate and waits (GIL released) for the threads inside.
#[pyfunction]
pub fn _close_exit_gate(py: Python<'_>) {
    EXIT_GATE.close(py);
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(pyo3::wrap_pyfunction!(_complete_future, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(_close_exit_gate, m)?)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (m.getattr("_close_exit_gate")?,))?;
    Ok(())
}

/// Runs `f` in the embedded interpreter of a Rust test, with this checkout's `procore`
/// importable (errors are classes of `procore._exceptions`; `make test` builds the extension
/// before it runs these tests).
#[cfg(test)]
pub fn with_python<R>(f: impl FnOnce(Python<'_>) -> R) -> R {
    Python::initialize();
    Python::attach(|py| {
        let path = py.import("sys").unwrap().getattr("path").unwrap();
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/python");
        if !path.contains(here).unwrap() {
            path.call_method1("insert", (0, here)).unwrap();
        }
        f(py)
    })
}

#[cfg(test)]
mod tests {
    use pyo3::types::PyDict;

    use super::*;

    #[pyfunction]
    fn panicking_call(py: Python<'_>) -> PyResult<Py<PyAny>> {
        coroutine(py, "AsyncClient.panicking_call", async {
            if std::hint::black_box(true) {
                panic!("boom in a future");
            }
            Ok::<_, PyErr>(1)
        })
    }

    /// `source` run with `call` bound to `f`; what it left in `result`.
    fn run_with(py: Python<'_>, f: Bound<'_, PyAny>, source: &std::ffi::CStr) -> String {
        let globals = PyDict::new(py);
        globals.set_item("call", f).unwrap();
        py.run(source, Some(&globals), None).unwrap();
        globals
            .get_item("result")
            .unwrap()
            .expect("the script sets `result`")
            .extract()
            .unwrap()
    }

    #[test]
    fn a_panic_in_an_async_call_fails_its_await_with_procore_error() {
        with_python(|py| {
            let f = pyo3::wrap_pyfunction!(panicking_call, py).unwrap();
            let result = run_with(
                py,
                f.into_any(),
                cr#"
import asyncio, procore
coro = call()
assert asyncio.iscoroutine(coro) and coro.__qualname__ == "AsyncClient.panicking_call"
try:
    asyncio.run(asyncio.wait_for(coro, 30))
    result = "no error"
except procore.ProcoreError as e:
    result = type(e).__name__ + ": " + str(e)
"#,
            );
            assert_eq!(
                result,
                "ProcoreError: internal error in procore (please report it): boom in a future"
            );
        });
    }

    #[test]
    fn a_panic_in_a_sync_call_is_procore_error() {
        with_python(|py| {
            let e = block_on(py, async {
                if std::hint::black_box(true) {
                    panic!("boom while blocking");
                }
            })
            .unwrap_err();
            assert!(e.get_type(py).name().unwrap() == "ProcoreError");
            assert!(e.to_string().ends_with("boom while blocking"), "{e}");
            let e = catch_panic(py, || -> u8 { panic!("boom {}", 7) }).unwrap_err();
            assert!(e.to_string().ends_with("(please report it): boom 7"), "{e}");
        });
    }
}
