//! OAuth 2.0 request building and response reading (RFC 6749), pure.

use serde_json::Value;
use url::Url;

use super::error::{Error, Result};
use super::secret::{scrub, Secret};

/// `GET {login}/oauth/authorize?response_type=code&client_id=…&redirect_uri=…[&state=…]`.
pub fn authorization_url(
    login_url: &Url,
    client_id: &str,
    redirect_uri: &str,
    state: Option<&str>,
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
    }
    url
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
    AuthorizationCode { code: Secret, redirect_uri: String },
    RefreshToken { refresh_token: Secret },
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

    /// Form fields of the token request.
    pub fn form(&self, client_id: &str, client_secret: &Secret) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("grant_type", self.name().to_string()),
            ("client_id", client_id.to_string()),
            ("client_secret", client_secret.expose().to_string()),
        ];
        match self {
            Grant::AuthorizationCode { code, redirect_uri } => {
                f.push(("code", code.expose().to_string()));
                f.push(("redirect_uri", redirect_uri.clone()));
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

/// A non-empty client id, or the error that says how to give one.
pub fn require_client_id(client_id: Option<&str>, what: &str) -> Result<String> {
    match client_id {
        Some(id) if !id.trim().is_empty() => Ok(id.to_string()),
        _ => Err(Error::Config(format!(
            "{what} needs a client_id: pass client_id=… or set PROCORE_CLIENT_ID"
        ))),
    }
}

/// A non-empty client secret, or the error that says how to give one.
pub fn require_client_secret<'a>(secret: Option<&'a Secret>, what: &str) -> Result<&'a Secret> {
    match secret {
        Some(s) if !s.expose().trim().is_empty() => Ok(s),
        _ => Err(Error::Config(format!(
            "{what} needs a client_secret: pass client_secret=… or set PROCORE_CLIENT_SECRET"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_url_matches_procore_guide() {
        let login = Url::parse("https://login.procore.com").unwrap();
        let u = authorization_url(&login, "abc123", "urn:ietf:wg:oauth:2.0:oob", None);
        assert_eq!(
            u.as_str(),
            "https://login.procore.com/oauth/authorize?response_type=code&client_id=abc123&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"
        );
        let u = authorization_url(&login, "abc", "http://localhost:8000/cb", Some("x y&z"));
        assert!(u
            .as_str()
            .ends_with("redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcb&state=x+y%26z"));
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
        }
        .form("id", &secret);
        assert_eq!(f[3], ("code", "c".to_string()));
        assert_eq!(f[4], ("redirect_uri", "urn:x".to_string()));
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
        assert!(require_client_secret(None, "x").is_err());
    }
}
