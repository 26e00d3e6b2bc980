//! Cross-project pulls against the mock Procore server, without Python.
//! Run with `cargo test --no-default-features --test cross_project`.

mod common;

use _procore::core::{Client, Error};
use _procore::mock::MockConfig;
use common::core_env as env;
use serde_json::Value;

async fn logged_in(e: &common::CoreEnv, max_concurrency: Option<i64>) -> Client {
    let mut opts = e.opts.clone();
    if let Some(n) = max_concurrency {
        opts.max_concurrency = n;
    }
    let client = Client::new(&opts).unwrap();
    let code = e
        .server
        .approve(&client.authorization_url(None).unwrap())
        .unwrap();
    client.exchange_code(&code).await.unwrap();
    client
}

/// The project list of the mock's company stands in for a project-scoped list: the mock
/// ignores `project_id` there, so every project's share is that list, whose records carry no
/// `project_id` of their own.
#[tokio::test]
async fn fifty_projects_come_back_in_order_each_record_with_its_project() {
    let e = env(MockConfig {
        projects_per_company: 120,
        ..MockConfig::default()
    })
    .await;
    let client = logged_in(&e, None).await;
    let company = e.server.company_id().to_string();
    let query = vec![
        ("company_id".to_string(), company),
        ("per_page".to_string(), "50".to_string()),
    ];
    let one: Vec<i64> = client
        .paginate("/rest/v1.0/projects", &query, None)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(r.get()).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(one.len(), 120);
    let ids: Vec<i64> = (1..=50).map(|i| 1_000 + i * 7).collect();
    e.server.reset_stats();
    let pulled = client
        .walk_projects("/rest/v1.0/projects", &ids, &query, None)
        .await
        .unwrap();
    assert_eq!(pulled.iter().map(|p| p.project_id).collect::<Vec<_>>(), ids);
    for share in &pulled {
        let records = share.records.as_ref().unwrap();
        let got: Vec<(i64, i64)> = records
            .iter()
            .map(|r| {
                let v: Value = serde_json::from_str(r.get()).unwrap();
                (v["id"].as_i64().unwrap(), v["project_id"].as_i64().unwrap())
            })
            .collect();
        let want: Vec<(i64, i64)> = one.iter().map(|id| (*id, share.project_id)).collect();
        assert_eq!(got, want);
    }
    // Three pages a project, each asked once, each naming its project.
    let requests = e.server.requests();
    assert_eq!(requests.len(), 50 * 3);
    for id in &ids {
        let n = requests
            .iter()
            .filter(|r| r.query.contains(&format!("project_id={id}")))
            .count();
        assert_eq!(n, 3, "project {id}");
    }
}

#[tokio::test]
async fn one_failing_project_keeps_the_others() {
    let e = env(MockConfig::default()).await;
    // One request at a time: the first one asked (project 11's first page) is refused.
    let client = logged_in(&e, Some(1)).await;
    let query = vec![("company_id".to_string(), e.server.company_id().to_string())];
    e.server
        .fail_next(403, 1, Some("/rest/v1.0/projects".into()), None);
    let pulled = client
        .walk_projects("/rest/v1.0/projects", &[11, 12, 13], &query, None)
        .await
        .unwrap();
    match &pulled[0].records {
        Err(Error::Api(a)) => assert_eq!(a.status, 403),
        other => panic!("{other:?}"),
    }
    assert_eq!(pulled[1].records.as_ref().unwrap().len(), 250);
    assert_eq!(pulled[2].records.as_ref().unwrap().len(), 250);
}

#[tokio::test]
async fn bad_project_ids_are_refused_before_sending() {
    let e = env(MockConfig::default()).await;
    let client = logged_in(&e, None).await;
    e.server.reset_stats();
    for ids in [&[][..], &[3, 3][..], &[0][..]] {
        let r = client
            .walk_projects("/rest/v1.0/projects/{project_id}/rfis", ids, &[], None)
            .await;
        assert!(matches!(r, Err(Error::Config(_))), "{ids:?}");
    }
    assert!(e.server.requests().is_empty());
}
