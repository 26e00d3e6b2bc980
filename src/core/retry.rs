//! Retry decisions, as pure functions.

use std::time::{Duration, SystemTime};

/// What a try ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    /// The connection was never made: the request provably did not reach the server.
    ConnectError,
    /// The request may have reached the server (reset, timeout while waiting for the answer).
    SendError,
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

fn idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
    )
}

/// Whether try number `tries_made` (1 for the first) should be followed by another.
/// GET, PUT, DELETE and HEAD are retried on connection errors and on 408/429/5xx; POST and
/// PATCH only when the request never reached the server.
pub fn should_retry(method: &str, outcome: Outcome, tries_made: u32, policy: &RetryPolicy) -> bool {
    if tries_made > policy.max_retries {
        return false;
    }
    match outcome {
        Outcome::ConnectError => true,
        Outcome::SendError => idempotent(method),
        Outcome::Status(s) => idempotent(method) && RETRY_STATUSES.contains(&s),
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

/// How long to wait before the next try: the server's word (`Retry-After`, or for a 429 the
/// rate-limit window's `X-Rate-Limit-Reset`) when it gave one, capped; otherwise the backoff.
pub fn retry_wait(
    retry: u32,
    server_wait: Option<f64>,
    policy: &RetryPolicy,
    unit: f64,
) -> Duration {
    match server_wait {
        Some(s) => Duration::from_secs_f64(s.min(policy.max_wait.as_secs_f64()).max(0.0)),
        None => backoff_delay(retry, policy, unit),
    }
}

/// Seconds until `X-Rate-Limit-Reset` (Unix seconds), if it is in the future.
pub fn until_reset(reset_unix: f64, now_unix: f64) -> Option<f64> {
    let d = reset_unix - now_unix;
    (d > 0.0).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_methods_retry_on_server_errors() {
        let p = RetryPolicy::new(3);
        for s in RETRY_STATUSES {
            assert!(should_retry("GET", Outcome::Status(s), 1, &p));
            assert!(should_retry("PUT", Outcome::Status(s), 1, &p));
            assert!(should_retry("DELETE", Outcome::Status(s), 1, &p));
            assert!(!should_retry("POST", Outcome::Status(s), 1, &p));
            assert!(!should_retry("PATCH", Outcome::Status(s), 1, &p));
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!should_retry("GET", Outcome::Status(s), 1, &p), "{s}");
        }
    }

    #[test]
    fn posts_retry_only_when_nothing_was_sent() {
        let p = RetryPolicy::new(3);
        assert!(should_retry("POST", Outcome::ConnectError, 1, &p));
        assert!(!should_retry("POST", Outcome::SendError, 1, &p));
        assert!(should_retry("GET", Outcome::SendError, 1, &p));
    }

    #[test]
    fn max_retries_bounds_tries() {
        let p = RetryPolicy::new(2);
        assert!(should_retry("GET", Outcome::Status(503), 2, &p));
        assert!(!should_retry("GET", Outcome::Status(503), 3, &p));
        let p = RetryPolicy::new(0);
        assert!(!should_retry("GET", Outcome::ConnectError, 1, &p));
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
