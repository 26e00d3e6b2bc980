//! Lazy iteration over list endpoints: `client.iter_pages(path)`, `client.projects.iter()`,
//! `client.companies.iter()`. Pages are fetched ahead by a background task, so memory stays
//! bounded by the pages in flight. `for` on the sync client, `async for` on the async one.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use serde_json::value::RawValue;

use super::errors::to_pyerr;
use super::models::{raw_to_py, Company, Project, Records};
use super::runtime::{awaitable, block_on, IntoPyErrLater};
use crate::core;

#[derive(Clone, Copy)]
pub enum Kind {
    /// Whole pages of plain JSON records.
    JsonPages,
    /// One `Project` at a time.
    Projects,
    /// One `Company` at a time.
    Companies,
    /// Whole pages of `Project`s (collecting a list with a progress bar).
    ProjectPages,
    /// Whole pages of `Company`s (collecting a list with a progress bar).
    CompanyPages,
}

impl Kind {
    /// Whether the iterator yields whole pages rather than one record at a time.
    fn whole_pages(self) -> bool {
        matches!(
            self,
            Kind::JsonPages | Kind::ProjectPages | Kind::CompanyPages
        )
    }
}

struct Request {
    client: core::Client,
    path: String,
    query: Vec<(String, String)>,
    company_id: Option<i64>,
}

struct State {
    request: Request,
    stream: Option<core::PageStream>,
    buffer: VecDeque<Box<RawValue>>,
    /// Shared with the iterator so `.total` never waits for a page in flight.
    total: Arc<OnceLock<u64>>,
    done: bool,
}

enum Item {
    Page(Vec<Box<RawValue>>),
    Record(Box<RawValue>),
}

impl State {
    fn stream(&mut self) -> core::Result<&mut core::PageStream> {
        if self.stream.is_none() {
            let r = &self.request;
            self.stream = Some(r.client.pages(&r.path, &r.query, r.company_id)?);
        }
        Ok(self.stream.as_mut().expect("just set"))
    }

    async fn next(&mut self, whole_pages: bool) -> core::Result<Option<Item>> {
        loop {
            if whole_pages && !self.buffer.is_empty() {
                return Ok(Some(Item::Page(self.buffer.drain(..).collect())));
            }
            if let Some(v) = self.buffer.pop_front() {
                return Ok(Some(Item::Record(v)));
            }
            if self.done {
                return Ok(None);
            }
            let stream = self.stream()?;
            let next = stream.next_page().await;
            if let Some(t) = stream.total() {
                let _ = self.total.set(t);
            }
            match next {
                Some(Ok(page)) => {
                    if whole_pages {
                        return Ok(Some(Item::Page(page)));
                    }
                    self.buffer.extend(page);
                }
                Some(Err(e)) => {
                    self.done = true;
                    self.stream = None;
                    return Err(e);
                }
                None => {
                    self.done = true;
                    self.stream = None;
                }
            }
        }
    }
}

/// Converts what the iterator yields into the Python value of its kind.
struct Yielded(Kind, Item);

impl<'py> IntoPyObject<'py> for Yielded {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let decode = |e: core::Error| to_pyerr(py, e);
        match (self.0, self.1) {
            (Kind::ProjectPages | Kind::Projects, Item::Page(p)) => Records::Projects(
                p.into_iter()
                    .map(core::Project::from_raw)
                    .collect::<core::Result<_>>()
                    .map_err(decode)?,
            )
            .into_pyobject(py),
            (Kind::CompanyPages | Kind::Companies, Item::Page(p)) => Records::Companies(
                p.into_iter()
                    .map(core::Company::from_raw)
                    .collect::<core::Result<_>>()
                    .map_err(decode)?,
            )
            .into_pyobject(py),
            (Kind::JsonPages, Item::Page(p)) => Records::Json(p).into_pyobject(py),
            (Kind::Projects | Kind::ProjectPages, Item::Record(v)) => core::Project::from_raw(v)
                .map(Project::from)
                .map_err(decode)?
                .into_bound_py_any(py),
            (Kind::Companies | Kind::CompanyPages, Item::Record(v)) => core::Company::from_raw(v)
                .map(Company::from)
                .map_err(decode)?
                .into_bound_py_any(py),
            (Kind::JsonPages, Item::Record(v)) => raw_to_py(py, &v),
        }
    }
}

/// Why `__anext__` has no item: the end, or a failure.
enum IterEnd {
    Done,
    Failed(core::Error),
}

impl IntoPyErrLater for IterEnd {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            IterEnd::Done => PyStopAsyncIteration::new_err(()),
            IterEnd::Failed(e) => to_pyerr(py, e),
        }
    }
}

#[pyclass(frozen, module = "procore._procore")]
pub struct PageIterator {
    state: Arc<tokio::sync::Mutex<State>>,
    total: Arc<OnceLock<u64>>,
    kind: Kind,
    is_async: bool,
}

impl PageIterator {
    pub fn new(
        client: core::Client,
        path: String,
        query: Vec<(String, String)>,
        company_id: Option<i64>,
        kind: Kind,
        is_async: bool,
    ) -> Self {
        let total = Arc::new(OnceLock::new());
        PageIterator {
            total: total.clone(),
            state: Arc::new(tokio::sync::Mutex::new(State {
                request: Request {
                    client,
                    path,
                    query,
                    company_id,
                },
                stream: None,
                buffer: VecDeque::new(),
                total,
                done: false,
            })),
            kind,
            is_async,
        }
    }
}

#[pymethods]
impl PageIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        if slf.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to an AsyncClient: use `async for`",
            ));
        }
        Ok(slf)
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to an AsyncClient: use `async for`",
            ));
        }
        let (state, kind) = (self.state.clone(), self.kind);
        let whole = kind.whole_pages();
        let item = block_on(py, async move { state.lock().await.next(whole).await })?
            .map_err(|e| to_pyerr(py, e))?;
        item.map(|i| Yielded(kind, i).into_py_any(py)).transpose()
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        if !slf.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to a sync Client: use `for`",
            ));
        }
        Ok(slf)
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if !self.is_async {
            return Err(PyTypeError::new_err(
                "this iterator belongs to a sync Client: use `for`",
            ));
        }
        let (state, kind) = (self.state.clone(), self.kind);
        let whole = kind.whole_pages();
        // A record already fetched needs no trip through the runtime: hand it over in a
        // future that is done already.
        if !whole {
            if let Ok(mut st) = self.state.try_lock() {
                if let Some(v) = st.buffer.pop_front() {
                    drop(st);
                    let value = Yielded(kind, Item::Record(v)).into_bound_py_any(py)?;
                    let fut = py
                        .import("asyncio")?
                        .call_method0("get_running_loop")?
                        .call_method0("create_future")?;
                    fut.call_method1("set_result", (value,))?;
                    return Ok(fut);
                }
            }
        }
        awaitable(py, async move {
            let next = state.lock().await.next(whole).await;
            match next {
                Ok(Some(item)) => Ok(Yielded(kind, item)),
                Ok(None) => Err(IterEnd::Done),
                Err(e) => Err(IterEnd::Failed(e)),
            }
        })
    }

    /// The record count the server announced (`Total`), once the first page has arrived.
    #[getter]
    fn total(&self) -> Option<u64> {
        self.total.get().copied()
    }
}
