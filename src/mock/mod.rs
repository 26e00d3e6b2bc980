//! The mock Procore server: a real HTTPS server on loopback, with its own generated CA, that
//! behaves as Procore's documentation says Procore does: OAuth 2.0 (authorization code with
//! PKCE, refresh, client credentials, revoke), `page`/`per_page` pagination answered with
//! `Total`, `Per-Page` and `Link`, `X-Rate-Limit-*` headers, and Procore's error bodies.
//!
//! Two listeners share one state: the *login* host (OAuth, like `login.procore.com`) and the
//! *API* host (REST, like `api.procore.com`). Both speak HTTP/1.1 and HTTP/2 (ALPN).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use _procore::mock::{MockConfig, MockServer};
//! let server = MockServer::start(MockConfig::default()).await?;
//! println!("{} {}", server.base_url(), server.login_url());
//! server.fail_next(503, 1, None, Some(1)); // the next API call answers 503 + Retry-After: 1
//! server.shutdown();
//! # Ok(()) }
//! ```
//!
//! Pure Rust (no pyo3); the Python face is `procore.testing.MockServer`.

mod api;
mod data;
mod generated;
mod live;
mod login;
mod state;
mod tls;
// Generated: formatted by its generator, not by rustfmt.
#[rustfmt::skip]
mod routes;
mod util;

pub use state::{HostKind, MockStats, RecordedRequest, TokenRequestCounts};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use state::{Fault, State};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Largest request body the mock reads.
const MAX_BODY: usize = 4 << 20;
/// A TLS handshake that takes longer than this is abandoned.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// `set_projects` refuses more than this many projects per company (keeps ids unique).
pub const MAX_PROJECTS_PER_COMPANY: usize = 100_000_000;

/// How the mock is set up. `Default` gives random 64-hex client credentials, 2 companies of
/// 250 projects, 5400 s tokens, 600 s codes, 100 per page by default and 300 at most.
#[derive(Clone)]
pub struct MockConfig {
    pub client_id: String,
    pub client_secret: String,
    pub companies: usize,
    pub projects_per_company: usize,
    /// Access token lifetime, seconds (`expires_in`).
    pub token_lifetime: u64,
    /// Authorization code lifetime, seconds.
    pub code_lifetime: u64,
    pub default_per_page: u32,
    pub max_per_page: u32,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            client_id: util::random_hex64(),
            client_secret: util::random_hex64(),
            companies: 2,
            projects_per_company: 250,
            token_lifetime: 5400,
            code_lifetime: 600,
            default_per_page: 100,
            max_per_page: 300,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("companies", &self.companies)
            .field("projects_per_company", &self.projects_per_company)
            .field("token_lifetime", &self.token_lifetime)
            .field("code_lifetime", &self.code_lifetime)
            .field("default_per_page", &self.default_per_page)
            .field("max_per_page", &self.max_per_page)
            .finish()
    }
}

/// Errors of the mock's control methods.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MockError {
    /// `approve` was given something that is not this mock's authorization URL.
    #[error("not an authorization URL of this mock server: {0}")]
    InvalidUrl(String),
    /// The authorization request was refused, as `GET /oauth/authorize` would refuse it.
    #[error("authorization refused: {error}: {description}")]
    Refused { error: String, description: String },
    /// No such company.
    #[error("unknown company id {0}")]
    UnknownCompany(i64),
    /// A bad argument to a control method.
    #[error("{0}")]
    InvalidArgument(String),
}

