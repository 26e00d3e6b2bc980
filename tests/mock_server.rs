//! Integration tests of the mock Procore server, through a real HTTPS client (reqwest)
//! that trusts only the mock's CA.
//!
//! Run with `cargo test --no-default-features --test mock_server`.

mod common;

use _procore::mock::{HostKind, MockConfig, MockError, MockServer};
use common::{http_builder as builder, http_client as client, start, start_with};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode, Version};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

fn authorize_url(server: &MockServer, redirect_uri: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", server.login_url())).unwrap();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code");
        q.append_pair("client_id", &server.client_id());
        q.append_pair("redirect_uri", redirect_uri);
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    url.to_string()
}

/// POST /oauth/token with form fields; returns (status, JSON body).
async fn token_request(
    c: &Client,
    server: &MockServer,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let resp = c
        .post(format!("{}/oauth/token", server.login_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn exchange(
    c: &Client,
    server: &MockServer,
    code: &str,
    redirect_uri: &str,
) -> (StatusCode, Value) {
    let (id, secret) = (server.client_id(), server.client_secret());
    token_request(
        c,
        server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ],
    )
    .await
}

async fn refresh(c: &Client, server: &MockServer, refresh_token: &str) -> (StatusCode, Value) {
    let (id, secret) = (server.client_id(), server.client_secret());
    token_request(
        c,
        server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// A user token pair through the authorization-code flow: (access, refresh).
async fn user_token(c: &Client, server: &MockServer) -> (String, String) {
    let code = server.approve(&authorize_url(server, OOB, &[])).unwrap();
    let (status, body) = exchange(c, server, &code, OOB).await;
    assert_eq!(status, 200, "{body}");
    (
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

async fn get(c: &Client, url: &str, token: &str, company: Option<i64>) -> reqwest::Response {
    let mut rb = c.get(url).bearer_auth(token);
    if let Some(id) = company {
        rb = rb.header("Procore-Company-Id", id.to_string());
    }
    rb.send().await.unwrap()
}

async fn api_get(
    c: &Client,
    s: &MockServer,
    path: &str,
    token: &str,
    company: Option<i64>,
) -> reqwest::Response {
    get(c, &format!("{}{path}", s.base_url()), token, company).await
}

/// Parse a Link header into rel -> URL.
fn links(h: &HeaderMap) -> std::collections::HashMap<String, String> {
    let Some(v) = h.get("link") else {
        return Default::default();
    };
    v.to_str()
        .unwrap()
        .split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; ").unwrap();
            let url = url.trim_start_matches('<').trim_end_matches('>');
            let rel = rel.trim_start_matches("rel=\"").trim_end_matches('"');
            (rel.to_string(), url.to_string())
        })
        .collect()
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

// ---------------------------------------------------------------- OAuth

#[tokio::test(flavor = "multi_thread")]
async fn authorize_page_oob_then_exchange() {
    let s = start().await;
    let c = client(&s);
    let resp = c.get(authorize_url(&s, OOB, &[])).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(header(resp.headers(), "content-type").starts_with("text/html"));
    let html = resp.text().await.unwrap();
    let start = html.find("authorization_code\">").unwrap() + "authorization_code\">".len();
    let code = &html[start..start + 64];
    assert!(is_hex64(code), "{html}");

    let before = unix_now();
    let (status, body) = exchange(&c, &s, code, OOB).await;
    assert_eq!(status, 200, "{body}");
    assert!(is_hex64(body["access_token"].as_str().unwrap()));
    assert!(is_hex64(body["refresh_token"].as_str().unwrap()));
    assert_ne!(body["access_token"], body["refresh_token"]);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 5400);
    let created = body["created_at"].as_u64().unwrap();
    assert!(created >= before && created <= unix_now());

    let me = api_get(
        &c,
        &s,
        "/rest/v1.0/me",
        body["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<Value>().await.unwrap(),
        json!({"id": 1234567, "login": "joe.builder@acme.com", "name": "Joe Builder"})
    );
    assert_eq!(s.stats().token_requests.authorization_code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_redirects_with_code_and_state() {
    let s = start().await;
    let c = client(&s);
    let redirect = "http://localhost:8765/callback?app=1";
    let resp = c
        .get(authorize_url(&s, redirect, &[("state", "xyz 123")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = url::Url::parse(header(resp.headers(), "location")).unwrap();
    assert_eq!(location.host_str(), Some("localhost"));
    assert_eq!(location.path(), "/callback");
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["app"], "1");
    assert_eq!(q["state"], "xyz 123");
    let (status, body) = exchange(&c, &s, &q["code"], redirect).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_page_rejects_bad_requests() {
    let s = start().await;
    let c = client(&s);
    let bad_client = format!(
        "{}/oauth/authorize?response_type=code&client_id=nope&redirect_uri={OOB}",
        s.login_url()
    );
    let resp = c.get(bad_client).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let no_redirect = format!(
        "{}/oauth/authorize?response_type=code&client_id={}",
        s.login_url(),
        s.client_id()
    );
    let resp = c.get(no_redirect).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn approve_validates_like_the_authorize_page() {
    let s = start().await;
    let code = s
        .approve(&authorize_url(&s, OOB, &[("state", "s")]))
        .unwrap();
    assert!(is_hex64(&code));
    assert_ne!(code, s.approve(&authorize_url(&s, OOB, &[])).unwrap());

    let wrong_client = authorize_url(&s, OOB, &[]).replace(&s.client_id(), "someone-else");
    assert!(matches!(
        s.approve(&wrong_client),
        Err(MockError::Refused { ref error, .. }) if error == "invalid_client"
    ));
    let no_redirect = format!(
        "{}/oauth/authorize?response_type=code&client_id={}",
        s.login_url(),
        s.client_id()
    );
    assert!(matches!(
        s.approve(&no_redirect),
        Err(MockError::Refused { ref error, .. }) if error == "invalid_request"
    ));
    let token_type =
        authorize_url(&s, OOB, &[]).replace("response_type=code", "response_type=token");
    assert!(matches!(
        s.approve(&token_type),
        Err(MockError::Refused { ref error, .. }) if error == "unsupported_response_type"
    ));
    let wrong_host = authorize_url(&s, OOB, &[]).replace(&s.login_url(), &s.base_url());
    assert!(matches!(
        s.approve(&wrong_host),
        Err(MockError::InvalidUrl(_))
    ));
    let plain_http = authorize_url(&s, OOB, &[]).replace("https://", "http://");
    assert!(matches!(
        s.approve(&plain_http),
        Err(MockError::InvalidUrl(_))
    ));
    let wrong_path = authorize_url(&s, OOB, &[]).replace("/oauth/authorize", "/oauth/token");
    assert!(matches!(
        s.approve(&wrong_path),
        Err(MockError::InvalidUrl(_))
    ));
    assert!(matches!(
        s.approve("not a url"),
        Err(MockError::InvalidUrl(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn code_is_single_use_and_bound_to_redirect_uri() {
    let s = start().await;
    let c = client(&s);
    let code = s.approve(&authorize_url(&s, OOB, &[])).unwrap();

    let (status, body) = exchange(&c, &s, &code, "https://example.com/cb").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let (status, _) = exchange(&c, &s, &code, OOB).await;
    assert_eq!(status, 200);

    let (status, body) = exchange(&c, &s, &code, OOB).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(!body.to_string().contains(&code), "the code is not echoed");

    let (status, body) = exchange(&c, &s, &"0".repeat(64), OOB).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(s.stats().token_requests.authorization_code, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn code_expires() {
    let s = start_with(MockConfig {
        code_lifetime: 0,
        ..MockConfig::default()
    })
    .await;
    let c = client(&s);
    let code = s.approve(&authorize_url(&s, OOB, &[])).unwrap();
    let (status, body) = exchange(&c, &s, &code, OOB).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_errors_never_echo_secrets() {
    let s = start().await;
    let c = client(&s);
    let code = s.approve(&authorize_url(&s, OOB, &[])).unwrap();
    let wrong_secret = "f".repeat(64);
    let id = s.client_id();
    let (status, body) = token_request(
        &c,
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &wrong_secret),
            ("code", &code),
            ("redirect_uri", OOB),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    let text = body.to_string();
    assert!(
        !text.contains(&wrong_secret)
            && !text.contains(&code)
            && !text.contains(&s.client_secret())
    );

    let (status, body) =
        token_request(&c, &s, &[("grant_type", "password"), ("client_id", &id)]).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    let (status, body) = token_request(&c, &s, &[("client_id", &id)]).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    let secret = s.client_secret();
    let (status, body) = token_request(
        &c,
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // The code was not consumed by the failed attempts.
    let (status, _) = exchange(&c, &s, &code, OOB).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_accepts_json_and_basic_auth() {
    let s = start().await;
    let c = client(&s);
    let resp = c
        .post(format!("{}/oauth/token", s.login_url()))
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": s.client_id(),
            "client_secret": s.client_secret(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");

    let resp = c
        .post(format!("{}/oauth/token", s.login_url()))
        .basic_auth(s.client_id(), Some(s.client_secret()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn pkce_s256_is_verified() {
    let s = start().await;
    let c = client(&s);
    // RFC 7636 appendix B.
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let url = authorize_url(
        &s,
        OOB,
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let code = s.approve(&url).unwrap();
    let (id, secret) = (s.client_id(), s.client_secret());
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", OOB),
    ];
    let (status, body) = token_request(&c, &s, &base).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let mut wrong = base.to_vec();
    wrong.push(("code_verifier", "x".repeat(43).leak()));
    let (status, body) = token_request(&c, &s, &wrong).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let mut right = base.to_vec();
    right.push(("code_verifier", verifier));
    let (status, body) = token_request(&c, &s, &right).await;
    assert_eq!(status, 200, "{body}");

    let bad_method = authorize_url(
        &s,
        OOB,
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "MD5"),
        ],
    );
    assert!(matches!(
        s.approve(&bad_method),
        Err(MockError::Refused { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_kills_the_old_refresh_token() {
    let s = start().await;
    let c = client(&s);
    let (access1, refresh1) = user_token(&c, &s).await;

    let (status, body) = refresh(&c, &s, &refresh1).await;
    assert_eq!(status, 200, "{body}");
    let access2 = body["access_token"].as_str().unwrap().to_string();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_string();
    assert!(is_hex64(&access2) && is_hex64(&refresh2));
    assert_ne!(access1, access2);
    assert_ne!(refresh1, refresh2);

    // The old refresh token died at once.
    let (status, body) = refresh(&c, &s, &refresh1).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(!body.to_string().contains(&refresh1));

    // Both access tokens work; the new refresh token works once.
    for t in [&access1, &access2] {
        assert_eq!(
            api_get(&c, &s, "/rest/v1.0/me", t, None).await.status(),
            200
        );
    }
    let (status, _) = refresh(&c, &s, &refresh2).await;
    assert_eq!(status, 200);
    let (status, _) = refresh(&c, &s, &refresh2).await;
    assert_eq!(status, 400);

    let stats = s.stats();
    assert_eq!(stats.token_requests.refresh_token, 4);
    assert_eq!(stats.refreshes, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_refreshes_with_one_token_let_exactly_one_win() {
    let s = start().await;
    let c = client(&s);
    let (_, refresh1) = user_token(&c, &s).await;
    let results = futures::future::join_all((0..8).map(|_| refresh(&c, &s, &refresh1))).await;
    let ok = results.iter().filter(|(st, _)| *st == 200).count();
    let grant_errors = results
        .iter()
        .filter(|(st, b)| *st == 400 && b["error"] == "invalid_grant")
        .count();
    assert_eq!((ok, grant_errors), (1, 7));
}

#[tokio::test(flavor = "multi_thread")]
async fn lost_refresh_answer_still_rotates() {
    let s = start().await;
    let c = client(&s);
    let (_, refresh1) = user_token(&c, &s).await;
    s.drop_after_next(1, Some("/oauth/token".into()));
    let (id, secret) = (s.client_id(), s.client_secret());
    let lost = c
        .post(format!("{}/oauth/token", s.login_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("refresh_token", &refresh1),
        ])
        .send()
        .await;
    assert!(lost.is_err(), "the answer is lost");
    let (status, body) = refresh(&c, &s, &refresh1).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(s.stats().refreshes, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_has_no_refresh_token_and_needs_company_header() {
    let s = start().await;
    let c = client(&s);
    let (id, secret) = (s.client_id(), s.client_secret());
    let (status, body) = token_request(
        &c,
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(body["token_type"], "bearer");
    let token = body["access_token"].as_str().unwrap();

    for path in ["/rest/v1.0/me", "/rest/v1.0/companies"] {
        let resp = api_get(&c, &s, path, token, None).await;
        assert_eq!(resp.status(), 400, "{path}");
        let resp = api_get(&c, &s, path, token, Some(s.company_id())).await;
        assert_eq!(resp.status(), 200, "{path}");
        let resp = api_get(&c, &s, path, token, Some(1)).await;
        assert_eq!(resp.status(), 403, "{path}");
    }
    assert_eq!(s.stats().token_requests.client_credentials, 1);

    // A user token needs no company header for /me and /companies.
    let (user, _) = user_token(&c, &s).await;
    for path in ["/rest/v1.0/me", "/rest/v1.0/companies"] {
        assert_eq!(api_get(&c, &s, path, &user, None).await.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_and_token_info() {
    let s = start().await;
    let c = client(&s);
    let (access, refresh_token) = user_token(&c, &s).await;

    let info = c
        .get(format!("{}/oauth/token/info", s.login_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["resource_owner_id"], 1234567);
    assert_eq!(info["scopes"], json!([]));
    assert_eq!(info["application"]["uid"], s.client_id());
    let left = info["expires_in_seconds"].as_u64().unwrap();
    assert!(left > 5300 && left <= 5400, "{left}");
    assert!(info["created_at"].as_u64().unwrap() <= unix_now());

    let (id, secret) = (s.client_id(), s.client_secret());
    let resp = c
        .post(format!("{}/oauth/revoke", s.login_url()))
        .form(&[
            ("token", access.as_str()),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({}));

    let me = api_get(&c, &s, "/rest/v1.0/me", &access, None).await;
    assert_eq!(me.status(), 401);
    assert!(header(me.headers(), "www-authenticate").contains("revoked"));
    let (status, body) = refresh(&c, &s, &refresh_token).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let info = c
        .get(format!("{}/oauth/token/info", s.login_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 401);

    // Revoking needs the client's credentials; unknown tokens are fine (RFC 7009).
    let resp = c
        .post(format!("{}/oauth/revoke", s.login_url()))
        .form(&[
            ("token", "abc"),
            ("client_id", &id),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = c
        .post(format!("{}/oauth/revoke", s.login_url()))
        .form(&[
            ("token", "abc"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_unknown_tokens_get_401() {
    let s = start().await;
    let c = client(&s);
    let (access, refresh_token) = user_token(&c, &s).await;
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &access, None)
            .await
            .status(),
        200
    );

    s.expire_tokens();
    let resp = api_get(&c, &s, "/rest/v1.0/me", &access, None).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(resp.headers(), "www-authenticate"),
        "Bearer realm=\"Procore\", error=\"invalid_token\", error_description=\"The access token expired\""
    );
    assert!(resp.headers().contains_key("x-rate-limit-limit"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"], "The access token expired");

    // The refresh token still works, and the new access token is not expired.
    let (status, body) = refresh(&c, &s, &refresh_token).await;
    assert_eq!(status, 200);
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", fresh, None).await.status(),
        200
    );

    let resp = api_get(&c, &s, "/rest/v1.0/me", &"0".repeat(64), None).await;
    assert_eq!(resp.status(), 401);
    assert!(header(resp.headers(), "www-authenticate").contains("error=\"invalid_token\""));

    let resp = c
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(resp.headers(), "www-authenticate"),
        "Bearer realm=\"Procore\""
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_lifetime_is_followed() {
    let s = start_with(MockConfig {
        token_lifetime: 0,
        ..MockConfig::default()
    })
    .await;
    let c = client(&s);
    let (access, _) = user_token(&c, &s).await;
    let resp = api_get(&c, &s, "/rest/v1.0/me", &access, None).await;
    assert_eq!(resp.status(), 401);
    assert!(header(resp.headers(), "www-authenticate").contains("expired"));
}

// ---------------------------------------------------------------- REST

#[tokio::test(flavor = "multi_thread")]
async fn companies_are_paginated_with_64_bit_ids() {
    let s = start_with(MockConfig {
        companies: 5,
        ..MockConfig::default()
    })
    .await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;

    let resp = api_get(&c, &s, "/rest/v1.0/companies", &t, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "total"), "5");
    assert_eq!(header(resp.headers(), "per-page"), "100");
    assert!(
        resp.headers().get("link").is_none(),
        "a single page has no Link"
    );
    let all: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(all.len(), 5);
    let ids: Vec<i64> = all.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, s.company_ids());
    assert_eq!(ids[0], s.company_id());
    assert!(ids.iter().all(|&id| id > u32::MAX as i64));
    for company in &all {
        for key in ["id", "name", "is_active", "logo_url"] {
            assert!(company.get(key).is_some(), "{key} in {company}");
        }
    }

    let resp = api_get(&c, &s, "/rest/v1.0/companies?per_page=2", &t, None).await;
    assert_eq!(header(resp.headers(), "total"), "5");
    assert_eq!(header(resp.headers(), "per-page"), "2");
    let l = links(resp.headers());
    assert_eq!(
        l.keys().cloned().collect::<HashSet<_>>(),
        HashSet::from(["next".into(), "last".into()])
    );
    assert_eq!(query_of(&l["next"])["page"], "2");
    assert_eq!(query_of(&l["last"])["page"], "3");
    assert!(l["next"].starts_with(&format!("{}/rest/v1.0/companies?", s.base_url())));

    let resp = get(&c, &l["last"], &t, None).await;
    let l3 = links(resp.headers());
    assert_eq!(
        l3.keys().cloned().collect::<HashSet<_>>(),
        HashSet::from(["first".into(), "prev".into()])
    );
    assert_eq!(query_of(&l3["prev"])["page"], "2");
    assert_eq!(query_of(&l3["first"])["page"], "1");
    let last_page: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(last_page.len(), 1);
    assert_eq!(last_page[0]["id"], ids[4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn projects_are_paginated_with_every_field() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let cid = s.company_id();
    let url = format!("/rest/v1.0/projects?company_id={cid}&filters[by_status]=Active");

    let resp = api_get(&c, &s, &url, &t, Some(cid)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "total"), "250");
    assert_eq!(header(resp.headers(), "per-page"), "100");
    let l = links(resp.headers());
    let next = query_of(&l["next"]);
    assert_eq!(next["page"], "2");
    assert_eq!(next["per_page"], "100");
    assert_eq!(next["company_id"], cid.to_string());
    assert_eq!(
        next["filters[by_status]"], "Active",
        "other params are kept"
    );
    assert_eq!(query_of(&l["last"])["page"], "3");

    let mut all: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(all.len(), 100);
    let mut next_url = Some(l["next"].clone());
    while let Some(u) = next_url {
        let resp = get(&c, &u, &t, Some(cid)).await;
        assert_eq!(resp.status(), 200);
        next_url = links(resp.headers()).get("next").cloned();
        all.extend(resp.json::<Vec<Value>>().await.unwrap());
    }
    assert_eq!(all.len(), 250);
    let ids: Vec<i64> = all.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids");
    assert!(ids.iter().all(|&id| id > u32::MAX as i64));

    let fields = [
        "id",
        "name",
        "display_name",
        "project_number",
        "address",
        "city",
        "state_code",
        "country_code",
        "zip",
        "county",
        "latitude",
        "longitude",
        "stage",
        "phone",
        "created_at",
        "updated_at",
        "active",
        "origin_id",
        "origin_data",
        "company",
    ];
    for p in &all {
        for f in fields {
            assert!(p.get(f).is_some(), "{f} missing in {p}");
        }
        assert_eq!(p["company"]["id"], cid);
        assert!(p["company"]["name"].is_string());
        let created = p["created_at"].as_str().unwrap();
        assert_eq!(created.len(), 20, "{created}");
        assert!(created.ends_with('Z') && &created[10..11] == "T");
        assert!(p["latitude"].is_f64() && p["longitude"].is_f64());
    }
    let stages: HashSet<&str> = all.iter().map(|p| p["stage"].as_str().unwrap()).collect();
    assert!(stages.contains("Course of Construction") && stages.contains("Pre-Construction"));
    assert!(
        all.iter().any(|p| p["origin_id"].is_null())
            && all.iter().any(|p| p["origin_id"].is_string())
    );

    // Same project, same data (deterministic), and unique across companies.
    let again = api_get(&c, &s, &url, &t, Some(cid))
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap();
    assert_eq!(again[..], all[..100]);
    let other = s.company_ids()[1];
    let theirs = api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects?company_id={other}"),
        &t,
        Some(other),
    )
    .await
    .json::<Vec<Value>>()
    .await
    .unwrap();
    let mine: HashSet<i64> = ids.iter().copied().collect();
    assert!(theirs
        .iter()
        .all(|p| !mine.contains(&p["id"].as_i64().unwrap())));
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_parameters_are_checked_and_clamped() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let cid = s.company_id();
    let list = |q: &str| format!("/rest/v1.0/projects?company_id={cid}{q}");

    let resp = api_get(&c, &s, &list("&per_page=1000"), &t, Some(cid)).await;
    assert_eq!(header(resp.headers(), "per-page"), "300");
    assert_eq!(resp.json::<Vec<Value>>().await.unwrap().len(), 250);

    let resp = api_get(&c, &s, &list("&page=4&per_page=100"), &t, Some(cid)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "total"), "250");
    assert_eq!(
        resp.json::<Vec<Value>>().await.unwrap(),
        Vec::<Value>::new()
    );

    let resp = api_get(&c, &s, &list("&page=2&per_page=7"), &t, Some(cid)).await;
    let page: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(page.len(), 7);
    let first_page: Vec<Value> = api_get(&c, &s, &list("&per_page=14"), &t, Some(cid))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page[..], first_page[7..]);

    for bad in [
        "&per_page=0",
        "&per_page=-5",
        "&per_page=abc",
        "&page=0",
        "&page=-1",
        "&page=x",
    ] {
        let resp = api_get(&c, &s, &list(bad), &t, Some(cid)).await;
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(resp.json::<Value>().await.unwrap()["message"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn company_header_rules() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let cid = s.company_id();
    let other = s.company_ids()[1];
    let list = format!("/rest/v1.0/projects?company_id={cid}");

    let resp = api_get(&c, &s, &list, &t, None).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("Procore-Company-Id"));

    let resp = api_get(&c, &s, &list, &t, Some(4_000_000_999_999)).await;
    assert_eq!(resp.status(), 403);

    let resp = api_get(&c, &s, "/rest/v1.0/projects", &t, Some(cid)).await;
    assert_eq!(resp.status(), 400, "company_id query is required");

    let resp = api_get(&c, &s, &list, &t, Some(other)).await;
    assert_eq!(resp.status(), 400, "header and query disagree");

    let resp = c
        .get(format!("{}{list}", s.base_url()))
        .bearer_auth(&t)
        .header("Procore-Company-Id", "acme")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    // A 32-bit truncated id is someone else's company.
    let resp = api_get(&c, &s, &list, &t, Some(cid as u32 as i64)).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn project_crud_and_errors() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let cid = s.company_id();
    let other = s.company_ids()[1];
    let base = s.base_url();

    let first: Vec<Value> = api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects?company_id={cid}&per_page=1"),
        &t,
        Some(cid),
    )
    .await
    .json()
    .await
    .unwrap();
    let pid = first[0]["id"].as_i64().unwrap();
    let resp = api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects/{pid}?company_id={cid}"),
        &t,
        Some(cid),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), first[0]);

    // Unknown id, another company's project, a non-numeric id: 404 with a message.
    for (path, company) in [
        (format!("/rest/v1.0/projects/123?company_id={cid}"), cid),
        (
            format!("/rest/v1.0/projects/{pid}?company_id={other}"),
            other,
        ),
        (format!("/rest/v1.0/projects/abc?company_id={cid}"), cid),
    ] {
        let resp = api_get(&c, &s, &path, &t, Some(company)).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(resp.json::<Value>().await.unwrap()["message"].is_string());
    }

    // Create: 422 without a name, 400 without a project object, 201 otherwise.
    let post = |body: Value| {
        c.post(format!("{base}/rest/v1.0/projects?company_id={cid}"))
            .bearer_auth(&t)
            .header("Procore-Company-Id", cid.to_string())
            .json(&body)
            .send()
    };
    let resp = post(json!({"project": {"city": "Austin"}})).await.unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"errors": {"name": ["can't be blank"]}})
    );
    let resp = post(json!({"name": "x"})).await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = post(
        json!({"project": {"name": "New Tower", "project_number": "NT-1", "custom_field": 7}}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let new_id = created["id"].as_i64().unwrap();
    assert!(new_id > u32::MAX as i64);
    assert_eq!(created["name"], "New Tower");
    assert_eq!(created["display_name"], "NT-1 - New Tower");
    assert_eq!(created["custom_field"], 7);
    assert_eq!(created["company"]["id"], cid);
    assert!(created.get("latitude").is_some() && created.get("origin_data").is_some());

    let show = format!("{base}/rest/v1.0/projects/{new_id}?company_id={cid}");
    let resp = get(&c, &show, &t, Some(cid)).await;
    assert_eq!(resp.json::<Value>().await.unwrap(), created);

    // Update with PATCH and PUT.
    let resp = c
        .patch(&show)
        .bearer_auth(&t)
        .header("Procore-Company-Id", cid.to_string())
        .json(&json!({"project": {"name": "Renamed", "id": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(
        (updated["name"].as_str(), updated["id"].as_i64()),
        (Some("Renamed"), Some(new_id))
    );
    let resp = c
        .put(format!("{base}/rest/v1.0/projects/{pid}"))
        .bearer_auth(&t)
        .header("Procore-Company-Id", cid.to_string())
        .json(&json!({"project": {"stage": "Bidding"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = api_get(&c, &s, &format!("/rest/v1.0/projects/{pid}"), &t, Some(cid)).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["stage"], "Bidding");
    let resp = c
        .patch(&show)
        .bearer_auth(&t)
        .header("Procore-Company-Id", cid.to_string())
        .json(&json!({"project": {"name": ""}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);

    // Delete: 204 with an empty body, then 404.
    let resp = c
        .delete(&show)
        .bearer_auth(&t)
        .header("Procore-Company-Id", cid.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(get(&c, &show, &t, Some(cid)).await.status(), 404);

    // Writes need the company header too.
    let resp = c
        .delete(format!("{base}/rest/v1.0/projects/{pid}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_projects_changes_the_count() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let cid = s.company_ids()[1];
    s.set_projects(cid, 3).unwrap();
    let resp = api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects?company_id={cid}"),
        &t,
        Some(cid),
    )
    .await;
    assert_eq!(header(resp.headers(), "total"), "3");
    assert_eq!(resp.json::<Vec<Value>>().await.unwrap().len(), 3);
    s.set_projects(cid, 0).unwrap();
    let resp = api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects?company_id={cid}"),
        &t,
        Some(cid),
    )
    .await;
    assert_eq!(header(resp.headers(), "total"), "0");
    assert!(resp.headers().get("link").is_none());
    assert_eq!(
        resp.json::<Vec<Value>>().await.unwrap(),
        Vec::<Value>::new()
    );
    assert_eq!(s.set_projects(42, 1), Err(MockError::UnknownCompany(42)));
}

#[tokio::test(flavor = "multi_thread")]
async fn unexpected_routes_answer_500_with_a_reason() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let resp = api_get(&c, &s, "/rest/v1.0/nope", &t, None).await;
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "mock: unexpected GET /rest/v1.0/nope"
    );
    let resp = c
        .delete(format!("{}/rest/v1.0/me", s.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    let resp = c
        .get(format!("{}/oauth/token", s.login_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "mock: unexpected GET /oauth/token"
    );
}

// ---------------------------------------------------------------- rate limits

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_headers_and_429() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;

    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(header(resp.headers(), "x-rate-limit-limit"), "3600");
    assert_eq!(header(resp.headers(), "x-rate-limit-remaining"), "3599");
    let reset: u64 = header(resp.headers(), "x-rate-limit-reset")
        .parse()
        .unwrap();
    let now = unix_now();
    assert!(reset > now && reset <= now + 3601, "{reset} vs {now}");

    s.set_rate_limit(3, Duration::from_secs(60));
    for remaining in ["2", "1", "0"] {
        let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(resp.headers(), "x-rate-limit-limit"), "3");
        assert_eq!(header(resp.headers(), "x-rate-limit-remaining"), remaining);
    }
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = header(resp.headers(), "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(header(resp.headers(), "x-rate-limit-remaining"), "0");
    assert!(resp.json::<Value>().await.unwrap()["message"].is_string());

    // Each access token has its own window.
    let (t2, _) = user_token(&c, &s).await;
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t2, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(resp.headers(), "x-rate-limit-remaining"), "2");

    // A short window restarts.
    s.set_rate_limit(1, Duration::from_millis(300));
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(header(resp.headers(), "retry-after"), "1");
    tokio::time::sleep(Duration::from_millis(350)).await; // wait out the window on purpose
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
}

// ---------------------------------------------------------------- faults

#[tokio::test(flavor = "multi_thread")]
async fn fail_next_answers_scripted_statuses_in_order() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;

    s.fail_next(503, 2, None, Some(7));
    s.fail_next(502, 1, None, None);
    for _ in 0..2 {
        let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
        assert_eq!(resp.status(), 503);
        assert_eq!(header(resp.headers(), "retry-after"), "7");
        assert!(resp.headers().contains_key("x-rate-limit-remaining"));
        assert!(resp.json::<Value>().await.unwrap()["message"].is_string());
    }
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.status(), 502);
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );

    // By path prefix: other paths pass.
    s.fail_next(500, 1, Some("/rest/v1.0/companies".into()), None);
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/companies", &t, None)
            .await
            .status(),
        500
    );
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/companies", &t, None)
            .await
            .status(),
        200
    );

    // Login requests are faulted only by an /oauth prefix.
    s.fail_next(500, 1, None, None);
    let (id, secret) = (s.client_id(), s.client_secret());
    let cc = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(token_request(&c, &s, &cc).await.0, 200);
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        500
    );
    s.fail_next(429, 1, Some("/oauth/token".into()), Some(3));
    let resp = c
        .post(format!("{}/oauth/token", s.login_url()))
        .form(&cc)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(header(resp.headers(), "retry-after"), "3");
    assert_eq!(token_request(&c, &s, &cc).await.0, 200);

    // An injected 429 says "out of allowance" until its Retry-After (1 s without one).
    s.fail_next(429, 1, Some("/rest/v1.0/me".into()), None);
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(header(resp.headers(), "x-rate-limit-remaining"), "0");
    let reset: u64 = header(resp.headers(), "x-rate-limit-reset")
        .parse()
        .unwrap();
    assert!(reset <= unix_now() + 2, "{reset}");

    let stats = s.stats();
    assert_eq!(stats.status_counts[&503], 2);
    assert_eq!(stats.status_counts[&502], 1);
    assert_eq!(stats.status_counts[&429], 2);
    assert_eq!(stats.status_counts[&500], 2);
}

async fn drop_next_cuts_the_connection(c: Client, s: &MockServer) {
    let (t, _) = user_token(&c, s).await;
    assert_eq!(
        api_get(&c, s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    s.drop_next(1, Some("/rest/v1.0/me".into()));
    let err = c
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(
        api_get(&c, s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    let stats = s.stats();
    assert_eq!(stats.dropped, 1);
    let recorded = s.requests();
    let me: Vec<_> = recorded
        .iter()
        .filter(|r| r.path == "/rest/v1.0/me")
        .collect();
    assert_eq!(
        me.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200), None, Some(200)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_next_http2() {
    let s = start().await;
    drop_next_cuts_the_connection(client(&s), &s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_next_http1() {
    let s = start().await;
    drop_next_cuts_the_connection(builder(&s).http1_only().build().unwrap(), &s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_next_on_the_token_endpoint() {
    let s = start().await;
    let c = client(&s);
    s.drop_next(1, Some("/oauth/token".into()));
    let (id, secret) = (s.client_id(), s.client_secret());
    let cc = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let r = c
        .post(format!("{}/oauth/token", s.login_url()))
        .form(&cc)
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(token_request(&c, &s, &cc).await.0, 200);
    // Dropped before processing: only the second request counted as a grant.
    assert_eq!(s.stats().token_requests.client_credentials, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn delay_next_and_latency_slow_answers_down() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    s.delay_next(Duration::from_millis(300), 1, None);
    let t0 = Instant::now();
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // A client timeout shorter than the delay fires.
    s.delay_next(Duration::from_secs(5), 1, None);
    let err = c
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .bearer_auth(&t)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout());

    s.set_latency(Duration::from_millis(200));
    let t0 = Instant::now();
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(200));
    s.set_latency(Duration::ZERO);

    let t0 = Instant::now();
    let resp = api_get(&c, &s, "/rest/v1.0/slow?seconds=0.25", &t, None).await;
    assert_eq!(resp.status(), 200);
    assert!(t0.elapsed() >= Duration::from_millis(250));
}

/// Outcome of one request: a status, or 0 for a dropped connection.
async fn outcome(c: &Client, s: &MockServer, t: &str) -> u16 {
    match c
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .bearer_auth(t)
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            if matches!(status, 503 | 429) {
                assert_eq!(header(r.headers(), "retry-after"), "1");
            }
            status
        }
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn random_faults_are_reproducible_with_a_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let s = start().await;
        let c = client(&s);
        let (t, _) = user_token(&c, &s).await;
        s.set_fault_rate(0.5, Some(42));
        let mut seq = Vec::new();
        for _ in 0..60 {
            seq.push(outcome(&c, &s, &t).await);
        }
        s.set_fault_rate(0.0, None);
        assert_eq!(outcome(&c, &s, &t).await, 200);
        runs.push(seq);
    }
    assert_eq!(runs[0], runs[1]);
    let kinds: HashSet<u16> = runs[0].iter().copied().collect();
    assert!(kinds.contains(&200));
    assert!(
        kinds.is_subset(&HashSet::from([0, 200, 429, 500, 502, 503])),
        "{kinds:?}"
    );
    assert!(kinds.len() >= 4, "a mix of faults: {kinds:?}");

    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    s.set_fault_rate(1.0, None);
    for _ in 0..10 {
        assert_ne!(outcome(&c, &s, &t).await, 200);
    }
    // Login requests are not randomly faulted.
    user_token(&c, &s).await;
}

// ---------------------------------------------------------------- protocol, records, lifecycle

#[tokio::test(flavor = "multi_thread")]
async fn http2_is_negotiated_and_http1_works() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    let resp = api_get(&c, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.version(), Version::HTTP_2);

    let h1 = builder(&s).http1_only().build().unwrap();
    let resp = api_get(&h1, &s, "/rest/v1.0/me", &t, None).await;
    assert_eq!(resp.version(), Version::HTTP_11);
    assert_eq!(resp.status(), 200);

    let versions: Vec<String> = s
        .requests()
        .iter()
        .filter(|r| r.host == HostKind::Api)
        .map(|r| r.http_version.clone())
        .collect();
    assert_eq!(versions, ["HTTP/2.0", "HTTP/1.1"]);

    // Many concurrent streams on one HTTP/2 connection.
    let cid = s.company_id();
    let pages = futures::future::join_all((1..=25).map(|p| {
        let path = format!("/rest/v1.0/projects?company_id={cid}&per_page=10&page={p}");
        let (c, s, t) = (&c, &s, &t);
        async move {
            api_get(c, s, &path, t, Some(cid))
                .await
                .json::<Vec<Value>>()
                .await
                .unwrap()
        }
    }))
    .await;
    let ids: HashSet<i64> = pages
        .iter()
        .flatten()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 250);
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_recorded_without_secrets() {
    let s = start().await;
    let c = client(&s);
    let (t, r) = user_token(&c, &s).await;
    let cid = s.company_id();
    api_get(
        &c,
        &s,
        &format!("/rest/v1.0/projects?company_id={cid}&page=2"),
        &t,
        Some(cid),
    )
    .await;
    c.get(format!("{}/rest/v1.0/me?access_token={t}", s.base_url()))
        .send()
        .await
        .unwrap();

    let recorded = s.requests();
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[0].host, HostKind::Login);
    assert_eq!(
        (recorded[0].method.as_str(), recorded[0].path.as_str()),
        ("POST", "/oauth/token")
    );
    assert!(!recorded[0].authorized);
    let list = &recorded[1];
    assert_eq!(list.host, HostKind::Api);
    assert_eq!(list.method, "GET");
    assert_eq!(list.path, "/rest/v1.0/projects");
    assert_eq!(list.query, format!("company_id={cid}&page=2"));
    assert_eq!(
        list.company_header.as_deref(),
        Some(cid.to_string().as_str())
    );
    assert!(list.authorized);
    assert_eq!(list.status, Some(200));
    assert_eq!(recorded[2].query, "access_token=[redacted]");
    assert!(!recorded[2].authorized);
    assert_eq!(recorded[2].status, Some(401));
    let dump = format!("{recorded:?}");
    assert!(!dump.contains(&t) && !dump.contains(&r) && !dump.contains(&s.client_secret()));

    let stats = s.stats();
    assert_eq!(
        (stats.requests, stats.api_requests, stats.login_requests),
        (3, 2, 1)
    );
    s.reset_stats();
    assert_eq!(s.stats(), Default::default());
    assert!(s.requests().is_empty());
    assert!(!format!("{:?} {:?}", s, s.config()).contains(&s.client_secret()));
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_stops_both_listeners() {
    let s = start().await;
    let c = client(&s);
    let (t, _) = user_token(&c, &s).await;
    assert_eq!(
        api_get(&c, &s, "/rest/v1.0/me", &t, None).await.status(),
        200
    );
    let (api, login) = (s.api_addr(), s.login_addr());
    s.shutdown();
    s.stopped().await;
    assert!(s.is_shut_down());
    for addr in [api, login] {
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "{addr} closed"
        );
    }
    // The pooled connection was ended too.
    let fresh = client(&s);
    assert!(fresh
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .send()
        .await
        .is_err());
    assert!(c
        .get(format!("{}/rest/v1.0/me", s.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn config_is_validated() {
    let bad = MockServer::start(MockConfig {
        companies: 0,
        ..MockConfig::default()
    })
    .await;
    assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    let cfg = MockConfig::default();
    assert!(is_hex64(&cfg.client_id) && is_hex64(&cfg.client_secret));
    assert_ne!(cfg.client_id, cfg.client_secret);
}

// ----- browser login: loopback redirect, PKCE, denial -----

/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The query of a `Location` header as a map.
fn location_query(
    resp: &reqwest::Response,
) -> (url::Url, std::collections::HashMap<String, String>) {
    let location = url::Url::parse(header(resp.headers(), "location")).unwrap();
    let q = location.query_pairs().into_owned().collect();
    (location, q)
}

async fn exchange_with_verifier(
    c: &Client,
    server: &MockServer,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> (StatusCode, Value) {
    let (id, secret) = (server.client_id(), server.client_secret());
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token_request(c, server, &form).await
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_redirect_with_pkce_end_to_end() {
    let s = start().await;
    let c = client(&s);
    let redirect = "http://localhost:53682/callback";
    let url = authorize_url(
        &s,
        redirect,
        &[
            ("state", "st-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let resp = c.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(header(resp.headers(), "cache-control"), "no-store");
    let (location, q) = location_query(&resp);
    assert_eq!(
        location.as_str().split('?').next(),
        Some("http://localhost:53682/callback")
    );
    assert_eq!(q["state"], "st-1");
    assert!(is_hex64(&q["code"]));
    assert!(!q.contains_key("error"));
    let code = q["code"].clone();

    // Every failed attempt leaves the code unspent.
    let (status, body) = exchange_with_verifier(&c, &s, &code, redirect, None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let wrong = "W".repeat(43);
    let (status, body) = exchange_with_verifier(&c, &s, &code, redirect, Some(&wrong)).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(!body.to_string().contains(&wrong) && !body.to_string().contains(&code));
    // The redirect URI of the token request must be the authorization request's.
    for other in [
        "http://localhost:53683/callback",
        "http://127.0.0.1:53682/callback",
        "http://localhost:53682/callback/",
        OOB,
    ] {
        let (status, body) = exchange_with_verifier(&c, &s, &code, other, Some(VERIFIER)).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{other}"
        );
    }
    let (status, body) = exchange_with_verifier(&c, &s, &code, redirect, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    let me = api_get(
        &c,
        &s,
        "/rest/v1.0/me",
        body["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(me.status(), 200);
    // Spent.
    let (status, _) = exchange_with_verifier(&c, &s, &code, redirect, Some(VERIFIER)).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_for_a_code_without_challenge_is_refused() {
    let s = start().await;
    let c = client(&s);
    let code = s.approve(&authorize_url(&s, OOB, &[])).unwrap();
    let (status, body) = exchange_with_verifier(&c, &s, &code, OOB, Some(VERIFIER)).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = exchange_with_verifier(&c, &s, &code, OOB, None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn approve_binds_loopback_codes_and_their_challenge() {
    let s = start().await;
    let c = client(&s);
    let redirect = "http://127.0.0.1:8765/cb";
    let code = s
        .approve(&authorize_url(
            &s,
            redirect,
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
        ))
        .unwrap();
    let (status, _) = exchange_with_verifier(&c, &s, &code, OOB, Some(VERIFIER)).await;
    assert_eq!(status, 400);
    let (status, body) = exchange_with_verifier(&c, &s, &code, redirect, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deny_redirects_access_denied_and_issues_no_code() {
    let s = start().await;
    let c = client(&s);
    let redirect = "http://localhost:53682/callback?app=1";
    let resp = c
        .delete(authorize_url(&s, redirect, &[("state", "st 2")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let (location, q) = location_query(&resp);
    assert_eq!(location.host_str(), Some("localhost"));
    assert_eq!(location.path(), "/callback");
    assert_eq!(q["app"], "1");
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st 2");
    assert!(q.contains_key("error_description"));
    assert!(!q.contains_key("code"));

    // Out of band: a page says so.
    let resp = c.delete(authorize_url(&s, OOB, &[])).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Access denied"), "{page}");

    // An unknown client is never redirected to.
    let resp = c
        .delete(authorize_url(&s, redirect, &[]).replace(&s.client_id(), "someone-else"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(s.stats().token_requests.authorization_code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_errors_go_back_to_a_good_redirect_uri() {
    let s = start().await;
    let c = client(&s);
    let redirect = "http://localhost:53682/callback";
    let resp = c
        .get(
            authorize_url(&s, redirect, &[("state", "abc")])
                .replace("response_type=code", "response_type=token"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let (_, q) = location_query(&resp);
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], "abc");
    assert!(!q.contains_key("code"));

    let resp = c
        .get(authorize_url(
            &s,
            redirect,
            &[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(location_query(&resp).1["error"], "invalid_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_redirects_only_to_loopback() {
    let s = start().await;
    let c = client(&s);
    for bad in [
        "http://example.com/callback",
        "http://10.0.0.1:8080/callback",
        "ftp://localhost/callback",
        "http://localhost/cb#frag",
    ] {
        let resp = c.get(authorize_url(&s, bad, &[])).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            "invalid_redirect_uri",
            "{bad}"
        );
        assert!(matches!(
            s.approve(&authorize_url(&s, bad, &[])),
            Err(MockError::Refused { ref error, .. }) if error == "invalid_redirect_uri"
        ));
    }
    for good in [
        "http://localhost/",
        "http://127.0.0.1:1234/cb",
        "http://[::1]:1234/cb",
        "https://app.example.com/cb",
    ] {
        let resp = c.get(authorize_url(&s, good, &[])).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{good}");
    }
}
