//! Shared state of the mock server: OAuth codes and tokens, data, faults, rate limits, stats.
//!
//! Every lock is a `std::sync::Mutex` held for a few instructions and never across an
//! `.await`, so the control methods can be called from any thread at any time.

use super::data::Data;
use super::util::{ceil_secs, random_hex64, redact_query, unix_in, unix_now};
use super::MockConfig;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Which of the two listeners a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// The OAuth host (like `login.procore.com`).
    Login,
    /// The REST host (like `api.procore.com`).
    Api,
}

impl HostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::Login => "login",
            HostKind::Api => "api",
        }
    }
}

/// One request as the mock saw it. Never holds a token, secret or code: only whether an
/// `Authorization` header was present, and the query string with secret-looking values
/// (`access_token`, `code`, `client_secret`, ...) replaced by `[redacted]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub host: HostKind,
    pub method: String,
    pub path: String,
    /// The raw query string without `?` (empty when none), secrets redacted.
    pub query: String,
    /// The `Procore-Company-Id` header value, if sent.
    pub company_header: Option<String>,
    /// Whether an `Authorization` header was present.
    pub authorized: bool,
    /// `"HTTP/1.1"` or `"HTTP/2.0"`.
    pub http_version: String,
    /// The status answered; `None` while in flight or when the connection was dropped.
    pub status: Option<u16>,
}

/// Token endpoint calls per grant type (successful or not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenRequestCounts {
    pub authorization_code: u64,
    pub refresh_token: u64,
    pub client_credentials: u64,
}

/// Counters since start (or the last `reset_stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MockStats {
    /// All requests, both hosts.
    pub requests: u64,
    pub api_requests: u64,
    pub login_requests: u64,
    pub token_requests: TokenRequestCounts,
    /// Answers by status code (both hosts). Dropped connections are counted in `dropped`.
    pub status_counts: BTreeMap<u16, u64>,
    /// Successful refresh_token grants.
    pub refreshes: u64,
    /// Requests whose connection was dropped without an answer.
    pub dropped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

pub(crate) struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub expires: Instant,
    /// PKCE `(method, challenge)`.
    pub challenge: Option<(String, String)>,
}

pub(crate) struct TokenRecord {
    pub client_id: String,
    /// How the token was obtained (a refreshed token keeps the user's identity).
    pub user: bool,
    pub created_at: u64,
    pub issued: Instant,
    pub lifetime: Duration,
    pub forced_expired: bool,
    pub revoked: bool,
    /// The refresh token was used (rotation) or revoked.
    pub refresh_dead: bool,
}

impl TokenRecord {
    pub(crate) fn expired(&self) -> bool {
        self.forced_expired || self.issued.elapsed() >= self.lifetime
    }

    pub(crate) fn expires_in_seconds(&self) -> u64 {
        if self.expired() {
            0
        } else {
            (self.lifetime - self.issued.elapsed()).as_secs()
        }
    }
}

#[derive(Default)]
pub(crate) struct Auth {
    pub codes: HashMap<String, Code>,
    pub records: Vec<TokenRecord>,
    pub by_access: HashMap<String, usize>,
    pub by_refresh: HashMap<String, usize>,
}

/// What an access token turned out to be.
pub(crate) enum AccessCheck {
    Valid { user: bool },
    Missing,
    Invalid,
    Expired,
    Revoked,
}

impl AccessCheck {
    /// The RFC 6750 `error_description` for a rejected token.
    pub(crate) fn description(&self) -> &'static str {
        match self {
            AccessCheck::Valid { .. } => "",
            AccessCheck::Missing => "The access token is missing",
            AccessCheck::Invalid => "The access token is invalid",
            AccessCheck::Expired => "The access token expired",
            AccessCheck::Revoked => "The access token was revoked",
        }
    }
}

/// A fresh token pair as issued by the token endpoint.
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub created_at: u64,
}

impl Auth {
    pub(crate) fn issue(&mut self, client_id: &str, user: bool, lifetime: Duration) -> Issued {
        let access = random_hex64();
        let refresh = user.then(random_hex64);
        let created_at = unix_now();
        let idx = self.records.len();
        self.records.push(TokenRecord {
            client_id: client_id.to_string(),
            user,
            created_at,
            issued: Instant::now(),
            lifetime,
            forced_expired: false,
            revoked: false,
            refresh_dead: false,
        });
        self.by_access.insert(access.clone(), idx);
        if let Some(r) = &refresh {
            self.by_refresh.insert(r.clone(), idx);
        }
        Issued {
            access_token: access,
            refresh_token: refresh,
            created_at,
        }
    }

