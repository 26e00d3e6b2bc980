"""One measurement in a fresh process: ``python bench/_child.py SCENARIO CONTENDER JSON_ARGS``.

The server and the credentials come from ``PROCORE_BENCH_*`` environment variables. Prints
one line, ``BENCH_RESULT {json}``: wall and CPU time of the measured block, the peak RSS of
this process, and what was received (count, distinct count, order-sensitive checksum of ids).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys

from _common import Measure, Server, checksum

SCENARIOS = ("bulk", "percall", "fanout", "frames")


def main(argv: list) -> int:
    if len(argv) != 3 or argv[0] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        return 2
    scenario, contender, raw_args = argv
    contenders = __import__(scenario).CONTENDERS
    if contender not in contenders:
        print(f"unknown contender {contender!r}; one of {sorted(contenders)}", file=sys.stderr)
        return 2
    fn = contenders[contender]
    srv, args, measure = Server.from_env(), json.loads(raw_args), Measure()
    if inspect.iscoroutinefunction(fn):
        ids = asyncio.run(fn(srv, args, measure))
    else:
        ids = fn(srv, args, measure)
    result = {
        "wall_s": measure.wall_s,
        "cpu_s": measure.cpu_s,
        "user_s": measure.user_s,
        "sys_s": measure.sys_s,
        "rss_start_mb": measure.rss_start_mb,
        "rss_peak_mb": measure.rss_peak_mb,
        "records": len(ids),
        "unique": len(set(ids)),
        "checksum": checksum(ids),
    }
    print("BENCH_RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
