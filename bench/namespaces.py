#!/usr/bin/env python3
"""The cost of a namespace call's checking: a 20,000-record list through the generated
namespace against ``client.paginate`` of the same path, on the mock.

    python bench/namespaces.py [--records 20000] [--rounds 7]

Both calls fetch the same pages (``GET /rest/v1.0/projects?company_id=…``, 100 per page) and
return a ``ResultList`` of dicts; the namespace call also checks its arguments against the
catalog (in the core) before sending. Prints the median wall time of each (rounds alternate)
and the difference per call.
"""

from __future__ import annotations

import argparse
import statistics
import time

import procore
from procore.testing import MockServer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
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
