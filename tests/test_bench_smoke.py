"""The benchmark harness runs end to end (``bench/run.py --tiny``) and writes sane results.

No speed is asserted here: this only keeps the harness from rotting. It needs the peers
(requests, httpx, aiohttp) installed; CI installs them, and a missing one fails the test.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"

CONTENDERS = {
    "bulk": {"procore-sync", "procore-async", "requests", "httpx-async", "aiohttp"},
    "percall": {"procore-sync", "requests", "httpx"},
    "fanout": {"procore-async", "aiohttp"},
    "frames": {
        "procore-pandas", "aiohttp-pandas", "procore-polars", "aiohttp-polars", "procore-arrow",
        "procore-as-arrow", "procore-list", "procore-paginate", "procore-to-dict", "aiohttp",
    },
}
# --tiny sizes
RECORDS = {"bulk": 500, "percall": 20, "fanout": 20, "frames": 500}
CHECKS = {
    "bulk async wall", "bulk async CPU", "bulk async peak RSS", "bulk sync wall",
    "bulk sync peak RSS", "per-call wall", "fan-out wall", "frames pandas wall",
    "frames polars wall", "frames to_arrow wall vs list", "frames as_arrow wall vs list",
    "frames paginate wall", "frames list+to_dict wall", "frames pandas peak RSS",
}
# The mock's credentials are 64 hex digits: nothing that long may be printed.
HEXISH = re.compile(r"[0-9a-fA-F]{32,}")


def positive(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


@pytest.mark.timeout(900)
def test_tiny_run_writes_every_contender_and_metric(tmp_path: Path) -> None:
    missing = [m for m in ("requests", "httpx", "aiohttp") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(
            f"the benchmark smoke test needs {', '.join(missing)}: "
            "pip install requests httpx aiohttp"
        )
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--tiny", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=880,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert not HEXISH.search(proc.stdout + proc.stderr), "a secret-like value was printed"
    assert not HEXISH.search(out.read_text()), "a secret-like value was written"
    assert "import procore" in proc.stdout and "per-call wall" in proc.stdout

    data = json.loads(out.read_text())
    assert data["meta"]["tiny"] is True and data["meta"]["rounds"] == 1
    assert set(data["scenarios"]) == set(CONTENDERS)
    floor = data["floor"] == "ran"
    assert floor or data["floor"].startswith("not built")
    for scenario, names in CONTENDERS.items():
        s = data["scenarios"][scenario]
        expected_names = names | ({"floor (Rust)"} if floor and scenario == "bulk" else set())
        assert set(s["contenders"]) == expected_names
        assert s["verified"]["records"] == RECORDS[scenario]
        for name, c in s["contenders"].items():
            assert len(c["samples"]) == 1, name
            for metric in ("wall_s", "cpu_s", "rss_peak_mb"):
                assert positive(c["median"][metric]), (scenario, name, metric, c["median"])
            for sample in c["samples"]:
                assert sample["records"] == RECORDS[scenario], (scenario, name)
                assert sample["checksum"] == s["verified"]["checksum"], (scenario, name)

    checks = {r["check"]: r for r in data["ratios"]}
    assert CHECKS <= set(checks)
    for r in checks.values():
        assert positive(r["ratio"]) and positive(r["procore_value"]) and positive(r["peer_value"])
        assert r["pass"] in (True, False, None)
    imp = data["import"]
    assert isinstance(imp["median_ms"], float) and math.isfinite(imp["median_ms"])
    assert imp["samples"] == 3 and len(imp["python_c_import_ms"]) == 3
