//! Retrying: the one retry loop ([`Client::call`]) that every call to Procore goes through
//! (API calls, token grants, revocation), and its decisions as small pure functions
//! ([`should_retry`], [`retry_wait`], [`backoff_delay`]) tested below.

use std::time::{Duration, SystemTime};

use reqwest::Method;

use super::client::Client;
use super::error::Result;
use super::pacer::RateHeaders;
use super::token::now_unix;
use super::transport::{error_kind, status_text, Answer, Call, Failure};

/// What an attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    /// The connection was never made: the request provably did not reach the server.
    ConnectError,
    /// The request may have reached the server (reset, timeout while waiting for the answer).
    SendError,
}

/// Whether sending a request twice does no more than sending it once. Decides what may be
/// retried once the request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    Idempotent,
    NotIdempotent,
}

impl Idempotency {
    /// GET, HEAD, PUT, DELETE and OPTIONS are idempotent (RFC 9110 §9.2.2); POST and PATCH
    /// are not.
    pub fn of_method(method: &Method) -> Idempotency {
        if matches!(
            *method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// First backoff ceiling; doubles on each retry.
    pub base: Duration,
    /// Ceiling of the exponential backoff.
    pub cap: Duration,
    /// Longest wait honoured from `Retry-After` / `X-Rate-Limit-Reset`.
    pub max_wait: Duration,
}

impl RetryPolicy {
    pub fn new(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
            max_wait: Duration::from_secs(60),
        }
    }
}

pub const RETRY_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// Whether attempt number `tries_made` (1 for the first) should be followed by another.
/// Idempotent requests are retried on connection errors and on 408/429/5xx; the others only
/// when the request never reached the server.
pub fn should_retry(
    idempotency: Idempotency,
    outcome: Outcome,
    tries_made: u32,
    policy: &RetryPolicy,
) -> bool {
    if tries_made > policy.max_retries {
        return false;
    }
    let idempotent = idempotency == Idempotency::Idempotent;
    match outcome {
        Outcome::ConnectError => true,
        Outcome::SendError => idempotent,
        Outcome::Status(s) => idempotent && RETRY_STATUSES.contains(&s),
    }
}

/// Exponential backoff with full jitter: a uniform draw in [0, min(cap, base * 2^retry)].
/// `unit` is a uniform draw in [0, 1).
pub fn backoff_delay(retry: u32, policy: &RetryPolicy, unit: f64) -> Duration {
    let ceiling = policy
        .base
        .as_secs_f64()
        .mul_add(2f64.powi(retry.min(30) as i32), 0.0)
        .min(policy.cap.as_secs_f64());
    Duration::from_secs_f64(ceiling * unit.clamp(0.0, 1.0))
}

/// `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<f64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then_some(secs);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(now)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    )
}

/// How long to wait before the next attempt: the server's word (`Retry-After`, or for a 429
/// the rate-limit window's `X-Rate-Limit-Reset`) when it gave one, capped; otherwise the
/// backoff.
pub fn retry_wait(
    retry: u32,
    server_wait: Option<f64>,
    policy: &RetryPolicy,
    unit: f64,
) -> Duration {
    match server_wait {
        Some(s) => super::pacer::wait_for(s, policy.max_wait.as_secs_f64()),
        None => backoff_delay(retry, policy, unit),
    }
}

/// Seconds until `X-Rate-Limit-Reset` (Unix seconds), if it is in the future.
pub fn until_reset(reset_unix: f64, now_unix: f64) -> Option<f64> {
    let d = reset_unix - now_unix;
    (d.is_finite() && d > 0.0).then_some(d)
}

/// How a call ended once no retry is left to make: its last answer, 2xx or not.
pub(super) struct Finished {
    pub answer: Answer,
    pub rate: RateHeaders,
    pub attempts: u32,
}

