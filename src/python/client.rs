//! `procore.Client` and `procore.AsyncClient`: one set of methods on a shared base class.
//! Each method builds one core future; `dispatch` either blocks on it (sync, GIL released,
//! Ctrl-C checked) or returns a coroutine that starts it when awaited (async).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyTuple};
use reqwest::Method;

use super::convert::{env, id_arg, json_arg, params_arg, path_arg};
use super::errors::{config_error, to_pyerr};
use super::iter::{Model, PageIterator, Yields};
use super::lifecycle::{Lifecycle, LiveClient};
use super::models::{Json, JsonBody, Me, Project, Records, Token};
use super::options;
use super::runtime::{catch_panic, dispatch, dispatch_named, on_await, runtime};
use crate::core::{self, defaults, ClientOptions, Secret};

#[pyclass(frozen, subclass, module = "procore._procore")]
pub struct BaseClient {
    core: Lifecycle,
    pub(super) is_async: bool,
}

impl BaseClient {
    #[allow(clippy::too_many_arguments)]
    fn build(
        py: Python<'_>,
        is_async: bool,
        client_id: Option<String>,
        client_secret: Option<String>,
        environment: String,
        base_url: Option<String>,
        login_url: Option<String>,
        redirect_uri: String,
        access_token: Option<String>,
        token: Option<&Bound<'_, PyAny>>,
        token_store: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
        ca_cert: Option<&Bound<'_, PyAny>>,
        timeout: f64,
        connect_timeout: Option<f64>,
        read_timeout: Option<f64>,
        max_retries: i64,
        max_concurrency: i64,
        max_response_bytes: Option<i64>,
    ) -> PyResult<Self> {
        let token = match token {
            None => None,
            Some(t) if t.is_none() => None,
            Some(t) => {
                if let Ok(tok) = t.cast::<Token>() {
                    Some(tok.get().inner.clone())
                } else if t.is_instance_of::<PyDict>() {
                    Some(Token::from_dict(py, t)?.inner)
                } else {
                    return Err(config_error(py, "token must be a procore.Token or a dict"));
                }
            }
        };
        let opts = ClientOptions {
            client_id: client_id.or_else(|| env("PROCORE_CLIENT_ID")),
            client_secret: client_secret
                .or_else(|| env("PROCORE_CLIENT_SECRET"))
                .map(Secret::new),
            environment,
            base_url,
            login_url,
            redirect_uri,
            access_token: access_token.map(Secret::new),
            token,
            token_store: path_arg(py, "token_store", token_store)?,
            company_id: id_arg(py, "company_id", company_id)?,
            ca_cert: path_arg(py, "ca_cert", ca_cert)?,
            timeout,
            connect_timeout,
            read_timeout,
            max_retries,
            max_concurrency,
            max_response_bytes,
        };
        let _rt = runtime().enter();
        let client = catch_panic(py, || core::Client::new(&opts))?.map_err(|e| to_pyerr(py, e))?;
        Ok(BaseClient {
            core: Lifecycle::new(client),
            is_async,
        })
    }

    /// The core for I/O; refused once the client is closed.
    pub(super) fn core(&self, py: Python<'_>) -> PyResult<Arc<LiveClient>> {
        self.core
            .open()
            .ok_or_else(|| to_pyerr(py, core::Error::Config("the client is closed".into())))
    }

    fn shut(&self) {
        self.core.close();
    }

    fn request(
        &self,
        py: Python<'_>,
        method: Method,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        let query = params_arg(py, params)?;
        let body = json_arg(py, json)?;
        let company = id_arg(py, "company_id", company_id)?;
        // Path problems are reported before anything is scheduled.
        let url = c.api_url(path).map_err(|e| to_pyerr(py, e))?;
        let name = method.as_str().to_ascii_lowercase();
        dispatch_named(py, self.is_async, &name, async move {
            c.send(method, url, &query, body.as_ref(), company)
                .await
                .map(|answer| JsonBody(answer.body))
        })
    }
}

