//! Small helpers for the mock server: random tokens, encodings and dates (from crates), query
//! strings, response builders.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, Engine};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::Value;

use super::state::State;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub(crate) type Body = Full<Bytes>;

/// A random 64-character lowercase hex string (256 bits), like Procore's tokens.
pub(crate) fn random_hex64() -> String {
    let (high, low): (u128, u128) = rand::random();
    format!("{high:032x}{low:032x}")
}

/// SHA-256, from aws-lc-rs (rustls' crypto provider).
pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// Base64url without padding (RFC 7636 `BASE64URL-ENCODE`).
pub(crate) fn base64url_nopad(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Standard base64 with optional padding, for HTTP Basic credentials.
const STANDARD_PADDING_OPTIONAL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 decoding (padding optional), for HTTP Basic credentials.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    STANDARD_PADDING_OPTIONAL.decode(s.trim()).ok()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Unix seconds `d` from now, rounded up.
pub(crate) fn unix_in(d: Duration) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    ceil_secs(now + d)
}

/// Whole seconds, rounded up.
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// ISO 8601 UTC timestamp like `2016-08-22T20:18:55Z` (empty for a date past year 9999).
pub(crate) fn iso8601(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Parse a query string into ordered pairs.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    match query {
        Some(q) => url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect(),
        None => Vec::new(),
    }
}

pub(crate) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Keys whose values are never recorded.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "code",
    "code_verifier",
    "token",
    "password",
];

/// The query string with the values of secret-looking keys replaced by `[redacted]`
/// (the key stays visible, so a test can still see that a client put one in a URL).
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|segment| {
            let raw_key = segment.split('=').next().unwrap_or("");
            let key: String = url::form_urlencoded::parse(raw_key.as_bytes())
                .map(|(k, _)| k.into_owned())
                .next()
                .unwrap_or_default();
            if SECRET_KEYS.contains(&key.as_str()) {
                format!("{raw_key}=[redacted]")
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    json_bytes_response(status, Bytes::from(body))
}

/// A JSON answer whose body is already serialised (shared, not copied).
pub(crate) fn json_bytes_response(status: StatusCode, body: Bytes) -> Response<Body> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

pub(crate) fn empty_response(status: StatusCode) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

pub(crate) fn html_response(status: StatusCode, html: String) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(html)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

/// Set a header, silently skipping values that are not valid header text.
pub(crate) fn set_header(resp: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// `{"message": "mock: unexpected GET /path"}` with status 500, so a test fails with a reason.
pub(crate) fn unexpected(method: &hyper::Method, path: &str) -> Response<Body> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &serde_json::json!({ "message": format!("mock: unexpected {method} {path}") }),
    )
}

/// An error answer on its way out of a handler (boxed: a `Response` is large).
pub(crate) type Reject = Box<Response<Body>>;

/// `{"message": ...}` with `status`, Procore's error shape.
pub(crate) fn message(status: StatusCode, msg: impl Into<String>) -> Response<Body> {
    json_response(status, &serde_json::json!({ "message": msg.into() }))
}

pub(crate) fn reject(status: StatusCode, msg: impl Into<String>) -> Reject {
    Box::new(message(status, msg))
}

/// A query parameter that must be a positive integer, when given.
pub(crate) fn positive(q: &[(String, String)], key: &str) -> Result<Option<u64>, Reject> {
    match first(q, key) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n as u64)),
            _ => Err(reject(
                StatusCode::BAD_REQUEST,
                format!("{key} must be a positive integer"),
            )),
        },
    }
}

/// The index range of a page and its `Link` header (absolute URLs keeping the other query
/// parameters), for every list route of the mock.
pub(crate) fn page_bounds(
    st: &State,
    parts: &Parts,
    q: &[(String, String)],
    page: u64,
    per_page: u64,
    total: usize,
) -> (usize, usize, Option<String>) {
    let last = (total as u64).div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total as u64) as usize;
    let end = (start as u64).saturating_add(per_page).min(total as u64) as usize;
    let others: Vec<&(String, String)> = q
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .collect();
    let url_for = |p: u64| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &others {
            ser.append_pair(k, v);
        }
        ser.append_pair("page", &p.to_string());
        ser.append_pair("per_page", &per_page.to_string());
        format!("{}{}?{}", st.api_base, parts.uri.path(), ser.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"first\"", url_for(1)));
        links.push(format!("<{}>; rel=\"prev\"", url_for((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", url_for(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", url_for(last)));
    }
    (start, end, (!links.is_empty()).then(|| links.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_471_897_135), "2016-08-22T20:18:55Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn base64() {
        assert_eq!(base64url_nopad(b""), "");
        assert_eq!(base64url_nopad(b"f"), "Zg");
        assert_eq!(base64url_nopad(b"fo"), "Zm8");
        assert_eq!(base64url_nopad(b"foo"), "Zm9v");
        assert_eq!(base64url_nopad(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64_decode("Zm9vOmJhcg==").unwrap(), b"foo:bar");
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob");
        assert!(base64_decode("Zm9v!").is_none());
    }

    #[test]
    fn pkce_rfc7636_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            base64url_nopad(&sha256(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_query("a=1&access_token=abc&code=x"),
            "a=1&access_token=[redacted]&code=[redacted]"
        );
        assert_eq!(redact_query(""), "");
        assert_eq!(redact_query("q=a%20b+c&page=2"), "q=a%20b+c&page=2");
    }

    #[test]
    fn hex_tokens() {
        let t = random_hex64();
        assert_eq!(t.len(), 64);
        assert!(t
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(t, random_hex64());
    }
}
