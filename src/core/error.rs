//! The core's one error type, [`Error`], and the API error's fields and message. The Python
//! layer turns it into a `procore` exception once, at the boundary.

use serde_json::Value;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure of the core. The Python layer turns it into a `procore` exception once, at
/// the boundary. No variant ever carries a secret: server-sent text is scrubbed of our client
/// secret and tokens before it is put here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments or configuration, found before anything was sent.
    #[error("{0}")]
    Config(String),
    /// The token endpoint refused (RFC 6749 §5.2 error response).
    #[error("{}", oauth_message(.error, .description.as_deref(), *.status))]
    OAuth {
        error: String,
        description: Option<String>,
        status: Option<u16>,
    },
    /// The API answered with a status >= 400.
    #[error("{}", .0.message())]
    Api(Box<ApiError>),
    /// Network or TLS failure, or a timeout: no usable answer came back.
    #[error("{message}")]
    Connection {
        message: String,
        timeout: bool,
        attempts: u32,
    },
    /// The server answered 2xx but with a body that is not the JSON we expect.
    #[error("{0}")]
    Decode(String),
    /// The token store could not be read or written.
    #[error("token store: {0}")]
    TokenStore(String),
}

fn oauth_message(error: &str, description: Option<&str>, status: Option<u16>) -> String {
    let mut m = format!("OAuth error {error}");
    if let Some(d) = description {
        m.push_str(": ");
        m.push_str(d);
    }
    if let Some(s) = status {
        m.push_str(&format!(" (HTTP {s})"));
    }
    m
}

/// An API answer with status >= 400.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    /// The decoded JSON body, or the raw text when it is not JSON (`Value::String`), or `Null`.
    pub body: Value,
    pub method: String,
    pub url: String,
    pub request_id: Option<String>,
    /// Seconds to wait before retrying, from `Retry-After` or `X-Rate-Limit-Reset`.
    pub retry_after: Option<f64>,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl ApiError {
    /// Procore's human message from the body: v1 `message` / `errors`, v2 `error.message`.
    pub fn detail(&self) -> Option<String> {
        detail_of(&self.body)
    }

    pub fn message(&self) -> String {
        let reason = reason_phrase(self.status);
        let mut m = format!("{} {}: {} {}", self.status, reason, self.method, self.url);
        if let Some(d) = self.detail() {
            m.push_str(": ");
            m.push_str(&d);
        }
        if let Some(id) = &self.request_id {
            m.push_str(&format!(" [request id {id}]"));
        }
        if self.attempts > 1 {
            m.push_str(&format!(" (after {} attempts)", self.attempts));
        }
        m
    }
}

fn detail_of(body: &Value) -> Option<String> {
    fn flatten(v: &Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().filter_map(flatten).collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            }
            Value::Object(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .filter_map(|(k, v)| flatten(v).map(|d| format!("{k} {d}")))
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            }
            other => Some(other.to_string()),
        }
    }
    match body {
        Value::Object(map) => {
            if let Some(Value::Object(e)) = map.get("error") {
                if let Some(m) = e.get("message").and_then(flatten) {
                    return Some(m);
                }
            }
            for key in ["message", "errors", "error_description", "error"] {
                if let Some(m) = map.get(key).and_then(flatten) {
                    return Some(m);
                }
            }
            None
        }
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.chars().take(200).collect())
        }
        _ => None,
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(status: u16, body: Value) -> ApiError {
        ApiError {
            status,
            body,
            method: "GET".into(),
            url: "https://api.procore.com/rest/v1.0/me".into(),
            request_id: None,
            retry_after: None,
            attempts: 1,
        }
    }

    #[test]
    fn v1_message_and_errors_are_read() {
        assert_eq!(
            api(404, json!({"message": "Not found"})).detail().unwrap(),
            "Not found"
        );
        assert_eq!(
            api(422, json!({"errors": {"name": ["can't be blank"]}}))
                .detail()
                .unwrap(),
            "name can't be blank"
        );
        assert_eq!(api(400, json!({"errors": "bad"})).detail().unwrap(), "bad");
    }

    #[test]
    fn v2_envelope_is_read() {
        let e = api(
            403,
            json!({"error": {"code": "forbidden", "message": "No access", "details": []}}),
        );
        assert_eq!(e.detail().unwrap(), "No access");
    }

    #[test]
    fn message_names_status_method_url_and_attempts() {
        let mut e = api(503, json!({"message": "busy"}));
        e.attempts = 4;
        e.request_id = Some("abc".into());
        assert_eq!(
            e.message(),
            "503 Service Unavailable: GET https://api.procore.com/rest/v1.0/me: busy [request id abc] (after 4 attempts)"
        );
        assert_eq!(
            api(500, Value::Null).message(),
            "500 Internal Server Error: GET https://api.procore.com/rest/v1.0/me"
        );
    }

    #[test]
    fn oauth_message_reads_well() {
        let e = Error::OAuth {
            error: "invalid_grant".into(),
            description: Some("The provided authorization grant is invalid".into()),
            status: Some(400),
        };
        assert_eq!(
            e.to_string(),
            "OAuth error invalid_grant: The provided authorization grant is invalid (HTTP 400)"
        );
    }
}