#[pymethods]
impl BaseClient {
    /// Step 1 of the OAuth flow: the URL where the user approves the app. Procore then shows
    /// the code (out-of-band redirect URI, the default) or sends it to your redirect URI.
    ///
    /// `redirect_uri` overrides the client's for this request (the out-of-band URN, `http` on
    /// localhost / 127.0.0.1 / [::1], or `https`); `code_challenge` adds PKCE
    /// (`code_challenge_method=S256`). Pass the same `redirect_uri` and the verifier to
    /// `exchange_code`.
    #[pyo3(signature = (state=None, *, redirect_uri=None, code_challenge=None))]
    fn authorization_url(
        &self,
        py: Python<'_>,
        state: Option<String>,
        redirect_uri: Option<String>,
        code_challenge: Option<String>,
    ) -> PyResult<String> {
        self.core(py)?
            .authorization_url_with(
                state.as_deref(),
                redirect_uri.as_deref(),
                code_challenge.as_deref(),
            )
            .map_err(|e| to_pyerr(py, e))
    }

    /// Step 2: trades the authorization code for a token (authorization_code grant). The token
    /// is kept by the client (and written to the token store).
    ///
    /// `redirect_uri` must be the one of step 1 (default: the client's); `code_verifier` is the
    /// PKCE verifier whose challenge step 1 sent (43 to 128 characters, RFC 7636).
    #[pyo3(signature = (code, *, redirect_uri=None, code_verifier=None))]
    fn exchange_code(
        &self,
        py: Python<'_>,
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        // Bad arguments are reported before anything is scheduled.
        let grant = c
            .code_grant(&code, redirect_uri.as_deref(), code_verifier.as_deref())
            .map_err(|e| to_pyerr(py, e))?;
        dispatch(py, self.is_async, async move {
            c.exchange_code_grant(grant).await.map(Token::from)
        })
    }

