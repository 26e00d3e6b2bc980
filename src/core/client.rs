//! The client: one reqwest client, the token state, and every API call written once as an
//! `async fn`. Cheap to clone (an `Arc`); the Python layer shares one per Python client.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::config::{ClientOptions, Config};
use super::error::{reason_phrase, ApiError, Error, Result};
use super::logs;
use super::models::{decode_page, Company, Me, Project};
use super::oauth::{self, Grant};
use super::pagination::{page_count, parse_link_header};
use super::paths::resolve_path;
use super::retry::{self, Outcome, RetryPolicy};
use super::secret::{scrub, Secret};
use super::store::{Origin, TokenStore};
use super::token::{now_unix, Token};

const USER_AGENT: &str = concat!("procore-python/", env!("CARGO_PKG_VERSION"));
const DEFAULT_PER_PAGE: u64 = 100;
/// Largest HTTP/2 frame the client accepts (the protocol's default is 16 KiB).
const HTTP2_MAX_FRAME: u32 = 256 * 1024;
/// Query parameters, in order (names may repeat: `ids[]=1&ids[]=2`).
pub type Query = Vec<(String, String)>;

pub const COMPANIES_PATH: &str = "/rest/v1.0/companies";

/// The last rate-limit figures Procore sent (`X-Rate-Limit-*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds at which the window resets.
    pub reset: Option<f64>,
}

#[derive(Clone)]
struct AuthState {
    token: Option<Token>,
    origin: Origin,
}

/// Shared pacing state: the server's rate-limit figures, with our own sends counted down
/// between answers.
#[derive(Debug, Default)]
struct Pace {
    limit: Option<u64>,
    remaining: Option<i64>,
    reset: Option<f64>,
    next_slot: f64,
}

enum PaceStep {
    Go,
    SleepThenGo(f64),
    SleepThenRetry(f64),
}

/// When the remaining allowance falls under this share of the limit, requests are spread
/// evenly over what is left of the window instead of being sent at once.
const PACE_FROM: f64 = 0.25;

struct Inner {
    cfg: Config,
    pace: Mutex<Pace>,
    http: reqwest::Client,
    policy: RetryPolicy,
    auth: Mutex<AuthState>,
    /// Single-flight: one renewal at a time per client (and, through the store's file lock,
    /// per store across processes).
    renew_lock: tokio::sync::Mutex<()>,
    store: Option<TokenStore>,
    in_flight: Semaphore,
    rate: Mutex<RateLimit>,
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Pages fetched ahead by a background task; dropping it stops the task.
pub struct PageStream {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<Box<RawValue>>>>,
    total: Arc<std::sync::OnceLock<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl PageStream {
    /// The next page, `None` after the last one.
    pub async fn next_page(&mut self) -> Option<Result<Vec<Box<RawValue>>>> {
        self.rx.recv().await
    }

    /// The record count the server announced (`Total`), once page 1 has arrived.
    pub fn total(&self) -> Option<u64> {
        self.total.get().copied()
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A successful (2xx) answer.
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// The decoded JSON body; `None` for an empty body (204).
    pub fn json(&self) -> Result<Option<Value>> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body)
            .map(Some)
            .map_err(|e| Error::Decode(format!("the response is not valid JSON: {e}")))
    }

    fn header_u64(&self, name: &str) -> Option<u64> {
        header_str(&self.headers, name).and_then(|v| v.trim().parse().ok())
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
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
                auth: Mutex::new(AuthState { token, origin }),
                renew_lock: tokio::sync::Mutex::new(()),
                store,
                rate: Mutex::new(RateLimit::default()),
                pace: Mutex::new(Pace::default()),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.cfg
    }

    // ----- tokens -------------------------------------------------------------------------

    /// The current token, if any.
    pub fn token(&self) -> Option<Token> {
        self.auth().token
    }

