//! Property tests over every parser that takes server input (JSON pages, `Link`,
//! `Total`/`Per-Page`, rate-limit headers, `Retry-After`, token answers): whatever the server
//! sends, they return a value or an error, never panic, never plan an unbounded amount of work
//! and never produce a wait that is not a finite, capped duration. Run with the unit tests
//! (`cargo test --no-default-features`), so CI runs them.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::models::decode_page;
use super::pacer::{plausible_reset, wait_for, RateHeaders, RateState};
use super::pagination::{parse_link_header, plan, Plan};
use super::records::{field_raw, field_raw_parsed};
use super::retry::parse_retry_after;
use super::token::Token;

/// Header values as servers send them: printable ASCII, and numbers of every form.
fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("99999999999999999999999999".to_string()),
    ]
}

/// Arbitrary JSON documents, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The skim of a record for one field finds what a full parse finds, compact or spaced;
    /// any text at all gives an answer or `None`, never a panic.
    #[test]
    fn a_field_is_found_as_a_parse_finds_it(
        value in json(),
        extra in "[a-z_]{1,12}",
        text in "[ -~]{0,200}",
    ) {
        let mut record = match value {
            Value::Object(m) => m,
            other => [("v".to_string(), other)].into_iter().collect(),
        };
        record.insert("id".into(), Value::from(7));
        let keys: Vec<String> = record.keys().cloned().chain([extra, "i\\d".into()]).collect();
        let compact = serde_json::to_string(&record).unwrap();
        let spaced = serde_json::to_string_pretty(&record).unwrap();
        for doc in [&compact, &spaced] {
            for key in &keys {
                prop_assert_eq!(
                    field_raw(doc, key).map(|v| v.get()),
                    field_raw_parsed(doc, key).map(|v| v.get())
                );
            }
        }
        // Records are validated before they are skimmed; other text only must not panic.
        let valid = serde_json::from_str::<Value>(&text).is_ok();
        for key in ["id", "a", "\""] {
            let skimmed = field_raw(&text, key).map(|v| v.get());
            if valid {
                prop_assert_eq!(skimmed, field_raw_parsed(&text, key).map(|v| v.get()));
            }
        }
    }

    #[test]
    fn link_headers_never_panic_and_name_only_what_was_sent(text in "[ -~]{0,200}") {
        let rels = parse_link_header(&text);
        for url in [rels.first, rels.prev, rels.next, rels.last].into_iter().flatten() {
            prop_assert!(text.contains(url.as_str()));
        }
    }

    #[test]
    fn plans_are_bounded(
        total in prop::option::of(any::<u64>()),
        per_page in any::<u64>(),
        first_len in 0usize..100_000,
        has_next in any::<bool>(),
    ) {
        match plan(total, per_page, first_len, has_next) {
            Plan::Numbered { pages, per_page: size, total: t } => {
                prop_assert!((2..=100_000).contains(&pages));
                prop_assert!(size > 0 && size as u128 * pages as u128 >= t as u128);
                prop_assert!(t > first_len as u64);
                prop_assert_eq!(Some(t), total);
            }
            Plan::FollowLinks => prop_assert!(has_next),
            Plan::Done => {}
        }
    }

    #[test]
    fn rate_limit_headers_give_finite_capped_waits(
        status in prop_oneof![Just(200u16), Just(429u16), Just(503u16), 100u16..600],
        limit in header_text(),
        remaining in header_text(),
        reset in header_text(),
        retry_after in header_text(),
        steps in 1usize..20,
    ) {
        let mut h = HeaderMap::new();
        for (name, v) in [
            ("x-rate-limit-limit", &limit),
            ("x-rate-limit-remaining", &remaining),
            ("x-rate-limit-reset", &reset),
            ("retry-after", &retry_after),
        ] {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.insert(name, v);
            }
        }
        let now = super::token::now_unix();
        let read = RateHeaders::read(status, &h);
        if let Some(r) = read.reset {
            prop_assert!(r.is_finite() && r >= 0.0 && r - now <= 7200.0);
        }
        if let Some(w) = read.server_wait(now) {
            prop_assert!(w.is_finite() && w >= 0.0);
        }
        let mut state = RateState::default();
        state.observe(&read, now);
        for i in 0..steps {
            let step = state.step(now + i as f64, 16.0, 30.0);
            let secs = match step {
                super::pacer::PaceStep::Go => 0.0,
                super::pacer::PaceStep::WaitThenGo(s) | super::pacer::PaceStep::WaitThenAskAgain(s) => s,
            };
            prop_assert!(wait_for(secs, 30.0) <= Duration::from_secs(30));
        }
    }

    #[test]
    fn resets_and_retry_afters_are_finite(text in header_text()) {
        let now = 1_700_000_000.0;
        if let Some(r) = plausible_reset(&text, now) {
            prop_assert!(r.is_finite() && r >= 0.0 && r - now <= 7200.0);
        }
        if let Some(s) = parse_retry_after(&text, SystemTime::now()) {
            prop_assert!(s.is_finite() && s >= 0.0);
        }
    }

    #[test]
    fn pages_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_page(&bytes);
    }

    #[test]
    fn pages_of_records_keep_every_record(records in prop::collection::vec(json(), 0..20), v2 in any::<bool>()) {
        let list = Value::Array(records.clone());
        let body = if v2 { serde_json::json!({ "data": list }) } else { list };
        let page = decode_page(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(page.len(), records.len());
        // Each record is the very text the server sent for it.
        for (raw, want) in page.iter().zip(&records) {
            prop_assert_eq!(raw.get(), want.to_string());
        }
    }

    #[test]
    fn token_answers_never_panic_and_never_overflow(
        doc in json(),
        access in "[ -~\\r\\n]{0,40}",
        expires_in in prop_oneof![any::<i64>().prop_map(Value::from), any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from), header_text().prop_map(Value::from)],
        created_at in prop_oneof![any::<i64>().prop_map(Value::from), any::<u64>().prop_map(Value::from), header_text().prop_map(Value::from)],
    ) {
        let _ = Token::from_json(&doc);
        let answer = serde_json::json!({
            "access_token": access, "token_type": "bearer",
            "expires_in": expires_in, "created_at": created_at,
        });
        if let Ok(t) = Token::from_json(&answer) {
            prop_assert!(t.access_token.expose().bytes().all(|b| b.is_ascii_graphic()));
            if let Some(at) = t.expires_at() {
                prop_assert!(at >= t.created_at && t.created_at >= 0);
            }
        }
    }
}
