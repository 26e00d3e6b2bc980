//! The core client against the mock Procore server, without Python.
//! Run with `cargo test --no-default-features --test client_mock`.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use _procore::core::{Client, Error};
use _procore::mock::MockConfig;
use common::core_env as env;
use reqwest::Method;

/// The ids of every project of the default company, in the order received.
async fn project_ids(client: &Client) -> Vec<i64> {
    client
        .projects(None, &[])
        .await
        .unwrap()
        .iter()
        .map(|p| p.id())
        .collect()
}

#[tokio::test]
async fn seed_flow_end_to_end() {
    let e = env(MockConfig::default()).await;
    let client = Client::new(&e.opts).unwrap();
    let url = client.authorization_url(None).unwrap();
    let code = e.server.approve(&url).unwrap();
    let token = client.exchange_code(&code).await.unwrap();
    assert!(token.refresh_token.is_some());
    assert_eq!(token.expires_in, Some(5400));
    let me = client.me().await.unwrap();
    assert_eq!(me.login().as_deref(), Some("joe.builder@acme.com"));
    let companies = client.companies().await.unwrap();
    assert_eq!(
        companies.iter().map(|c| c.id()).collect::<Vec<_>>(),
        e.server.company_ids()
    );
    let projects = client.projects(None, &[]).await.unwrap();
    assert_eq!(projects.len(), 250);
    let one = client.project(projects[7].id(), None).await.unwrap();
    assert_eq!(one, projects[7]);
    // The company header went to projects, not to /me or /companies.
    for r in e.server.requests() {
        let expect_header = r.path.starts_with("/rest/v1.0/projects");
        assert_eq!(
            r.company_header.is_some(),
            expect_header,
            "{} {}",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn pagination_is_exact_under_faults() {
    let e = env(MockConfig {
        projects_per_company: 20_000,
        ..MockConfig::default()
    })
    .await;
    let mut opts = e.opts.clone();
    opts.max_retries = 8;
    let client = Client::new(&opts).unwrap();
    client.client_credentials().await.unwrap();
    let clean: Vec<i64> = project_ids(&client).await;
    assert_eq!(clean.len(), 20_000);
    e.server.set_fault_rate(0.10, Some(7));
    let faulted: Vec<i64> = project_ids(&client).await;
    assert_eq!(faulted, clean);
    assert_eq!(faulted.iter().collect::<HashSet<_>>().len(), 20_000);
    assert!(e
        .server
        .stats()
        .status_counts
        .keys()
        .any(|s| *s >= 500 || *s == 429));
}

#[tokio::test]
async fn expired_token_is_refreshed_once_for_many_tasks() {
    let e = env(MockConfig::default()).await;
    let client = Client::new(&e.opts).unwrap();
    let code = e
        .server
        .approve(&client.authorization_url(None).unwrap())
        .unwrap();
    client.exchange_code(&code).await.unwrap();
    e.server.expire_tokens();
    e.server.reset_stats();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.me().await.map(|m| m.id()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1234567);
    }
    assert_eq!(e.server.stats().token_requests.refresh_token, 1);
}

#[tokio::test]
async fn posts_are_not_retried_after_an_answer() {
    let e = env(MockConfig::default()).await;
    let client = Client::new(&e.opts).unwrap();
    client.client_credentials().await.unwrap();
    e.server
        .fail_next(500, 1, Some("/rest/v1.0/projects".into()), None);
    let body = serde_json::json!({"project": {"name": "New"}});
    let q = [("company_id".to_string(), e.server.company_id().to_string())];
    let err = client
        .request(Method::POST, "/rest/v1.0/projects", &q, Some(&body), None)
        .await
        .unwrap_err();
    match err {
        Error::Api(a) => {
            assert_eq!(a.status, 500);
            assert_eq!(a.attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    // A GET is retried through the same fault.
    e.server
        .fail_next(503, 2, Some("/rest/v1.0/me".into()), Some(0));
    assert_eq!(client.me().await.unwrap().id(), 1234567);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_is_dead() {
    let e = env(MockConfig::default()).await;
    let client = Client::new(&e.opts).unwrap();
    let code = e
        .server
        .approve(&client.authorization_url(None).unwrap())
        .unwrap();
    let first = client.exchange_code(&code).await.unwrap();
    let second = client.refresh().await.unwrap();
    assert_ne!(first.refresh_token, second.refresh_token);
    // A second client still holding the first refresh token is refused (invalid_grant).
    let mut opts = e.opts.clone();
    opts.token = Some(first);
    let stale = Client::new(&opts).unwrap();
    match stale.refresh().await.unwrap_err() {
        Error::OAuth { error, .. } => assert_eq!(error, "invalid_grant"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_refresh_abandoned_by_its_caller_still_lands_in_the_store() {
    let e = env(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("token.json");
    let mut opts = e.opts.clone();
    opts.token_store = Some(store.clone());
    let client = Client::new(&opts).unwrap();
    let code = e
        .server
        .approve(&client.authorization_url(None).unwrap())
        .unwrap();
    let first = client.exchange_code(&code).await.unwrap();
    // The token endpoint answers slowly; the caller gives up (as Ctrl-C or a cancelled task
    // would) long before the answer comes.
    e.server.delay_next(
        std::time::Duration::from_millis(500),
        1,
        Some("/oauth/token".into()),
    );
    let abandoned =
        tokio::time::timeout(std::time::Duration::from_millis(50), client.refresh()).await;
    assert!(abandoned.is_err(), "the caller should have timed out");
    // The refresh goes on without it: wait (with a deadline) for the server to rotate.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while e.server.stats().refreshes == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh never reached the server"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The next caller waits for that refresh (single flight) and gets its token, which is
    // also the one in the store: the rotated refresh token was not lost.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = client.token().unwrap();
        if now.refresh_token != first.refresh_token {
            let saved = _procore::core::TokenStore::new(&store)
                .load()
                .unwrap()
                .unwrap()
                .0;
            assert_eq!(saved, now);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new token was never installed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(client.me().await.unwrap().id(), 1234567);
    assert_eq!(e.server.stats().token_requests.refresh_token, 1);
}

#[tokio::test]
async fn without_total_the_link_header_is_followed_exactly() {
    let e = env(MockConfig {
        projects_per_company: 1_050,
        ..MockConfig::default()
    })
    .await;
    let client = Client::new(&e.opts).unwrap();
    client.client_credentials().await.unwrap();
    let counted: Vec<i64> = project_ids(&client).await;
    e.server.set_link_only(true);
    e.server.set_fault_rate(0.10, Some(11));
    e.server.reset_stats();
    let linked: Vec<i64> = project_ids(&client).await;
    assert_eq!(linked.len(), 1_050);
    assert_eq!(linked, counted);
    // 11 pages of 100, each answered once with a 200 (faulted tries were retried).
    let ok_pages = e
        .server
        .requests()
        .iter()
        .filter(|r| r.path == "/rest/v1.0/projects" && r.status == Some(200))
        .count();
    assert_eq!(ok_pages, 11);
}

/// A list walk dropped half-way (a timeout, Ctrl-C, a cancelled task) lets go of the pages it
/// had in flight at once: their requests give back their slots, so the next call does not
/// wait for answers nobody will read.
#[tokio::test]
async fn a_walk_dropped_half_way_lets_go_of_the_pages_in_flight() {
    let e = env(MockConfig::default()).await;
    let mut opts = e.opts.clone();
    opts.max_concurrency = 2;
    let client = Client::new(&opts).unwrap();
    client.client_credentials().await.unwrap();
    let path = "/rest/v1.0/projects";
    let query = [
        ("company_id".to_string(), e.server.company_id().to_string()),
        ("per_page".to_string(), "10".to_string()),
    ];
    // Page 1 is answered at once; every later page is held back for a minute.
    e.server.delay_next(Duration::ZERO, 1, Some(path.into()));
    e.server
        .delay_next(Duration::from_secs(60), 100, Some(path.into()));
    let asked = || {
        e.server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(path))
            .count()
    };
    let walk = client.walk_pages(path, &query, None, |_, _| async { true });
    let pages_2_and_3_sent = async {
        while asked() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        r = walk => panic!("the walk ended: {r:?}"),
        () = pages_2_and_3_sent => {}
    }
    // Pages 2 and 3 took both slots; dropped with the walk, they are free again.
    let me = tokio::time::timeout(Duration::from_secs(20), client.me()).await;
    assert!(me.expect("a slot was free within 20 s").is_ok());
    assert_eq!(asked(), 3);
}
