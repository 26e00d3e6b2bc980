//! The login host: OAuth 2.0 like Procore's Doorkeeper-based `login.procore.com`.
//!
//! Error descriptions are fixed strings: they never echo a secret, token or code.

use super::state::{AccessCheck, Grant, State};
use super::util::{
    base64_decode, base64url_nopad, first, html_response, json_response, query_pairs, random_hex64,
    set_header, sha256, unexpected, Body,
};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub(crate) const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// An OAuth error answer (`{"error", "error_description"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: &'static str,
}

const fn oauth_err(
    status: StatusCode,
    error: &'static str,
    description: &'static str,
) -> OAuthError {
    OAuthError {
        status,
        error,
        description,
    }
}

const INVALID_CLIENT: OAuthError = oauth_err(
    StatusCode::UNAUTHORIZED,
    "invalid_client",
    "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
);
const INVALID_GRANT: OAuthError = oauth_err(
    StatusCode::BAD_REQUEST,
    "invalid_grant",
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
);
const UNSUPPORTED_GRANT: OAuthError = oauth_err(
    StatusCode::BAD_REQUEST,
    "unsupported_grant_type",
    "The authorization grant type is not supported by the authorization server.",
);

const fn missing(description: &'static str) -> OAuthError {
    oauth_err(StatusCode::BAD_REQUEST, "invalid_request", description)
}

impl OAuthError {
    pub(crate) fn response(&self) -> Response<Body> {
        let mut resp = json_response(
            self.status,
            &json!({ "error": self.error, "error_description": self.description }),
        );
        no_store(&mut resp);
        if self.error == "invalid_client" {
            set_header(
                &mut resp,
                "www-authenticate",
                "Basic realm=\"Doorkeeper\", error=\"invalid_client\"",
            );
        }
        resp
    }
}

fn no_store(resp: &mut Response<Body>) {
    set_header(resp, "cache-control", "no-store");
    set_header(resp, "pragma", "no-cache");
}

/// An approved authorization request.
pub(crate) struct Approval {
    pub code: String,
    pub redirect_uri: String,
    pub state: Option<String>,
}

/// The out-of-band URN, `https`, or plain `http` on a loopback host only (RFC 8252 §7.3;
/// Procore registers `http://localhost` for every new app).
fn valid_redirect_uri(uri: &str) -> bool {
    if uri == OOB {
        return true;
    }
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = match u.scheme() {
        "https" => u.has_host(),
        "http" => loopback,
        _ => false,
    };
    scheme_ok && u.fragment().is_none()
}

/// Where an authorization request's answer may be redirected: its redirect URI when that is
/// valid and not the out-of-band URN, else `None` (the answer is a page on the login host).
/// Like Doorkeeper, an unknown client or a bad redirect URI is never redirected to.
fn redirect_target(st: &State, q: &[(String, String)]) -> Option<url::Url> {
    if first(q, "client_id") != Some(st.cfg.client_id.as_str()) {
        return None;
    }
    let uri = first(q, "redirect_uri")?;
    if uri == OOB || !valid_redirect_uri(uri) {
        return None;
    }
    url::Url::parse(uri).ok()
}

