//! OAuth 2.0 request building and response reading (RFC 6749), pure.

use serde_json::Value;
use url::Url;

use super::error::{Error, Result};
use super::options::{missing, ClientId, ClientSecret, RedirectUri};
use super::secret::{scrub, Secret};

/// `GET {login}/oauth/authorize?response_type=code&client_id=…&redirect_uri=…[&state=…]`,
/// plus `code_challenge=…&code_challenge_method=S256` when a PKCE challenge is given
/// (RFC 7636 §4.3).
pub fn authorization_url(
    login_url: &Url,
    client_id: &str,
    redirect_uri: &str,
    state: Option<&str>,
    code_challenge: Option<&str>,
) -> Url {
    let mut url = endpoint(login_url, "oauth/authorize");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code");
        q.append_pair("client_id", client_id);
        q.append_pair("redirect_uri", redirect_uri);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        if let Some(c) = code_challenge {
            q.append_pair("code_challenge", c);
            q.append_pair("code_challenge_method", "S256");
        }
    }
    url
}

/// A redirect URI this client may send, trimmed; see [`RedirectUri::parse`].
pub fn check_redirect_uri(raw: &str) -> Result<String> {
    RedirectUri::parse(raw).map(String::from)
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
/// The message never shows the value: a verifier is a secret.
pub fn check_code_verifier(verifier: &str) -> Result<()> {
    check_pkce_value("code_verifier", verifier)
}

/// An S256 challenge is the unpadded base64url of a SHA-256 digest: 43 characters, all of
/// them in the same alphabet as a verifier.
pub fn check_code_challenge(challenge: &str) -> Result<()> {
    check_pkce_value("code_challenge", challenge)
}

fn check_pkce_value(what: &str, v: &str) -> Result<()> {
    if !(43..=128).contains(&v.len()) {
        return Err(Error::Config(format!(
            "{what} must be 43 to 128 characters long (RFC 7636 §4.1), not {}",
            v.len()
        )));
    }
    let ok = v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !ok {
        return Err(Error::Config(format!(
            "{what} may hold only letters, digits and - . _ ~ (RFC 7636 §4.1)"
        )));
    }
    Ok(())
}

/// `{login}/oauth/<name>`, keeping any path prefix of the login URL.
pub fn endpoint(login_url: &Url, name: &str) -> Url {
    let mut url = login_url.clone();
    let prefix = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{prefix}/{name}"));
    url.set_query(None);
    url
}

/// The grants this client sends to `POST /oauth/token`.
#[derive(Debug, Clone)]
pub enum Grant {
    AuthorizationCode {
        code: Secret,
        redirect_uri: String,
        /// The PKCE verifier (RFC 7636 §4.5) when the authorization request carried a challenge.
        code_verifier: Option<Secret>,
    },
    RefreshToken {
        refresh_token: Secret,
    },
    ClientCredentials,
}

impl Grant {
    pub fn name(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
        }
    }

    /// The secrets this grant carries, for scrubbing what the server answers.
    pub fn secrets(&self) -> Vec<Secret> {
        match self {
            Grant::AuthorizationCode {
                code,
                code_verifier,
                ..
            } => std::iter::once(code.clone())
                .chain(code_verifier.clone())
                .collect(),
            Grant::RefreshToken { refresh_token } => vec![refresh_token.clone()],
            Grant::ClientCredentials => Vec::new(),
        }
    }

    /// Form fields of the token request.
    pub fn form(&self, client_id: &str, client_secret: &Secret) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("grant_type", self.name().to_string()),
            ("client_id", client_id.to_string()),
            ("client_secret", client_secret.expose().to_string()),
        ];
        match self {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                f.push(("code", code.expose().to_string()));
                f.push(("redirect_uri", redirect_uri.clone()));
                if let Some(v) = code_verifier {
                    f.push(("code_verifier", v.expose().to_string()));
                }
            }
            Grant::RefreshToken { refresh_token } => {
                f.push(("refresh_token", refresh_token.expose().to_string()));
            }
            Grant::ClientCredentials => {}
        }
        f
    }
}

/// Reads a refusal of the token or revoke endpoint (RFC 6749 §5.2), scrubbing our secrets from
/// whatever text the server sent.
pub fn oauth_error(status: u16, body: &[u8], secrets: &[Secret]) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| scrub(s, secrets));
    let (error, description) = match &parsed {
        Some(Value::Object(m)) => (
            text(m.get("error")).unwrap_or_else(|| default_error(status).into()),
            text(m.get("error_description")).or_else(|| text(m.get("message"))),
        ),
        _ => {
            let raw = String::from_utf8_lossy(body);
            let raw = raw.trim();
            (
                default_error(status).into(),
                (!raw.is_empty())
                    .then(|| scrub(&raw.chars().take(200).collect::<String>(), secrets)),
            )
        }
    };
    Error::OAuth {
        error,
        description,
        status: Some(status),
    }
}

fn default_error(status: u16) -> &'static str {
    match status {
        401 => "invalid_client",
        400 => "invalid_request",
        _ => "server_error",
    }
}

/// A client id that is not blank, or the error that says how to give one.
pub fn require_client_id<'a>(client_id: Option<&'a str>, what: &str) -> Result<&'a str> {
    match client_id {
        Some(id) if ClientId::parse(id).is_ok() => Ok(id),
        _ => Err(missing("client_id", "PROCORE_CLIENT_ID", what)),
    }
}

