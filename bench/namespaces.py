#!/usr/bin/env python3
"""The cost of a namespace call's checking: a 20,000-record list through the generated
namespace against ``client.paginate`` of the same path, on the mock; and the cost per record
of a typed list: 20,000 RFIs (``client.rfis.list``) against 20,000 projects
(``client.projects.list``).

    python bench/namespaces.py [--records 20000] [--rounds 7] [--only checking|typed]
                               [--floor target/release/examples/bench_floor]

Both calls of the first part fetch the same pages (``GET /rest/v1.0/projects?company_id=…``,
100 per page) and return a ``ResultList`` of records; the namespace call also checks its
arguments against the catalog (in the core) before sending. Prints the median wall time of
each (rounds alternate) and the difference per call.

The second part pulls both lists at 100 per page from one mock, rounds alternating, and prints
the median wall time per record and the records' mean size (an RFI is larger than a project).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import time

import procore
from procore.testing import MockServer


RFIS = "/rest/v1.0/projects/{project_id}/rfis"


def typed(args: argparse.Namespace) -> None:
    """A typed list of RFIs against today's projects list, per record."""
    with MockServer(companies=1, projects_per_company=args.records) as server:
        server.set_rate_limit(1_000_000_000)
        server.set_records(args.records, RFIS)
        project = int(server.example_path(RFIS).split("/")[4])
        with server.client() as client:
            client.client_credentials()
            company = server.company_id
            calls = {
                "projects": lambda: client.projects.list(company_id=company, per_page=100),
                "rfis": lambda: client.rfis.list(project_id=project, per_page=100),
            }
            size = {}
            if args.floor:
                calls.update(_floor_calls(args, server, project))
            for name, call in calls.items():  # warm: the mock builds every page once
                records = call()
                assert len(records) == args.records, (name, len(records))
                if not isinstance(records, _Floor):
                    size[name] = statistics.mean(
                        len(json.dumps(r.to_dict())) for r in records[:1000]
                    )
                del records
            times: dict = {name: [] for name in calls}
            cpu: dict = {name: [] for name in calls}
            for i in range(args.rounds):
                for name in sorted(calls, reverse=i % 2 == 1):
                    gc.collect()
                    c0, t0 = time.process_time(), time.perf_counter()
                    out = calls[name]()
                    wall, used = time.perf_counter() - t0, time.process_time() - c0
                    if isinstance(out, _Floor):  # timed by the floor itself (no process start)
                        wall, used = out.wall, out.cpu
                    times[name].append(wall)
                    cpu[name].append(used)
                    assert len(out) == args.records
    print(
        f"typed lists: {args.records} records each, 100 per page, median of {args.rounds} rounds"
        " (CPU: the whole process, the mock's threads included)"
    )
    per, per_cpu = {}, {}
    for name in calls:
        size.setdefault(name, size["rfis" if "rfis" in name else "projects"])
        t = statistics.median(times[name])
        per[name] = t / args.records
        per_cpu[name] = statistics.median(cpu[name]) / args.records
        print(
            f"  {name:9} {t * 1000:8.1f} ms  {per[name] * 1e6:6.2f} us/record"
            f" [min {min(times[name]) / args.records * 1e6:.2f}]"
            f"  CPU {per_cpu[name] * 1e6:6.2f} us/record"
            f"  ({size[name]:.0f} bytes/record, {per[name] / size[name] * 1e9:.2f} ns/byte)"
        )
    print(
        f"  an RFI costs {per['rfis'] / per['projects']:.2f}x a project"
        f" ({per_cpu['rfis'] / per_cpu['projects']:.2f}x in CPU)"
    )
    for mode in ("raw", "records") if args.floor else ():
        r, p = per[f"rfis-{mode}"], per[f"projects-{mode}"]
        print(f"  floor {mode}: an RFI costs {r / p:.2f}x a project;"
              f" the RFI floor is {r / per['projects']:.2f}x the typed projects list")


class _Floor(list):
    """The ids a floor run pulled, with its own wall and CPU time."""

    wall = cpu = 0.0


