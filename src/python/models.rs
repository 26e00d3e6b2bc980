//! Model classes: each holds the record as the server sent it (parsed in Rust, off the GIL)
//! and makes Python values only when an attribute is read.

use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::errors::{config_error, to_pyerr};
use crate::core;

fn to_py(py: Python<'_>, v: Option<Value>) -> PyResult<Py<PyAny>> {
    match v {
        None | Some(Value::Null) => Ok(py.None()),
        Some(v) => Ok(pythonize::pythonize(py, &v)?.unbind()),
    }
}

/// A raw JSON record as Python values (dict, list, …).
pub fn raw_to_py<'py>(py: Python<'py>, raw: &RawValue) -> PyResult<Bound<'py, PyAny>> {
    let v: Value = serde_json::from_str(raw.get())
        .map_err(|e| to_pyerr(py, core::Error::Decode(e.to_string())))?;
    Ok(pythonize::pythonize(py, &v)?)
}

fn repr_str(v: Option<String>) -> String {
    match v {
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        None => "None".into(),
    }
}

fn dict_to_value(py: Python<'_>, data: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if !data.is_instance_of::<PyDict>() {
        return Err(config_error(py, format!("{what}: expected a dict")));
    }
    pythonize::depythonize::<Value>(data).map_err(|e| config_error(py, format!("{what}: {e}")))
}

macro_rules! py_model {
    ($name:ident, $core:ident, [$($field:ident),*], repr: [$($rfield:ident),*] $(, extra: { $($extra:tt)* })?) => {
        #[pyclass(frozen, module = "procore._procore")]
        #[derive(Clone)]
        pub struct $name {
            pub inner: core::$core,
        }

        impl From<core::$core> for $name {
            fn from(inner: core::$core) -> Self {
                $name { inner }
            }
        }

        #[pymethods]
        impl $name {
            /// Builds the model from a dict (as `to_dict()` returns it).
            #[new]
            fn py_new(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let v = dict_to_value(py, data, stringify!($name))?;
                core::$core::from_value(v).map(Self::from).map_err(|e| to_pyerr(py, e))
            }

            #[getter]
            fn id(&self) -> i64 {
                self.inner.id()
            }

            $(
                #[getter]
                fn $field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    to_py(py, self.inner.get(stringify!($field)))
                }
            )*

            /// Every field the server sent, unknown ones included.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(pythonize::pythonize(py, &self.inner.to_map())?)
            }

            /// Fields Procore added that this class does not name are attributes too.
            fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
                match self.inner.get(name) {
                    Some(v) => to_py(py, Some(v)),
                    None => Err(PyAttributeError::new_err(format!(
                        "'{}' object has no attribute '{}'", stringify!($name), name
                    ))),
                }
            }

            fn __getitem__(&self, py: Python<'_>, key: &str) -> PyResult<Py<PyAny>> {
                match self.inner.get(key) {
                    Some(v) => to_py(py, Some(v)),
                    None => Err(PyKeyError::new_err(key.to_string())),
                }
            }

            fn __contains__(&self, key: &str) -> bool {
                self.inner.get(key).is_some()
            }

            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
                match other.cast::<$name>() {
                    Ok(o) => (self.inner == o.get().inner).into_pyobject(py).map(|b| b.to_owned().into_any().unbind()).unwrap_or_else(|_| py.NotImplemented()),
                    Err(_) => py.NotImplemented(),
                }
            }

            fn __repr__(&self) -> String {
                let mut s = format!("{}(id={}", stringify!($name), self.inner.id());
                $(
                    s.push_str(&format!(", {}={}", stringify!($rfield), repr_str(self.inner.$rfield())));
                )*
                s.push(')');
                s
            }

            $($($extra)*)?
        }
    };
}

py_model!(Me, Me, [login, name], repr: [login, name]);
py_model!(Company, Company, [name, is_active, logo_url], repr: [name]);
py_model!(
    Project,
    Project,
    [
        name, display_name, project_number, address, city, state_code, country_code, zip, county,
        latitude, longitude, stage, phone, created_at, updated_at, active, origin_id, origin_data
    ],
    repr: [name],
    extra: {
        /// The project's company (`project.company.id`). Procore sends it with every project;
        /// a record without one has no `company` attribute, and one whose `company` is not a
        /// company record raises `ProcoreError`. Never None: the stubs promise a `Company`.
        #[getter]
        fn company(&self, py: Python<'_>) -> PyResult<Company> {
            match self.inner.company_record() {
                Ok(Some(c)) => Ok(Company::from(c)),
                Ok(None) => Err(PyAttributeError::new_err(
                    "'Project' object has no attribute 'company'",
                )),
                Err(e) => Err(to_pyerr(py, e)),
            }
        }
    }
);

