//! The floor of the bulk-pull benchmark: the same transfer as `client.projects.list()` with
//! no Python at all. It drives the crate's own core client (the code the Python layer wraps),
//! pulls every project of the company, and prints one JSON line:
//! `{"wall_s", "cpu_s", "user_s", "sys_s", "rss_peak_mb", "records", "unique", "checksum"}`.
//!
//! Run by `bench/run.py` (it finds the binary at target/release/examples/bench_floor). Build:
//! `cargo build --release --no-default-features --example bench_floor`.
//!
//! Usage: `bench_floor <per_page> [max_concurrency]`, with the server and the credentials in
//! the environment (never on the command line): PROCORE_BENCH_BASE_URL, PROCORE_BENCH_LOGIN_URL,
//! PROCORE_BENCH_CA_CERT (may be empty), PROCORE_BENCH_CLIENT_ID,
//! PROCORE_BENCH_CLIENT_SECRET, PROCORE_BENCH_COMPANY_ID.

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
    let filters = [("per_page".to_string(), per_page.to_string())];

    let (u0, s0) = cpu();
    let t0 = Instant::now();
    let projects = client.projects(None, &filters).await.expect("projects");
    let wall = t0.elapsed().as_secs_f64();
    let (u1, s1) = cpu();
    let rss_mb = peak_rss_mb();

    let ids: Vec<i64> = projects.iter().map(|p| p.id()).collect();
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