/// `302 Location: target?k=v&…&state=…` (RFC 6749 §4.1.2), keeping the target's own query.
fn redirect_with(
    mut target: url::Url,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) -> Response<Body> {
    {
        let mut q = target.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    let mut resp = super::util::empty_response(StatusCode::FOUND);
    set_header(&mut resp, "location", target.as_str());
    no_store(&mut resp);
    resp
}

/// Validate an authorization request (the query of `GET /oauth/authorize`) and, when it is
/// good, issue a code bound to its client id, redirect URI and PKCE challenge.
pub(crate) fn authorize(st: &State, q: &[(String, String)]) -> Result<Approval, OAuthError> {
    match first(q, "client_id") {
        Some(id) if id == st.cfg.client_id => {}
        _ => return Err(INVALID_CLIENT),
    }
    let redirect_uri = first(q, "redirect_uri")
        .filter(|s| !s.is_empty())
        .ok_or(missing("Missing required parameter: redirect_uri."))?;
    if !valid_redirect_uri(redirect_uri) {
        return Err(oauth_err(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "The requested redirect uri is malformed or doesn't match client redirect URI.",
        ));
    }
    match first(q, "response_type") {
        None | Some("") => return Err(missing("Missing required parameter: response_type.")),
        Some("code") => {}
        Some(_) => {
            return Err(oauth_err(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                "The authorization server does not support this response type.",
            ))
        }
    }
    let challenge = match (
        first(q, "code_challenge"),
        first(q, "code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => return Err(missing("Missing required parameter: code_challenge.")),
        (Some(c), method) => {
            let method = method.unwrap_or("plain");
            if !matches!(method, "S256" | "plain") {
                return Err(missing("Code challenge method not supported (use S256)."));
            }
            let ok_chars = c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            if !(43..=128).contains(&c.len()) || !ok_chars {
                return Err(missing("The code_challenge is malformed."));
            }
            Some((method.to_string(), c.to_string()))
        }
    };
    let code = random_hex64();
    st.auth().codes.insert(
        code.clone(),
        super::state::Code {
            client_id: st.cfg.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            expires: Instant::now() + Duration::from_secs(st.cfg.code_lifetime),
            challenge,
        },
    );
    Ok(Approval {
        code,
        redirect_uri: redirect_uri.to_string(),
        state: first(q, "state").map(str::to_string),
    })
}

pub(crate) fn handle(st: &State, parts: &Parts, body: &[u8]) -> Response<Body> {
    let path = parts.uri.path();
    match (&parts.method, path) {
        (&Method::GET, "/oauth/authorize") => authorize_page(st, parts),
        // The user's "Deny" button: Doorkeeper's `DELETE /oauth/authorize`.
        (&Method::DELETE, "/oauth/authorize") => deny_page(st, parts),
        (&Method::POST, "/oauth/token") => token(st, parts, body),
        (&Method::POST, "/oauth/revoke") => revoke(st, parts, body),
        (&Method::GET, "/oauth/token/info") => token_info(st, parts),
        _ => unexpected(&parts.method, path),
    }
}

fn authorize_page(st: &State, parts: &Parts) -> Response<Body> {
    let q = query_pairs(parts.uri.query());
    let approval = match authorize(st, &q) {
        Ok(a) => a,
        // RFC 6749 §4.1.2.1: once the client and redirect URI are known to be good, the
        // error goes back to the redirect URI.
        Err(e) => {
            return match redirect_target(st, &q) {
                Some(target) => redirect_with(
                    target,
                    &[("error", e.error), ("error_description", e.description)],
                    first(&q, "state"),
                ),
                None => e.response(),
            }
        }
    };
    if approval.redirect_uri == OOB {
        // Procore shows the code on a page for the out-of-band redirect URI.
        return html_response(
            StatusCode::OK,
            format!(
                "<!DOCTYPE html>\n<html><head><title>Authorization code</title></head><body>\
                 <h1>Authorization code</h1><p>Copy this code and paste it in your application:</p>\
                 <code id=\"authorization_code\">{}</code></body></html>\n",
                approval.code
            ),
        );
    }
    match url::Url::parse(&approval.redirect_uri) {
        Ok(target) => redirect_with(
            target,
            &[("code", &approval.code)],
            approval.state.as_deref(),
        ),
        Err(_) => unexpected(&parts.method, parts.uri.path()),
    }
}

/// The user refused: `access_denied` to the redirect URI (RFC 6749 §4.1.2.1), or a page for
/// the out-of-band URN. No code is issued.
fn deny_page(st: &State, parts: &Parts) -> Response<Body> {
    const DENIED: &str = "The resource owner or authorization server denied the request.";
    let q = query_pairs(parts.uri.query());
    match redirect_target(st, &q) {
        Some(target) => redirect_with(
            target,
            &[("error", "access_denied"), ("error_description", DENIED)],
            first(&q, "state"),
        ),
        None => {
            if first(&q, "client_id") != Some(st.cfg.client_id.as_str()) {
                return INVALID_CLIENT.response();
            }
            html_response(
                StatusCode::OK,
                format!(
                    "<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body>\
                     <h1>Access denied</h1><p>{DENIED}</p></body></html>\n"
                ),
            )
        }
    }
}

/// Form (or JSON) parameters of a POST body. `Err` when the body is not parseable.
fn params(parts: &Parts, body: &[u8]) -> Result<HashMap<String, String>, ()> {
    let ct = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut out = HashMap::new();
    if ct.starts_with("application/json") {
        let v: Value = serde_json::from_slice(body).map_err(|_| ())?;
        let obj: &Map<String, Value> = v.as_object().ok_or(())?;
        for (k, v) in obj {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            out.insert(k.clone(), s);
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
    }
    Ok(out)
}

/// Client credentials from HTTP Basic auth, else from the body.
fn client_auth(parts: &Parts, p: &HashMap<String, String>) -> (Option<String>, Option<String>) {
    let basic = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest)
        })
        .and_then(base64_decode)
        .and_then(|b| String::from_utf8(b).ok());
    if let Some(pair) = basic {
        let (id, secret) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return (dec(id), dec(secret));
    }
    (p.get("client_id").cloned(), p.get("client_secret").cloned())
}