    /// Logs the user in through their browser and returns the token (also kept by the
    /// client and written to the token store).
    ///
    /// Listens on `http://localhost:PORT/callback` (127.0.0.1 only; `port=0` picks a free
    /// port; a loopback `redirect_uri` given to the client is used as it is), opens the
    /// authorization URL in the browser and always prints it to stderr, checks the `state`
    /// that comes back, sends a PKCE challenge, and exchanges the code. `oob=True` (the
    /// default in Jupyter, or when the port cannot be opened) asks for the code Procore shows
    /// instead, with `input()`. Raises `OAuthError` when the user denies access, the state
    /// does not match, or no answer comes within `timeout` seconds (`error="login_timeout"`).
    #[pyo3(signature = (*, open_browser=None, oob=None, port=0, timeout=300.0))]
    fn login(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = login_args::flag)] open_browser: Option<bool>,
        #[pyo3(from_py_with = login_args::flag)] oob: Option<bool>,
        #[pyo3(from_py_with = login_args::port)] port: u16,
        #[pyo3(from_py_with = login_args::seconds)] timeout: f64,
    ) -> PyResult<Py<PyAny>> {
        let args = super::login::Args {
            open_browser,
            oob,
            port,
            timeout,
        };
        // The login future takes the core itself (it needs no tracking after close()).
        super::login::login(py, (*self.core(py)?).clone(), self.is_async, args)
    }

    /// A service-account token (client_credentials grant).
    fn client_credentials(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        dispatch(py, self.is_async, async move {
            c.client_credentials().await.map(Token::from)
        })
    }

    /// Refreshes the token now. Done automatically before expiry and after a 401.
    fn refresh(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        dispatch(py, self.is_async, async move {
            c.refresh().await.map(Token::from)
        })
    }

    /// Revokes the current token and forgets it (removing the token store file).
    fn revoke(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        dispatch(py, self.is_async, async move {
            c.revoke().await.map(|()| Json(None))
        })
    }

    /// The current token, or None. Readable after `close()`.
    #[getter]
    fn token(&self) -> Option<Token> {
        self.core.token().map(Token::from)
    }

    /// The last rate-limit figures Procore sent: `{"limit", "remaining", "reset"}` (reset in
    /// Unix seconds), or None before the first answer.
    #[getter]
    fn rate_limit<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let r = self.core.rate_limit();
        if r == core::RateLimit::default() {
            return Ok(None);
        }
        let d = PyDict::new(py);
        d.set_item("limit", r.limit)?;
        d.set_item("remaining", r.remaining)?;
        d.set_item("reset", r.reset)?;
        Ok(Some(d))
    }

    /// Step 3: `GET /rest/v1.0/me`, the user the token belongs to.
    fn me(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        dispatch(py, self.is_async, async move { c.me().await.map(Me::from) })
    }

    /// A resource namespace of the catalog (`client.rfis`), found when normal lookup fails:
    /// made when read, so importing `procore` builds none of the catalog's namespaces.
    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<super::namespaces::Namespace> {
        if let Some(ns) = super::namespaces::Namespace::new(slf.clone().unbind(), name) {
            return Ok(ns);
        }
        let kind = slf.get_type().name()?;
        let near = if name.starts_with('_') {
            Vec::new()
        } else {
            core::catalog::nearest(name, core::catalog::namespaces())
        };
        Err(pyo3::exceptions::PyAttributeError::new_err(format!(
            "'{kind}' object has no attribute '{name}'{}",
            if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", near.join(", "))
            }
        )))
    }

    /// The client's attributes and every namespace of the catalog (for completion).
    fn __dir__(slf: &Bound<'_, Self>) -> PyResult<Vec<String>> {
        let py = slf.py();
        let object = py.get_type::<pyo3::types::PyAny>();
        let mut names: Vec<String> = object.call_method1("__dir__", (slf,))?.extract()?;
        names.extend(core::catalog::namespaces().map(str::to_string));
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Companies: `client.companies.list()`.
    #[getter]
    fn companies(slf: &Bound<'_, Self>) -> Companies {
        Companies {
            client: slf.clone().unbind(),
        }
    }

    /// Projects: `client.projects.list(company_id=…)`, `client.projects.get(id)`.
    #[getter]
    fn projects(slf: &Bound<'_, Self>) -> Projects {
        Projects {
            client: slf.clone().unbind(),
        }
    }

    /// `GET path`: the decoded JSON answer.
    #[pyo3(signature = (path, params=None, *, company_id=None))]
    fn get(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.request(py, Method::GET, path, params, None, company_id)
    }

    /// `POST path` with a JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None))]
    fn post(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.request(py, Method::POST, path, params, json, company_id)
    }

    /// `PUT path` with a JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None))]
    fn put(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.request(py, Method::PUT, path, params, json, company_id)
    }

    /// `PATCH path` with a JSON body.
    #[pyo3(signature = (path, json=None, *, params=None, company_id=None))]
    fn patch(
        &self,
        py: Python<'_>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.request(py, Method::PATCH, path, params, json, company_id)
    }

    /// `DELETE path`: the decoded JSON answer, or None when it is empty.
    #[pyo3(signature = (path, *, params=None, company_id=None))]
    fn delete(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.request(py, Method::DELETE, path, params, None, company_id)
    }

    /// Every record of a list endpoint, all pages, in order. `progress=True` shows a progress
    /// bar (tqdm), `False` never; by default one shows in a terminal or a notebook when the
    /// pull spans more than a few pages.
    ///
    /// `updated_since=` / `updated_until=` (datetimes, naive ones taken as UTC, or ISO 8601
    /// strings) send `filters[updated_at]=START...END`, the end defaulting to the moment of
    /// the call: every page asks for the same window.
    ///
    /// `as_arrow=True` returns the records as a `procore.ArrowTable` (columns built in Rust,
    /// no dict per record).
    #[pyo3(signature = (path, params=None, *, company_id=None, progress=None, updated_since=None, updated_until=None, as_arrow=false))]
    #[allow(clippy::too_many_arguments)]
    fn paginate(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
        progress: Option<&Bound<'_, PyAny>>,
        updated_since: Option<&Bound<'_, PyAny>>,
        updated_until: Option<&Bound<'_, PyAny>>,
        as_arrow: bool,
    ) -> PyResult<Py<PyAny>> {
        let c = self.core(py)?;
        let query = window_query(py, params_arg(py, params)?, updated_since, updated_until)?;
        let company = id_arg(py, "company_id", company_id)?;
        let path = path.to_string();
        c.api_url(&path).map_err(|e| to_pyerr(py, e))?;
        if as_arrow {
            return dispatch(py, self.is_async, async move {
                super::frames::Arrow::pull(&c, &path, &query, company, None).await
            });
        }
        if progress_wanted(py, progress)? {
            let pages = PageIterator::new(
                c,
                path,
                query,
                company,
                Yields::Pages(Model::Dict),
                self.is_async,
            );
            return collect_with_progress(py, pages, self.is_async, "records", progress);
        }
        if !self.is_async {
            return catch_panic(py, || {
                super::iter::collect_dicts(py, &c, &path, &query, company)
            })?;
        }
        super::runtime::coroutine(
            py,
            "AsyncClient.paginate",
            super::iter::collect_dicts_async(c, path, query, company),
        )
    }

    /// The pages of a list endpoint, lazily: `for page in client.iter_pages(path)` (`async for`
    /// on an AsyncClient). Each page is a `ResultList` of dicts; pages are fetched ahead.
    /// `updated_since=` / `updated_until=` as for `paginate` (the window is fixed here).
    /// `as_arrow=True` yields each page as a `procore.ArrowTable` (one record batch).
    #[pyo3(signature = (path, params=None, *, company_id=None, updated_since=None, updated_until=None, as_arrow=false))]
    #[allow(clippy::too_many_arguments)]
    fn iter_pages(
        &self,
        py: Python<'_>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        company_id: Option<&Bound<'_, PyAny>>,
        updated_since: Option<&Bound<'_, PyAny>>,
        updated_until: Option<&Bound<'_, PyAny>>,
        as_arrow: bool,
    ) -> PyResult<PageIterator> {
        let c = self.core(py)?;
        let query = window_query(py, params_arg(py, params)?, updated_since, updated_until)?;
        let company = id_arg(py, "company_id", company_id)?;
        c.api_url(path).map_err(|e| to_pyerr(py, e))?;
        Ok(PageIterator::new(
            c,
            path.to_string(),
            query,
            company,
            Yields::Pages(if as_arrow { Model::Arrow } else { Model::Dict }),
            self.is_async,
        ))
    }

    // The configuration reads the same open or closed.

    #[getter]
    fn environment(&self) -> &'static str {
        self.core.config().environment.name()
    }

    #[getter]
    fn base_url(&self) -> String {
        let cfg = self.core.config();
        cfg.base_url.as_str().trim_end_matches('/').to_string()
    }

    #[getter]
    fn login_url(&self) -> String {
        let cfg = self.core.config();
        cfg.login_url.as_str().trim_end_matches('/').to_string()
    }

    #[getter]
    fn client_id(&self) -> Option<String> {
        self.core.config().client_id.as_deref().map(str::to_string)
    }

    #[getter]
    fn company_id(&self) -> Option<i64> {
        self.core.config().company_id
    }

    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().name()?.to_string();
        let this = slf.get();
        if this.core.is_closed() {
            return Ok(format!("{name}(closed)"));
        }
        let cfg = this.core.config();
        Ok(format!(
            "{name}(environment='{}', base_url='{}', company_id={}, authorized={})",
            cfg.environment.name(),
            cfg.base_url.as_str().trim_end_matches('/'),
            cfg.company_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "None".into()),
            if this.core.token().is_some() {
                "True"
            } else {
                "False"
            },
        ))
    }
}