impl Client {
    /// Sends `call` until it gets an answer that is not worth retrying, within the retry
    /// policy; a connection error that is not retried is the error. API calls are paced
    /// first, carry a usable token, feed the pacer, and renew the token once after a 401.
    pub(super) async fn call(&self, call: &Call<'_>) -> Result<Finished> {
        let policy = &self.inner.policy;
        let target = call.target;
        let mut tries = 0u32;
        let mut renewed = false;
        loop {
            let bearer = if call.is_api() {
                // Pace first: a paced wait can outlast a short-lived token, checked after.
                self.pace().await;
                Some(self.usable_token().await?)
            } else {
                None
            };
            tries += 1;
            let request = self.build_request(call, bearer.as_ref().map(|(t, o)| (t, *o)));
            let answer = match self.attempt(request, target, tries).await {
                Ok(answer) => answer,
                Err(Failure::TooLarge { limit }) => {
                    return Err(self.too_large_error(target, limit));
                }
                Err(Failure::Transport(e)) => {
                    let outcome = if e.is_connect() {
                        Outcome::ConnectError
                    } else {
                        Outcome::SendError
                    };
                    if should_retry(call.idempotency, outcome, tries, policy) {
                        let wait = backoff_delay(tries - 1, policy, rand::random());
                        self.log_retry(target, error_kind(&e), wait, tries + 1);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(self.connection_error(target, e, tries));
                }
            };
            let rate = RateHeaders::read(answer.status, &answer.headers);
            if bearer.is_some() {
                self.inner.pacer.observe(&rate);
            }
            if answer.is_success() {
                return Ok(Finished {
                    answer,
                    rate,
                    attempts: tries,
                });
            }
            if let Some((token, _)) = &bearer {
                if answer.status == 401 && !renewed && self.can_renew(&self.auth()) {
                    // Expired or revoked under us: renew once, then try again.
                    renewed = true;
                    tries -= 1;
                    self.renew_token(Some(token), "the API refused the access token (401)")
                        .await?;
                    continue;
                }
            }
            if should_retry(
                call.idempotency,
                Outcome::Status(answer.status),
                tries,
                policy,
            ) {
                let wait = retry_wait(
                    tries - 1,
                    rate.server_wait(now_unix()),
                    policy,
                    rand::random(),
                );
                self.log_retry(target, &status_text(answer.status), wait, tries + 1);
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok(Finished {
                answer,
                rate,
                attempts: tries,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Idempotency::*;

    #[test]
    fn idempotent_methods_retry_on_server_errors() {
        let p = RetryPolicy::new(3);
        let of = |m: Method| Idempotency::of_method(&m);
        for s in RETRY_STATUSES {
            assert!(should_retry(of(Method::GET), Outcome::Status(s), 1, &p));
            assert!(should_retry(of(Method::PUT), Outcome::Status(s), 1, &p));
            assert!(should_retry(of(Method::DELETE), Outcome::Status(s), 1, &p));
            assert!(!should_retry(of(Method::POST), Outcome::Status(s), 1, &p));
            assert!(!should_retry(of(Method::PATCH), Outcome::Status(s), 1, &p));
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!should_retry(Idempotent, Outcome::Status(s), 1, &p), "{s}");
        }
    }

    #[test]
    fn posts_retry_only_when_nothing_was_sent() {
        let p = RetryPolicy::new(3);
        assert!(should_retry(NotIdempotent, Outcome::ConnectError, 1, &p));
        assert!(!should_retry(NotIdempotent, Outcome::SendError, 1, &p));
        assert!(should_retry(Idempotent, Outcome::SendError, 1, &p));
    }

    #[test]
    fn max_retries_bounds_tries() {
        let p = RetryPolicy::new(2);
        assert!(should_retry(Idempotent, Outcome::Status(503), 2, &p));
        assert!(!should_retry(Idempotent, Outcome::Status(503), 3, &p));
        let p = RetryPolicy::new(0);
        assert!(!should_retry(Idempotent, Outcome::ConnectError, 1, &p));
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy::new(10);
        assert_eq!(backoff_delay(0, &p, 0.0), Duration::ZERO);
        assert_eq!(backoff_delay(0, &p, 1.0), Duration::from_millis(250));
        assert_eq!(backoff_delay(2, &p, 1.0), Duration::from_secs(1));
        assert_eq!(backoff_delay(20, &p, 1.0), Duration::from_secs(8));
        assert_eq!(backoff_delay(3, &p, 0.5), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(7.0));
        assert_eq!(parse_retry_after(" 1.5 ", now), Some(1.5));
        assert_eq!(parse_retry_after("-1", now), None);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(30.0));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(0.0));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn server_wait_is_capped() {
        let p = RetryPolicy::new(3);
        assert_eq!(retry_wait(0, Some(3.0), &p, 0.9), Duration::from_secs(3));
        assert_eq!(
            retry_wait(0, Some(3600.0), &p, 0.9),
            Duration::from_secs(60)
        );
        assert_eq!(until_reset(110.0, 100.0), Some(10.0));
        assert_eq!(until_reset(90.0, 100.0), None);
    }
}
