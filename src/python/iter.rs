//! Lazy iteration over list endpoints: `client.iter_pages(path)`, `client.projects.iter()`,
//! `client.companies.iter()`. Pages are fetched ahead by a background task, so memory stays
//! bounded by the pages in flight. `for` on the sync client, `async for` on the async one.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::{intern, IntoPyObjectExt};
use serde_json::value::RawValue;

use super::errors::to_pyerr;
use super::lifecycle::LiveClient;
use super::models::{raw_to_py, untracked, Company, JsonToPy, Project, Records};
use super::runtime::{awaitable, block_on, IntoPyErrLater, EXIT_GATE};
use crate::core;

/// What each step of an iteration hands out.
#[derive(Clone, Copy)]
pub enum Yields {
    /// A whole page, as a `ResultList` of records: `iter_pages()` (dicts), and the lists
    /// collected with a progress bar.
    Pages(Model),
    /// One record at a time: `projects.iter()`, `companies.iter()`.
    Each(Model),
}

/// What a record becomes in Python.
#[derive(Clone, Copy)]
pub enum Model {
    /// The JSON object as a `dict`.
    Dict,
    Project,
    Company,
    /// A page as a `procore.ArrowTable` (`iter_pages(..., as_arrow=True)`).
    Arrow,
}

impl Yields {
    fn whole_pages(self) -> bool {
        matches!(self, Yields::Pages(_))
    }

    fn model(self) -> Model {
        match self {
            Yields::Pages(m) | Yields::Each(m) => m,
        }
    }
}

struct Request {
    client: Arc<LiveClient>,
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

/// A page or a record fetched, and the model it becomes in Python (when it is handed over,
/// with the GIL).
struct Fetched(Model, Item);

impl<'py> IntoPyObject<'py> for Fetched {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let decode = |e: core::Error| to_pyerr(py, e);
        match (self.0, self.1) {
            (Model::Project, Item::Page(p)) => Records::Projects(
                p.into_iter()
                    .map(core::Project::from_raw)
                    .collect::<core::Result<_>>()
                    .map_err(decode)?,
            )
            .into_pyobject(py),
            (Model::Company, Item::Page(p)) => Records::Companies(
                p.into_iter()
                    .map(core::Company::from_raw)
                    .collect::<core::Result<_>>()
                    .map_err(decode)?,
            )
            .into_pyobject(py),
            (Model::Dict, Item::Page(p)) => Records::Json(p).into_pyobject(py),
            (Model::Arrow, Item::Page(p)) => super::frames::Arrow::new(p, None).into_pyobject(py),
            (Model::Project, Item::Record(v)) => core::Project::from_raw(v)
                .map(Project::from)
                .map_err(decode)
                .and_then(|p| untracked(py, p))
                .map(Bound::into_any),
            (Model::Company, Item::Record(v)) => core::Company::from_raw(v)
                .map(Company::from)
                .map_err(decode)
                .and_then(|c| untracked(py, c))
                .map(Bound::into_any),
            (Model::Dict | Model::Arrow, Item::Record(v)) => raw_to_py(py, &v),
        }
    }
}

/// The records of a list walk as dicts, made page by page as the walk hands the pages over
/// (in order, drift repaired), with the GIL taken for each page; the runtime's threads keep
/// receiving the pages in flight meanwhile. For both clients' `paginate()`.
#[derive(Default)]
struct DictPages {
    records: Vec<Py<PyAny>>,
    /// A record that did not become a Python value (or Ctrl-C): the walk stops.
    failed: Option<PyErr>,
}

impl DictPages {
    /// Converts one page; false stops the walk.
    fn take(&mut self, py: Python<'_>, page: &[Box<RawValue>], total: Option<u64>) -> bool {
        core::reserve_for(&mut self.records, total);
        self.records.reserve(page.len());
        let mut conv = JsonToPy::new(py);
        let records = &mut self.records;
        let done = page
            .iter()
            .try_for_each(|r| conv.convert(r).map(|v| records.push(v.unbind())));
        done.map_err(|e| self.failed = Some(e)).is_ok()
    }

    /// The records, unless a conversion or the walk failed.
    fn finish(self, walked: core::Result<()>) -> Result<Records, DictsFailed> {
        if let Some(e) = self.failed {
            return Err(DictsFailed::Python(e));
        }
        walked.map_err(DictsFailed::Core)?;
        Ok(Records::Converted(self.records))
    }
}