/// A list of models or plain JSON records, returned to Python as a `procore.ResultList`.
pub enum Records {
    Companies(Vec<core::Company>),
    Projects(Vec<core::Project>),
    Json(Vec<Box<RawValue>>),
}

impl<'py> IntoPyObject<'py> for Records {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list = match self {
            Records::Companies(v) => PyList::new(py, v.into_iter().map(Company::from))?,
            Records::Projects(v) => PyList::new(py, v.into_iter().map(Project::from))?,
            Records::Json(v) => {
                let items = v
                    .iter()
                    .map(|x| raw_to_py(py, x))
                    .collect::<PyResult<Vec<_>>>()?;
                PyList::new(py, items)?
            }
        };
        py.import("procore._results")?
            .getattr("ResultList")?
            .call1((list,))
    }
}

/// Decoded JSON, returned as dict / list / str / int / float / bool / None.
pub struct Json(pub Option<Value>);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            None => Ok(py.None().into_bound(py)),
            Some(v) => Ok(pythonize::pythonize(py, &v)?),
        }
    }
}

/// An OAuth 2.0 token. Its repr never shows the token values.
#[pyclass(frozen, module = "procore._procore")]
#[derive(Clone)]
pub struct Token {
    pub inner: core::Token,
}

impl From<core::Token> for Token {
    fn from(inner: core::Token) -> Self {
        Token { inner }
    }
}

#[pymethods]
impl Token {
    #[new]
    #[pyo3(signature = (access_token, refresh_token=None, token_type="bearer".to_string(), expires_in=None, created_at=None))]
    fn py_new(
        py: Python<'_>,
        access_token: String,
        refresh_token: Option<String>,
        token_type: String,
        expires_in: Option<i64>,
        created_at: Option<i64>,
    ) -> PyResult<Self> {
        let mut m = Map::new();
        m.insert("access_token".into(), access_token.into());
        m.insert(
            "refresh_token".into(),
            refresh_token.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("token_type".into(), token_type.into());
        m.insert(
            "expires_in".into(),
            expires_in.map(Value::from).unwrap_or(Value::Null),
        );
        if let Some(c) = created_at {
            m.insert("created_at".into(), c.into());
        }
        core::Token::from_json(&Value::Object(m))
            .map(Token::from)
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// Builds a token from a dict (as `to_dict()` returns it, or Procore's token response).
    #[staticmethod]
    pub fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let v = dict_to_value(py, data, "Token.from_dict()")?;
        core::Token::from_json(&v)
            .map(Token::from)
            .map_err(|e| config_error(py, e.to_string()))
    }

    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token.expose()
    }

    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token.as_ref().map(|s| s.expose())
    }

    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }

    /// Lifetime in seconds, as the server gave it.
    #[getter]
    fn expires_in(&self) -> Option<i64> {
        self.inner.expires_in
    }

    /// Unix seconds.
    #[getter]
    fn created_at(&self) -> i64 {
        self.inner.created_at
    }

    /// Unix seconds: `created_at + expires_in`.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        self.inner.expires_at()
    }

    /// True when the token has expired (or is about to).
    #[getter]
    fn expired(&self) -> bool {
        self.inner.needs_refresh(core::now_unix())
    }

    /// Every field, token values included (for storing the token yourself).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.to_json())?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        match other.cast::<Token>() {
            Ok(o) => (self.inner == o.get().inner)
                .into_pyobject(py)
                .map(|b| b.to_owned().into_any().unbind())
                .unwrap_or_else(|_| py.NotImplemented()),
            Err(_) => py.NotImplemented(),
        }
    }

    fn __repr__(&self) -> String {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "None".into());
        format!(
            "Token(token_type='{}', expires_in={}, expires_at={}, access_token='[redacted]', refresh_token={})",
            self.inner.token_type,
            opt(self.inner.expires_in),
            opt(self.inner.expires_at()),
            if self.inner.refresh_token.is_some() { "'[redacted]'" } else { "None" },
        )
    }
}