/// The hyper service error that makes hyper close the connection (HTTP/1.1) or reset the
/// stream (HTTP/2) without an answer.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mock: connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// A running mock Procore server. Dropping it shuts it down.
pub struct MockServer {
    state: Arc<State>,
    ca_pem: String,
    api_addr: SocketAddr,
    login_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url())
            .field("login_url", &self.login_url())
            .field("client_id", &self.state.cfg.client_id)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Generate the CA, bind both listeners on `127.0.0.1` (ephemeral ports) and start serving
    /// on the current tokio runtime.
    pub async fn start(cfg: MockConfig) -> io::Result<MockServer> {
        let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidInput, m.to_string());
        if cfg.companies == 0 {
            return Err(invalid("the mock needs at least one company"));
        }
        if cfg.default_per_page == 0 || cfg.max_per_page == 0 {
            return Err(invalid("per-page sizes must be at least 1"));
        }
        if cfg.projects_per_company > MAX_PROJECTS_PER_COMPANY {
            return Err(invalid("too many projects per company"));
        }
        if cfg.client_id.is_empty() || cfg.client_secret.is_empty() {
            return Err(invalid("client id and secret must not be empty"));
        }
        let (ca_pem, tls_config) = tls::generate()?;
        let acceptor = TlsAcceptor::from(Arc::new(tls_config));
        let api_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let login_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let api_addr = api_listener.local_addr()?;
        let login_addr = login_listener.local_addr()?;
        let state = Arc::new(State::new(cfg, api_addr.port(), login_addr.port()));
        let (shutdown, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(accept_loop(
                api_listener,
                acceptor.clone(),
                state.clone(),
                HostKind::Api,
                rx.clone(),
            )),
            tokio::spawn(accept_loop(
                login_listener,
                acceptor,
                state.clone(),
                HostKind::Login,
                rx,
            )),
        ];
        Ok(MockServer {
            state,
            ca_pem,
            api_addr,
            login_addr,
            shutdown,
            tasks: Mutex::new(tasks),
        })
    }

    /// The API host, `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.state.api_base.clone()
    }

    /// The login (OAuth) host, `https://127.0.0.1:PORT`.
    pub fn login_url(&self) -> String {
        self.state.login_base.clone()
    }

    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    pub fn login_addr(&self) -> SocketAddr {
        self.login_addr
    }

    /// The mock CA certificate (PEM) that clients must trust.
    pub fn ca_cert_pem(&self) -> String {
        self.ca_pem.clone()
    }

    pub fn client_id(&self) -> String {
        self.state.cfg.client_id.clone()
    }

    /// The mock's own throwaway client secret.
    pub fn client_secret(&self) -> String {
        self.state.cfg.client_secret.clone()
    }

    /// The first company's id.
    pub fn company_id(&self) -> i64 {
        self.state.data().companies[0].id
    }

    pub fn company_ids(&self) -> Vec<i64> {
        self.state.data().companies.iter().map(|c| c.id).collect()
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &MockConfig {
        &self.state.cfg
    }

    /// Play the user's browser: validate `authorization_url` like `GET /oauth/authorize`
    /// would (this mock's login host, `response_type=code`, the known `client_id`, a
    /// `redirect_uri`, optional PKCE) and return a fresh code bound to that client id and
    /// redirect URI.
    pub fn approve(&self, authorization_url: &str) -> Result<String, MockError> {
        let url = url::Url::parse(authorization_url)
            .map_err(|_| MockError::InvalidUrl("not an absolute URL".into()))?;
        if url.scheme() != "https" {
            return Err(MockError::InvalidUrl("the scheme must be https".into()));
        }
        let host_ok = matches!(url.host_str(), Some("127.0.0.1" | "localhost"))
            && url.port() == Some(self.login_addr.port());
        if !host_ok {
            return Err(MockError::InvalidUrl(format!(
                "the host must be the mock's login host {}",
                self.login_url()
            )));
        }
        if url.path() != "/oauth/authorize" {
            return Err(MockError::InvalidUrl(
                "the path must be /oauth/authorize".into(),
            ));
        }
        let q = util::query_pairs(url.query());
        login::authorize(&self.state, &q)
            .map(|a| a.code)
            .map_err(|e| MockError::Refused {
                error: e.error.to_string(),
                description: e.description.to_string(),
            })
    }

    /// The next `count` matching requests answer `status` (with `Retry-After: retry_after`
    /// when given). Matches API requests, or those whose path starts with `path_prefix`
    /// (login requests only when the prefix starts with `/oauth`). Scripted faults are
    /// consumed first-in first-out.
    pub fn fail_next(
        &self,
        status: u16,
        count: u32,
        path_prefix: Option<String>,
        retry_after: Option<u64>,
    ) {
        self.state.push_fault(
            Fault::Fail {
                status,
                retry_after,
            },
            count,
            path_prefix,
        );
    }

    /// The next `count` matching requests get no answer: the connection is closed (HTTP/1.1)
    /// or the stream reset (HTTP/2) before anything is processed.
    pub fn drop_next(&self, count: u32, path_prefix: Option<String>) {
        self.state.push_fault(Fault::Drop, count, path_prefix);
    }

    /// Like `drop_next`, but the request is processed first (a token is issued, a refresh
    /// token rotated, a project created) and only the answer is lost.
    pub fn drop_after_next(&self, count: u32, path_prefix: Option<String>) {
        self.state.push_fault(Fault::DropAfter, count, path_prefix);
    }

    /// The next `count` matching requests are answered normally after `delay`.
    pub fn delay_next(&self, delay: Duration, count: u32, path_prefix: Option<String>) {
        self.state
            .push_fault(Fault::Delay(delay), count, path_prefix);
    }

    /// Fault a share `rate` (0..=1) of API requests at random: 500, 502, 503 (with
    /// `Retry-After: 1`), 429 (with `Retry-After: 1`) or a dropped connection, equally
    /// likely. `seed` makes the sequence reproducible.
    pub fn set_fault_rate(&self, rate: f64, seed: Option<u64>) {
        self.state.set_fault_rate(rate, seed);
    }

    /// Added to every API answer.
    pub fn set_latency(&self, latency: Duration) {
        self.state.set_latency(latency);
    }

    /// Paginate by `Link` alone: list answers carry no `Total` and `Per-Page` headers.
    pub fn set_link_only(&self, on: bool) {
        self.state.set_link_only(on);
    }

    /// Drop every queued fault, the random fault rate and the latency.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// `limit` API requests per access token per fixed `window` (default 3600 per hour);
    /// beyond that 429 with `Retry-After`. Restarts every window.
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        self.state.set_rate_limit(limit, window);
    }

    /// Every access token issued so far is now expired (401 `invalid_token`). Refresh
    /// tokens stay usable.
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// Give company `company_id` `count` generated projects.
    pub fn set_projects(&self, company_id: i64, count: usize) -> Result<(), MockError> {
        if count > MAX_PROJECTS_PER_COMPANY {
            return Err(MockError::InvalidArgument(format!(
                "at most {MAX_PROJECTS_PER_COMPANY} projects per company"
            )));
        }
        let mut data = self.state.data();
        let idx = data
            .company_index(company_id)
            .ok_or(MockError::UnknownCompany(company_id))?;
        data.companies[idx].projects = count;
        Ok(())
    }

    /// Change a list once, right after its page `after_page` has been served: delete the
    /// first `delete` records of that page, touch (set `updated_at` to now) the next `touch`,
    /// and create `create` new records. `company_id`: the company whose projects change;
    /// `None` changes the list of companies (touch does nothing there).
    pub fn change_after_page(
        &self,
        company_id: Option<i64>,
        after_page: u64,
        delete: usize,
        create: usize,
        touch: usize,
    ) -> Result<(), MockError> {
        if after_page == 0 || create > MAX_PROJECTS_PER_COMPANY {
            return Err(MockError::InvalidArgument(
                "after_page must be at least 1 and create at most a million".into(),
            ));
        }
        let mut data = self.state.data();
        let list = match company_id {
            Some(id) => live::ChangeList::Projects(
                data.company_index(id)
                    .ok_or(MockError::UnknownCompany(id))?,
            ),
            None => live::ChangeList::Companies,
        };
        data.changes.push(live::Change {
            list,
            after_page,
            delete,
            create,
            touch,
        });
        Ok(())
    }

    /// `count` records in every list of the catalog route `route` (a path template such as
    /// `/rest/v1.0/projects/{project_id}/rfis`), or of every catalog list route when `None`.
    /// By default each route has its own count, 25 to 250.
    pub fn set_records(&self, route: Option<&str>, count: usize) -> Result<(), MockError> {
        self.state
            .generated
            .set_records(route, count)
            .map_err(MockError::InvalidArgument)
    }

    /// A concrete path of a catalog GET route that this mock answers (the first company,
    /// its first project, the first record of each parent list), `None` for an unknown one.
    pub fn example_path(&self, route: &str) -> Option<String> {
        generated::example_path(&self.state, route)
    }

    pub fn stats(&self) -> MockStats {
        self.state.stats()
    }

    /// Requests seen since start (or `reset_stats`), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    pub fn reset_stats(&self) {
        self.state.reset_stats();
    }

    /// Stop accepting and end every connection. Idempotent; returns at once (the tasks end
    /// on the runtime right after). See [`MockServer::stopped`] to wait for them.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Wait until the listeners are closed (after [`MockServer::shutdown`]).
    pub async fn stopped(&self) {
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }

    /// Whether [`MockServer::shutdown`] was called.
    pub fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    kind: HostKind,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow_and_update() {
            break;
        }
        let stream = tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break; // the server handle is gone
                }
                continue;
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off a little.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let state = state.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let conn = async move {
                let tls =
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => tls,
                        _ => return,
                    };
                let service = service_fn(move |req| serve(state.clone(), kind, req));
                let builder = auto::Builder::new(TokioExecutor::new());
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            };
            tokio::select! {
                _ = conn => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
        });
    }
}

async fn serve(
    state: Arc<State>,
    kind: HostKind,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let seq = state.record(state::recorded(kind, &parts));
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            state.finish(seq, None);
            return Err(Dropped);
        }
    };
    let mut fault = state.take_scripted_fault(kind, parts.uri.path());
    if let Some(Fault::Delay(d)) = fault {
        tokio::time::sleep(d).await;
        fault = None;
    }
    if kind == HostKind::Api {
        if fault.is_none() {
            fault = state.random_fault();
        }
        let latency = state.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
    let resp = match fault {
        Some(Fault::Drop) => {
            state.finish(seq, None);
            return Err(Dropped);
        }
        Some(Fault::Fail {
            status,
            retry_after,
        }) => api::fault_response(&state, kind, &parts, status, retry_after),
        _ => match kind {
            HostKind::Login => login::handle(&state, &parts, &body),
            HostKind::Api => api::handle(&state, &parts, &body).await,
        },
    };
    if let Some(Fault::DropAfter) = fault {
        state.finish(seq, None);
        return Err(Dropped);
    }
    state.finish(seq, Some(resp.status().as_u16()));
    Ok(resp)
}
