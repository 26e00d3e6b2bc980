//! The floor of the bulk-pull benchmark: the same transfer as `client.projects.list()` with
//! no Python at all. It drives the crate's own core client (the code the Python layer wraps),
//! pulls every project of the company, and prints one JSON line:
//! `{"wall_s", "cpu_s", "user_s", "sys_s", "rss_peak_mb", "records", "unique", "checksum"}`.
//!
//! Run by `bench/run.py` (it finds the binary at target/release/examples/bench_floor). Build:
//! `cargo build --release --no-default-features --example bench_floor`.
//!
//! Usage: `bench_floor <per_page> [max_concurrency] [PATH MODE]`, with the server and the credentials in
//! the environment (never on the command line): PROCORE_BENCH_BASE_URL, PROCORE_BENCH_LOGIN_URL,
//! PROCORE_BENCH_CA_CERT (may be empty), PROCORE_BENCH_CLIENT_ID,
//! PROCORE_BENCH_CLIENT_SECRET, PROCORE_BENCH_COMPANY_ID.
//!
//! With `PATH MODE` it pulls another list (a path with its ids filled in, such as
//! `/rest/v1.0/projects/7/rfis`), to show what each layer of a typed list costs per record
//! (`bench/namespaces.py --floor`): `raw` fetches the pages and keeps their bytes (the
//! transfer alone: TLS, HTTP/2, pacing, no JSON read), `records` is the core's pull
//! (`Client::paginate`: every page validated and split into records, the drift check).

use std::collections::HashSet;
use std::os::raw::{c_int, c_long};
use std::time::Instant;

use _procore::core::{Client, ClientOptions, Secret};

/// `struct rusage` (Linux, 64-bit): two timevals then fourteen longs.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: [c_long; 2],
    stime: [c_long; 2],
    _rest: [c_long; 14],
}

extern "C" {
    fn getrusage(who: c_int, usage: *mut Rusage) -> c_int;
}

/// (user seconds, system seconds) of the whole process, every thread.
fn cpu() -> (f64, f64) {
    let mut r = Rusage::default();
    // SAFETY: `r` is a valid, writable `struct rusage`; RUSAGE_SELF is 0.
    let rc = unsafe { getrusage(0, &mut r) };
    assert_eq!(rc, 0, "getrusage failed");
    let secs = |tv: [c_long; 2]| tv[0] as f64 + tv[1] as f64 / 1e6;
    (secs(r.utime), secs(r.stime))
}

/// Peak RSS in MiB: `VmHWM` (`ru_maxrss` survives `execve`: it would be the parent's).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// The order-sensitive checksum `bench/_common.py` computes over the same ids.
fn checksum(ids: &[i64]) -> u64 {
    ids.iter().fold(0u64, |h, id| {
        h.wrapping_mul(1_000_003).wrapping_add(*id as u64)
    })
}

