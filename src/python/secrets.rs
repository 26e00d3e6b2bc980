//! The core's scrubbing of secrets ([`core::scrub`]), for the `procore` command: its last line
//! of defence on every message it prints, with the same rule as the core's own messages.

use pyo3::prelude::*;

use crate::core::{self, Secret};

/// `text` with every occurrence of `secrets` replaced by `[redacted]`; values shorter than the
/// core's threshold are left alone (they would redact innocent text).
#[pyfunction]
pub fn _scrub(text: &str, secrets: Vec<String>) -> String {
    let mut secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
    // The longest first: a secret that contains another is redacted whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    core::scrub(text, &secrets)
}