/// The arguments of `login()`, with `procore.ConfigError` for anything wrong.
mod login_args {
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyFloat, PyInt};

    use super::config_error;

    pub fn flag(obj: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
        if obj.is_none() {
            Ok(None)
        } else if obj.is_instance_of::<PyBool>() {
            Ok(Some(obj.is_truthy()?))
        } else {
            Err(config_error(
                obj.py(),
                format!("login(): expected True, False or None, not {}", obj.repr()?),
            ))
        }
    }

    pub fn port(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
        let bad = || -> PyResult<PyErr> {
            Ok(config_error(
                obj.py(),
                format!(
                    "login(): port must be an integer from 0 (any free port) to 65535, not {}",
                    obj.repr()?
                ),
            ))
        };
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(bad()?);
        }
        match obj.extract::<u16>() {
            Ok(p) => Ok(p),
            Err(_) => Err(bad()?),
        }
    }

    pub fn seconds(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
        let number = !obj.is_instance_of::<PyBool>()
            && (obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>());
        let value = if number {
            obj.extract::<f64>().ok()
        } else {
            None
        };
        match value {
            Some(t) if t.is_finite() && t > 0.0 => Ok(t),
            _ => Err(config_error(
                obj.py(),
                format!(
                    "login(): timeout must be a positive number of seconds, not {}",
                    obj.repr()?
                ),
            )),
        }
    }
}

