//! The pacer: one shared rate state per client, fed by every API answer's `X-Rate-Limit-*`
//! headers and asked before every API request how long to wait. The decisions are pure
//! functions over [`RateState`] ([`RateState::observe`], [`RateState::step`]), tested below
//! like `retry.rs`; [`Pacer`] only adds the lock and the clock.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::client::Client;
use super::logs;
use super::retry;
use super::token::now_unix;

/// When the remaining allowance falls under this share of the limit, requests are spread
/// evenly over what is left of the window instead of being sent at once.
const SPREAD_BELOW_SHARE: f64 = 0.25;

/// The last rate-limit figures Procore sent (`X-Rate-Limit-*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds at which the window resets.
    pub reset: Option<f64>,
}

/// The rate-limit figures of one answer, read once from its headers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateHeaders {
    pub status: u16,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds at which the window resets.
    pub reset: Option<f64>,
    /// `Retry-After`, in seconds from now (read only on answers outside 2xx).
    pub retry_after: Option<f64>,
}

impl RateHeaders {
    pub fn read(status: u16, headers: &HeaderMap) -> RateHeaders {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        RateHeaders {
            status,
            limit: text("x-rate-limit-limit").and_then(|v| v.parse().ok()),
            remaining: text("x-rate-limit-remaining").and_then(|v| v.parse().ok()),
            reset: text("x-rate-limit-reset").and_then(|v| plausible_reset(v, now_unix())),
            retry_after: if !(200..300).contains(&status) {
                text("retry-after").and_then(|v| retry::parse_retry_after(v, SystemTime::now()))
            } else {
                None
            },
        }
    }

    /// Whether the answer carried any `X-Rate-Limit-*` figure.
    fn any(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some() || self.reset.is_some()
    }

    /// Seconds the server asked us to wait: `Retry-After`, or for a 429 that says no request
    /// is left, the time to `X-Rate-Limit-Reset`.
    pub fn server_wait(&self, now: f64) -> Option<f64> {
        if self.retry_after.is_some() {
            return self.retry_after;
        }
        match (self.status, self.remaining, self.reset) {
            (429, Some(0), Some(reset)) => retry::until_reset(reset, now),
            _ => None,
        }
    }
}

/// The farthest ahead a window's reset is believed (Procore's windows are an hour and ten
/// seconds): a later one, like an unparseable, non-finite or negative one, is ignored, so a
/// broken header cannot make calls wait for it.
const MAX_RESET_AHEAD: f64 = 2.0 * 3600.0;

/// `X-Rate-Limit-Reset` as Unix seconds, when it is a finite time no more than
/// [`MAX_RESET_AHEAD`] away (a time in the past is kept: it means the window is over).
pub fn plausible_reset(value: &str, now: f64) -> Option<f64> {
    let reset: f64 = value.parse().ok()?;
    (reset.is_finite() && reset >= 0.0 && reset - now <= MAX_RESET_AHEAD).then_some(reset)
}

/// A wait in seconds as a `Duration`: negative, NaN or absurd figures never reach
/// `Duration::from_secs_f64` (which panics on them); `cap` bounds it.
pub fn wait_for(seconds: f64, cap: f64) -> Duration {
    let s = if seconds.is_finite() { seconds } else { 0.0 };
    Duration::try_from_secs_f64(s.clamp(0.0, cap.max(0.0))).unwrap_or(Duration::ZERO)
}

/// What the pacer tells a request about to be sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PaceStep {
    Go,
    /// Little allowance left: wait this many seconds (the request's slot), then send.
    WaitThenGo(f64),
    /// No allowance left in this window: wait this many seconds, then ask again.
    WaitThenAskAgain(f64),
}

/// The shared rate state: the server's figures, with our own sends counted down between
/// answers, and the next free slot when requests are being spread out.
#[derive(Debug, Default, Clone)]
pub struct RateState {
    /// The figures of the last answer that carried any, as sent (for `rate_limit()`).
    pub last: RateLimit,
    limit: Option<u64>,
    remaining: Option<i64>,
    reset: Option<f64>,
    next_slot: f64,
}

impl RateState {
    /// Takes in the figures of one API answer.
    pub fn observe(&mut self, h: &RateHeaders, now: f64) {
        if h.status == 429 {
            // Out of allowance: everyone waits for the window the server names, or for a
            // moment when it names none.
            let wait = h.server_wait(now).unwrap_or(1.0);
            self.remaining = Some(0);
            self.reset = Some(now + wait);
        } else if let (Some(rem), Some(reset)) = (h.remaining, h.reset) {
            let same_window = self.reset.is_some_and(|r| (r - reset).abs() < 1.0);
            let rem = i64::try_from(rem).unwrap_or(i64::MAX);
            // Within one window, requests sent after the server counted this one are already
            // subtracted from our figure: keep the lower.
            self.remaining = Some(match self.remaining {
                Some(mine) if same_window => mine.min(rem),
                _ => rem,
            });
            if !same_window {
                // Slots reserved in the last window mean nothing in this one.
                self.next_slot = 0.0;
            }
            self.reset = Some(reset);
            self.limit = h.limit.or(self.limit);
        }
        if h.any() {
            self.last = RateLimit {
                limit: h.limit,
                remaining: h.remaining,
                reset: h.reset,
            };
        }
    }