#[tokio::main]
async fn main() {
    let mut argv = std::env::args().skip(1);
    let per_page: u64 = argv.next().map_or(100, |s| s.parse().expect("per_page"));
    let concurrency: i64 = argv
        .next()
        .map_or(8, |s| s.parse().expect("max_concurrency"));
    let ca = env("PROCORE_BENCH_CA_CERT");
    let company: i64 = env("PROCORE_BENCH_COMPANY_ID").parse().expect("company id");
    let opts = ClientOptions {
        client_id: Some(env("PROCORE_BENCH_CLIENT_ID")),
        client_secret: Some(Secret::new(env("PROCORE_BENCH_CLIENT_SECRET"))),
        base_url: Some(env("PROCORE_BENCH_BASE_URL")),
        login_url: Some(env("PROCORE_BENCH_LOGIN_URL")),
        ca_cert: (!ca.is_empty()).then(|| ca.into()),
        company_id: Some(company),
        max_concurrency: concurrency,
        ..ClientOptions::default()
    };
    let client = Client::new(&opts).expect("client options");
    client.client_credentials().await.expect("token");
    let mut filters = vec![("per_page".to_string(), per_page.to_string())];
    // A path's own query (`/rest/v1.0/projects?company_id=1`) joins the filters.
    let path = argv.next().map(|p| match p.split_once('?') {
        Some((path, query)) => {
            filters.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
            path.to_string()
        }
        None => p,
    });
    let mode = argv.next().unwrap_or_default();

    let (u0, s0) = cpu();
    let t0 = Instant::now();
    match (path.as_deref(), mode.as_str()) {
        (None, _) => {
            let projects = client.projects(None, &filters).await.expect("projects");
            let wall = t0.elapsed().as_secs_f64();
            let cpu1 = cpu();
            let ids = projects.iter().map(|p| p.id()).collect();
            report(wall, (u0, s0), cpu1, ids)
        }
        (Some(path), "records") => {
            let records = client
                .paginate(path, &filters, Some(company))
                .await
                .expect("records");
            let wall = t0.elapsed().as_secs_f64();
            let cpu1 = cpu();
            let ids = records.iter().map(|r| id_of(r.get())).collect();
            report(wall, (u0, s0), cpu1, ids)
        }
        (Some(path), "raw") => {
            let bodies = raw_pages(
                &client,
                path,
                &filters,
                concurrency.max(1) as usize,
                company,
            )
            .await;
            let wall = t0.elapsed().as_secs_f64();
            let cpu1 = cpu();
            let mut ids = Vec::new();
            for body in &bodies {
                let page: Vec<Box<serde_json::value::RawValue>> =
                    serde_json::from_slice(body).expect("a JSON list");
                ids.extend(page.iter().map(|r| id_of(r.get())));
            }
            report(wall, (u0, s0), cpu1, ids)
        }
        (Some(_), other) => panic!("mode {other:?}: raw or records"),
    }
}

/// The transfer alone: page 1, its `Total`, then the other pages `concurrency` at a time
/// (as the core's pull), each kept as the bytes received.
async fn raw_pages(
    client: &Client,
    path: &str,
    filters: &[(String, String)],
    concurrency: usize,
    company: i64,
) -> Vec<bytes::Bytes> {
    use futures::StreamExt;
    let url = client.api_url(path).expect("path");
    let per_page: u64 = filters
        .iter()
        .find(|(k, _)| k == "per_page")
        .and_then(|(_, v)| v.parse().ok())
        .expect("per_page");
    let query = |p: u64| {
        let mut q = filters.to_vec();
        q.push(("page".to_string(), p.to_string()));
        q
    };
    let get = |p: u64| {
        let url = url.clone();
        async move {
            client
                .send(reqwest::Method::GET, url, &query(p), None, Some(company))
                .await
                .expect("page")
        }
    };
    let first = get(1).await;
    let total: u64 = first
        .headers
        .get("total")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .expect("a Total header");
    let pages = total.div_ceil(per_page);
    let mut bodies = vec![first.body];
    let rest: Vec<_> = futures::stream::iter(2..=pages)
        .map(get)
        .buffered(concurrency)
        .collect()
        .await;
    bodies.extend(rest.into_iter().map(|r| r.body));
    bodies
}

/// A record's integer `id`.
fn id_of(record: &str) -> i64 {
    #[derive(serde::Deserialize)]
    struct Id {
        id: i64,
    }
    serde_json::from_str::<Id>(record).expect("an id").id
}

/// Prints the result line.
fn report(wall: f64, (u0, s0): (f64, f64), (u1, s1): (f64, f64), ids: Vec<i64>) {
    let rss_mb = peak_rss_mb();
    let unique = ids.iter().collect::<HashSet<_>>().len();
    let out = serde_json::json!({
        "wall_s": wall,
        "cpu_s": (u1 - u0) + (s1 - s0),
        "user_s": u1 - u0,
        "sys_s": s1 - s0,
        "rss_peak_mb": rss_mb,
        "records": ids.len(),
        "unique": unique,
        "checksum": checksum(&ids).to_string(),
    });
    println!("BENCH_RESULT {out}");
}