def _floor_calls(args: argparse.Namespace, server: MockServer, project: int) -> dict:
    """The same pulls by the Rust floor (bench/floor.rs), layer by layer: `raw` is the
    transfer alone (pages fetched, bytes kept, no JSON read), `records` the core's pull (pages
    validated and split into records, the drift check), no Python. Its CPU time is the floor
    process's: the mock's threads are not in it."""
    env = {
        **os.environ,
        "PROCORE_BENCH_BASE_URL": server.base_url,
        "PROCORE_BENCH_LOGIN_URL": server.login_url,
        "PROCORE_BENCH_CA_CERT": server.ca_cert or "",
        "PROCORE_BENCH_CLIENT_ID": server.client_id,
        "PROCORE_BENCH_CLIENT_SECRET": server.client_secret,
        "PROCORE_BENCH_COMPANY_ID": str(server.company_id),
    }
    paths = {
        "projects": f"/rest/v1.0/projects?company_id={server.company_id}",
        "rfis": RFIS.format(project_id=project),
    }

    def run(path: str, mode: str) -> _Floor:
        cmd = [args.floor, "100", "8", path, mode]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        line = [x for x in proc.stdout.splitlines() if x.startswith("BENCH_RESULT ")]
        if proc.returncode != 0 or not line:
            raise SystemExit(f"floor {path} {mode} failed: {proc.stderr[-2000:]}")
        result = json.loads(line[-1][len("BENCH_RESULT "):])
        out = _Floor(range(result["records"]))
        out.wall, out.cpu = result["wall_s"], result["cpu_s"]
        return out

    return {
        f"{name}-{mode}": (lambda path=path, mode=mode: run(path, mode))
        for name, path in paths.items()
        for mode in ("raw", "records")
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", choices=("checking", "typed"))
    ap.add_argument("--floor", metavar="BIN", help="also run the Rust floor (bench/floor.rs) on "
                    "both lists, transfer alone (raw) and the core's pull (records)")
    args = ap.parse_args()
    if args.only != "typed":
        checking(args)
    if args.only != "checking":
        typed(args)


def checking(args: argparse.Namespace) -> None:
    """The namespace call against client.paginate of the same path."""
    with MockServer(companies=1, projects_per_company=args.records) as server:
        # Thousands of page requests: no pacing by the mock's rate limit.
        server.set_rate_limit(1_000_000_000)
        with server.client() as client:
            client.client_credentials()
            company = server.company_id
            generated = procore._procore._namespace(client, "projects")
            by_path = lambda: client.paginate(  # noqa: E731
                "/rest/v1.0/projects", {"company_id": company, "per_page": 100}, progress=False
            )
            by_namespace = lambda: generated.list(company_id=company, per_page=100)  # noqa: E731
            # Warm, and the same records (the namespace's are typed: compared as sent).
            assert by_path() == [r.to_dict() for r in by_namespace()]
            times = {"paginate": [], "namespace": []}
            for _ in range(args.rounds):
                for name, call in (("paginate", by_path), ("namespace", by_namespace)):
                    t0 = time.perf_counter()
                    n = len(call())
                    times[name].append(time.perf_counter() - t0)
                    assert n == args.records
            t0 = time.perf_counter()
            for _ in range(10_000):
                try:
                    client.rfis.list(project_id=1, filters={"stauts": "open"})
                except procore.ConfigError:
                    pass
            check = (time.perf_counter() - t0) / 10_000
    p, ns = (statistics.median(times[k]) for k in ("paginate", "namespace"))
    print(f"{args.records} records, median of {args.rounds} rounds")
    print(f"client.paginate        {p * 1000:8.1f} ms  {p / args.records * 1e6:6.2f} us/record")
    print(f"namespace .list()      {ns * 1000:8.1f} ms  {ns / args.records * 1e6:6.2f} us/record")
    print(f"difference             {(ns - p) * 1000:+8.1f} ms  ({(ns / p - 1) * 100:+.1f} %)")
    print(f"one refused call (checking alone, nothing sent): {check * 1e6:.1f} us")


if __name__ == "__main__":
    main()