fn authenticate_client(
    st: &State,
    parts: &Parts,
    p: &HashMap<String, String>,
) -> Result<(), OAuthError> {
    match client_auth(parts, p) {
        (Some(id), Some(secret)) if id == st.cfg.client_id && secret == st.cfg.client_secret => {
            Ok(())
        }
        _ => Err(INVALID_CLIENT),
    }
}

fn non_empty<'a>(p: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    p.get(key).map(String::as_str).filter(|s| !s.is_empty())
}

fn token(st: &State, parts: &Parts, body: &[u8]) -> Response<Body> {
    match token_inner(st, parts, body) {
        Ok(v) => {
            let mut resp = json_response(StatusCode::OK, &v);
            no_store(&mut resp);
            resp
        }
        Err(e) => e.response(),
    }
}

fn token_inner(st: &State, parts: &Parts, body: &[u8]) -> Result<Value, OAuthError> {
    let p = params(parts, body).map_err(|_| missing("The request body could not be parsed."))?;
    let grant = match non_empty(&p, "grant_type") {
        None => return Err(missing("Missing required parameter: grant_type.")),
        Some("authorization_code") => Grant::AuthorizationCode,
        Some("refresh_token") => Grant::RefreshToken,
        Some("client_credentials") => Grant::ClientCredentials,
        Some(_) => return Err(UNSUPPORTED_GRANT),
    };
    st.count_token_request(grant);
    authenticate_client(st, parts, &p)?;
    let lifetime = Duration::from_secs(st.cfg.token_lifetime);
    let client_id = st.cfg.client_id.as_str();
    let issued = match grant {
        Grant::AuthorizationCode => {
            let code = non_empty(&p, "code").ok_or(missing("Missing required parameter: code."))?;
            let redirect_uri = non_empty(&p, "redirect_uri")
                .ok_or(missing("Missing required parameter: redirect_uri."))?;
            let mut auth = st.auth();
            let c = auth.codes.get(code).ok_or(INVALID_GRANT)?;
            if Instant::now() >= c.expires {
                auth.codes.remove(code);
                return Err(INVALID_GRANT);
            }
            if c.client_id != client_id || c.redirect_uri != redirect_uri {
                return Err(INVALID_GRANT);
            }
            // PKCE (RFC 7636 §4.6), as Doorkeeper checks it: a missing verifier is a missing
            // parameter; a wrong one, or one for a code issued without a challenge, is
            // invalid_grant. Failed checks leave the code unspent.
            match (&c.challenge, non_empty(&p, "code_verifier")) {
                (None, None) => {}
                (None, Some(_)) => return Err(INVALID_GRANT),
                (Some(_), None) => {
                    return Err(missing("Missing required parameter: code_verifier."))
                }
                (Some((method, challenge)), Some(verifier)) => {
                    let computed = match method.as_str() {
                        "S256" => base64url_nopad(&sha256(verifier.as_bytes())),
                        _ => verifier.to_string(),
                    };
                    if &computed != challenge {
                        return Err(INVALID_GRANT);
                    }
                }
            }
            // Single use: gone once exchanged.
            auth.codes.remove(code);
            auth.issue(client_id, true, lifetime)
        }
        Grant::RefreshToken => {
            let refresh = non_empty(&p, "refresh_token")
                .ok_or(missing("Missing required parameter: refresh_token."))?;
            let mut auth = st.auth();
            let idx = *auth.by_refresh.get(refresh).ok_or(INVALID_GRANT)?;
            let rec = &mut auth.records[idx];
            if rec.refresh_dead || rec.revoked || rec.client_id != client_id {
                return Err(INVALID_GRANT);
            }
            // Rotation: the old refresh token dies now; the old access token lives on
            // until it expires.
            rec.refresh_dead = true;
            let issued = auth.issue(client_id, true, lifetime);
            drop(auth);
            st.count_refresh();
            issued
        }
        Grant::ClientCredentials => st.auth().issue(client_id, false, lifetime),
    };
    let mut v = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": st.cfg.token_lifetime,
        "created_at": issued.created_at,
    });
    if let Some(r) = issued.refresh_token {
        v["refresh_token"] = Value::String(r);
    }
    Ok(v)
}

