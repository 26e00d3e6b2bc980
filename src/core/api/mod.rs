//! The endpoints, one module per API area (as octocrab's `src/api/*.rs`): each adds its
//! methods to [`Client`](super::Client) and names its paths.

mod companies;
mod me;
mod oauth;
mod projects;

pub use companies::COMPANIES_PATH;
pub use me::ME_PATH;
pub use projects::{ProjectsRequest, PROJECTS_PATH};
