//! The pure Rust core: no pyo3 here. Every API call is written once, as an `async fn` on
//! [`Client`]; the Python layer wraps it for both the sync and the async client.
//!
//! Where things are: `client` (the shared state and the entry of an API call), `transport`
//! (one attempt: send, read, log), `retry` (the one retry loop and its decisions), `pacer`
//! (rate limits), `renewal` (the token and its single-flight renewal), `pagination` (list
//! endpoints), `api/` (the endpoints, one module per area), `config` (options, validated
//! once, into the types of `options`), `oauth` (OAuth requests and answers, pure), and the types they share.

mod api;
pub mod arrow;
pub mod catalog;
mod client;
mod config;
mod cross_project;
mod drift;
mod error;
pub mod login;
mod logs;
mod models;
mod oauth;
mod options;
mod pacer;
mod pagination;
mod params;
mod paths;
pub mod records;
mod renewal;
mod retry;
mod secret;
#[cfg(test)]
mod server_input_proptest;
mod store;
mod token;
mod transport;
mod window;

pub use api::{ProjectsRequest, COMPANIES_PATH, ME_PATH, PROJECTS_PATH};
pub use client::Client;
pub use config::{ClientOptions, Config};
pub use cross_project::{check_project_ids, with_project_id, ProjectRecords, PROJECT_PLACEHOLDER};
pub use error::{ApiError, Error, Result};
pub use logs::LOG_TARGETS;
pub use models::{Company, Me, Project};
pub use oauth::{
    authorization_url, check_code_verifier, check_redirect_uri, require_client_id,
    require_client_secret, Grant,
};
pub use options::{
    defaults, ClientId, ClientSecret, Environment, RedirectUri, MAX_CONCURRENCY_RANGE,
    MAX_RETRIES_RANGE, MAX_SECONDS, OOB_REDIRECT_URI,
};
pub use pacer::{PaceStep, RateHeaders, RateLimit, RateState};
pub use pagination::{parse_link_header, reserve_for, LinkRels, Page, PageStream};
pub use params::flatten_params;
pub use paths::resolve_path;
pub use retry::{backoff_delay, parse_retry_after, should_retry, Idempotency, RetryPolicy};
pub use secret::{scrub, Secret};
pub use store::{Origin, StoreLock, TokenStore};
pub use token::{now_unix, Token};
pub use transport::Response;
pub use window::{parse_instant, updated_window, with_window, UPDATED_AT_FILTER};