    pub(crate) fn check_access(&self, token: Option<&str>) -> AccessCheck {
        let Some(token) = token else {
            return AccessCheck::Missing;
        };
        let Some(&idx) = self.by_access.get(token) else {
            return AccessCheck::Invalid;
        };
        let rec = &self.records[idx];
        if rec.revoked {
            AccessCheck::Revoked
        } else if rec.expired() {
            AccessCheck::Expired
        } else {
            AccessCheck::Valid { user: rec.user }
        }
    }

    pub(crate) fn record_for_access(&self, token: &str) -> Option<&TokenRecord> {
        self.by_access.get(token).map(|&i| &self.records[i])
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    Fail {
        status: u16,
        retry_after: Option<u64>,
    },
    Drop,
    /// Process the request, then drop the connection instead of answering.
    DropAfter,
    Delay(Duration),
}

struct ScriptedFault {
    kind: Fault,
    remaining: u32,
    prefix: Option<String>,
}

impl ScriptedFault {
    fn matches(&self, host: HostKind, path: &str) -> bool {
        match (&self.prefix, host) {
            (None, HostKind::Api) => true,
            (None, HostKind::Login) => false,
            (Some(p), HostKind::Api) => path.starts_with(p.as_str()),
            (Some(p), HostKind::Login) => p.starts_with("/oauth") && path.starts_with(p.as_str()),
        }
    }
}

pub(crate) struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    pub reset_unix: u64,
    /// `Some(seconds)` when this request is over the limit.
    pub retry_after: Option<u64>,
}

struct Control {
    faults: VecDeque<ScriptedFault>,
    fault_rate: f64,
    rng: StdRng,
    latency: Duration,
    rate_limit: u32,
    rate_window: Duration,
    /// Fixed window per access token: (window start, requests in window).
    buckets: HashMap<String, (Instant, u32)>,
    /// Paginate by `Link` alone, without `Total` and `Per-Page`.
    link_only: bool,
}

/// Recorded requests kept (the oldest are dropped beyond this).
const MAX_RECORDED: usize = 200_000;

#[derive(Default)]
struct Recorder {
    next_seq: u64,
    stats: MockStats,
    /// (sequence number, request), in arrival order.
    requests: VecDeque<(u64, RecordedRequest)>,
}

pub(crate) struct State {
    pub cfg: MockConfig,
    pub api_base: String,
    pub login_base: String,
    auth: Mutex<Auth>,
    data: Mutex<Data>,
    control: Mutex<Control>,
    recorder: Mutex<Recorder>,
    /// The catalog's generated routes: record counts and what the API changed.
    pub(crate) generated: super::generated::Store,
}

