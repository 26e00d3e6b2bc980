//! The transport: one attempt of one request ([`Client::attempt`]) sends it, reads the whole
//! answer and logs the attempt; and what a finished call becomes when it failed (the
//! `ApiError` or connection error, scrubbed of every secret). Retrying is `retry.rs`'s.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use url::Url;

use super::client::Client;
use super::error::{reason_phrase, ApiError, Error, Result};
use super::logs;
use super::pacer::RateHeaders;
use super::retry::Idempotency;
use super::secret::{scrub, scrub_json};
use super::store::Origin;
use super::token::now_unix;
use super::token::Token;

/// A successful (2xx) answer of an API call.
pub struct Response {
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

    pub(super) fn header_u64(&self, name: &str) -> Option<u64> {
        header_str(&self.headers, name).and_then(|v| v.trim().parse().ok())
    }
}

/// An answer read whole, whatever its status.
pub(super) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn into_response(self) -> Response {
        Response {
            headers: self.headers,
            body: self.body,
        }
    }
}

/// What a request is, for its log lines and error messages (the query is never shown whole:
/// see [`logs::shown_path`]).
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub method: &'a Method,
    pub url: &'a Url,
    pub query: &'a [(String, String)],
}

/// One call as every attempt of it sends it.
pub(super) struct Call<'a> {
    pub target: Target<'a>,
    pub idempotency: Idempotency,
    pub payload: Payload<'a>,
}

/// What a call carries besides its method and URL, which also decides how it is sent.
pub(super) enum Payload<'a> {
    /// An API call: paced, with the bearer token (renewed once on a 401), the
    /// `Procore-Company-Id` header and a JSON body.
    Api {
        json: Option<&'a Value>,
        company_id: Option<i64>,
    },
    /// A call to an OAuth endpoint: a form carrying the client's credentials; not paced, no
    /// bearer token.
    OAuthForm(&'a [(&'static str, String)]),
}