fn revoke(st: &State, parts: &Parts, body: &[u8]) -> Response<Body> {
    let result = (|| {
        let p =
            params(parts, body).map_err(|_| missing("The request body could not be parsed."))?;
        authenticate_client(st, parts, &p)?;
        let token = non_empty(&p, "token").ok_or(missing("Missing required parameter: token."))?;
        let mut auth = st.auth();
        let idx = auth
            .by_access
            .get(token)
            .or_else(|| auth.by_refresh.get(token))
            .copied();
        // RFC 7009: an unknown token is not an error.
        if let Some(idx) = idx {
            let rec = &mut auth.records[idx];
            if rec.client_id != st.cfg.client_id {
                return Err(oauth_err(
                    StatusCode::FORBIDDEN,
                    "unauthorized_client",
                    "You are not authorized to revoke this token.",
                ));
            }
            // Like Doorkeeper: the access token and its refresh token are one record.
            rec.revoked = true;
            rec.refresh_dead = true;
        }
        Ok(())
    })();
    match result {
        Ok(()) => json_response(StatusCode::OK, &json!({})),
        Err(e) => e.response(),
    }
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `WWW-Authenticate` value for a rejected bearer token.
pub(crate) fn www_authenticate(check: &AccessCheck) -> String {
    match check {
        AccessCheck::Missing => "Bearer realm=\"Procore\"".to_string(),
        other => format!(
            "Bearer realm=\"Procore\", error=\"invalid_token\", error_description=\"{}\"",
            other.description()
        ),
    }
}

fn token_info(st: &State, parts: &Parts) -> Response<Body> {
    let token = bearer(parts);
    let auth = st.auth();
    let check = auth.check_access(token);
    match (&check, token.and_then(|t| auth.record_for_access(t))) {
        (AccessCheck::Valid { .. }, Some(rec)) => json_response(
            StatusCode::OK,
            &json!({
                "resource_owner_id": super::data::ME_ID,
                "scopes": [],
                "expires_in_seconds": rec.expires_in_seconds(),
                "application": { "uid": rec.client_id },
                "created_at": rec.created_at,
            }),
        ),
        _ => {
            let mut resp = json_response(
                StatusCode::UNAUTHORIZED,
                &json!({ "error": "invalid_token", "error_description": check.description() }),
            );
            set_header(&mut resp, "www-authenticate", &www_authenticate(&check));
            resp
        }
    }
}
