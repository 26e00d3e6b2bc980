//! Open and closed: a client's core while it is open, and what stays readable after `close()`
//! (the configuration, the token, the rate-limit figures). Only I/O on a closed client raises:
//! a script that saves `client.token` after its `with` block keeps working.

use std::ops::Deref;
use std::sync::{Arc, Mutex, RwLock, Weak};

use crate::core;

/// The core client of an open Python client, shared with the calls and iterators it started.
/// When the last of them goes (the client closed, every call done), its connections go with
/// it, and its final token and rate-limit figures are kept for reading.
pub struct LiveClient {
    core: core::Client,
    last: Arc<Mutex<Final>>,
}

impl Deref for LiveClient {
    type Target = core::Client;

    fn deref(&self) -> &core::Client {
        &self.core
    }
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        *lock(&self.last) = Final::of(&self.core);
    }
}

/// What a client last knew of its token and of the rate limit.
#[derive(Default)]
struct Final {
    token: Option<core::Token>,
    rate: core::RateLimit,
}

impl Final {
    fn of(c: &core::Client) -> Self {
        Final {
            token: c.token(),
            rate: c.rate_limit(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A Python client's state.
pub struct Lifecycle {
    /// The core, for I/O; `None` once closed.
    open: RwLock<Option<Arc<LiveClient>>>,
    /// The same core while anything still holds it (calls under way after `close()`).
    live: Weak<LiveClient>,
    /// Written when the core goes.
    last: Arc<Mutex<Final>>,
    /// The configuration, readable open or closed.
    cfg: core::Config,
}

impl Lifecycle {
    pub fn new(core: core::Client) -> Self {
        let last = Arc::new(Mutex::new(Final::default()));
        let cfg = core.config().clone();
        let live = Arc::new(LiveClient {
            core,
            last: last.clone(),
        });
        Lifecycle {
            live: Arc::downgrade(&live),
            open: RwLock::new(Some(live)),
            last,
            cfg,
        }
    }

    /// The core for a call, or `None` once the client is closed.
    pub fn open(&self) -> Option<Arc<LiveClient>> {
        self.open.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Closes the client: no new I/O. Calls under way finish.
    pub fn close(&self) {
        let taken = self.open.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(live) = taken {
            // Readable at once, even while the last call under way is letting go of the core.
            *lock(&self.last) = Final::of(&live);
        }
    }

    pub fn is_closed(&self) -> bool {
        self.open
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    pub fn config(&self) -> &core::Config {
        &self.cfg
    }

    /// The current token: the core's while it exists, then the last one it had.
    pub fn token(&self) -> Option<core::Token> {
        match self.live.upgrade() {
            Some(c) => c.token(),
            None => lock(&self.last).token.clone(),
        }
    }

    pub fn rate_limit(&self) -> core::RateLimit {
        match self.live.upgrade() {
            Some(c) => c.rate_limit(),
            None => lock(&self.last).rate.clone(),
        }
    }
}