    fn auth(&self) -> AuthState {
        self.inner
            .auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_auth(&self, token: Option<Token>, origin: Origin) {
        *self.inner.auth.lock().unwrap_or_else(|p| p.into_inner()) = AuthState { token, origin };
    }

    /// Step 1 of the OAuth flow: the URL the user opens to approve the app.
    pub fn authorization_url(&self, state: Option<&str>) -> Result<String> {
        self.authorization_url_with(state, None, None)
    }

    /// Step 1 with another redirect URI than the configured one (a loopback listener) and
    /// a PKCE challenge (sent with `code_challenge_method=S256`).
    pub fn authorization_url_with(
        &self,
        state: Option<&str>,
        redirect_uri: Option<&str>,
        code_challenge: Option<&str>,
    ) -> Result<String> {
        let cfg = &self.inner.cfg;
        let id = oauth::require_client_id(cfg.client_id.as_deref(), "authorization_url()")?;
        let redirect_uri = match redirect_uri {
            Some(r) => oauth::check_redirect_uri(r)?,
            None => cfg.redirect_uri.clone(),
        };
        if let Some(c) = code_challenge {
            oauth::check_code_challenge(c)?;
        }
        Ok(
            oauth::authorization_url(&cfg.login_url, &id, &redirect_uri, state, code_challenge)
                .into(),
        )
    }

    /// Step 2: trades the code shown by Procore for a token.
    pub async fn exchange_code(&self, code: &str) -> Result<Token> {
        let grant = self.code_grant(code, None, None)?;
        self.exchange_code_grant(grant).await
    }

    /// The checked authorization-code grant: the redirect URI of step 1 (default: the
    /// configured one) and the PKCE verifier when step 1 sent a challenge. Nothing is sent.
    pub fn code_grant(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<Grant> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::Config("exchange_code(): the code is empty".into()));
        }
        let redirect_uri = match redirect_uri {
            Some(r) => oauth::check_redirect_uri(r)?,
            None => self.inner.cfg.redirect_uri.clone(),
        };
        if let Some(v) = code_verifier {
            oauth::check_code_verifier(v)?;
        }
        Ok(Grant::AuthorizationCode {
            code: Secret::new(code),
            redirect_uri,
            code_verifier: code_verifier.map(Secret::new),
        })
    }

    /// Step 2 with a grant from [`Client::code_grant`]; the token is installed and stored.
    pub async fn exchange_code_grant(&self, grant: Grant) -> Result<Token> {
        if !matches!(grant, Grant::AuthorizationCode { .. }) {
            return Err(Error::Config(
                "exchange_code_grant() takes an authorization-code grant".into(),
            ));
        }
        self.detached(move |c| async move {
            let _g = c.inner.renew_lock.lock().await;
            let token = c.token_request(&grant, "exchange_code()").await?;
            c.install(token, Origin::AuthorizationCode).await
        })
        .await
    }

    /// Runs a token grant to completion even if the caller goes away (Ctrl-C, a cancelled
    /// task): a code or refresh token spent on the server must not be lost with its answer,
    /// so the grant and the store write finish in a task of their own.
    async fn detached<F, Fut>(&self, f: F) -> Result<Token>
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = Result<Token>> + Send + 'static,
    {
        tokio::spawn(f(self.clone()))
            .await
            .map_err(|e| Error::TokenStore(format!("token task failed: {e}")))?
    }

    /// A service-account token (client_credentials grant).
    pub async fn client_credentials(&self) -> Result<Token> {
        self.detached(|c| async move {
            let _g = c.inner.renew_lock.lock().await;
            let token = c
                .token_request(&Grant::ClientCredentials, "client_credentials()")
                .await?;
            c.install(token, Origin::ClientCredentials).await
        })
        .await
    }

    /// Refreshes now (refresh_token grant; client_credentials for service accounts).
    pub async fn refresh(&self) -> Result<Token> {
        self.renew(None, "refresh()").await
    }

    /// Revokes the current token and forgets it (and removes the token store).
    pub async fn revoke(&self) -> Result<()> {
        let state = self.auth();
        let Some(token) = state.token else {
            return Err(Error::Config(
                "revoke(): there is no token to revoke".into(),
            ));
        };
        let cfg = &self.inner.cfg;
        let id = oauth::require_client_id(cfg.client_id.as_deref(), "revoke()")?;
        let secret = oauth::require_client_secret(cfg.client_secret.as_ref(), "revoke()")?;
        let url = oauth::endpoint(&cfg.login_url, "oauth/revoke");
        let form = [
            ("token", token.access_token.expose()),
            ("client_id", id.as_str()),
            ("client_secret", secret.expose()),
        ];
        let started = Instant::now();
        let sent = match self.inner.http.post(url.clone()).form(&form).send().await {
            Ok(resp) => {
                let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
                resp.bytes().await.map(|body| (status, headers, body))
            }
            Err(e) => Err(e),
        };
        self.log_sent("POST", &url, &[], Sent::of(&sent), started, 1);
        let (status, _, body) = sent.map_err(|e| self.connection_error("POST", &url, e, 1))?;
        if status >= 400 {
            return Err(oauth::oauth_error(
                status,
                &body,
                &self.secrets(Some(&token)),
            ));
        }
        let _g = self.inner.renew_lock.lock().await;
        if let Some(store) = &self.inner.store {
            store.remove()?;
        }
        self.set_auth(None, Origin::External);
        log::info!(target: logs::OAUTH, outcome = "revoked"; "token revoked");
        Ok(())
    }

    /// Saves a new token to the store, then makes it current: a crash between the two leaves
    /// the new token on disk, never only in a dead process.
    async fn install(&self, token: Token, origin: Origin) -> Result<Token> {
        if let Some(store) = &self.inner.store {
            let (store, t) = (store.clone(), token.clone());
            blocking(move || store.save(&t)).await?;
        }
        self.set_auth(Some(token.clone()), origin);
        Ok(token)
    }