macro_rules! client_class {
    ($name:ident, $is_async:expr, { $($extra:tt)* }) => {
        #[pyclass(frozen, extends = BaseClient, module = "procore._procore")]
        pub struct $name;

        #[pymethods]
        impl $name {
            #[new]
            // The defaults are the core's (`core::defaults`). The text signature repeats the
            // numeric ones for `inspect` and stubtest (tests/test_options.py checks them).
            #[pyo3(signature = (
                client_id=None, client_secret=None, *,
                environment=defaults::ENVIRONMENT.name().to_string(), base_url=None,
                login_url=None, redirect_uri=defaults::REDIRECT_URI.to_string(),
                access_token=None, token=None, token_store=None, company_id=None, ca_cert=None,
                timeout=defaults::TIMEOUT, connect_timeout=None, read_timeout=None,
                max_retries=defaults::MAX_RETRIES, max_concurrency=defaults::MAX_CONCURRENCY,
                max_response_bytes=None
            ))]
            #[pyo3(text_signature = "(client_id=None, client_secret=None, *, environment=..., \
                base_url=None, login_url=None, redirect_uri=..., access_token=None, token=None, \
                token_store=None, company_id=None, ca_cert=None, timeout=30.0, \
                connect_timeout=None, read_timeout=None, max_retries=3, max_concurrency=8, \
                max_response_bytes=None)")]
            #[allow(clippy::too_many_arguments)]
            fn py_new(
                py: Python<'_>,
                client_id: Option<String>,
                client_secret: Option<String>,
                environment: String,
                base_url: Option<String>,
                login_url: Option<String>,
                redirect_uri: String,
                access_token: Option<String>,
                token: Option<&Bound<'_, PyAny>>,
                token_store: Option<&Bound<'_, PyAny>>,
                company_id: Option<&Bound<'_, PyAny>>,
                ca_cert: Option<&Bound<'_, PyAny>>,
                #[pyo3(from_py_with = options::seconds)] timeout: f64,
                #[pyo3(from_py_with = options::optional_seconds)] connect_timeout: Option<f64>,
                #[pyo3(from_py_with = options::optional_seconds)] read_timeout: Option<f64>,
                #[pyo3(from_py_with = options::count)] max_retries: i64,
                #[pyo3(from_py_with = options::count)] max_concurrency: i64,
                #[pyo3(from_py_with = options::optional_count)] max_response_bytes: Option<i64>,
            ) -> PyResult<PyClassInitializer<Self>> {
                let base = BaseClient::build(
                    py, $is_async, client_id, client_secret, environment, base_url, login_url,
                    redirect_uri, access_token, token, token_store, company_id, ca_cert, timeout,
                    connect_timeout, read_timeout, max_retries, max_concurrency,
                    max_response_bytes,
                )?;
                Ok(PyClassInitializer::from(base).add_subclass($name))
            }

            $($extra)*
        }
    };
}

