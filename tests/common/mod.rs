//! What the Rust integration tests share: a mock Procore server of their own (on a free
//! loopback port, with its own CA), an HTTPS client that trusts only that CA, and the core
//! client's options pointing at the server.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::time::Duration;

use _procore::core::{ClientOptions, Secret};
use _procore::mock::{MockConfig, MockServer};

/// A mock server with the default configuration.
pub async fn start() -> MockServer {
    start_with(MockConfig::default()).await
}

pub async fn start_with(cfg: MockConfig) -> MockServer {
    MockServer::start(cfg).await.expect("mock server starts")
}

/// A reqwest client builder that trusts only the server's CA and follows no redirect.
pub fn http_builder(server: &MockServer) -> reqwest::ClientBuilder {
    let ca = reqwest::Certificate::from_pem(server.ca_cert_pem().as_bytes()).expect("CA PEM");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
}

pub fn http_client(server: &MockServer) -> reqwest::Client {
    http_builder(server).build().expect("client")
}

/// A mock server and the core client's options for it: its credentials, hosts, CA (written to
/// a file that lives as long as this) and default company.
pub struct CoreEnv {
    pub server: MockServer,
    _ca: tempfile::NamedTempFile,
    pub opts: ClientOptions,
}

pub async fn core_env(cfg: MockConfig) -> CoreEnv {
    let server = start_with(cfg).await;
    let mut ca = tempfile::NamedTempFile::new().expect("temporary CA file");
    ca.write_all(server.ca_cert_pem().as_bytes())
        .expect("CA written");
    let opts = ClientOptions {
        client_id: Some(server.client_id()),
        client_secret: Some(Secret::new(server.client_secret())),
        base_url: Some(server.base_url()),
        login_url: Some(server.login_url()),
        ca_cert: Some(ca.path().to_path_buf()),
        company_id: Some(server.company_id()),
        ..ClientOptions::default()
    };
    CoreEnv {
        server,
        _ca: ca,
        opts,
    }
}