/// Why the records of `paginate()` did not all become dicts.
pub enum DictsFailed {
    Core(core::Error),
    Python(PyErr),
}

impl IntoPyErrLater for DictsFailed {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            DictsFailed::Core(e) => to_pyerr(py, e),
            DictsFailed::Python(e) => e,
        }
    }
}

/// Every record of a list endpoint as a `ResultList` of dicts, for the sync client's
/// `paginate()`. The page walk runs here, GIL released, as every sync call does; each page
/// it hands over becomes dicts at once, GIL taken back. An error of the walk or of a
/// conversion ends it; Ctrl-C is looked for while waiting (as in every sync call) and after
/// every page.
pub fn collect_dicts(
    py: Python<'_>,
    client: &LiveClient,
    path: &str,
    query: &[(String, String)],
    company_id: Option<i64>,
) -> PyResult<Py<PyAny>> {
    let mut pages = DictPages::default();
    let walked = block_on(
        py,
        client.walk_pages(path, query, company_id, |page, total| {
            let go_on = Python::attach(|py| {
                pages.take(py, &page, total)
                    && py
                        .check_signals()
                        .map_err(|e| pages.failed = Some(e))
                        .is_ok()
            });
            futures::future::ready(go_on)
        }),
    )?;
    match pages.finish(walked) {
        Ok(dicts) => Ok(dicts.into_pyobject(py)?.unbind()),
        Err(e) => Err(e.into_pyerr(py)),
    }
}

/// The async client's `paginate()`: as [`collect_dicts`], each page becomes dicts when it is
/// handed over, here on a thread of the runtime, so the conversion runs while later pages
/// are in flight instead of after the last one. The GIL is taken for one page at a time
/// (the event loop's thread waits with it released), inside `block_in_place` so that the
/// runtime hands this thread's other tasks to another while it waits for the GIL. Cancelled
/// (the asyncio task), the walk is dropped with the dicts made so far.
pub async fn collect_dicts_async(
    client: Arc<LiveClient>,
    path: String,
    query: Vec<(String, String)>,
    company_id: Option<i64>,
) -> Result<Records, DictsFailed> {
    let mut pages = DictPages::default();
    let mut exiting = false;
    let walked = client
        .walk_pages(&path, &query, company_id, |page, total| {
            let go_on =
                tokio::task::block_in_place(|| EXIT_GATE.pass(|py| pages.take(py, &page, total)));
            // `None`: Python is shutting down; nobody waits for the records.
            exiting |= go_on.is_none();
            futures::future::ready(go_on.unwrap_or(false))
        })
        .await;
    if exiting {
        return Err(DictsFailed::Core(core::Error::Connection {
            message: "Python is shutting down: the list was not read to its end".into(),
            timeout: false,
            attempts: 0,
        }));
    }
    pages.finish(walked)
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
    yields: Yields,
    is_async: bool,
}

impl PageIterator {
    pub fn new(
        client: Arc<LiveClient>,
        path: String,
        query: Vec<(String, String)>,
        company_id: Option<i64>,
        yields: Yields,
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
            yields,
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
        let (state, model) = (self.state.clone(), self.yields.model());
        let whole = self.yields.whole_pages();
        let item = block_on(py, async move { state.lock().await.next(whole).await })?
            .map_err(|e| to_pyerr(py, e))?;
        item.map(|i| Fetched(model, i).into_py_any(py)).transpose()
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
        let (state, model) = (self.state.clone(), self.yields.model());
        let whole = self.yields.whole_pages();
        // A record already fetched needs no trip through the runtime: hand it over in a
        // future that is done already.
        if !whole {
            if let Ok(mut st) = self.state.try_lock() {
                if let Some(v) = st.buffer.pop_front() {
                    drop(st);
                    let value = Fetched(model, Item::Record(v)).into_bound_py_any(py)?;
                    let fut = imported!(py, "asyncio", "get_running_loop")?
                        .call0()?
                        .call_method0(intern!(py, "create_future"))?;
                    fut.call_method1(intern!(py, "set_result"), (value,))?;
                    return Ok(fut);
                }
            }
        }
        awaitable(py, async move {
            let next = state.lock().await.next(whole).await;
            match next {
                Ok(Some(item)) => Ok(Fetched(model, item)),
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
