//! The pure Rust core: no pyo3 here. Every API call is written once, as an `async fn` on
//! [`Client`]; the Python layer wraps it for both the sync and the async client.

pub mod catalog;
mod client;
mod config;
mod error;
mod logs;
mod models;
mod oauth;
mod pagination;
mod params;
mod paths;
pub mod records;
mod retry;
mod secret;
mod store;
mod token;

pub use client::{Client, PageStream, RateLimit, COMPANIES_PATH};
pub use config::{ClientOptions, Config, Environment};
pub use error::{ApiError, Error, Result};
pub use logs::LOG_TARGETS;
pub use models::{Company, Me, Project};
pub use oauth::{
    authorization_url, check_code_verifier, check_redirect_uri, require_client_id,
    require_client_secret, Grant,
};
pub use pagination::{parse_link_header, LinkRels};
pub use params::flatten_params;
pub use paths::resolve_path;
pub use retry::{backoff_delay, parse_retry_after, should_retry, RetryPolicy};
pub use secret::Secret;
pub use store::{Origin, StoreLock, TokenStore};
pub use token::{now_unix, Token};
