use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::error::{Error, Result};
use super::secret::Secret;
use super::token::Token;

/// Procore's environments. Tokens do not cross environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
    Monthly,
}

impl Environment {
    pub fn parse(name: &str) -> Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Environment::Production),
            "sandbox" | "developer_sandbox" => Ok(Environment::Sandbox),
            "monthly" | "monthly_sandbox" => Ok(Environment::Monthly),
            _ => Err(Error::Config(format!(
                "unknown environment {name:?}: expected \"production\", \"sandbox\" or \"monthly\""
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
            Environment::Monthly => "monthly",
        }
    }

    /// (login host, API host), from Procore's documentation.
    pub fn hosts(self) -> (&'static str, &'static str) {
        match self {
            Environment::Production => ("https://login.procore.com", "https://api.procore.com"),
            Environment::Sandbox => (
                "https://login-sandbox.procore.com",
                "https://sandbox.procore.com",
            ),
            Environment::Monthly => (
                "https://login-sandbox-monthly.procore.com",
                "https://api-monthly.procore.com",
            ),
        }
    }
}

pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The constructor's arguments, as given (environment variables already applied).
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub environment: String,
    pub base_url: Option<String>,
    pub login_url: Option<String>,
    pub redirect_uri: String,
    pub access_token: Option<Secret>,
    pub token: Option<Token>,
    pub token_store: Option<PathBuf>,
    pub company_id: Option<i64>,
    pub ca_cert: Option<PathBuf>,
    pub timeout: f64,
    pub connect_timeout: Option<f64>,
    pub read_timeout: Option<f64>,
    pub max_retries: i64,
    pub max_concurrency: i64,
    /// The largest answer read, in bytes once decoded; `None` for the default.
    pub max_response_bytes: Option<i64>,
}

/// The largest answer read by default (decoded bytes): far above any page of records, far
/// below what would exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            client_id: None,
            client_secret: None,
            environment: "production".into(),
            base_url: None,
            login_url: None,
            redirect_uri: OOB_REDIRECT_URI.into(),
            access_token: None,
            token: None,
            token_store: None,
            company_id: None,
            ca_cert: None,
            timeout: 30.0,
            connect_timeout: None,
            read_timeout: None,
            max_retries: 3,
            max_concurrency: 8,
            max_response_bytes: None,
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub environment: Environment,
    pub base_url: Url,
    pub login_url: Url,
    pub redirect_uri: String,
    pub token_store: Option<PathBuf>,
    pub company_id: Option<i64>,
    pub ca_cert_pem: Option<Vec<u8>>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of an answer.
    pub read_timeout: Option<Duration>,
    pub max_retries: u32,
    pub max_concurrency: usize,
    /// The largest answer read (decoded bytes).
    pub max_response_bytes: u64,
}

impl Config {
    /// The client id, or the error that says how to give one (`what` names the call).
    pub fn require_client_id(&self, what: &str) -> Result<&str> {
        super::oauth::require_client_id(self.client_id.as_deref(), what)
    }

    /// The client id and secret, or the error that says how to give the missing one.
    pub fn require_credentials(&self, what: &str) -> Result<(&str, &Secret)> {
        let id = self.require_client_id(what)?;
        let secret = super::oauth::require_client_secret(self.client_secret.as_ref(), what)?;
        Ok((id, secret))
    }
}

impl ClientOptions {
    /// Checks every argument; nothing is sent before this passes.
    pub fn validate(&self) -> Result<(Config, Option<Token>)> {
        let environment = Environment::parse(&self.environment)?;
        let (login_default, api_default) = environment.hosts();
        let base_url = https_url("base_url", self.base_url.as_deref().unwrap_or(api_default))?;
        let login_url = https_url(
            "login_url",
            self.login_url.as_deref().unwrap_or(login_default),
        )?;
        if let Some(id) = &self.client_id {
            if id.trim().is_empty() {
                return Err(Error::Config("client_id is empty".into()));
            }
        }
        if let Some(s) = &self.client_secret {
            if s.expose().trim().is_empty() {
                return Err(Error::Config("client_secret is empty".into()));
            }
        }
        let redirect_uri = super::oauth::check_redirect_uri(&self.redirect_uri)?;
        if let Some(c) = self.company_id {
            check_company_id(c)?;
        }
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(Error::Config(format!(
                "timeout must be a positive number of seconds, not {}",
                self.timeout
            )));
        }
        let positive = |name: &str, v: Option<f64>| -> Result<Option<f64>> {
            match v {
                Some(t) if !(t.is_finite() && t > 0.0) => Err(Error::Config(format!(
                    "{name} must be a positive number of seconds, not {t}"
                ))),
                other => Ok(other),
            }
        };
        let connect_timeout = positive("connect_timeout", self.connect_timeout)?
            .unwrap_or_else(|| self.timeout.min(10.0));
        let read_timeout = positive("read_timeout", self.read_timeout)?;
        if !(0..=100).contains(&self.max_retries) {
            return Err(Error::Config(format!(
                "max_retries must be between 0 and 100, not {}",
                self.max_retries
            )));
        }
        let max_response_bytes = match self.max_response_bytes {
            None => DEFAULT_MAX_RESPONSE_BYTES,
            Some(n) if n >= 1 => n as u64,
            Some(n) => {
                return Err(Error::Config(format!(
                    "max_response_bytes must be a positive number of bytes, not {n}"
                )))
            }
        };
        if !(1..=256).contains(&self.max_concurrency) {
            return Err(Error::Config(format!(
                "max_concurrency must be between 1 and 256, not {}",
                self.max_concurrency
            )));
        }
        let ca_cert_pem = match &self.ca_cert {
            None => None,
            Some(p) => {
                let pem = std::fs::read(p).map_err(|e| {
                    Error::Config(format!("ca_cert {}: cannot read: {e}", p.display()))
                })?;
                if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err(Error::Config(format!(
                        "ca_cert {}: no PEM certificate in the file",
                        p.display()
                    )));
                }
                Some(pem)
            }
        };
        if self.access_token.is_some() && self.token.is_some() {
            return Err(Error::Config(
                "give either access_token or token, not both".into(),
            ));
        }
        let token = match (&self.access_token, &self.token) {
            (Some(a), None) => {
                if a.expose().trim().is_empty() {
                    return Err(Error::Config("access_token is empty".into()));
                }
                super::token::check_access_token(a.expose())
                    .map_err(|e| Error::Config(format!("access_token: {e}")))?;
                Some(Token::bearer(a.clone()))
            }
            (None, Some(t)) => Some(t.clone()),
            _ => None,
        };
        let cfg = Config {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            environment,
            base_url,
            login_url,
            redirect_uri,
            token_store: self.token_store.clone(),
            company_id: self.company_id,
            ca_cert_pem,
            timeout: Duration::from_secs_f64(self.timeout),
            connect_timeout: Duration::from_secs_f64(connect_timeout),
            read_timeout: read_timeout.map(Duration::from_secs_f64),
            max_retries: self.max_retries as u32,
            max_concurrency: self.max_concurrency as usize,
            max_response_bytes,
        };
        Ok((cfg, token))
    }
}