    /// Decides for one request about to be sent, counting it against the allowance.
    /// `spread_floor` is the allowance under which requests are always spread (twice the
    /// client's concurrency); `cap` the longest wait worth making (seconds).
    pub fn step(&mut self, now: f64, spread_floor: f64, cap: f64) -> PaceStep {
        let (Some(rem), Some(reset)) = (self.remaining, self.reset) else {
            return PaceStep::Go;
        };
        if !reset.is_finite() || reset <= now {
            // A new window: the next answer tells us where we stand.
            self.remaining = None;
            self.reset = None;
            self.next_slot = 0.0;
            return PaceStep::Go;
        }
        if rem <= 0 {
            // Waiting longer than the cap helps nobody: send, and let the server's 429 (and
            // the retry policy) decide.
            if reset - now > cap {
                return PaceStep::Go;
            }
            return PaceStep::WaitThenAskAgain(reset - now + 0.05);
        }
        self.remaining = Some(rem - 1);
        let limit = self.limit.unwrap_or(0) as f64;
        let low = (limit * SPREAD_BELOW_SHARE).max(spread_floor);
        if (rem as f64) > low {
            return PaceStep::Go;
        }
        let interval = ((reset - now) / rem as f64).min(cap);
        let slot = self.next_slot.max(now);
        self.next_slot = slot + interval;
        if slot > now {
            PaceStep::WaitThenGo(slot - now)
        } else {
            PaceStep::Go
        }
    }
}

/// The client's one rate state behind one lock.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<RateState>,
}

impl Pacer {
    fn lock(&self) -> std::sync::MutexGuard<'_, RateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn observe(&self, h: &RateHeaders) {
        self.lock().observe(h, now_unix());
    }

    pub fn step(&self, spread_floor: f64, cap: f64) -> PaceStep {
        self.lock().step(now_unix(), spread_floor, cap)
    }

    pub fn last(&self) -> RateLimit {
        self.lock().last.clone()
    }
}