/// Lock a mutex, recovering from poisoning (a panicking test thread must not wedge the mock).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    pub(crate) fn new(cfg: MockConfig, api_port: u16, login_port: u16) -> State {
        let data = Data::new(cfg.companies, cfg.projects_per_company);
        State {
            api_base: format!("https://127.0.0.1:{api_port}"),
            login_base: format!("https://127.0.0.1:{login_port}"),
            auth: Mutex::new(Auth::default()),
            data: Mutex::new(data),
            control: Mutex::new(Control {
                faults: VecDeque::new(),
                fault_rate: 0.0,
                rng: StdRng::from_os_rng(),
                latency: Duration::ZERO,
                rate_limit: 3600,
                rate_window: Duration::from_secs(3600),
                buckets: HashMap::new(),
                link_only: false,
            }),
            recorder: Mutex::new(Recorder::default()),
            generated: Default::default(),
            cfg,
        }
    }

    pub(crate) fn auth(&self) -> MutexGuard<'_, Auth> {
        lock(&self.auth)
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        lock(&self.data)
    }

    // ----- faults -----

    pub(crate) fn push_fault(&self, kind: Fault, count: u32, prefix: Option<String>) {
        if count == 0 {
            return;
        }
        lock(&self.control).faults.push_back(ScriptedFault {
            kind,
            remaining: count,
            prefix,
        });
    }

    /// The first queued fault matching this request, consumed.
    pub(crate) fn take_scripted_fault(&self, host: HostKind, path: &str) -> Option<Fault> {
        let mut c = lock(&self.control);
        let pos = c.faults.iter().position(|f| f.matches(host, path))?;
        let f = &mut c.faults[pos];
        let kind = f.kind;
        f.remaining -= 1;
        if f.remaining == 0 {
            c.faults.remove(pos);
        }
        Some(kind)
    }

    /// A random fault for an API request, at the configured rate.
    pub(crate) fn random_fault(&self) -> Option<Fault> {
        let mut c = lock(&self.control);
        if c.fault_rate <= 0.0 {
            return None;
        }
        let rate = c.fault_rate;
        if c.rng.random::<f64>() >= rate {
            return None;
        }
        Some(match c.rng.random_range(0..5u32) {
            0 => Fault::Fail {
                status: 500,
                retry_after: None,
            },
            1 => Fault::Fail {
                status: 502,
                retry_after: None,
            },
            2 => Fault::Fail {
                status: 503,
                retry_after: Some(1),
            },
            3 => Fault::Fail {
                status: 429,
                retry_after: Some(1),
            },
            _ => Fault::Drop,
        })
    }

    pub(crate) fn set_fault_rate(&self, rate: f64, seed: Option<u64>) {
        let mut c = lock(&self.control);
        c.fault_rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if let Some(seed) = seed {
            c.rng = StdRng::seed_from_u64(seed);
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        lock(&self.control).latency
    }

    pub(crate) fn set_latency(&self, d: Duration) {
        lock(&self.control).latency = d;
    }

    pub(crate) fn link_only(&self) -> bool {
        lock(&self.control).link_only
    }

    pub(crate) fn set_link_only(&self, on: bool) {
        lock(&self.control).link_only = on;
    }

    pub(crate) fn clear_faults(&self) {
        let mut c = lock(&self.control);
        c.faults.clear();
        c.fault_rate = 0.0;
        c.latency = Duration::ZERO;
    }

    // ----- rate limit -----

    pub(crate) fn set_rate_limit(&self, limit: u32, window: Duration) {
        let mut c = lock(&self.control);
        c.rate_limit = limit;
        c.rate_window = window.max(Duration::from_millis(1));
        c.buckets.clear();
    }

    /// Count one request against `token`'s window (`consume`), or just look (`!consume`).
    pub(crate) fn rate(&self, token: Option<&str>, consume: bool) -> RateInfo {
        let mut c = lock(&self.control);
        let (limit, window) = (c.rate_limit, c.rate_window);
        let now = Instant::now();
        let fresh = RateInfo {
            limit,
            remaining: limit,
            reset_unix: unix_in(window),
            retry_after: None,
        };
        let Some(token) = token else {
            return fresh;
        };
        if !consume && !c.buckets.contains_key(token) {
            return fresh;
        }
        let bucket = c.buckets.entry(token.to_string()).or_insert((now, 0));
        if now.duration_since(bucket.0) >= window {
            *bucket = (now, 0);
        }
        if consume {
            bucket.1 = bucket.1.saturating_add(1);
        }
        let left = (bucket.0 + window).saturating_duration_since(now);
        let over = consume && bucket.1 > limit;
        RateInfo {
            limit,
            remaining: limit.saturating_sub(bucket.1),
            reset_unix: unix_in(left),
            retry_after: over.then(|| ceil_secs(left).max(1)),
        }
    }

    // ----- tokens -----

    pub(crate) fn expire_tokens(&self) {
        for rec in self.auth().records.iter_mut() {
            rec.forced_expired = true;
        }
    }

    // ----- recording -----

    pub(crate) fn record(&self, req: RecordedRequest) -> u64 {
        let mut r = lock(&self.recorder);
        let seq = r.next_seq;
        r.next_seq += 1;
        r.stats.requests += 1;
        match req.host {
            HostKind::Api => r.stats.api_requests += 1,
            HostKind::Login => r.stats.login_requests += 1,
        }
        if r.requests.len() >= MAX_RECORDED {
            r.requests.pop_front();
        }
        r.requests.push_back((seq, req));
        seq
    }

    /// Note the answer to request `seq` (`None`: the connection was dropped).
    pub(crate) fn finish(&self, seq: u64, status: Option<u16>) {
        let mut r = lock(&self.recorder);
        match status {
            Some(s) => *r.stats.status_counts.entry(s).or_insert(0) += 1,
            None => r.stats.dropped += 1,
        }
        if let Ok(i) = r.requests.binary_search_by_key(&seq, |(s, _)| *s) {
            r.requests[i].1.status = status;
        }
    }

    pub(crate) fn count_token_request(&self, grant: Grant) {
        let mut r = lock(&self.recorder);
        let t = &mut r.stats.token_requests;
        match grant {
            Grant::AuthorizationCode => t.authorization_code += 1,
            Grant::RefreshToken => t.refresh_token += 1,
            Grant::ClientCredentials => t.client_credentials += 1,
        }
    }

    pub(crate) fn count_refresh(&self) {
        lock(&self.recorder).stats.refreshes += 1;
    }

    pub(crate) fn stats(&self) -> MockStats {
        lock(&self.recorder).stats.clone()
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.recorder)
            .requests
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub(crate) fn reset_stats(&self) {
        let mut r = lock(&self.recorder);
        r.stats = MockStats::default();
        r.requests.clear();
    }
}

/// Build the record for an incoming request.
pub(crate) fn recorded(host: HostKind, parts: &hyper::http::request::Parts) -> RecordedRequest {
    RecordedRequest {
        host,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: redact_query(parts.uri.query().unwrap_or("")),
        company_header: parts
            .headers
            .get("procore-company-id")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        authorized: parts.headers.contains_key(hyper::header::AUTHORIZATION),
        http_version: format!("{:?}", parts.version),
        status: None,
    }
}