/// Procore ids are positive 64-bit integers.
pub fn check_company_id(id: i64) -> Result<i64> {
    if id <= 0 {
        return Err(Error::Config(format!(
            "company_id must be a positive integer, not {id}"
        )));
    }
    Ok(id)
}

/// Parses a host URL: `https` only, with a host, no credentials, query or fragment.
fn https_url(what: &str, raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("{what} {raw:?} is not a valid URL: {e}")))?;
    if url.scheme() != "https" {
        return Err(Error::Config(format!(
            "{what} must use https (Procore accepts no plain-HTTP calls), not {:?}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(|h| h.is_empty()) {
        return Err(Error::Config(format!("{what} {raw:?} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!("{what} must not carry credentials")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "{what} {raw:?} must not have a query or fragment"
        )));
    }
    let mut url = url;
    let trimmed = url.path().trim_end_matches('/').to_string();
    url.set_path(&trimmed);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ClientOptions {
        ClientOptions::default()
    }

    #[test]
    fn environments_pick_documented_hosts() {
        let (cfg, _) = opts().validate().unwrap();
        assert_eq!(cfg.base_url.as_str(), "https://api.procore.com/");
        assert_eq!(cfg.login_url.as_str(), "https://login.procore.com/");
        let mut o = opts();
        o.environment = "sandbox".into();
        let (cfg, _) = o.validate().unwrap();
        assert_eq!(cfg.base_url.host_str(), Some("sandbox.procore.com"));
        assert_eq!(cfg.login_url.host_str(), Some("login-sandbox.procore.com"));
        o.environment = "monthly".into();
        let (cfg, _) = o.validate().unwrap();
        assert_eq!(cfg.base_url.host_str(), Some("api-monthly.procore.com"));
        assert_eq!(
            cfg.login_url.host_str(),
            Some("login-sandbox-monthly.procore.com")
        );
        o.environment = "staging".into();
        assert!(matches!(o.validate(), Err(Error::Config(_))));
    }

    #[test]
    fn plain_http_and_odd_urls_are_refused() {
        for bad in [
            "http://api.procore.com",
            "ftp://x",
            "not a url",
            "https://user:pw@api.procore.com",
            "https://api.procore.com?x=1",
        ] {
            let mut o = opts();
            o.base_url = Some(bad.into());
            assert!(matches!(o.validate(), Err(Error::Config(_))), "{bad}");
            let mut o = opts();
            o.login_url = Some(bad.into());
            assert!(matches!(o.validate(), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn numbers_are_checked() {
        let mut o = opts();
        o.timeout = 0.0;
        assert!(o.validate().is_err());
        let mut o = opts();
        o.timeout = f64::NAN;
        assert!(o.validate().is_err());
        let mut o = opts();
        o.read_timeout = Some(-1.0);
        assert!(o.validate().is_err());
        let mut o = opts();
        o.connect_timeout = Some(0.0);
        assert!(o.validate().is_err());
        let mut o = opts();
        o.max_retries = -1;
        assert!(o.validate().is_err());
        let mut o = opts();
        o.company_id = Some(0);
        assert!(o.validate().is_err());
        let mut o = opts();
        o.company_id = Some(4_000_000_000_001);
        assert_eq!(o.validate().unwrap().0.company_id, Some(4_000_000_000_001));
    }

    #[test]
    fn redirect_uri_is_checked() {
        let mut o = opts();
        o.redirect_uri = " http://localhost:8080/callback ".into();
        assert_eq!(
            o.validate().unwrap().0.redirect_uri,
            "http://localhost:8080/callback"
        );
        o.redirect_uri = "http://app.example.com/callback".into();
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m.contains("https")));
    }

    #[test]
    fn missing_ca_cert_is_a_config_error() {
        let mut o = opts();
        o.ca_cert = Some("/nonexistent/ca.pem".into());
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m.contains("ca_cert")));
    }
}