    /// Single-flight renewal. `stale` is the token a caller found expired (or that got a 401):
    /// when the current token is already another one, somebody renewed it and it is returned
    /// as is. `None` forces a renewal.
    /// `why` says what asked for it, for the log.
    async fn renew(&self, stale: Option<&Token>, why: &'static str) -> Result<Token> {
        let stale = stale.cloned();
        self.detached(move |c| async move { c.renew_now(stale.as_ref(), why).await })
            .await
    }

    async fn renew_now(&self, stale: Option<&Token>, why: &'static str) -> Result<Token> {
        let _g = self.inner.renew_lock.lock().await;
        let _file_lock = match &self.inner.store {
            Some(store) => {
                let store = store.clone();
                Some(blocking(move || store.lock()).await?)
            }
            None => None,
        };
        // Another process sharing the store may have renewed: adopt its token.
        if let Some(store) = &self.inner.store {
            let store = store.clone();
            if let Ok(Some((stored, origin))) = blocking(move || store.load()).await {
                let cur = self.auth();
                if cur.token.as_ref().is_none_or(|c| !c.same_access(&stored)) {
                    self.set_auth(Some(stored), origin);
                    log::info!(
                        target: logs::OAUTH, outcome = "adopted";
                        "using the token found in the token store (saved by another client or process)"
                    );
                }
            }
        }
        let state = self.auth();
        let Some(current) = state.token else {
            return Err(Error::Config(
                "refresh(): there is no token: call exchange_code() or client_credentials() first"
                    .into(),
            ));
        };
        if let Some(stale) = stale {
            if !current.same_access(stale) && !current.needs_refresh(now_unix()) {
                log::debug!(
                    target: logs::OAUTH, outcome = "already renewed";
                    "token already renewed by a concurrent call ({why})"
                );
                return Ok(current);
            }
        }
        let (grant, origin) = match (&current.refresh_token, state.origin) {
            (Some(rt), origin) => (
                Grant::RefreshToken {
                    refresh_token: rt.clone(),
                },
                origin,
            ),
            (None, Origin::ClientCredentials) => (Grant::ClientCredentials, Origin::ClientCredentials),
            (None, _) => {
                return Err(Error::OAuth {
                    error: "invalid_token".into(),
                    description: Some(
                        "the access token cannot be renewed: it has no refresh token; get a new one with exchange_code() or client_credentials()".into(),
                    ),
                    status: None,
                })
            }
        };
        let token = self.token_request(&grant, why).await?;
        self.install(token, origin).await
    }

    fn renewable(&self, state: &AuthState) -> bool {
        let creds = self.inner.cfg.client_id.is_some() && self.inner.cfg.client_secret.is_some();
        match &state.token {
            Some(t) => {
                creds && (t.refresh_token.is_some() || state.origin == Origin::ClientCredentials)
            }
            None => false,
        }
    }

    /// A token grant, logged at INFO (`procore.oauth`) with its outcome and `why` it was asked
    /// for. Never a token value: an error's text is scrubbed of every secret involved.
    async fn token_request(&self, grant: &Grant, why: &str) -> Result<Token> {
        let result = self.grant_request(grant).await;
        if log::log_enabled!(target: logs::OAUTH, log::Level::Info) {
            let name = grant.name();
            match &result {
                Ok(t) => {
                    let life = t
                        .expires_in
                        .map(|s| format!(", expires in {s} s"))
                        .unwrap_or_default();
                    log::info!(
                        target: logs::OAUTH, grant_type = name, outcome = "ok";
                        "new token from the {name} grant ({why}{life})"
                    );
                }
                Err(e) => {
                    let mut secrets = self.secrets(None);
                    match grant {
                        Grant::AuthorizationCode { code, .. } => secrets.push(code.clone()),
                        Grant::RefreshToken { refresh_token } => {
                            secrets.push(refresh_token.clone())
                        }
                        Grant::ClientCredentials => {}
                    }
                    let msg = scrub(&e.to_string(), &secrets);
                    log::info!(
                        target: logs::OAUTH, grant_type = name, outcome = "failed";
                        "the {name} grant failed ({why}): {msg}"
                    );
                }
            }
        }
        result
    }

