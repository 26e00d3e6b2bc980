//! The options a client is made from, each parsed and checked once into its own type (as
//! oauth2-rs keeps its ids, secrets and URLs in `src/types.rs`), and their defaults, kept here
//! alone: `ClientOptions::default()`, the Python classes' signatures and `procore._procore.DEFAULTS`
//! read them; the stubs and the `procore` command's help repeat them as text, and a test
//! checks that they agree.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use url::Url;

use super::error::{Error, Result};
use super::secret::Secret;

/// The out-of-band redirect URI: Procore shows the code on a page instead of redirecting.
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The defaults of the client's options.
pub mod defaults {
    use super::{Environment, OOB_REDIRECT_URI};

    pub const ENVIRONMENT: Environment = Environment::Production;
    pub const REDIRECT_URI: &str = OOB_REDIRECT_URI;
    /// Seconds a whole request may take.
    pub const TIMEOUT: f64 = 30.0;
    /// Without `connect_timeout`, connecting may take `timeout`, but at most this long.
    pub const CONNECT_TIMEOUT_CAP: f64 = 10.0;
    pub const MAX_RETRIES: i64 = 3;
    pub const MAX_CONCURRENCY: i64 = 8;
    /// The largest answer read (bytes, once decoded): far above any page of records, far
    /// below what would exhaust memory.
    pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
}

/// Longest timeout accepted, in seconds (one day): beyond it a wait is a hang, and durations
/// far beyond it cannot be represented at all.
pub const MAX_SECONDS: f64 = 86_400.0;
/// Accepted values of `max_retries`.
pub const MAX_RETRIES_RANGE: (i64, i64) = (0, 100);
/// Accepted values of `max_concurrency`.
pub const MAX_CONCURRENCY_RANGE: (i64, i64) = (1, 256);

/// Procore's environments. Tokens do not cross environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
    Monthly,
}

impl Environment {
    /// Every environment, in the order they are documented.
    pub const ALL: [Environment; 3] = [
        Environment::Production,
        Environment::Sandbox,
        Environment::Monthly,
    ];

