//! Hands the core's `log` records to Python's `logging`, under the loggers named by their
//! targets (`procore.http`, `procore.oauth`). Records of other crates are dropped.
//!
//! Records are made on tokio threads, so this is written for three hazards:
//! - Cost: whether a level is enabled is read from atomics kept in step with `logging` by
//!   `procore/_logging.py` (every level change reaches `_log_levels_changed`), so with
//!   logging off a record costs an atomic load and the GIL is never taken.
//! - Exit: a thread that takes the GIL while the interpreter finalises aborts the process.
//!   Records are handed over through the exit gate of `runtime.rs`, as results are: once the
//!   interpreter starts to shut down, no record reaches Python.
//! - Deadlock: a record takes the GIL, so the core never logs while holding a lock that a
//!   thread holding the GIL may wait for (the client's token and rate-limit state).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use log::kv::{self, Key, Value, VisitSource};
use log::{Level, LevelFilter, Log, Metadata, Record};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;

use super::runtime::EXIT_GATE;
use crate::core::LOG_TARGETS;

const N: usize = LOG_TARGETS.len();

/// Per target, the lowest Python level that passes (`u32::MAX`: none does).
static THRESHOLDS: [AtomicU32; N] = [const { AtomicU32::new(u32::MAX) }; N];
/// True while `THRESHOLDS` follow `logging`; false: ask `logging` about every record.
static WATCHED: AtomicBool = AtomicBool::new(false);

struct Bridge;

static BRIDGE: Bridge = Bridge;

fn py_level(level: Level) -> u32 {
    match level {
        Level::Error => 40,
        Level::Warn => 30,
        Level::Info => 20,
        Level::Debug => 10,
        Level::Trace => 5,
    }
}

/// The most verbose `log` level that some target lets through: the `log` macros compare
/// against it before anything else, so disabled records cost one atomic load.
fn max_level() -> LevelFilter {
    if EXIT_GATE.is_closed() {
        return LevelFilter::Off;
    }
    if !WATCHED.load(Ordering::SeqCst) {
        return LevelFilter::Trace;
    }
    let low = THRESHOLDS
        .iter()
        .map(|t| t.load(Ordering::SeqCst))
        .min()
        .unwrap_or(u32::MAX);
    [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ]
    .into_iter()
    .find(|l| py_level(*l) >= low)
    .map_or(LevelFilter::Off, |l| l.to_level_filter())
}

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if EXIT_GATE.is_closed() {
            return false;
        }
        let Some(i) = LOG_TARGETS.iter().position(|t| *t == metadata.target()) else {
            return false;
        };
        !WATCHED.load(Ordering::Relaxed)
            || py_level(metadata.level()) >= THRESHOLDS[i].load(Ordering::Relaxed)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        EXIT_GATE.pass(|py| {
            let earlier = PyErr::take(py);
            match emit(py, record) {
                Ok(()) => {}
                // Ctrl-C landed in a handler (on the main thread, where a sync call logs):
                // raise it again as a signal, for the call's next check to see.
                Err(e) if e.is_instance_of::<PyKeyboardInterrupt>(py) => unsafe {
                    pyo3::ffi::PyErr_SetInterrupt();
                },
                Err(e) => e.write_unraisable(py, None),
            }
            if let Some(e) = earlier {
                e.restore(py);
            }
        });
    }

    fn flush(&self) {}
}

/// Builds the `LogRecord` (fields of the `log` record become its attributes) and hands it to
/// the logger's handlers.
fn emit(py: Python<'_>, record: &Record<'_>) -> PyResult<()> {
    let name = record.target();
    let level = py_level(record.level());
    let logger = imported!(py, "logging", "getLogger")?.call1((name,))?;
    // Also the whole check when the levels are not watched, and it honours `logger.disabled`.
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    let mut fields = Fields {
        dict: &extra,
        err: None,
    };
    let _ = record.key_values().visit(&mut fields);
    if let Some(e) = fields.err {
        return Err(e);
    }
    // The message is passed already formatted, with no arguments: a `%` in it stays a `%`.
    let rec = logger.call_method1(
        "makeRecord",
        (
            name,
            level,
            record.file().unwrap_or("<rust>"),
            record.line().unwrap_or(0),
            record.args().to_string(),
            PyTuple::empty(py),
            py.None(),
            py.None(),
            extra,
        ),
    )?;
    logger.call_method1("handle", (rec,))?;
    Ok(())
}

/// Copies a record's key-values into a dict of Python values.
struct Fields<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    err: Option<PyErr>,
}

impl<'kvs> VisitSource<'kvs> for Fields<'_, '_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let py = self.dict.py();
        let v = if let Some(b) = value.to_bool() {
            b.into_bound_py_any(py)
        } else if let Some(n) = value.to_u64() {
            n.into_bound_py_any(py)
        } else if let Some(n) = value.to_i64() {
            n.into_bound_py_any(py)
        } else if let Some(x) = value.to_f64() {
            x.into_bound_py_any(py)
        } else if let Some(s) = value.to_borrowed_str() {
            s.into_bound_py_any(py)
        } else if format!("{value:?}") == "None" {
            // An absent `Option` (strings debug-print with quotes, so this is no string).
            Ok(py.None().into_bound(py))
        } else {
            value.to_string().into_bound_py_any(py)
        };
        match v.and_then(|v| self.dict.set_item(key.as_str(), v)) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.err = Some(e);
                Err(kv::Error::msg("cannot convert a log field"))
            }
        }
    }
}

/// Called by `procore._logging` with the new thresholds whenever a level changes.
#[pyfunction]
pub fn _log_levels_changed(levels: Vec<i64>) {
    for (slot, level) in THRESHOLDS.iter().zip(levels) {
        slot.store(level.clamp(0, u32::MAX as i64) as u32, Ordering::SeqCst);
    }
    log::set_max_level(max_level());
}

/// Installs the bridge (once per process) and starts following `logging`'s levels.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(pyo3::wrap_pyfunction!(_log_levels_changed, m)?)?;
    // Fails only if a logger is already set: then this module was initialised before.
    let _ = log::set_logger(&BRIDGE);
    let watched = py
        .import("procore._logging")?
        .call_method1("watch", (LOG_TARGETS, m.getattr("_log_levels_changed")?))?
        .is_truthy()?;
    WATCHED.store(watched, Ordering::SeqCst);
    log::set_max_level(max_level());
    Ok(())
}
