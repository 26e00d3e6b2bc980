//! Procore's API as data, generated from `spec/` by the scripts in `scripts/`.

// Generated: formatted by its generator, not by rustfmt.
#[rustfmt::skip]
pub mod types;
