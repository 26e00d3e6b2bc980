//! The client: the state one configured client shares across its calls (the HTTP client,
//! the token, the rate state, the concurrency limit) and the entry of every API call
//! ([`Client::send`]). Cheap to clone (an `Arc`); the Python layer shares one per Python
//! client. The rest of a call lives in modules named after their concept: `transport.rs`
//! (one attempt), `retry.rs` (the retry loop), `pacer.rs` (rate limits), `renewal.rs`
//! (tokens), `pagination.rs` (list endpoints) and `api/` (the endpoints).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::config::{ClientOptions, Config};
use super::error::{Error, Result};
use super::pacer::Pacer;
use super::paths::resolve_path;
use super::renewal::AuthState;
use super::retry::{Idempotency, RetryPolicy};
use super::secret::Secret;
use super::store::{Origin, TokenStore};
use super::token::Token;
use super::transport::{Call, Payload, Response, Target};

const USER_AGENT: &str = concat!("procore-python/", env!("CARGO_PKG_VERSION"));
/// Largest HTTP/2 frame the client accepts (the protocol's default is 16 KiB).
const HTTP2_MAX_FRAME: u32 = 256 * 1024;

pub(super) struct Inner {
    pub cfg: Config,
    pub http: reqwest::Client,
    pub policy: RetryPolicy,
    /// The rate-limit figures of the last answers, shared by every request.
    pub pacer: Pacer,
    pub auth: Mutex<AuthState>,
    /// Single-flight: one renewal at a time per client (and, through the store's file lock,
    /// per store across processes).
    pub renew_lock: tokio::sync::Mutex<()>,
    pub store: Option<TokenStore>,
    /// At most `max_concurrency` API requests in flight.
    pub in_flight: Semaphore,
}

#[derive(Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.cfg.environment.name())
            .field("base_url", &self.inner.cfg.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Validates the options, loads the token store and builds the HTTP client. Sends nothing.
    pub fn new(opts: &ClientOptions) -> Result<Client> {
        let (cfg, given) = opts.validate()?;
        let store = cfg.token_store.clone().map(TokenStore::new);
        let (token, origin) = match (given, &store) {
            (Some(t), Some(s)) => {
                s.save(&t)?;
                (Some(t), Origin::External)
            }
            (Some(t), None) => (Some(t), Origin::External),
            (None, Some(s)) => match s.load()? {
                Some((t, o)) => (Some(t), o),
                None => (None, Origin::External),
            },
            (None, None) => (None, Origin::External),
        };
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .https_only(true)
            // Never follow redirects: the bearer token and the client secret stay on the
            // configured hosts (RFC 6749 §10 advice; oauth2-rs does the same).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(cfg.max_concurrency.max(8))
            // HTTP/2 DATA frames of up to 256 KiB instead of 16 KiB: a 60 KB page arrives in
            // one frame, not four (measured: less CPU on both ends of a bulk pull). The
            // receive windows stay hyper's (2 MiB a stream, 5 MiB the connection).
            .http2_max_frame_size(HTTP2_MAX_FRAME);
        if let Some(t) = cfg.read_timeout {
            builder = builder.read_timeout(t);
        }
        if let Some(pem) = &cfg.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::Config(format!("ca_cert: not a PEM certificate: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                policy: RetryPolicy::new(cfg.max_retries),
                in_flight: Semaphore::new(cfg.max_concurrency),
                cfg,
                http,
                pacer: Pacer::default(),
                auth: Mutex::new(AuthState::new(token, origin)),
                renew_lock: tokio::sync::Mutex::new(()),
                store,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.cfg
    }

    /// Resolves a caller's path against the API host (refusing other hosts).
    pub fn api_url(&self, path: &str) -> Result<Url> {
        resolve_path(&self.inner.cfg.base_url, path)
    }

    /// Any endpoint: the decoded JSON answer (`None` for an empty one).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        json: Option<&Value>,
        company_id: Option<i64>,
    ) -> Result<Option<Value>> {
        let url = self.api_url(path)?;
        self.send(method, url, query, json, company_id)
            .await?
            .json()
    }

    /// Sends one API request with the token, pacing, retries and renewal; returns its 2xx
    /// answer, or the `ApiError` of the last one.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        query: &[(String, String)],
        json: Option<&Value>,
        company_id: Option<i64>,
    ) -> Result<Response> {
        let _permit = self
            .inner
            .in_flight
            .acquire()
            .await
            .map_err(|_| Error::Config("the client is closed".into()))?;
        let call = Call {
            target: Target {
                method: &method,
                url: &url,
                query,
            },
            idempotency: Idempotency::of_method(&method),
            payload: Payload::Api { json, company_id },
        };
        let done = self.call(&call).await?;
        if done.answer.is_success() {
            return Ok(done.answer.into_response());
        }
        Err(self.api_error(call.target, &done.answer, &done.rate, done.attempts))
    }

    /// Every secret this client holds, for scrubbing server-sent text.
    pub(super) fn secrets(&self, extra: Option<&Token>) -> Vec<Secret> {
        let mut v = Vec::new();
        if let Some(s) = &self.inner.cfg.client_secret {
            v.push(s.secret().clone());
        }
        for t in self.auth().token.iter().chain(extra) {
            v.push(t.access_token.clone());
            if let Some(r) = &t.refresh_token {
                v.push(r.clone());
            }
        }
        v
    }

    /// The last rate-limit figures the API sent.
    pub fn rate_limit(&self) -> super::pacer::RateLimit {
        self.inner.pacer.last()
    }
}