/// A client secret that is not blank, or the error that says how to give one.
pub fn require_client_secret<'a, S>(secret: Option<&'a S>, what: &str) -> Result<&'a Secret>
where
    S: AsRef<Secret> + ?Sized,
{
    match secret.map(AsRef::as_ref) {
        Some(s) if ClientSecret::parse(s.clone()).is_ok() => Ok(s),
        _ => Err(missing("client_secret", "PROCORE_CLIENT_SECRET", what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::options::OOB_REDIRECT_URI;

    #[test]
    fn authorization_url_matches_procore_guide() {
        let login = Url::parse("https://login.procore.com").unwrap();
        let u = authorization_url(&login, "abc123", "urn:ietf:wg:oauth:2.0:oob", None, None);
        assert_eq!(
            u.as_str(),
            "https://login.procore.com/oauth/authorize?response_type=code&client_id=abc123&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"
        );
        let u = authorization_url(
            &login,
            "abc",
            "http://localhost:8000/cb",
            Some("x y&z"),
            None,
        );
        assert!(u
            .as_str()
            .ends_with("redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcb&state=x+y%26z"));
    }

    #[test]
    fn authorization_url_carries_the_pkce_challenge() {
        let login = Url::parse("https://login.procore.com").unwrap();
        // RFC 7636 appendix B.
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let u = authorization_url(&login, "abc", OOB_REDIRECT_URI, Some("s"), Some(challenge));
        let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        assert_eq!(
            &q[3..],
            [
                ("state".to_string(), "s".to_string()),
                ("code_challenge".to_string(), challenge.to_string()),
                ("code_challenge_method".to_string(), "S256".to_string()),
            ]
        );
    }

    #[test]
    fn check_redirect_uri_forwards_to_the_type() {
        assert_eq!(
            check_redirect_uri(" http://localhost:8080/cb ").unwrap(),
            "http://localhost:8080/cb"
        );
        assert!(check_redirect_uri("http://example.com/cb").is_err());
    }

    #[test]
    fn pkce_values_follow_rfc7636() {
        assert!(check_code_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").is_ok());
        assert!(check_code_verifier(&"a.b_c~d-".repeat(16)).is_ok());
        let short = "x".repeat(42);
        let long = "x".repeat(129);
        let spaced = format!("{} y", "x".repeat(50));
        let plus = format!("{}+/=", "x".repeat(50));
        for bad in [
            short.as_str(),
            long.as_str(),
            spaced.as_str(),
            plus.as_str(),
            "",
        ] {
            match check_code_verifier(bad) {
                Err(Error::Config(m)) => {
                    assert!(m.starts_with("code_verifier"));
                    assert!(bad.len() < 8 || !m.contains(bad), "the value is not shown");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(check_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").is_ok());
        assert!(check_code_challenge("short").is_err());
    }

    #[test]
    fn endpoint_keeps_prefix() {
        let login = Url::parse("https://proxy.example.com/login/").unwrap();
        assert_eq!(
            endpoint(&login, "oauth/token").as_str(),
            "https://proxy.example.com/login/oauth/token"
        );
    }

    #[test]
    fn forms_carry_the_grant_fields() {
        let secret = Secret::new("s".repeat(64));
        let f = Grant::RefreshToken {
            refresh_token: Secret::new("r".repeat(64)),
        }
        .form("id", &secret);
        let names: Vec<_> = f.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            ["grant_type", "client_id", "client_secret", "refresh_token"]
        );
        assert_eq!(f[0].1, "refresh_token");
        let f = Grant::AuthorizationCode {
            code: Secret::new("c"),
            redirect_uri: "urn:x".into(),
            code_verifier: None,
        }
        .form("id", &secret);
        assert_eq!(f[3], ("code", "c".to_string()));
        assert_eq!(f[4], ("redirect_uri", "urn:x".to_string()));
        assert_eq!(f.len(), 5);
        let f = Grant::AuthorizationCode {
            code: Secret::new("c"),
            redirect_uri: "urn:x".into(),
            code_verifier: Some(Secret::new("v".repeat(43))),
        }
        .form("id", &secret);
        assert_eq!(f[5], ("code_verifier", "v".repeat(43)));
        assert_eq!(Grant::ClientCredentials.form("id", &secret).len(), 3);
    }

    #[test]
    fn errors_are_read_and_scrubbed() {
        let secret = Secret::new("topsecretvalue123");
        let e = oauth_error(
            400,
            br#"{"error":"invalid_grant","error_description":"bad grant topsecretvalue123"}"#,
            &[secret],
        );
        match e {
            Error::OAuth {
                error,
                description,
                status,
            } => {
                assert_eq!(error, "invalid_grant");
                assert_eq!(description.as_deref(), Some("bad grant [redacted]"));
                assert_eq!(status, Some(400));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(oauth_error(401, b"<html>", &[]), Error::OAuth { error, .. } if error == "invalid_client")
        );
    }

    #[test]
    fn missing_credentials_are_config_errors() {
        assert!(
            matches!(require_client_id(None, "exchange_code()"), Err(Error::Config(m)) if m.contains("PROCORE_CLIENT_ID"))
        );
        assert!(require_client_id(Some(" "), "x").is_err());
        assert!(require_client_secret::<Secret>(None, "x").is_err());
        assert!(require_client_secret(Some(&Secret::new(" ")), "x").is_err());
    }
}