client_class!(Client, false, {
    /// Closes the client: its connections are dropped and later calls raise.
    fn close(slf: PyRef<'_, Self>) {
        slf.as_super().shut();
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(slf: PyRef<'_, Self>, _args: &Bound<'_, PyTuple>) -> bool {
        slf.as_super().shut();
        false
    }
});

client_class!(AsyncClient, true, {
    /// Closes the client when awaited (a coroutine).
    fn close(slf: Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        closing(slf, "AsyncClient.close", None::<bool>)
    }

    /// Same as `close()`.
    fn aclose(slf: Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        closing(slf, "AsyncClient.aclose", None::<bool>)
    }

    fn __aenter__(slf: Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.unbind();
        on_await(py, "AsyncClient.__aenter__", move |_| this)
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__(slf: Bound<'_, Self>, _args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        closing(slf, "AsyncClient.__aexit__", false)
    }
});

/// A coroutine that closes the async client when awaited and returns `result`.
fn closing<R>(slf: Bound<'_, AsyncClient>, name: &str, result: R) -> PyResult<Py<PyAny>>
where
    R: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let py = slf.py();
    let client: Py<BaseClient> = slf.into_super().unbind();
    on_await(py, name, move |py| {
        client.bind(py).get().shut();
        result
    })
}

/// Whether a list call draws a progress bar: `progress=False` decides here, anything else is
/// for `procore._progress.wanted` (which checks the value and looks for a terminal or a
/// notebook), so the default path stays in Rust.
fn progress_wanted(py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    if let Some(p) = progress {
        if p.is(PyBool::new(py, false).as_any()) {
            return Ok(false);
        }
    }
    module!(py, "procore._progress")?
        .call_method1("wanted", (progress,))?
        .extract()
}

/// A list collected page by page through `pages` by `procore._progress`, which draws the bar
/// (a coroutine on the async client).
fn collect_with_progress(
    py: Python<'_>,
    pages: PageIterator,
    is_async: bool,
    unit: &str,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let f = if is_async { "acollect" } else { "collect" };
    Ok(module!(py, "procore._progress")?
        .call_method1(f, (pages, unit, progress))?
        .unbind())
}

/// `client.companies`.
#[pyclass(frozen, module = "procore._procore")]
pub struct Companies {
    client: Py<BaseClient>,
}

#[pymethods]
impl Companies {
    /// Every company the user can see (all pages). `progress=` as for `paginate`.
    #[pyo3(signature = (*, progress=None))]
    fn list(&self, py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let base = self.client.get();
        let c = base.core(py)?;
        if progress_wanted(py, progress)? {
            let pages = PageIterator::new(
                c,
                core::COMPANIES_PATH.into(),
                Vec::new(),
                None,
                Yields::Pages(Model::Company),
                base.is_async,
            );
            return collect_with_progress(py, pages, base.is_async, "companies", progress);
        }
        dispatch(py, base.is_async, async move {
            c.companies().await.map(Records::Companies)
        })
    }

    /// The catalog's other `companies.*` operations.
    fn __getattr__(
        &self,
        py: Python<'_>,
        name: &str,
    ) -> PyResult<super::namespaces::BoundOperation> {
        super::namespaces::handwritten_fallback(&self.client, py, "companies", name)
    }

    /// Companies one at a time, fetched lazily (`for` / `async for`).
    fn iter(&self, py: Python<'_>) -> PyResult<PageIterator> {
        let base = self.client.get();
        let c = base.core(py)?;
        Ok(PageIterator::new(
            c,
            core::COMPANIES_PATH.into(),
            Vec::new(),
            None,
            Yields::Each(Model::Company),
            base.is_async,
        ))
    }
}

/// `client.projects`.
#[pyclass(frozen, module = "procore._procore")]
pub struct Projects {
    client: Py<BaseClient>,
}

#[pymethods]
impl Projects {
    /// Every project of a company (all pages). Extra keyword arguments become query
    /// parameters (`per_page=50`, `filters={"by_status": "Active"}`). `progress=` as for
    /// `paginate`; `updated_since=` / `updated_until=` too; `as_arrow=True` returns a
    /// `procore.ArrowTable` (no `Project` objects).
    #[pyo3(signature = (company_id=None, *, progress=None, as_arrow=false, **filters))]
    fn list(
        &self,
        py: Python<'_>,
        company_id: Option<&Bound<'_, PyAny>>,
        progress: Option<&Bound<'_, PyAny>>,
        as_arrow: bool,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let base = self.client.get();
        let c = base.core(py)?;
        let company = id_arg(py, "company_id", company_id)?;
        let query = projects_query(py, filters)?;
        let list = c
            .projects_request(company, &query)
            .map_err(|e| to_pyerr(py, e))?;
        if as_arrow {
            return dispatch(py, base.is_async, async move {
                let company = Some(list.company_id);
                super::frames::Arrow::pull(&c, list.path, &list.query, company, Some("Project"))
                    .await
            });
        }
        if progress_wanted(py, progress)? {
            let pages = PageIterator::new(
                c,
                list.path.into(),
                list.query,
                Some(list.company_id),
                Yields::Pages(Model::Project),
                base.is_async,
            );
            return collect_with_progress(py, pages, base.is_async, "projects", progress);
        }
        dispatch(py, base.is_async, async move {
            c.projects(company, &query).await.map(Records::Projects)
        })
    }

    /// Projects one at a time, fetched lazily with bounded memory (`for` / `async for`).
    #[pyo3(signature = (company_id=None, **filters))]
    fn iter(
        &self,
        py: Python<'_>,
        company_id: Option<&Bound<'_, PyAny>>,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PageIterator> {
        let base = self.client.get();
        let c = base.core(py)?;
        let company = id_arg(py, "company_id", company_id)?;
        let query = projects_query(py, filters)?;
        let list = c
            .projects_request(company, &query)
            .map_err(|e| to_pyerr(py, e))?;
        Ok(PageIterator::new(
            c,
            list.path.into(),
            list.query,
            Some(list.company_id),
            Yields::Each(Model::Project),
            base.is_async,
        ))
    }

    /// One project.
    #[pyo3(signature = (project_id, company_id=None))]
    fn get(
        &self,
        py: Python<'_>,
        project_id: &Bound<'_, PyAny>,
        company_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let base = self.client.get();
        let c = base.core(py)?;
        let id = id_arg(py, "project_id", Some(project_id))?
            .ok_or_else(|| config_error(py, "project_id must be a positive integer, not None"))?;
        let company = id_arg(py, "company_id", company_id)?;
        if company.is_none() && c.config().company_id.is_none() {
            return Err(config_error(
                py,
                "projects.get() needs a company_id: pass company_id=… or set it on the client",
            ));
        }
        dispatch(py, base.is_async, async move {
            c.project(id, company).await.map(Project::from)
        })
    }

    /// The catalog's other `projects.*` operations (`create`, `update`, `sync`, …).
    fn __getattr__(
        &self,
        py: Python<'_>,
        name: &str,
    ) -> PyResult<super::namespaces::BoundOperation> {
        super::namespaces::handwritten_fallback(&self.client, py, "projects", name)
    }
}

/// The query of `projects.list(**filters)` / `projects.iter(**filters)`: `updated_since` and
/// `updated_until` are the `filters[updated_at]` window (projects document it), fixed now, not
/// parameters sent as they are (which Procore would ignore, answering with every project).
fn projects_query(
    py: Python<'_>,
    filters: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(String, String)>> {
    let Some(filters) = filters else {
        return params_arg(py, None);
    };
    let rest = filters.copy()?;
    let mut window = [None, None];
    for (slot, key) in window.iter_mut().zip(["updated_since", "updated_until"]) {
        if let Some(v) = rest.get_item(key)? {
            rest.del_item(key)?;
            *slot = Some(v);
        }
    }
    let [since, until] = window;
    window_query(
        py,
        params_arg(py, Some(rest.as_any()))?,
        since.as_ref(),
        until.as_ref(),
    )
}

/// `query` with the `filters[updated_at]` window of `updated_since` / `updated_until`
/// (datetimes, dates or ISO 8601 strings), fixed now.
fn window_query(
    py: Python<'_>,
    query: Vec<(String, String)>,
    since: Option<&Bound<'_, PyAny>>,
    until: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(String, String)>> {
    Ok(core::with_window(&query, window_arg(py, since, until)?))
}

/// The `START...END` window of `updated_since` / `updated_until`, fixed now (`None` when
/// neither is given): `paginate`'s, and the namespaces' list operations'.
pub(crate) fn window_arg(
    py: Python<'_>,
    since: Option<&Bound<'_, PyAny>>,
    until: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    let text = |name: &str, v: Option<&Bound<'_, PyAny>>| -> PyResult<Option<String>> {
        match v {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) if v.hasattr("isoformat")? => Ok(Some(v.call_method0("isoformat")?.extract()?)),
            Some(v) => v.extract::<String>().map(Some).map_err(|_| {
                config_error(
                    py,
                    format!("{name} must be a datetime, a date or an ISO 8601 string"),
                )
            }),
        }
    };
    let (since, until) = (text("updated_since", since)?, text("updated_until", until)?);
    core::updated_window(since.as_deref(), until.as_deref(), core::now_unix() as i64)
        .map_err(|e| to_pyerr(py, e))
}