impl Call<'_> {
    pub fn is_api(&self) -> bool {
        matches!(self.payload, Payload::Api { .. })
    }
}

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl Client {
    /// The request of one attempt of `call`; `bearer` is the token of an API call.
    pub(super) fn build_request(
        &self,
        call: &Call<'_>,
        bearer: Option<(&Token, Origin)>,
    ) -> RequestBuilder {
        let Target { method, url, query } = call.target;
        let mut req = self.inner.http.request(method.clone(), url.clone());
        if !query.is_empty() {
            req = req.query(query);
        }
        match call.payload {
            Payload::Api { json, company_id } => {
                if let Some((token, origin)) = bearer {
                    req = req.bearer_auth(token.access_token.expose());
                    if let Some(c) = self.company_header(url, company_id, origin) {
                        req = req.header("Procore-Company-Id", c);
                    }
                }
                req = req.header(ACCEPT, HeaderValue::from_static("application/json"));
                if let Some(body) = json {
                    req = req.json(body);
                }
            }
            Payload::OAuthForm(form) => req = req.form(form),
        }
        req
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

    /// Sends one built request and reads its whole answer, at most `max_response_bytes` of
    /// it once decoded (a gzip bomb stops there); logs the attempt (DEBUG).
    pub(super) async fn attempt(
        &self,
        request: RequestBuilder,
        target: Target<'_>,
        attempt: u32,
    ) -> std::result::Result<Answer, Failure> {
        let started = Instant::now();
        let result = match request.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                read_body(resp, self.inner.cfg.max_response_bytes)
                    .await
                    .map(|body| Answer {
                        status,
                        headers,
                        body,
                    })
            }
            Err(e) => Err(Failure::Transport(e)),
        };
        self.log_attempt(target, &result, started, attempt);
        result
    }

    /// The DEBUG line (`procore.http`) of one attempt: method, path (see
    /// [`logs::shown_path`]), status or failure, duration, attempt number and Procore's
    /// request id.
    fn log_attempt(
        &self,
        target: Target<'_>,
        result: &std::result::Result<Answer, Failure>,
        started: Instant,
        attempt: u32,
    ) {
        if !log::log_enabled!(target: logs::HTTP, log::Level::Debug) {
            return;
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let method = target.method.as_str();
        let path = scrub(
            &logs::shown_path(target.url, target.query),
            &self.secrets(None),
        );
        let path = path.as_str();
        match result {
            Ok(answer) => {
                let status = answer.status;
                let id = request_id(&answer.headers);
                let shown_id = id.map(|i| format!(", request id {i}")).unwrap_or_default();
                log::debug!(
                    target: logs::HTTP,
                    method = method, path = path, status_code = status, duration_ms = ms,
                    attempt = attempt, request_id = id;
                    "{method} {path} {status} ({ms:.1} ms, attempt {attempt}{shown_id})"
                );
            }
            Err(e) => {
                let kind = e.kind();
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
    pub(super) fn log_retry(&self, target: Target<'_>, why: &str, wait: Duration, attempt: u32) {
        if !log::log_enabled!(target: logs::HTTP, log::Level::Info) {
            return;
        }
        let method = target.method.as_str();
        let path = scrub(
            &logs::shown_path(target.url, target.query),
            &self.secrets(None),
        );
        let path = path.as_str();
        let secs = wait.as_secs_f64();
        let most = self.inner.policy.max_retries.saturating_add(1);
        log::info!(
            target: logs::HTTP,
            method = method, path = path, reason = why, wait_seconds = secs, attempt = attempt;
            "{method} {path}: {why}, retrying in {secs:.2} s (attempt {attempt} of {most})"
        );
    }

    /// The error of an API answer with a status outside 2xx, its body and URL scrubbed.
    pub(super) fn api_error(
        &self,
        target: Target<'_>,
        answer: &Answer,
        rate: &RateHeaders,
        attempts: u32,
    ) -> Error {
        let secrets = self.secrets(None);
        let text = String::from_utf8_lossy(&answer.body);
        let clean = scrub(&text, &secrets);
        let body = match serde_json::from_str::<Value>(&clean) {
            Ok(mut v) => {
                scrub_json(&mut v, &secrets);
                v
            }
            Err(_) if clean.trim().is_empty() => Value::Null,
            Err(_) => Value::String(clean),
        };
        let mut full = target.url.clone();
        if !target.query.is_empty() {
            full.query_pairs_mut().extend_pairs(target.query);
        }
        let request_id = request_id(&answer.headers).map(str::to_string);
        Error::Api(Box::new(ApiError {
            status: answer.status,
            body,
            method: target.method.to_string(),
            url: scrub(full.as_str(), &secrets),
            request_id,
            retry_after: rate.server_wait(now_unix()),
            attempts,
        }))
    }

    /// The error of an answer larger than `max_response_bytes`: not retried (the same
    /// request would get the same answer).
    pub(super) fn too_large_error(&self, target: Target<'_>, limit: u64) -> Error {
        let mut bare = target.url.clone();
        bare.set_query(None);
        Error::Decode(scrub(
            &format!(
                "{} {bare}: the answer is larger than max_response_bytes ({limit} bytes); \
                 ask for less (per_page=, filters) or raise max_response_bytes on the client",
                target.method
            ),
            &self.secrets(None),
        ))
    }

    /// The error of a request that got no usable answer: what failed, without the query.
    pub(super) fn connection_error(
        &self,
        target: Target<'_>,
        e: reqwest::Error,
        attempts: u32,
    ) -> Error {
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
        let mut bare = target.url.clone();
        bare.set_query(None);
        let secrets = self.secrets(None);
        let shown_attempts = if attempts > 1 {
            format!(" (after {attempts} attempts)")
        } else {
            String::new()
        };
        let method = target.method;
        Error::Connection {
            message: scrub(
                &format!("{method} {bare} {kind}{msg}{shown_attempts}"),
                &secrets,
            ),
            timeout: e.is_timeout(),
            attempts,
        }
    }
}

/// Why an attempt got no answer to hand back.
pub(super) enum Failure {
    /// The connection, TLS or HTTP failed (or timed out).
    Transport(reqwest::Error),
    /// The answer, decoded, is larger than the client's `max_response_bytes`.
    TooLarge { limit: u64 },
}

impl Failure {
    /// What went wrong, in a few words (no URL, no query).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Transport(e) => error_kind(e),
            Failure::TooLarge { .. } => "answer too large",
        }
    }
}

/// Reads a whole body, refusing it past `limit` bytes (counted after decompression, so the
/// limit bounds memory). A body that arrives in one chunk is kept as it is, without a copy.
async fn read_body(mut resp: reqwest::Response, limit: u64) -> std::result::Result<Bytes, Failure> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(Failure::TooLarge { limit });
    }
    let mut first: Option<Bytes> = None;
    let mut joined: Option<bytes::BytesMut> = None;
    let mut len: u64 = 0;
    while let Some(chunk) = resp.chunk().await.map_err(Failure::Transport)? {
        len = len.saturating_add(chunk.len() as u64);
        if len > limit {
            return Err(Failure::TooLarge { limit });
        }
        if let Some(buf) = joined.as_mut() {
            buf.extend_from_slice(&chunk);
        } else if let Some(head) = first.take() {
            let hint = resp
                .content_length()
                .unwrap_or(0)
                .clamp(len, limit.min(MAX_PREALLOCATION));
            let mut buf = bytes::BytesMut::with_capacity(hint as usize);
            buf.extend_from_slice(&head);
            buf.extend_from_slice(&chunk);
            joined = Some(buf);
        } else {
            first = Some(chunk);
        }
    }
    Ok(match (joined, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(one)) => one,
        (None, None) => Bytes::new(),
    })
}

/// The most bytes reserved ahead for a body from its `Content-Length` (input: trusted only
/// this far; the buffer grows past it as bytes really arrive).
const MAX_PREALLOCATION: u64 = 16 * 1024 * 1024;

/// Procore's id of a request, from the answer's headers.
fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-request-id", "procore-request-id", "x-amzn-requestid"]
        .iter()
        .find_map(|h| header_str(headers, h))
}

/// A status as logged: `503 Service Unavailable`.
pub(super) fn status_text(status: u16) -> String {
    format!("{status} {}", reason_phrase(status))
}

/// What went wrong with a connection, in a few words (no URL, no query).
pub(super) fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    }
}