    /// `POST {login}/oauth/token`. Only the client-credentials grant is retried after an
    /// answer: a code or a refresh token may be spent by a request whose answer was lost.
    async fn grant_request(&self, grant: &Grant) -> Result<Token> {
        let cfg = &self.inner.cfg;
        let what = match grant {
            Grant::AuthorizationCode { .. } => "exchange_code()",
            Grant::RefreshToken { .. } => "refresh()",
            Grant::ClientCredentials => "client_credentials()",
        };
        let id = oauth::require_client_id(cfg.client_id.as_deref(), what)?;
        let secret = oauth::require_client_secret(cfg.client_secret.as_ref(), what)?;
        let url = oauth::endpoint(&cfg.login_url, "oauth/token");
        let form = grant.form(&id, secret);
        let method = if matches!(grant, Grant::ClientCredentials) {
            "GET"
        } else {
            "POST"
        };
        let mut tries = 0u32;
        loop {
            tries += 1;
            let started = Instant::now();
            let resp = match self.inner.http.post(url.clone()).form(&form).send().await {
                Ok(r) => r,
                Err(e) => {
                    self.log_sent("POST", &url, &[], Sent::Failed(&e), started, tries);
                    let outcome = if e.is_connect() {
                        Outcome::ConnectError
                    } else {
                        Outcome::SendError
                    };
                    // `method` stands for idempotency: client credentials may be asked again.
                    if retry::should_retry(method, outcome, tries, &self.inner.policy) {
                        let wait =
                            retry::backoff_delay(tries - 1, &self.inner.policy, rand::random());
                        self.log_retry("POST", &url, &[], error_kind(&e), wait, tries + 1);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(self.connection_error("POST", &url, e, tries));
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    self.log_sent("POST", &url, &[], Sent::Failed(&e), started, tries);
                    return Err(self.connection_error("POST", &url, e, tries));
                }
            };
            let answer = Sent::Answer(status, &headers);
            self.log_sent("POST", &url, &[], answer, started, tries);
            if (200..300).contains(&status) {
                let value: Value = serde_json::from_slice(&body).map_err(|e| {
                    Error::Decode(format!(
                        "the token endpoint answered with invalid JSON: {e}"
                    ))
                })?;
                return Token::from_json(&value);
            }
            if retry::should_retry(method, Outcome::Status(status), tries, &self.inner.policy) {
                let wait = retry::retry_wait(
                    tries - 1,
                    self.server_wait(status, &headers),
                    &self.inner.policy,
                    rand::random(),
                );
                self.log_retry("POST", &url, &[], &status_text(status), wait, tries + 1);
                tokio::time::sleep(wait).await;
                continue;
            }
            let mut secrets = self.secrets(None);
            secrets.extend(grant.secrets());
            return Err(oauth::oauth_error(status, &body, &secrets));
        }
    }

    /// Every secret this client holds, for scrubbing server-sent text.
    fn secrets(&self, extra: Option<&Token>) -> Vec<Secret> {
        let mut v = Vec::new();
        if let Some(s) = &self.inner.cfg.client_secret {
            v.push(s.clone());
        }
        for t in self.auth().token.iter().chain(extra) {
            v.push(t.access_token.clone());
            if let Some(r) = &t.refresh_token {
                v.push(r.clone());
            }
        }
        v
    }

    /// A token that is not about to expire, renewing it first when it is.
    async fn usable_token(&self) -> Result<(Token, Origin)> {
        let state = self.auth();
        let Some(token) = state.token.clone() else {
            return Err(Error::Config(
                "no access token: call exchange_code(code) or client_credentials(), or pass access_token=, token= or token_store=".into(),
            ));
        };
        if token.needs_refresh(now_unix()) && self.renewable(&state) {
            let t = self
                .renew(Some(&token), "the access token is about to expire")
                .await?;
            let origin = self.auth().origin;
            return Ok((t, origin));
        }
        Ok((token, state.origin))
    }

    // ----- requests -----------------------------------------------------------------------

    /// The last rate-limit figures the API sent.
    pub fn rate_limit(&self) -> RateLimit {
        self.inner
            .rate
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn record_rate_limit(&self, status: u16, headers: &HeaderMap) {
        let limit = header_str(headers, "x-rate-limit-limit").and_then(|v| v.trim().parse().ok());
        let remaining: Option<u64> =
            header_str(headers, "x-rate-limit-remaining").and_then(|v| v.trim().parse().ok());
        let reset: Option<f64> =
            header_str(headers, "x-rate-limit-reset").and_then(|v| v.trim().parse().ok());
        let mut p = self.inner.pace.lock().unwrap_or_else(|e| e.into_inner());
        if status == 429 {
            // Out of allowance: everyone waits for the window the server names, or for a
            // moment when it names none.
            let wait = header_str(headers, "retry-after")
                .and_then(|v| retry::parse_retry_after(v, SystemTime::now()))
                .or_else(|| match (remaining, reset) {
                    (Some(0), Some(r)) => retry::until_reset(r, now_unix()),
                    _ => None,
                })
                .unwrap_or(1.0);
            p.remaining = Some(0);
            p.reset = Some(now_unix() + wait);
        } else if let (Some(rem), Some(reset)) = (remaining, reset) {
            let same_window = p.reset.is_some_and(|r| (r - reset).abs() < 1.0);
            let rem = rem as i64;
            // Within one window, requests sent after the server counted this one are already
            // subtracted from our figure: keep the lower.
            p.remaining = Some(match p.remaining {
                Some(mine) if same_window => mine.min(rem),
                _ => rem,
            });
            if !same_window {
                // Slots reserved in the last window mean nothing in this one.
                p.next_slot = 0.0;
            }
            p.reset = Some(reset);
            p.limit = limit.or(p.limit);
        }
        drop(p);
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            return;
        }
        let mut r = self.inner.rate.lock().unwrap_or_else(|p| p.into_inner());
        *r = RateLimit {
            limit,
            remaining,
            reset,
        };
    }

    fn pace_step(&self) -> PaceStep {
        let mut p = self.inner.pace.lock().unwrap_or_else(|e| e.into_inner());
        let now = now_unix();
        let (Some(rem), Some(reset)) = (p.remaining, p.reset) else {
            return PaceStep::Go;
        };
        if reset <= now {
            // A new window: the next answer tells us where we stand.
            p.remaining = None;
            p.reset = None;
            p.next_slot = 0.0;
            return PaceStep::Go;
        }
        let cap = self.inner.policy.max_wait.as_secs_f64();
        if rem <= 0 {
            // Waiting longer than the cap helps nobody: send, and let the server's 429 (and
            // the retry policy) decide.
            if reset - now > cap {
                return PaceStep::Go;
            }
            return PaceStep::SleepThenRetry(reset - now + 0.05);
        }
        p.remaining = Some(rem - 1);
        let limit = p.limit.unwrap_or(0) as f64;
        let low = (limit * PACE_FROM).max(2.0 * self.inner.cfg.max_concurrency as f64);
        if (rem as f64) > low {
            return PaceStep::Go;
        }
        let interval = ((reset - now) / rem as f64).min(cap);
        let slot = p.next_slot.max(now);
        p.next_slot = slot + interval;
        if slot > now {
            PaceStep::SleepThenGo(slot - now)
        } else {
            PaceStep::Go
        }
    }

    /// Waits as long as the shared rate-limit state says this request should.
    async fn pace(&self) {
        let cap = self.inner.policy.max_wait.as_secs_f64();
        loop {
            match self.pace_step() {
                PaceStep::Go => return,
                PaceStep::SleepThenGo(s) => {
                    let s = s.min(cap);
                    log::debug!(
                        target: logs::HTTP, wait_seconds = s;
                        "rate limit: little allowance left, spacing requests: waiting {s:.2} s"
                    );
                    tokio::time::sleep(Duration::from_secs_f64(s)).await;
                    return;
                }
                PaceStep::SleepThenRetry(s) => {
                    let s = s.min(cap);
                    log::info!(
                        target: logs::HTTP, wait_seconds = s;
                        "rate limit: no requests left in this window, waiting {s:.2} s for it to reset"
                    );
                    tokio::time::sleep(Duration::from_secs_f64(s)).await;
                }
            }
        }
    }

    /// Seconds the server asked us to wait: `Retry-After`, or for a 429 without it the time to
    /// `X-Rate-Limit-Reset`.
    fn server_wait(&self, status: u16, headers: &HeaderMap) -> Option<f64> {
        if let Some(s) = header_str(headers, "retry-after")
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()))
        {
            return Some(s);
        }
        let remaining = header_str(headers, "x-rate-limit-remaining").map(str::trim);
        if status == 429 && remaining == Some("0") {
            return header_str(headers, "x-rate-limit-reset")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .and_then(|reset| retry::until_reset(reset, now_unix()));
        }
        None
    }

    /// The `Procore-Company-Id` to send: the call's, else the client's default. `/me` and
    /// `/companies` go without it, except with client-credentials tokens (Procore wants it
    /// on every call of a service account).
    fn company_header(&self, url: &Url, explicit: Option<i64>, origin: Origin) -> Option<i64> {
        let company = explicit.or(self.inner.cfg.company_id)?;
        if origin == Origin::ClientCredentials {
            return Some(company);
        }
        let base = self.inner.cfg.base_url.path().trim_end_matches('/');
        let rel = url.path().strip_prefix(base).unwrap_or(url.path());
        let mut parts = rel.trim_matches('/').split('/');
        let exempt = matches!(
            (parts.next(), parts.next(), parts.next(), parts.next()),
            (Some("rest"), Some(v), Some("me" | "companies"), None) if v.starts_with('v')
        );
        (!exempt).then_some(company)
    }

    /// Sends one API request with the token, retries and renewal; returns a 2xx answer.
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
        let mut tries = 0u32;
        let mut renewed = false;
        loop {
            // Pace first: a paced wait can outlast a short-lived token, which is checked after.
            self.pace().await;
            let (token, origin) = self.usable_token().await?;
            tries += 1;
            let mut req = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.access_token.expose())
                .header(
                    reqwest::header::ACCEPT,
                    HeaderValue::from_static("application/json"),
                );
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(c) = self.company_header(&url, company_id, origin) {
                req = req.header("Procore-Company-Id", c);
            }
            if let Some(body) = json {
                req = req.json(body);
            }
            let started = Instant::now();
            let result = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    resp.bytes().await.map(|body| (status, headers, body))
                }
                Err(e) => Err(e),
            };
            self.log_sent(
                method.as_str(),
                &url,
                query,
                Sent::of(&result),
                started,
                tries,
            );
            let (status, headers, body) = match result {
                Ok(r) => r,
                Err(e) => {
                    let outcome = if e.is_connect() {
                        Outcome::ConnectError
                    } else {
                        Outcome::SendError
                    };
                    if retry::should_retry(method.as_str(), outcome, tries, &self.inner.policy) {
                        let wait =
                            retry::backoff_delay(tries - 1, &self.inner.policy, rand::random());
                        let why = error_kind(&e);
                        self.log_retry(method.as_str(), &url, query, why, wait, tries + 1);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(self.connection_error(method.as_str(), &url, e, tries));
                }
            };
            self.record_rate_limit(status, &headers);
            if (200..300).contains(&status) {
                return Ok(Response {
                    status,
                    headers,
                    body,
                });
            }
            if status == 401 && !renewed && self.renewable(&self.auth()) {
                // Expired or revoked under us: renew once, then try again.
                renewed = true;
                tries -= 1;
                self.renew(Some(&token), "the API refused the access token (401)")
                    .await?;
                continue;
            }
            if retry::should_retry(
                method.as_str(),
                Outcome::Status(status),
                tries,
                &self.inner.policy,
            ) {
                let wait = retry::retry_wait(
                    tries - 1,
                    self.server_wait(status, &headers),
                    &self.inner.policy,
                    rand::random(),
                );
                let why = status_text(status);
                self.log_retry(method.as_str(), &url, query, &why, wait, tries + 1);
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(self.api_error(
                method.as_str(),
                &url,
                query,
                status,
                &headers,
                &body,
                tries,
            ));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn api_error(
        &self,
        method: &str,
        url: &Url,
        query: &[(String, String)],
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        tries: u32,
    ) -> Error {
        let secrets = self.secrets(None);
        let text = String::from_utf8_lossy(body);
        let clean = scrub(&text, &secrets);
        let body = match serde_json::from_str::<Value>(&clean) {
            Ok(v) => v,
            Err(_) if clean.trim().is_empty() => Value::Null,
            Err(_) => Value::String(clean),
        };
        let mut full = url.clone();
        if !query.is_empty() {
            full.query_pairs_mut().extend_pairs(query);
        }
        let request_id = request_id(headers).map(str::to_string);
        Error::Api(Box::new(ApiError {
            status,
            body,
            method: method.to_string(),
            url: scrub(full.as_str(), &secrets),
            request_id,
            retry_after: self.server_wait(status, headers),
            attempts: tries,
        }))
    }

    fn connection_error(&self, method: &str, url: &Url, e: reqwest::Error, tries: u32) -> Error {
        let mut msg = String::new();
        let mut src: Option<&dyn std::error::Error> = Some(&e);
        // reqwest's own text repeats the URL with its query; ours names it once, without it.
        let mut first = true;
        while let Some(s) = src {
            let part = s.to_string();
            if first {
                first = false;
            } else if !msg.contains(&part) {
                msg.push_str(": ");
                msg.push_str(&part);
            }
            src = s.source();
        }
        let kind = error_kind(&e);
        let mut bare = url.clone();
        bare.set_query(None);
        let secrets = self.secrets(None);
        let attempts = if tries > 1 {
            format!(" (after {tries} attempts)")
        } else {
            String::new()
        };
        Error::Connection {
            message: scrub(&format!("{method} {bare} {kind}{msg}{attempts}"), &secrets),
            timeout: e.is_timeout(),
            attempts: tries,
        }
    }

    /// The DEBUG line (`procore.http`) of one try: method, path (see [`logs::shown_path`]),
    /// status or failure, duration, attempt number and Procore's request id.
    fn log_sent(
        &self,
        method: &str,
        url: &Url,
        query: &[(String, String)],
        answer: Sent<'_>,
        started: Instant,
        attempt: u32,
    ) {
        if !log::log_enabled!(target: logs::HTTP, log::Level::Debug) {
            return;
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let path = scrub(&logs::shown_path(url, query), &self.secrets(None));
        let path = path.as_str();
        match answer {
            Sent::Answer(status, headers) => {
                let id = request_id(headers);
                let shown_id = id.map(|i| format!(", request id {i}")).unwrap_or_default();
                log::debug!(
                    target: logs::HTTP,
                    method = method, path = path, status_code = status, duration_ms = ms,
                    attempt = attempt, request_id = id;
                    "{method} {path} {status} ({ms:.1} ms, attempt {attempt}{shown_id})"
                );
            }
            Sent::Failed(e) => {
                let kind = error_kind(e);
                log::debug!(
                    target: logs::HTTP,
                    method = method, path = path, error = kind, duration_ms = ms,
                    attempt = attempt;
                    "{method} {path} {kind} ({ms:.1} ms, attempt {attempt})"
                );
            }
        }
    }

    /// The INFO line (`procore.http`) of a retry: why, how long until it, which attempt.
    fn log_retry(
        &self,
        method: &str,
        url: &Url,
        query: &[(String, String)],
        why: &str,
        wait: Duration,
        attempt: u32,
    ) {
        if !log::log_enabled!(target: logs::HTTP, log::Level::Info) {
            return;
        }
        let path = scrub(&logs::shown_path(url, query), &self.secrets(None));
        let path = path.as_str();
        let secs = wait.as_secs_f64();
        let most = self.inner.policy.max_retries.saturating_add(1);
        log::info!(
            target: logs::HTTP,
            method = method, path = path, reason = why, wait_seconds = secs, attempt = attempt;
            "{method} {path}: {why}, retrying in {secs:.2} s (attempt {attempt} of {most})"
        );
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

    /// Every record of a list endpoint, in order (see [`Client::walk_pages`]).
    pub async fn paginate(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
    ) -> Result<Vec<Box<RawValue>>> {
        let mut records = Vec::new();
        self.walk_pages(path, query, company_id, |page, total| {
            if let Some(t) = total {
                records.reserve(t as usize);
            }
            records.extend(page);
            futures::future::ready(true)
        })
        .await?;
        Ok(records)
    }

    /// The pages of a list endpoint as a channel, fetched ahead in a background task (at most
    /// `max_concurrency` pages in flight plus as many waiting), for lazy iteration.
    pub fn pages(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
    ) -> Result<PageStream> {
        self.api_url(path)?;
        let (tx, rx) = tokio::sync::mpsc::channel(self.inner.cfg.max_concurrency);
        let total = Arc::new(std::sync::OnceLock::new());
        let (client, path, query, total_w) = (
            self.clone(),
            path.to_string(),
            query.to_vec(),
            total.clone(),
        );
        let task = tokio::spawn(async move {
            let sent = client
                .walk_pages(&path, &query, company_id, |page, t| {
                    if let Some(t) = t {
                        let _ = total_w.set(t);
                    }
                    let tx = tx.clone();
                    async move { tx.send(Ok(page)).await.is_ok() }
                })
                .await;
            if let Err(e) = sent {
                let _ = tx.send(Err(e)).await;
            }
        });
        Ok(PageStream { rx, total, task })
    }

    /// Walks every page of a list endpoint in order, handing each to `sink` (with `Total` when
    /// the server sent it) until the sink returns false. With `Total` from page 1, pages 2..N
    /// are fetched concurrently (within `max_concurrency`) and handed over in order; without
    /// it, `Link rel="next"` is followed. A `per_page` in `query` is respected; the server's
    /// `Per-Page` wins.
    pub async fn walk_pages<F, Fut>(
        &self,
        path: &str,
        query: &[(String, String)],
        company_id: Option<i64>,
        mut sink: F,
    ) -> Result<()>
    where
        F: FnMut(Vec<Box<RawValue>>, Option<u64>) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let url = self.api_url(path)?;
        let mut base_query: Vec<(String, String)> =
            query.iter().filter(|(k, _)| k != "page").cloned().collect();
        let asked = match base_query.iter().find(|(k, _)| k == "per_page") {
            Some((_, v)) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::Config(format!("per_page must be a positive integer, not {v:?}"))
                })?,
            None => {
                base_query.push(("per_page".into(), DEFAULT_PER_PAGE.to_string()));
                DEFAULT_PER_PAGE
            }
        };
        let first = self.page(&url, &base_query, 1, company_id).await?;
        let total = first.header_u64("total");
        let per_page = first
            .header_u64("per-page")
            .filter(|n| *n > 0)
            .unwrap_or(asked);
        let link_next = header_str(&first.headers, "link").and_then(|l| parse_link_header(l).next);
        if !sink(page_items(&first)?, total).await {
            return Ok(());
        }
        if let Some(total) = total {
            let pages = page_count(total, per_page);
            if pages < 2 {
                return Ok(());
            }
            for (k, v) in base_query.iter_mut() {
                if k == "per_page" {
                    *v = per_page.to_string();
                }
            }
            let mut rest = futures::stream::iter(2..=pages)
                .map(|p| {
                    let (url, q) = (&url, &base_query);
                    async move { page_items(&self.page(url, q, p, company_id).await?) }
                })
                .buffered(self.inner.cfg.max_concurrency);
            while let Some(page) = rest.next().await {
                if !sink(page?, Some(total)).await {
                    return Ok(());
                }
            }
        } else {
            let mut next = link_next;
            let mut seen = 1u64;
            while let Some(href) = next {
                seen += 1;
                if seen > 1_000_000 {
                    return Err(Error::Decode(
                        "pagination: more than a million pages".into(),
                    ));
                }
                let next_url = self.api_url(&href)?;
                let resp = self
                    .send(Method::GET, next_url, &[], None, company_id)
                    .await?;
                next = header_str(&resp.headers, "link").and_then(|l| parse_link_header(l).next);
                if !sink(page_items(&resp)?, None).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    async fn page(
        &self,
        url: &Url,
        query: &[(String, String)],
        page: u64,
        company_id: Option<i64>,
    ) -> Result<Response> {
        let mut q = query.to_vec();
        q.push(("page".into(), page.to_string()));
        self.send(Method::GET, url.clone(), &q, None, company_id)
            .await
    }

    // ----- typed endpoints ----------------------------------------------------------------

    /// `GET /rest/v1.0/me`.
    pub async fn me(&self) -> Result<Me> {
        let v = self
            .request(Method::GET, "/rest/v1.0/me", &[], None, None)
            .await?;
        Me::from_value(v.unwrap_or(Value::Null))
    }

    /// Every company the user can see.
    pub async fn companies(&self) -> Result<Vec<Company>> {
        self.paginate(COMPANIES_PATH, &[], None)
            .await?
            .into_iter()
            .map(Company::from_raw)
            .collect()
    }

    fn company_or_default(&self, company_id: Option<i64>, what: &str) -> Result<i64> {
        company_id.or(self.inner.cfg.company_id).ok_or_else(|| {
            Error::Config(format!(
                "{what} needs a company_id: pass company_id=… or set it on the client"
            ))
        })
    }

    /// Path, query and company of the project list (`filters` become query parameters).
    pub fn projects_request(
        &self,
        company_id: Option<i64>,
        filters: &[(String, String)],
    ) -> Result<(&'static str, Query, i64)> {
        let company = self.company_or_default(company_id, "projects.list()")?;
        let mut q = vec![("company_id".to_string(), company.to_string())];
        q.extend(filters.iter().filter(|(k, _)| k != "company_id").cloned());
        Ok(("/rest/v1.0/projects", q, company))
    }

    /// Every project of a company.
    pub async fn projects(
        &self,
        company_id: Option<i64>,
        filters: &[(String, String)],
    ) -> Result<Vec<Project>> {
        let (path, q, company) = self.projects_request(company_id, filters)?;
        self.paginate(path, &q, Some(company))
            .await?
            .into_iter()
            .map(Project::from_raw)
            .collect()
    }

    /// One project.
    pub async fn project(&self, project_id: i64, company_id: Option<i64>) -> Result<Project> {
        if project_id <= 0 {
            return Err(Error::Config(format!(
                "project_id must be a positive integer, not {project_id}"
            )));
        }
        let company = self.company_or_default(company_id, "projects.get()")?;
        let q = [("company_id".to_string(), company.to_string())];
        let v = self
            .request(
                Method::GET,
                &format!("/rest/v1.0/projects/{project_id}"),
                &q,
                None,
                Some(company),
            )
            .await?;
        Project::from_value(v.unwrap_or(Value::Null))
    }
}

/// The records of one page, raw: a JSON list, or v2's `{"data": [...]}` envelope.
fn page_items(resp: &Response) -> Result<Vec<Box<RawValue>>> {
    decode_page(&resp.body)
}

/// How one try ended, for its log line.
enum Sent<'a> {
    Answer(u16, &'a HeaderMap),
    Failed(&'a reqwest::Error),
}

impl<'a> Sent<'a> {
    fn of<B>(r: &'a std::result::Result<(u16, HeaderMap, B), reqwest::Error>) -> Self {
        match r {
            Ok((status, headers, _)) => Sent::Answer(*status, headers),
            Err(e) => Sent::Failed(e),
        }
    }
}

/// Procore's id of a request, from the answer's headers.
fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-request-id", "procore-request-id", "x-amzn-requestid"]
        .iter()
        .find_map(|h| header_str(headers, h))
}

/// A status as logged: `503 Service Unavailable`.
fn status_text(status: u16) -> String {
    format!("{status} {}", reason_phrase(status))
}

/// What went wrong with a connection, in a few words (no URL, no query).
fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::TokenStore(format!("background task failed: {e}")))?
}
