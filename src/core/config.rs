//! The client's configuration: the constructor's arguments as given ([`ClientOptions`]),
//! validated once into [`Config`], whose fields are the checked types of `options.rs`.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::error::{Error, Result};
use super::options::{self, defaults, missing, ClientId, ClientSecret, RedirectUri};
use super::options::{check_company_id, Environment};
use super::secret::Secret;
use super::token::Token;

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

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            client_id: None,
            client_secret: None,
            environment: defaults::ENVIRONMENT.name().into(),
            base_url: None,
            login_url: None,
            redirect_uri: defaults::REDIRECT_URI.into(),
            access_token: None,
            token: None,
            token_store: None,
            company_id: None,
            ca_cert: None,
            timeout: defaults::TIMEOUT,
            connect_timeout: None,
            read_timeout: None,
            max_retries: defaults::MAX_RETRIES,
            max_concurrency: defaults::MAX_CONCURRENCY,
            max_response_bytes: None,
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub client_id: Option<ClientId>,
    pub client_secret: Option<ClientSecret>,
    pub environment: Environment,
    pub base_url: Url,
    pub login_url: Url,
    pub redirect_uri: RedirectUri,
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
        match &self.client_id {
            Some(id) => Ok(id.as_str()),
            None => Err(missing("client_id", "PROCORE_CLIENT_ID", what)),
        }
    }

    /// The client id and secret, or the error that says how to give the missing one.
    pub fn require_credentials(&self, what: &str) -> Result<(&str, &Secret)> {
        let id = self.require_client_id(what)?;
        match &self.client_secret {
            Some(s) => Ok((id, s.secret())),
            None => Err(missing("client_secret", "PROCORE_CLIENT_SECRET", what)),
        }
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
        let client_id = self.client_id.clone().map(ClientId::parse).transpose()?;
        let client_secret = self
            .client_secret
            .clone()
            .map(ClientSecret::parse)
            .transpose()?;
        let redirect_uri = RedirectUri::parse(&self.redirect_uri)?;
        if let Some(c) = self.company_id {
            check_company_id(c)?;
        }
        let timeout = options::seconds("timeout", self.timeout)?;
        let connect_timeout = match self.connect_timeout {
            Some(t) => options::seconds("connect_timeout", t)?,
            None => timeout.min(Duration::from_secs_f64(defaults::CONNECT_TIMEOUT_CAP)),
        };
        let read_timeout = self
            .read_timeout
            .map(|t| options::seconds("read_timeout", t))
            .transpose()?;
        let max_retries =
            options::count("max_retries", self.max_retries, options::MAX_RETRIES_RANGE)?;
        let max_concurrency = options::count(
            "max_concurrency",
            self.max_concurrency,
            options::MAX_CONCURRENCY_RANGE,
        )?;
        let max_response_bytes = match self.max_response_bytes {
            None => defaults::MAX_RESPONSE_BYTES,
            Some(n) if n >= 1 => n as u64,
            Some(n) => {
                return Err(Error::Config(format!(
                    "max_response_bytes must be a positive number of bytes, not {n}"
                )))
            }
        };
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
            client_id,
            client_secret,
            environment,
            base_url,
            login_url,
            redirect_uri,
            token_store: self.token_store.clone(),
            company_id: self.company_id,
            ca_cert_pem,
            timeout,
            connect_timeout,
            read_timeout,
            max_retries,
            max_concurrency: max_concurrency as usize,
            max_response_bytes,
        };
        Ok((cfg, token))
    }
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
        for huge in [86_401.0, 1e20, 1e300] {
            let mut o = opts();
            o.timeout = huge;
            assert!(matches!(o.validate(), Err(Error::Config(m)) if m.starts_with("timeout")));
            let mut o = opts();
            o.connect_timeout = Some(huge);
            assert!(o.validate().is_err());
            let mut o = opts();
            o.read_timeout = Some(huge);
            assert!(o.validate().is_err());
        }
        let mut o = opts();
        o.max_concurrency = 257;
        assert!(o.validate().is_err());
        let mut o = opts();
        o.max_retries = i64::MAX;
        assert!(o.validate().is_err());
        let mut o = opts();
        o.timeout = 5.0;
        assert_eq!(
            o.validate().unwrap().0.connect_timeout,
            Duration::from_secs(5)
        );
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
            o.validate().unwrap().0.redirect_uri.as_str(),
            "http://localhost:8080/callback"
        );
        o.redirect_uri = "http://app.example.com/callback".into();
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m.contains("https")));
    }

    #[test]
    fn blank_credentials_are_refused_once_here() {
        let mut o = opts();
        o.client_id = Some(" ".into());
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m == "client_id is empty"));
        let mut o = opts();
        o.client_secret = Some(Secret::new(""));
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m == "client_secret is empty"));
        let (cfg, _) = opts().validate().unwrap();
        assert!(
            matches!(cfg.require_credentials("revoke()"), Err(Error::Config(m)) if m.contains("PROCORE_CLIENT_ID"))
        );
    }

    #[test]
    fn missing_ca_cert_is_a_config_error() {
        let mut o = opts();
        o.ca_cert = Some("/nonexistent/ca.pem".into());
        assert!(matches!(o.validate(), Err(Error::Config(m)) if m.contains("ca_cert")));
    }
}
