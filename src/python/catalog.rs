//! `procore.catalog`: every REST operation, by name or by route, from the core's static table.

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::core::catalog::{self, ListStyle, Param as CoreParam};

/// One documented parameter of an operation.
#[pyclass(frozen, module = "procore._procore", name = "Param")]
pub struct Param {
    param: &'static CoreParam,
    location: &'static str,
}

#[pymethods]
impl Param {
    /// `id`, `project_id`, `view`, `filters[status]`.
    #[getter]
    fn name(&self) -> &'static str {
        self.param.name()
    }

    /// `"path"` or `"query"`.
    #[getter]
    fn location(&self) -> &'static str {
        self.location
    }

    /// `int`, `str`, `bool`, `date`, `datetime`, `range`, `uuid` or `json`.
    #[getter]
    fn r#type(&self) -> &'static str {
        self.param.ty.name()
    }

    /// `"one"`, `"comma"` (`1,2`) or `"brackets"` (`key[]=1&key[]=2`).
    #[getter]
    fn list(&self) -> &'static str {
        match self.param.list {
            ListStyle::One => "one",
            ListStyle::Comma => "comma",
            ListStyle::Brackets => "brackets",
        }
    }

    #[getter]
    fn required(&self) -> bool {
        self.param.required
    }

    /// One line.
    #[getter]
    fn doc(&self) -> &'static str {
        self.param.doc()
    }

    /// The accepted values, when documented (`view`); empty otherwise.
    #[getter]
    fn choices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.param.choices())
    }

    fn __repr__(&self) -> String {
        format!(
            "Param(name={:?}, location={:?}, type={:?}, required={})",
            self.param.name(),
            self.location,
            self.param.ty.name(),
            if self.param.required { "True" } else { "False" }
        )
    }
}

/// One operation of the catalog. `operator.attrgetter(op.name())(client)` calls it.
#[pyclass(frozen, module = "procore._procore", name = "Operation")]
pub struct Operation {
    pub op: &'static catalog::Operation,
}

#[pymethods]
impl Operation {
    /// `rfis.list`: where it lives on a client.
    #[getter]
    fn name(&self) -> &'static str {
        self.op.name()
    }

    #[getter]
    fn namespace(&self) -> &'static str {
        self.op.namespace()
    }

    #[getter]
    fn method(&self) -> &'static str {
        self.op.method()
    }

    /// `/rest/v1.0/projects/{project_id}/rfis`.
    #[getter]
    fn path(&self) -> &'static str {
        self.op.path()
    }

    /// `GET /rest/v1.0/projects/{project_id}/rfis`.
    #[getter]
    fn route(&self) -> String {
        self.op.route()
    }

    /// `v1.0`.
    #[getter]
    fn version(&self) -> &'static str {
        self.op.version()
    }

    /// `none`, `company (path)`, `company (query)`, `project (path)` or `project (query)`.
    #[getter]
    fn scope(&self) -> &'static str {
        self.op.scope.name()
    }

    /// The path parameters, then the query parameters.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let path = self.op.path_params().iter().map(|p| Param {
            param: p,
            location: "path",
        });
        let query = self.op.query().iter().map(|p| Param {
            param: p,
            location: "query",
        });
        PyTuple::new(py, path.chain(query).collect::<Vec<_>>())
    }

    /// The documentation's title and first sentence.
    #[getter]
    fn doc(&self) -> String {
        if self.op.doc().is_empty() || self.op.doc() == self.op.summary() {
            self.op.summary().to_string()
        } else {
            format!(
                "{}. {}",
                self.op.summary().trim_end_matches('.'),
                self.op.doc()
            )
        }
    }

    #[getter]
    fn summary(&self) -> &'static str {
        self.op.summary()
    }

    /// `"none"`, `"json"` or `"multipart"`.
    #[getter]
    fn body(&self) -> &'static str {
        match self.op.body {
            catalog::Body::None => "none",
            catalog::Body::Json => "json",
            catalog::Body::Multipart => "multipart",
        }
    }

    #[getter]
    fn paginates(&self) -> bool {
        self.op.paginates
    }

    /// A sync action (`sync(updates)`).
    #[getter]
    fn sync(&self) -> bool {
        self.op.sync
    }

    /// The response type's name in `spec/responses.json`, or None.
    #[getter]
    fn response(&self) -> Option<&'static str> {
        self.op.response()
    }

    /// Whether the response is a list of `response`.
    #[getter]
    fn response_list(&self) -> bool {
        self.op.response_list
    }

    fn __repr__(&self) -> String {
        format!("Operation({:?}, {:?})", self.op.name(), self.op.route())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Operation>()
            .is_ok_and(|o| std::ptr::eq(o.get().op, self.op))
    }

    fn __hash__(&self) -> u64 {
        self.op as *const _ as u64
    }
}

/// `procore.catalog`: `len()`, iteration, `get(name or route)`, `find(text)`, `in`.
#[pyclass(frozen, module = "procore._procore", name = "Catalog")]
pub struct Catalog;

#[pymethods]
impl Catalog {
    fn __len__(&self) -> usize {
        catalog::OPERATIONS.len()
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let all = PyTuple::new(py, catalog::OPERATIONS.iter().map(|op| Operation { op }))?;
        Ok(all.as_any().try_iter()?.into_any().unbind())
    }

    fn __getitem__(&self, index: isize) -> PyResult<Operation> {
        let n = catalog::OPERATIONS.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if !(0..n).contains(&i) {
            return Err(PyIndexError::new_err("catalog index out of range"));
        }
        Ok(Operation {
            op: &catalog::OPERATIONS[i as usize],
        })
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        key.extract::<String>()
            .ok()
            .and_then(|k| catalog::lookup(&k))
            .is_some()
    }

    /// The operation of a name (`"rfis.list"`) or route
    /// (`"GET /rest/v1.0/projects/{project_id}/rfis"`); `default` (None) when there is none.
    #[pyo3(signature = (key, default=None))]
    fn get(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        default: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let Ok(k) = key.extract::<String>() else {
            return Err(PyTypeError::new_err(
                "catalog.get() takes a name or a route (str)",
            ));
        };
        match catalog::lookup(&k) {
            Some(op) => Ok(Operation { op }.into_pyobject(py)?.into_any().unbind()),
            None => Ok(default.unwrap_or_else(|| py.None())),
        }
    }

    /// The operations whose name, path or title contains every word of `text`
    /// (case-insensitive), those whose name matches first.
    fn find(&self, text: &str) -> Vec<Operation> {
        catalog::find(text)
            .into_iter()
            .map(|op| Operation { op })
            .collect()
    }

    /// Every namespace name, sorted.
    fn namespaces(&self) -> Vec<&'static str> {
        catalog::namespaces().collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "<procore.catalog: {} operations in {} namespaces>",
            catalog::OPERATIONS.len(),
            catalog::namespaces().count()
        )
    }
}
