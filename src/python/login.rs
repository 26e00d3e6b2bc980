//! `login()` for both clients: the core's one login future ([`core::login::login`]), run by
//! the runtime like every other call, with the person's side (printing the URL, opening the
//! browser, reading a pasted code) done by `procore/_login.py`.
//!
//! The sync client blocks on the future (GIL released, Ctrl-C checked by `block_on`); the
//! async client awaits it, and the Python side then runs on the event loop's thread, as the
//! rest of an asyncio program does (`input()` in a notebook needs that thread).

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;
use tokio::sync::oneshot;

use super::errors::to_pyerr;
use super::models::Token;
use super::runtime::{awaitable, block_on, IntoPyErrLater};
use crate::core::login::{Instructions, LoginError, LoginOptions, LoginUi, Mode};
use crate::core::{self};

/// The arguments of `login()`, checked by the method.
pub struct Args {
    pub open_browser: Option<bool>,
    pub oob: Option<bool>,
    pub port: u16,
    pub timeout: f64,
}

/// `client.login(...)`: the token (sync), or an awaitable of it (async).
pub fn login(
    py: Python<'_>,
    client: core::Client,
    is_async: bool,
    args: Args,
) -> PyResult<Py<PyAny>> {
    // Missing credentials are reported before anything happens (at the call, not the await).
    core::login::check(&client).map_err(|e| to_pyerr(py, e))?;
    let mode = match args.oob {
        Some(true) => Mode::Paste,
        Some(false) => Mode::Listen,
        // In a notebook the browser may be on another machine, and input() works.
        None if in_notebook(py)? => Mode::Paste,
        None => Mode::ListenOrPaste,
    };
    let opts = LoginOptions {
        mode,
        port: args.port,
        timeout: Duration::from_secs_f64(args.timeout),
    };
    if is_async {
        // A coroutine, as `async def login()` would give: the login starts when it is
        // awaited, on the loop that awaits it (`asyncio.run(client.login())` works).
        let start = StartLogin {
            client,
            opts,
            open_browser: args.open_browser,
        };
        return Ok(module!(py, "procore._login")?
            .call_method1("awaiting", (start,))?
            .unbind());
    }
    let ui = PythonUi {
        event_loop: None,
        open_browser: args.open_browser,
    };
    let fut = async move { core::login::login(&client, &opts, &ui).await };
    block_on(py, fut)?
        .map(Token::from)
        .map_err(|e| e.into_pyerr(py))?
        .into_py_any(py)
}

/// The async login, started by `procore._login.awaiting` inside the running event loop.
#[pyclass(frozen, module = "procore._procore")]
struct StartLogin {
    client: core::Client,
    opts: LoginOptions,
    open_browser: Option<bool>,
}

#[pymethods]
impl StartLogin {
    fn __call__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let event_loop = imported!(py, "asyncio", "get_running_loop")?.call0()?;
        let ui = PythonUi {
            event_loop: Some(event_loop.unbind()),
            open_browser: self.open_browser,
        };
        let (client, opts) = (self.client.clone(), self.opts.clone());
        let closed = Arc::new(Closed::default());
        let guard = CloseGuard(closed.clone());
        let fut = async move {
            let _guard = guard;
            core::login::login(&client, &opts, &ui)
                .await
                .map(Token::from)
        };
        let awaited = awaitable(py, fut)?;
        // A cancelled login (Ctrl-C in `asyncio.run`) has closed its port by the time the
        // cancellation is delivered, as the sync client's has.
        awaited.call_method1("add_done_callback", (WaitClosed { closed },))?;
        Ok(awaited)
    }
}

fn in_notebook(py: Python<'_>) -> PyResult<bool> {
    module!(py, "procore._env")?
        .call_method0("in_notebook")?
        .extract()
}

