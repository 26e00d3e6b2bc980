"""examples/rfis_and_submittals.py runs against the mock and writes the two tables."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from helpers import login

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rfis_and_submittals.py"


def test_rfis_and_submittals_example(fresh_server, tmp_path):
    server = fresh_server
    with server.client() as c:
        login(c, server)
        project_id = c.projects.list(company_id=server.company_id)[0].id
        rfis = c.rfis.list(project_id=project_id)
        submittals = c.submittals.list(project_id=project_id)
    env = {
        "PROCORE_CLIENT_ID": server.client_id,
        "PROCORE_CLIENT_SECRET": server.client_secret,
        "PROCORE_BASE_URL": server.base_url,
        "PROCORE_LOGIN_URL": server.login_url,
        "PROCORE_CA_CERT": server.ca_cert,
        "PROCORE_COMPANY_ID": str(server.company_id),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), str(project_id), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"rfis: {len(rfis)} rows" in out.stdout
    assert f"submittals: {len(submittals)} rows" in out.stdout
    with open(tmp_path / "rfis.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(rfis) > 0
    assert {str(r["id"]) for r in rfis} == {row["id"] for row in rows}
