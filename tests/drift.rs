//! Lists that change during a pull, at random, against the mock Procore server: whatever is
//! deleted, created or touched out of the window after whichever pages, every record that
//! stayed in the set comes back exactly once, with the concurrent page fetching on.
//! Run with `cargo test --no-default-features --test drift`.

mod common;

use std::collections::HashSet;

use _procore::core::Client;
use _procore::mock::MockConfig;
use common::core_env as env;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const PROJECTS: &str = "/rest/v1.0/projects";

async fn ids(client: &Client, query: &[(String, String)]) -> Vec<i64> {
    client
        .paginate(PROJECTS, query, None)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(r.get()).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn random_changes_never_lose_or_repeat_a_record_that_stayed() {
    let mut repaired = 0;
    // A server per seed: a change scheduled for a page a pull never reached stays behind.
    for seed in 0..40u64 {
        let e = env(MockConfig {
            companies: 1,
            projects_per_company: 600,
            ..MockConfig::default()
        })
        .await;
        let client = Client::new(&e.opts).unwrap();
        let code = e
            .server
            .approve(&client.authorization_url(None).unwrap())
            .unwrap();
        client.exchange_code(&code).await.unwrap();
        let company = e.server.company_id();
        let mut rng = StdRng::seed_from_u64(seed);
        let per_page = [10u64, 25, 50, 100][rng.random_range(0..4)];
        let mut query = vec![
            ("company_id".to_string(), company.to_string()),
            ("per_page".to_string(), per_page.to_string()),
        ];
        let descending = rng.random_bool(0.3);
        if descending {
            query.push(("sort".into(), "-id".into()));
        }
        let windowed = rng.random_bool(0.4);
        if windowed {
            query.push((
                "filters[updated_at]".into(),
                "2015-01-01...2020-01-01".into(),
            ));
        }
        let before = ids(&client, &query).await;
        let pages = (before.len() as u64).div_ceil(per_page).max(1);
        // Every change of a pull moves `Total` the same way, so no two of them can cancel out
        // between the reads of two pages: a delete matched by a create is the one change
        // offset paging cannot show (see the README).
        let grow = rng.random_bool(0.5);
        for _ in 0..rng.random_range(1..=3) {
            let page = rng.random_range(1..=pages);
            let (delete, create, touch) = if grow {
                let delete = rng.random_range(0..=per_page as usize / 2);
                let touch = if windowed { rng.random_range(0..5) } else { 0 };
                (delete, delete + touch + rng.random_range(1..20), touch)
            } else {
                let touch = if windowed { rng.random_range(0..10) } else { 0 };
                (rng.random_range(1..=per_page as usize), 0, touch)
            };
            e.server
                .change_after_page(Some(company), page, delete, create, touch)
                .unwrap();
        }
        e.server.reset_stats();
        let got = ids(&client, &query).await;
        let asked = e.server.requests().len() as u64;
        let after = ids(&client, &query).await;
        let what = format!(
            "seed {seed}: per_page {per_page}, descending {descending}, windowed {windowed}"
        );
        let unique: HashSet<i64> = got.iter().copied().collect();
        assert_eq!(unique.len(), got.len(), "{what}: a record came back twice");
        let (b, a): (HashSet<i64>, HashSet<i64>) = (
            before.iter().copied().collect(),
            after.iter().copied().collect(),
        );
        let missing: Vec<i64> = b
            .intersection(&a)
            .filter(|id| !unique.contains(id))
            .copied()
            .collect();
        assert!(
            missing.is_empty(),
            "{what}: {} records that stayed are missing",
            missing.len()
        );
        assert!(unique.is_subset(&b.union(&a).copied().collect()), "{what}");
        // Handed over in the list's order.
        let mut sorted = got.clone();
        sorted.sort_unstable();
        if descending {
            sorted.reverse();
        }
        assert_eq!(got, sorted, "{what}");
        if asked > pages {
            repaired += 1;
        }
    }
    // The schedules did shift pages under the pulls, and the pulls re-read to repair them.
    assert!(repaired >= 10, "only {repaired} pulls needed a repair");
}

#[tokio::test]
async fn a_list_that_never_stops_changing_is_an_error_not_a_short_list() {
    let e = env(MockConfig {
        companies: 1,
        projects_per_company: 600,
        ..MockConfig::default()
    })
    .await;
    // One request at a time: each change lands between the reads of two pages.
    let mut opts = e.opts.clone();
    opts.max_concurrency = 1;
    let client = Client::new(&opts).unwrap();
    let code = e
        .server
        .approve(&client.authorization_url(None).unwrap())
        .unwrap();
    client.exchange_code(&code).await.unwrap();
    let company = e.server.company_id();
    for page in 1..=40 {
        e.server
            .change_after_page(Some(company), page, 1, 0, 0)
            .unwrap();
    }
    let query = vec![
        ("company_id".to_string(), company.to_string()),
        ("per_page".to_string(), "10".to_string()),
    ];
    match client.paginate(PROJECTS, &query, None).await {
        Err(_procore::core::Error::Decode(m)) => {
            assert!(m.contains("kept changing"), "{m}")
        }
        other => panic!("{:?}", other.map(|p| p.len())),
    }
}