impl IntoPyErrLater for LoginError<PyErr> {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            LoginError::Core(e) => to_pyerr(py, e),
            LoginError::Ui(e) => e,
            // The refusals carry a message of their own (what happened, what to do).
            LoginError::Refused {
                message,
                error,
                description,
            } => {
                let build = || -> PyResult<PyErr> {
                    let kw = PyDict::new(py);
                    kw.set_item("error", error)?;
                    kw.set_item("description", description)?;
                    let cls = module!(py, "procore._exceptions")?.getattr("OAuthError")?;
                    Ok(PyErr::from_value(cls.call((message,), Some(&kw))?))
                };
                build().unwrap_or_else(|e| e)
            }
        }
    }
}

/// The person's side, in `procore._login`: `show(...)` and `ask_code()`.
struct PythonUi {
    /// The async client's event loop, where the Python side runs; `None` for the sync client
    /// (then it runs in the calling thread, inside `block_on`).
    event_loop: Option<Py<PyAny>>,
    open_browser: Option<bool>,
}

impl PythonUi {
    async fn call(&self, name: &'static str, args: Py<PyTuple>) -> PyResult<Py<PyAny>> {
        let Some(event_loop) = &self.event_loop else {
            return Python::attach(|py| {
                Ok(module!(py, "procore._login")?
                    .getattr(name)?
                    .call1(args)?
                    .unbind())
            });
        };
        let (tx, rx) = oneshot::channel();
        Python::attach(|py| -> PyResult<()> {
            let call = OnLoop {
                function: module!(py, "procore._login")?.getattr(name)?.unbind(),
                args,
                reply: Mutex::new(Some(tx)),
            };
            event_loop.call_method1(py, "call_soon_threadsafe", (call,))?;
            Ok(())
        })?;
        rx.await.unwrap_or_else(|_| {
            Err(PyRuntimeError::new_err(
                "login(): the event loop closed before the login could go on",
            ))
        })
    }
}

impl LoginUi for PythonUi {
    type Error = PyErr;

    async fn show(&self, i: &Instructions<'_>) -> PyResult<()> {
        let args = Python::attach(|py| -> PyResult<Py<PyTuple>> {
            let args = (
                i.url,
                i.redirect_uri,
                i.paste,
                self.open_browser,
                i.no_listener,
            );
            Ok(args.into_pyobject(py)?.unbind())
        })?;
        self.call("show", args).await.map(drop)
    }

    async fn read_code(&self) -> PyResult<Option<String>> {
        let args = Python::attach(|py| PyTuple::empty(py).unbind());
        let text = self.call("ask_code", args).await?;
        Python::attach(|py| text.extract(py))
    }
}

/// One call of the Python side on the event loop's thread (`call_soon_threadsafe`).
#[pyclass(frozen, module = "procore._procore")]
struct OnLoop {
    function: Py<PyAny>,
    args: Py<PyTuple>,
    reply: Mutex<Option<oneshot::Sender<PyResult<Py<PyAny>>>>>,
}

#[pymethods]
impl OnLoop {
    fn __call__(&self, py: Python<'_>) {
        let Some(reply) = self.reply.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        if reply.is_closed() {
            return; // the login was cancelled meanwhile
        }
        let _ = reply.send(self.function.call1(py, self.args.bind(py)));
    }
}

/// Set when the login future is gone (finished, or dropped on cancellation), and with it
/// its listener.
#[derive(Default)]
struct Closed {
    done: Mutex<bool>,
    signal: Condvar,
}

struct CloseGuard(Arc<Closed>);

impl Drop for CloseGuard {
    fn drop(&mut self) {
        *self.0.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.0.signal.notify_all();
    }
}

/// Done-callback of the async login: after a cancellation, waits (GIL released, briefly) for
/// the aborted future to be dropped, so that the port is free when the caller goes on.
#[pyclass(frozen, module = "procore._procore")]
struct WaitClosed {
    closed: Arc<Closed>,
}

#[pymethods]
impl WaitClosed {
    fn __call__(&self, py: Python<'_>, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if !fut.call_method0("cancelled")?.is_truthy()? {
            return Ok(());
        }
        let closed = &self.closed;
        py.detach(|| {
            let done = closed.done.lock().unwrap_or_else(|p| p.into_inner());
            let _ = closed
                .signal
                .wait_timeout_while(done, Duration::from_secs(2), |done| !*done);
        });
        Ok(())
    }
}