    /// A name of an environment: its own (`production`, `sandbox`, `monthly`) or an alias
    /// (`prod`, `developer_sandbox`, `monthly_sandbox`), in any case, spaces around ignored.
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

/// An OAuth client id: not blank. Read as a `&str` (`Deref`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: impl Into<String>) -> Result<ClientId> {
        let raw = raw.into();
        if raw.trim().is_empty() {
            return Err(Error::Config("client_id is empty".into()));
        }
        Ok(ClientId(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for ClientId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An OAuth client secret: not blank, never shown (`Debug` prints `[redacted]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret(Secret);

impl ClientSecret {
    pub fn parse(raw: Secret) -> Result<ClientSecret> {
        if raw.expose().trim().is_empty() {
            return Err(Error::Config("client_secret is empty".into()));
        }
        Ok(ClientSecret(raw))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl Deref for ClientSecret {
    type Target = Secret;
    fn deref(&self) -> &Secret {
        &self.0
    }
}

impl AsRef<Secret> for ClientSecret {
    fn as_ref(&self) -> &Secret {
        &self.0
    }
}

/// A redirect URI this client may send: the out-of-band URN, `http` on a loopback host
/// (RFC 8252 §7.3: the browser hands the code to a listener on this machine), or `https`.
/// Plain `http` to any other host would carry the code over the network in clear. Read as a
/// `&str` (`Deref`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(raw: &str) -> Result<RedirectUri> {
        let uri = raw.trim();
        if uri.is_empty() {
            return Err(Error::Config("redirect_uri is empty".into()));
        }
        if uri == OOB_REDIRECT_URI {
            return Ok(RedirectUri(uri.to_string()));
        }
        let url = Url::parse(uri)
            .map_err(|e| Error::Config(format!("redirect_uri {uri:?} is not a URL: {e}")))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
            Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
            None => false,
        };
        match url.scheme() {
            "https" if url.host_str().is_some_and(|h| !h.is_empty()) => {}
            "http" if loopback => {}
            "http" => {
                return Err(Error::Config(format!(
                    "redirect_uri {uri:?}: plain http is allowed only on this machine \
                     (localhost, 127.0.0.1 or [::1]); use https"
                )))
            }
            _ => {
                return Err(Error::Config(format!(
                    "redirect_uri {uri:?} must be {OOB_REDIRECT_URI:?}, an https URL, \
                     or http://localhost:PORT/…"
                )))
            }
        }
        if url.fragment().is_some() {
            // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment.
            return Err(Error::Config(format!(
                "redirect_uri {uri:?} must not have a #fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(
                "redirect_uri must not carry credentials".into(),
            ));
        }
        Ok(RedirectUri(uri.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for RedirectUri {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RedirectUri> for String {
    fn from(r: RedirectUri) -> String {
        r.0
    }
}

/// The error of a call that needs a credential the client was not given.
pub(super) fn missing(option: &str, variable: &str, what: &str) -> Error {
    Error::Config(format!(
        "{what} needs a {option}: pass {option}=… or set {variable}"
    ))
}

/// A timeout option: a number of seconds greater than 0 and at most [`MAX_SECONDS`].
pub fn seconds(name: &str, value: f64) -> Result<Duration> {
    if value.is_finite() && value > 0.0 && value <= MAX_SECONDS {
        return Ok(Duration::from_secs_f64(value));
    }
    Err(Error::Config(format!(
        "{name} must be a number of seconds greater than 0 and at most {MAX_SECONDS} (one day), \
         not {value}"
    )))
}

/// A count option within `range` (both ends included).
pub fn count(name: &str, value: i64, range: (i64, i64)) -> Result<u32> {
    let (low, high) = range;
    if (low..=high).contains(&value) {
        // The ranges are small: the value fits.
        return Ok(u32::try_from(value).unwrap_or(u32::MAX));
    }
    let shown = if value == i64::MAX || value == i64::MIN {
        "a number out of that range".to_string()
    } else {
        value.to_string()
    };
    Err(Error::Config(format!(
        "{name} must be an integer from {low} to {high}, not {shown}"
    )))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_and_their_aliases() {
        for (name, env) in [
            ("production", Environment::Production),
            (" PROD ", Environment::Production),
            ("developer_sandbox", Environment::Sandbox),
            ("Sandbox", Environment::Sandbox),
            ("monthly_sandbox", Environment::Monthly),
        ] {
            assert_eq!(Environment::parse(name).unwrap(), env, "{name}");
        }
        assert!(Environment::parse("staging").is_err());
        for env in Environment::ALL {
            assert_eq!(Environment::parse(env.name()).unwrap(), env);
        }
        assert_eq!(defaults::ENVIRONMENT.name(), "production");
    }

    #[test]
    fn blank_credentials_are_refused() {
        assert!(ClientId::parse(" ").is_err());
        assert_eq!(&*ClientId::parse("abc").unwrap(), "abc");
        assert!(ClientSecret::parse(Secret::new("  ")).is_err());
        let s = ClientSecret::parse(Secret::new("s3cr3t-value")).unwrap();
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
    }

    #[test]
    fn redirect_uris_are_oob_loopback_http_or_https() {
        for good in [
            OOB_REDIRECT_URI,
            "http://localhost",
            "http://localhost:8080/callback",
            "http://LOCALHOST:1/x?app=1",
            "http://127.0.0.1:53682/callback",
            "http://[::1]:9000/cb",
            "https://app.example.com/procore/callback",
        ] {
            assert_eq!(RedirectUri::parse(good).unwrap().as_str(), good, "{good}");
        }
        assert_eq!(
            RedirectUri::parse(" http://localhost/cb ")
                .unwrap()
                .as_str(),
            "http://localhost/cb"
        );
        for bad in [
            "",
            "  ",
            "http://example.com/cb",
            "http://127.0.0.2/cb",
            "http://localhost.example.com/cb",
            "ftp://localhost/cb",
            "urn:ietf:wg:oauth:2.0:oob:auto",
            "javascript:alert(1)",
            "not a url",
            "https://app.example.com/cb#frag",
            "https://user:pw@app.example.com/cb",
        ] {
            assert!(
                matches!(RedirectUri::parse(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn seconds_are_positive_finite_and_at_most_a_day() {
        assert_eq!(seconds("timeout", 30.0).unwrap(), Duration::from_secs(30));
        assert_eq!(
            seconds("timeout", MAX_SECONDS).unwrap(),
            Duration::from_secs(86_400)
        );
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            86_400.5,
            1e20,
            1e300,
            f64::MAX,
        ] {
            match seconds("read_timeout", bad) {
                Err(Error::Config(m)) => assert!(m.starts_with("read_timeout must be"), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn counts_are_within_their_range() {
        assert_eq!(count("max_retries", 0, MAX_RETRIES_RANGE).unwrap(), 0);
        assert_eq!(count("max_retries", 100, MAX_RETRIES_RANGE).unwrap(), 100);
        assert!(count("max_retries", 101, MAX_RETRIES_RANGE).is_err());
        assert!(count("max_retries", -1, MAX_RETRIES_RANGE).is_err());
        assert!(count("max_concurrency", 0, MAX_CONCURRENCY_RANGE).is_err());
        match count("max_concurrency", i64::MAX, MAX_CONCURRENCY_RANGE) {
            Err(Error::Config(m)) => assert_eq!(
                m,
                "max_concurrency must be an integer from 1 to 256, not a number out of that range"
            ),
            other => panic!("{other:?}"),
        }
    }
}