impl Client {
    /// Waits as long as the shared rate state says the request about to be sent should.
    /// No wait outlasts the call's own timeout: past it, the request is sent and the server
    /// decides (a 429 then goes through the retry policy).
    pub(super) async fn pace(&self) {
        let cap = self
            .inner
            .policy
            .max_wait
            .min(self.inner.cfg.timeout)
            .as_secs_f64();
        let spread_floor = 2.0 * self.inner.cfg.max_concurrency as f64;
        loop {
            match self.inner.pacer.step(spread_floor, cap) {
                PaceStep::Go => return,
                PaceStep::WaitThenGo(s) => {
                    let wait = wait_for(s, cap);
                    let s = wait.as_secs_f64();
                    log::debug!(
                        target: logs::HTTP, wait_seconds = s;
                        "rate limit: little allowance left, spacing requests: waiting {s:.2} s"
                    );
                    tokio::time::sleep(wait).await;
                    return;
                }
                PaceStep::WaitThenAskAgain(s) => {
                    let wait = wait_for(s, cap);
                    let s = wait.as_secs_f64();
                    log::info!(
                        target: logs::HTTP, wait_seconds = s;
                        "rate limit: no requests left in this window, waiting {s:.2} s for it to reset"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, limit: u64, remaining: u64, reset: f64) -> RateHeaders {
        RateHeaders {
            status,
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(reset),
            retry_after: None,
        }
    }

    #[test]
    fn broken_resets_are_ignored() {
        let now = 1_700_000_000.0;
        for bad in [
            "nan",
            "NaN",
            "inf",
            "-inf",
            "-5",
            "1e300",
            "99999999999",
            "soon",
            "",
            "0x10",
        ] {
            assert_eq!(plausible_reset(bad, now), None, "{bad}");
        }
        assert_eq!(plausible_reset("1700000600", now), Some(1_700_000_600.0));
        // A reset in the past means the window is over: kept, and it lets requests go.
        assert_eq!(plausible_reset("1699999000", now), Some(1_699_999_000.0));
        let mut st = RateState::default();
        st.observe(&answer(200, 3600, 0, 1_699_999_000.0), now);
        assert_eq!(st.step(now, 16.0, 60.0), PaceStep::Go);
    }

    #[test]
    fn waits_are_finite_and_capped() {
        assert_eq!(wait_for(f64::NAN, 30.0), Duration::ZERO);
        assert_eq!(wait_for(f64::INFINITY, 30.0), Duration::ZERO);
        assert_eq!(wait_for(-4.0, 30.0), Duration::ZERO);
        assert_eq!(wait_for(1e300, 30.0), Duration::from_secs(30));
        assert_eq!(wait_for(2.5, 30.0), Duration::from_secs_f64(2.5));
        assert_eq!(wait_for(2.5, f64::NAN), Duration::ZERO);
    }

    #[test]
    fn a_non_finite_reset_never_blocks() {
        let now = 1_700_000_000.0;
        let mut st = RateState::default();
        st.observe(&answer(200, 3600, 0, f64::NAN), now);
        assert_eq!(st.step(now, 16.0, 60.0), PaceStep::Go);
        let mut st = RateState::default();
        st.observe(&answer(200, 3600, 0, f64::INFINITY), now);
        assert_eq!(st.step(now, 16.0, 60.0), PaceStep::Go);
    }

    #[test]
    fn headers_are_read_once_and_trimmed() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", " 3600 ".parse().unwrap());
        h.insert("x-rate-limit-remaining", "12".parse().unwrap());
        h.insert("x-rate-limit-reset", "1700000000".parse().unwrap());
        h.insert("retry-after", "7".parse().unwrap());
        let ok = RateHeaders::read(200, &h);
        assert_eq!(
            (ok.limit, ok.remaining, ok.reset, ok.retry_after),
            (Some(3600), Some(12), Some(1.7e9), None)
        );
        assert_eq!(RateHeaders::read(503, &h).retry_after, Some(7.0));
        assert!(!RateHeaders::read(200, &HeaderMap::new()).any());
    }

    #[test]
    fn server_wait_is_retry_after_else_the_reset_of_an_empty_window() {
        let mut h = answer(429, 10, 0, 130.0);
        assert_eq!(h.server_wait(100.0), Some(30.0));
        h.retry_after = Some(2.0);
        assert_eq!(h.server_wait(100.0), Some(2.0));
        assert_eq!(answer(503, 10, 0, 130.0).server_wait(100.0), None);
        assert_eq!(answer(429, 10, 1, 130.0).server_wait(100.0), None);
    }

    #[test]
    fn plenty_left_means_go_and_counts_down() {
        let mut s = RateState::default();
        assert_eq!(s.step(100.0, 16.0, 60.0), PaceStep::Go);
        s.observe(&answer(200, 3600, 3000, 200.0), 100.0);
        assert_eq!(s.last.remaining, Some(3000));
        assert_eq!(s.step(100.0, 16.0, 60.0), PaceStep::Go);
        assert_eq!(s.remaining, Some(2999));
    }

    #[test]
    fn a_lower_figure_of_the_same_window_wins() {
        let mut s = RateState::default();
        s.observe(&answer(200, 100, 50, 200.0), 100.0);
        for _ in 0..10 {
            s.step(100.0, 16.0, 60.0);
        }
        // The server counted fewer of our requests than we sent: keep our figure.
        s.observe(&answer(200, 100, 45, 200.2), 100.0);
        assert_eq!(s.remaining, Some(40));
        assert_eq!(s.last.remaining, Some(45));
        // A new window resets the count.
        s.observe(&answer(200, 100, 99, 260.0), 100.0);
        assert_eq!(s.remaining, Some(99));
    }

    #[test]
    fn little_left_spreads_requests_over_the_window() {
        let mut s = RateState::default();
        s.observe(&answer(200, 100, 10, 110.0), 100.0);
        // 10 left for 10 s: one a second.
        assert_eq!(s.step(100.0, 2.0, 60.0), PaceStep::Go);
        match s.step(100.0, 2.0, 60.0) {
            PaceStep::WaitThenGo(w) => assert!((w - 1.0).abs() < 1e-9, "{w}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_left_waits_for_the_reset_unless_it_is_too_far() {
        let mut s = RateState::default();
        s.observe(&answer(200, 100, 0, 105.0), 100.0);
        match s.step(100.0, 2.0, 60.0) {
            PaceStep::WaitThenAskAgain(w) => assert!((w - 5.05).abs() < 1e-9, "{w}"),
            other => panic!("{other:?}"),
        }
        let mut s = RateState::default();
        s.observe(&answer(200, 100, 0, 1000.0), 100.0);
        assert_eq!(s.step(100.0, 2.0, 60.0), PaceStep::Go);
        // Once the window is over, the state is forgotten.
        let mut s = RateState::default();
        s.observe(&answer(200, 100, 0, 105.0), 100.0);
        assert_eq!(s.step(106.0, 2.0, 60.0), PaceStep::Go);
        assert_eq!(s.remaining, None);
    }

    #[test]
    fn a_429_empties_the_allowance_for_the_named_wait() {
        let mut s = RateState::default();
        let mut h = RateHeaders {
            status: 429,
            ..RateHeaders::default()
        };
        h.retry_after = Some(3.0);
        s.observe(&h, 100.0);
        assert_eq!(s.remaining, Some(0));
        assert_eq!(s.reset, Some(103.0));
        // No figure sent: `rate_limit()` keeps the last one.
        assert_eq!(s.last, RateLimit::default());
        let mut s = RateState::default();
        s.observe(
            &RateHeaders {
                status: 429,
                ..RateHeaders::default()
            },
            100.0,
        );
        assert_eq!(s.reset, Some(101.0));
    }
}
