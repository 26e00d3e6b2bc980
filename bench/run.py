"""procore against its peers: ``python bench/run.py`` (``--help`` for the options).

Starts a mock Procore server (or uses the one named by ``--base-url`` and friends), then, for
several rounds, runs every contender of every scenario in a fresh child process (the order
rotates each round), checks that all of them received exactly the same records, and prints
medians, ratios against the best peer and the targets. Writes everything to a JSON file.

Scenarios (see bulk.py, percall.py, fanout.py):
  bulk     every project of a company at per_page=100, decoded: procore (sync and async),
           requests (Link rel=next, page by page), httpx.AsyncClient and aiohttp (page 1,
           then pages 2..N concurrently), and the Rust floor (bench/floor.rs) when built
  percall  sequential GET /me: procore.Client.me(), requests.Session, httpx.Client
  fanout   concurrent GET /me with asyncio.gather: procore.AsyncClient.me(), aiohttp
  frames   the bulk pull into DataFrames: procore's list call with to_pandas(), to_polars(),
           to_arrow(), and paginate() / to_dict() to dicts, against aiohttp followed by
           pandas.json_normalize / polars.json_normalize, and aiohttp alone

It installs nothing: requests, httpx and aiohttp must be installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import Server  # noqa: E402

PEERS = ("requests", "httpx", "aiohttp")
SCENARIOS: Dict[str, Tuple[str, ...]] = {
    "bulk": ("procore-sync", "procore-async", "requests", "httpx-async", "aiohttp"),
    "percall": ("procore-sync", "requests", "httpx"),
    "fanout": ("procore-async", "aiohttp"),
    "frames": ("procore-pandas", "aiohttp-pandas", "procore-polars", "aiohttp-polars",
               "procore-arrow", "procore-as-arrow", "procore-list", "procore-paginate",
               "procore-to-dict", "aiohttp"),
}
FLOOR = "floor (Rust)"
METRICS = ("wall_s", "cpu_s", "rss_peak_mb")
IMPORT_TARGET_MS = 50.0

# (label, scenario, contender, peers (best of them per metric), metric, target ratio or None)
CHECKS: List[Tuple[str, str, str, Tuple[str, ...], str, Optional[float]]] = [
    ("bulk async wall", "bulk", "procore-async", ("httpx-async", "aiohttp"), "wall_s", 0.35),
    ("bulk async CPU", "bulk", "procore-async", ("httpx-async", "aiohttp"), "cpu_s", 0.5),
    ("bulk async peak RSS", "bulk", "procore-async", ("requests", "httpx-async", "aiohttp"),
     "rss_peak_mb", 1.0),
    ("bulk sync wall", "bulk", "procore-sync", ("requests",), "wall_s", 0.2),
    ("bulk sync CPU", "bulk", "procore-sync", ("requests",), "cpu_s", None),
    ("bulk sync peak RSS", "bulk", "procore-sync", ("requests", "httpx-async", "aiohttp"),
     "rss_peak_mb", 1.0),
    ("per-call wall", "percall", "procore-sync", ("requests", "httpx"), "wall_s", 0.5),
    ("per-call CPU", "percall", "procore-sync", ("requests", "httpx"), "cpu_s", None),
    ("fan-out wall", "fanout", "procore-async", ("aiohttp",), "wall_s", None),
    ("fan-out CPU", "fanout", "procore-async", ("aiohttp",), "cpu_s", None),
    ("fan-out peak RSS", "fanout", "procore-async", ("aiohttp",), "rss_peak_mb", None),
    ("frames pandas wall", "frames", "procore-pandas", ("aiohttp-pandas",), "wall_s", 0.25),
    ("frames pandas peak RSS", "frames", "procore-pandas", ("aiohttp-pandas",), "rss_peak_mb",
     1.0),
    ("frames polars wall", "frames", "procore-polars", ("aiohttp-polars",), "wall_s", 0.2),
    ("frames to_arrow wall vs list", "frames", "procore-arrow", ("procore-list",), "wall_s", 1.5),
    ("frames as_arrow wall vs list", "frames", "procore-as-arrow", ("procore-list",), "wall_s",
     1.5),
    ("frames paginate wall", "frames", "procore-paginate", ("aiohttp",), "wall_s", 0.35),
    ("frames list+to_dict wall", "frames", "procore-to-dict", ("aiohttp",), "wall_s", 0.5),
    ("bulk async wall vs floor", "bulk", "procore-async", (FLOOR,), "wall_s", None),
    ("bulk async CPU vs floor", "bulk", "procore-async", (FLOOR,), "cpu_s", None),
    ("bulk sync wall vs floor", "bulk", "procore-sync", (FLOOR,), "wall_s", None),
    ("bulk sync CPU vs floor", "bulk", "procore-sync", (FLOOR,), "cpu_s", None),
]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rounds", type=int, help="rounds of every contender (default 5; 1 with --tiny)")
    p.add_argument("--tiny", action="store_true",
                   help="small sizes, one round: checks the harness works, not the speed (CI)")
    p.add_argument("--projects", type=int, help="projects the mock serves (default 20000; 500 tiny)")
    p.add_argument("--per-page", type=int, default=100)
    p.add_argument("--calls", type=int, help="sequential GET /me per-call (default 1000; 20 tiny)")
    p.add_argument("--fanout", type=int, help="concurrent GET /me fan-out (default 500; 20 tiny)")
    p.add_argument("--concurrency", type=int, default=8,
                   help="requests in flight: procore's max_concurrency and the peers' limit (8)")
    p.add_argument("--import-samples", type=int,
                   help="fresh interpreters for the import time (default 15; 3 tiny)")
    p.add_argument("--scenarios", default="bulk,percall,fanout,frames",
                   help="comma-separated subset")
    p.add_argument("--out", default=str(HERE / "results" / "latest.json"), help="JSON results")
    p.add_argument("--floor-bin", default=str(ROOT / "target" / "release" / "examples" / "bench_floor"),
                   help="the Rust floor binary (cargo build --release --no-default-features "
                        "--example bench_floor)")
    g = p.add_argument_group("another server instead of the mock (all of them together)")
    g.add_argument("--base-url")
    g.add_argument("--login-url")
    g.add_argument("--ca-cert", help="PEM of an extra trusted root (omit for a public CA)")
    g.add_argument("--client-id", default=os.environ.get("PROCORE_CLIENT_ID"),
                   help="default: $PROCORE_CLIENT_ID")
    g.add_argument("--client-secret", default=os.environ.get("PROCORE_CLIENT_SECRET"),
                   help="default: $PROCORE_CLIENT_SECRET (prefer it: argv is visible to others)")
    g.add_argument("--company-id", type=int)
    a = p.parse_args(argv)
    tiny = a.tiny
    for name, full, small in (("rounds", 5, 1), ("projects", 20_000, 500), ("calls", 1000, 20),
                              ("fanout", 500, 20), ("import_samples", 15, 3)):
        if getattr(a, name) is None:
            setattr(a, name, small if tiny else full)
    a.scenarios = [s.strip() for s in a.scenarios.split(",") if s.strip()]
    unknown = set(a.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    for name in ("rounds", "projects", "per_page", "calls", "fanout", "concurrency", "import_samples"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.base_url:
        needed = ("login_url", "client_id", "client_secret", "company_id")
        missing = [n for n in needed if not getattr(a, n)]
        if missing:
            p.error("--base-url also needs " + ", ".join("--" + n.replace("_", "-") for n in missing))
    return a


# ----- children ---------------------------------------------------------------------------


class Runner:
    """Spawns one fresh process per measurement and collects its ``BENCH_RESULT`` line."""

    def __init__(self, server: Server, mock: Any = None) -> None:
        self.server = server
        self.mock = mock
        self.env = {**os.environ, **server.to_env()}

    def child(self, scenario: str, contender: str, args: Dict[str, Any]) -> Dict[str, Any]:
        cmd = [sys.executable, str(HERE / "_child.py"), scenario, contender, json.dumps(args)]
        return self._run(cmd, f"{scenario}/{contender}")

    def floor(self, binary: str, args: Dict[str, Any]) -> Dict[str, Any]:
        cmd = [binary, str(args["per_page"]), str(args["concurrency"])]
        return self._run(cmd, "bulk/floor")

    def _run(self, cmd: List[str], what: str) -> Dict[str, Any]:
        if self.mock is not None:
            self.mock.reset_stats()
        # The mock serves from this process's threads: our CPU time while the child runs is
        # (nearly all) the server's. On a small machine the server competes for the cores.
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=1800)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        lines = [x for x in proc.stdout.splitlines() if x.startswith("BENCH_RESULT ")]
        if proc.returncode != 0 or not lines:
            tail = self._scrub((proc.stderr or proc.stdout)[-3000:])
            raise BenchError(f"{what} failed (exit {proc.returncode}):\n{tail}")
        result = json.loads(lines[-1][len("BENCH_RESULT "):])
        if self.mock is not None:
            result["mock_cpu_s"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            counts = self.mock.stats().get("status_counts", {})
            result["server_status_counts"] = counts
            # Retried 429s or 5xx would make the comparison unfair: the report flags them.
            result["non_2xx"] = sum(n for code, n in counts.items() if not str(code).startswith("2"))
            versions: Dict[str, int] = {}
            for r in self.mock.requests():
                if r.get("host") == "api":
                    versions[r["http_version"]] = versions.get(r["http_version"], 0) + 1
            result["http_versions"] = versions
        return result

    def _scrub(self, text: str) -> str:
        return text.replace(self.server.client_secret, "[redacted]")


def warm_up(server: Server, per_page: int) -> None:
    """One unmeasured pull of every page before the rounds. The mock serialises a list page
    the first time it is asked for and serves the same bytes afterwards: without this, the
    first contender of the first round would pay for building every page."""
    import procore

    with procore.Client(client_id=server.client_id, client_secret=server.client_secret,
                        base_url=server.base_url, login_url=server.login_url,
                        ca_cert=server.ca_cert, company_id=server.company_id) as client:
        client.client_credentials()
        client.projects.list(per_page=per_page)


def measure_import(samples: int) -> Dict[str, Any]:
    """``import procore`` in fresh interpreters: median wall time of ``python -c "import
    procore"`` minus the median of ``python -c pass``, alternated. Bytecode is cached in a
    temporary PYTHONPYCACHEPREFIX (as an installed wheel has its .pyc), warmed up first."""
    cache = tempfile.mkdtemp(prefix="procore-bench-pyc-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache

    def once(*args: str) -> Tuple[float, float, str]:
        """Wall and CPU seconds of one fresh interpreter, and its stderr."""
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                           check=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        return wall, cpu, p.stderr

    try:
        once("-c", "import procore")  # warm the bytecode cache and the page cache
        base, full, self_reported = [], [], []
        for _ in range(samples):
            base.append(once("-c", "pass"))
            full.append(once("-c", "import procore"))
            err = once("-X", "importtime", "-c", "import procore")[2]
            for line in err.splitlines():
                parts = [s.strip() for s in line.split("|")]
                if len(parts) == 3 and parts[2] == "procore":
                    self_reported.append(int(parts[1]) / 1000)
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    def cost_ms(i: int) -> float:
        return (statistics.median(x[i] for x in full) - statistics.median(x[i] for x in base)) * 1000

    median_ms = cost_ms(0)
    return {
        "method": "median wall of fresh `python -c \"import procore\"` minus median of "
                  "`python -c pass` (alternated); the same in CPU time, and -X importtime's "
                  "cumulative figure, as cross-checks",
        "samples": samples,
        "median_ms": median_ms,
        "cpu_median_ms": cost_ms(1),
        "python_c_import_ms": [x[0] * 1000 for x in full],
        "python_c_pass_ms": [x[0] * 1000 for x in base],
        "importtime_cumulative_ms": statistics.median(self_reported) if self_reported else None,
        "target_ms": IMPORT_TARGET_MS,
        "pass": median_ms <= IMPORT_TARGET_MS,
    }


# ----- checks and summaries -----------------------------------------------------------------


class BenchError(RuntimeError):
    """A measurement failed or the contenders did not do the same work."""


def verify(scenario: str, results: Dict[str, List[Dict[str, Any]]], expected: Optional[int]) -> Dict[str, Any]:
    """Every sample of every contender received the same ids in the same order."""
    def got(s: Dict[str, Any]) -> Tuple[int, int, str]:
        return s["records"], s["unique"], s["checksum"]

    seen = {got(s) for samples in results.values() for s in samples}
    if len(seen) != 1:
        raise BenchError(f"{scenario}: the contenders received different records: " + "; ".join(
            f"{c}: {sorted({got(s) for s in ss})}" for c, ss in results.items()))
    records, unique, check = seen.pop()
    if scenario in ("bulk", "frames") and records != unique:
        raise BenchError(f"{scenario}: {records} records but only {unique} distinct ids")
    if scenario in ("percall", "fanout") and unique != 1:
        raise BenchError(f"{scenario}: /me answered {unique} different user ids")
    if expected is not None and records != expected:
        raise BenchError(f"{scenario}: {records} records, expected {expected}")
    return {"records": records, "unique": unique, "checksum": check}


def median_of(samples: List[Dict[str, Any]]) -> Dict[str, float]:
    return {m: statistics.median(s[m] for s in samples) for m in METRICS}


def ratios(summary: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = []
    for label, scenario, mine, peers, metric, target in CHECKS:
        contenders = summary.get(scenario, {}).get("contenders", {})
        have = [p for p in peers if p in contenders]
        if mine not in contenders or not have:
            continue
        best = min(have, key=lambda p: contenders[p]["median"][metric])
        ours, theirs = contenders[mine]["median"][metric], contenders[best]["median"][metric]
        ratio = ours / theirs if theirs > 0 else float("inf")
        rows.append({
            "check": label, "metric": metric, "procore": mine, "procore_value": ours,
            "peer": best, "peer_value": theirs, "ratio": ratio, "target": target,
            "pass": None if target is None else ratio <= target,
        })
    return rows


def build_kind() -> str:
    """``debug`` when the installed extension carries DWARF (.debug_info), else ``optimised``
    (cargo's release profile, or one inheriting from it)."""
    spec = importlib.util.find_spec("procore._procore")
    if spec is None or not spec.origin:
        return "unknown"
    try:
        with open(spec.origin, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:
                return "unknown"
            e = "<" if head[5] == 1 else ">"
            (shoff,) = struct.unpack_from(e + "Q", head, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", head, 0x3A)
            f.seek(shoff + shstrndx * shentsize + 0x18)
            names_off, names_size = struct.unpack(e + "QQ", f.read(16))
            f.seek(names_off)
            names = f.read(names_size)
    except (OSError, struct.error):
        return "unknown"
    return "debug" if b".debug_info\0" in names else "optimised"


# ----- output -----------------------------------------------------------------------------


def table(rows: List[List[str]], right: Sequence[int] = ()) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def report(data: Dict[str, Any]) -> str:
    meta = data["meta"]
    lines = [
        f"procore {meta['procore_version']} ({meta['procore_build']} build), Python "
        f"{meta['python']}, {meta['cpus']} CPUs, load {meta['loadavg_start']} -> {meta['loadavg_end']}",
        f"server: {meta['server']}; {meta['rounds']} round(s), medians; projects={meta['projects']} "
        f"per_page={meta['per_page']} calls={meta['calls']} fanout={meta['fanout']} "
        f"concurrency={meta['concurrency']}",
        "",
    ]
    rows = [["scenario", "contender", "wall s", "wall min..max", "CPU s", "peak RSS MB",
             "records", "HTTP", "mock CPU s"]]
    for scenario, s in data["scenarios"].items():
        for name, c in s["contenders"].items():
            walls = [x["wall_s"] for x in c["samples"]]
            versions = sorted({v for x in c["samples"] for v in x.get("http_versions", {})})
            mock_cpu = [x["mock_cpu_s"] for x in c["samples"] if "mock_cpu_s" in x]
            rows.append([
                scenario, name, f"{c['median']['wall_s']:.3f}",
                f"{min(walls):.3f}..{max(walls):.3f}", f"{c['median']['cpu_s']:.3f}",
                f"{c['median']['rss_peak_mb']:.1f}", str(s["verified"]["records"]),
                ",".join(versions) or "-",
                f"{statistics.median(mock_cpu):.3f}" if mock_cpu else "-",
            ])
    lines += [table(rows, right=(2, 4, 5, 6, 8)), ""]
    faulted = sorted({f"{sc}/{name}" for sc, s in data["scenarios"].items()
                      for name, c in s["contenders"].items()
                      if any(x.get("non_2xx") for x in c["samples"])})
    if faulted:
        lines += [f"warning: the server answered non-2xx (retried) to {', '.join(faulted)}", ""]
    if data["floor"] != "ran":
        lines += [f"floor: {data['floor']}", ""]
    rows = [["check", "procore", "best peer (or cross-check)", "ratio", "target", "result"]]
    unit = {"wall_s": "s", "cpu_s": "s", "rss_peak_mb": "MB"}
    for r in data["ratios"]:
        u = unit[r["metric"]]
        fmt = "{:.1f}" if u == "MB" else "{:.3f}"
        rows.append([
            r["check"], f"{fmt.format(r['procore_value'])} {u}",
            f"{fmt.format(r['peer_value'])} {u} ({r['peer']})", f"{r['ratio']:.2f}",
            "-" if r["target"] is None else f"<= {r['target']:g}",
            "-" if r["pass"] is None else ("pass" if r["pass"] else "MISS"),
        ])
    imp = data.get("import")
    if imp:
        cross = imp["importtime_cumulative_ms"]
        rows.append([
            "import procore (wall)", f"{imp['median_ms']:.1f} ms",
            f"CPU {imp['cpu_median_ms']:.1f} ms, -X importtime "
            + (f"{cross:.1f} ms" if cross is not None else "?"), "-",
            f"<= {imp['target_ms']:g} ms", "pass" if imp["pass"] else "MISS",
        ])
    lines.append(table(rows, right=(3,)))
    return "\n".join(lines)


# ----- main -------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return run(parse_args(argv))
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1


def run(a: argparse.Namespace) -> int:
    missing = [m for m in PEERS if importlib.util.find_spec(m) is None]
    if missing:
        print(f"missing peers: {', '.join(missing)}. This harness installs nothing; run "
              f"`pip install requests httpx aiohttp` first.", file=sys.stderr)
        return 2
    import procore

    mock = None
    if a.base_url:
        server = Server(a.base_url.rstrip("/"), a.login_url.rstrip("/"), a.ca_cert, a.client_id,
                        a.client_secret, a.company_id)
        expected, where = None, a.base_url
    else:
        from procore.testing import MockServer

        mock = MockServer(companies=1, projects_per_company=a.projects,
                          max_per_page=max(300, a.per_page))
        server = Server(mock.base_url, mock.login_url, mock.ca_cert, mock.client_id,
                        mock.client_secret, mock.company_id)
        expected, where = a.projects, f"procore.testing.MockServer ({mock.base_url})"
        # Each measurement gets its own token, and the mock allows 3600 requests per token
        # per hour, like Procore: the default sizes stay far below the 25% mark where procore
        # starts pacing. Only sizes that would cross it get a larger allowance.
        most = max(a.calls, a.fanout, -(-a.projects // a.per_page)) + 1
        if most > 2600:
            mock.set_rate_limit(4 * most, 3600)
    floor_bin = a.floor_bin if os.access(a.floor_bin, os.X_OK) else None
    data: Dict[str, Any] = {
        "meta": {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "procore_version": procore.__version__,
            "procore_build": build_kind(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_start": round(os.getloadavg()[0], 2),
            "server": where,
            "rounds": a.rounds, "tiny": a.tiny, "projects": expected, "per_page": a.per_page,
            "calls": a.calls, "fanout": a.fanout, "concurrency": a.concurrency,
            "floor_bin": floor_bin,
            "warm_up": "one unmeasured pull of every page before the rounds" if mock else None,
            "fairness": (
                f"every contender: a fresh process, its own client-credentials token fetched "
                f"before the clock starts, the same headers; at most {a.concurrency} requests "
                f"in flight for procore (max_concurrency) and the async peers (connection "
                f"limit, plus a semaphore in bulk); requests and httpx (sync) one at a time"
            ),
        },
        "floor": "ran" if floor_bin else f"not built ({a.floor_bin} is missing; build it with "
                 "`cargo build --release --no-default-features --example bench_floor`)",
    }
    try:
        runner = Runner(server, mock)
        log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
        if mock is not None:
            log("warm-up: one unmeasured pull of every page ...")
            warm_up(server, a.per_page)
        log(f"import time: {a.import_samples} fresh interpreters ...")
        data["import"] = measure_import(a.import_samples)
        args = {
            "bulk": {"per_page": a.per_page, "concurrency": a.concurrency},
            "percall": {"count": a.calls},
            "fanout": {"count": a.fanout, "concurrency": a.concurrency},
            "frames": {"per_page": a.per_page, "concurrency": a.concurrency},
        }
        results: Dict[str, Dict[str, List[Dict[str, Any]]]] = {
            s: {c: [] for c in SCENARIOS[s] + ((FLOOR,) if s == "bulk" and floor_bin else ())}
            for s in a.scenarios
        }
        for rnd in range(a.rounds):
            for scenario in a.scenarios:
                names = list(results[scenario])
                k = rnd % len(names)
                for name in names[k:] + names[:k]:  # rotate: nobody always goes first
                    if name == FLOOR:
                        r = runner.floor(floor_bin, args[scenario])
                    else:
                        r = runner.child(scenario, name, args[scenario])
                    results[scenario][name].append(r)
                    log(f"[round {rnd + 1}/{a.rounds}] {scenario:8} {name:14} "
                        f"wall {r['wall_s']:.3f} s  cpu {r['cpu_s']:.3f} s  "
                        f"rss {r['rss_peak_mb']:.1f} MB")
        want = {"bulk": expected, "percall": a.calls, "fanout": a.fanout, "frames": expected}
        data["scenarios"] = {
            s: {
                "args": args[s],
                "verified": verify(s, results[s], want[s]),
                "contenders": {c: {"median": median_of(v), "samples": v} for c, v in results[s].items()},
            }
            for s in a.scenarios
        }
    finally:
        if mock is not None:
            mock.close()
    data["meta"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    data["ratios"] = ratios(data["scenarios"])
    print(report(data))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
