"""The README's runnable blocks and the example scripts run as tests (the notebook: see
test_notebook.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import login

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FIRST_CALL = ROOT / "examples" / "first_call.py"

# A long run of token-like characters: what a printed token would look like.
TOKENISH = re.compile(r"[A-Za-z0-9_\-]{32,}")


def printed_tokens(out: str) -> bool:
    """Whether output holds a token-like string (the authorization URL's lines aside: they
    carry the public client id)."""
    kept = [line for line in out.splitlines() if "/oauth/authorize?" not in line]
    return bool(TOKENISH.search("\n".join(kept)))


def python_blocks(text: str):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def mock_blocks():
    """README blocks that run against the mock (the others need a Procore account)."""
    return [b for b in python_blocks(README.read_text()) if "MockServer" in b]


def child_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def test_readme_has_the_three_steps_for_procore_and_for_the_mock():
    blocks = python_blocks(README.read_text())
    procore_blocks = [b for b in blocks if "input(" in b and "exchange_code" in b]
    assert procore_blocks, "a quickstart against Procore"
    assert len(mock_blocks()) >= 2, "a quickstart against the mock, sync and async"
    assert any("AsyncClient" in b or "async_client" in b for b in mock_blocks())
    for step in ("authorization_url()", "exchange_code(", ".me()", "companies.list()", "projects.list("):
        assert all(step in b for b in procore_blocks + mock_blocks()[:1]), step


def test_readme_names_the_test_command_that_ci_runs():
    text = README.read_text()
    assert "make test" in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("index", range(len(mock_blocks())))
def test_readme_mock_block_runs(index):
    block = mock_blocks()[index]
    proc = subprocess.run(
        [sys.executable, "-c", block],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=50,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not printed_tokens(proc.stdout)


def test_first_call_example_runs_against_the_mock_without_a_client_id():
    proc = subprocess.run(
        [sys.executable, str(FIRST_CALL)],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=50,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "mock" in out.lower()
    assert "/oauth/authorize?" in out
    assert "1234567" in out and "joe.builder@acme.com" in out and "Joe Builder" in out
    assert re.search(r"\b\d+ projects\b", out)
    assert not printed_tokens(out), "no token-like string is printed"


def test_first_call_example_prompts_for_the_code_when_a_client_id_is_set(fresh_server):
    """The Procore branch, pointed at the mock: it prints the URL, reads the code with input()."""
    server = fresh_server
    env = child_env(
        PROCORE_CLIENT_ID=server.client_id,
        PROCORE_CLIENT_SECRET=server.client_secret,
        PROCORE_BASE_URL=server.base_url,
        PROCORE_LOGIN_URL=server.login_url,
        PROCORE_CA_CERT=server.ca_cert,
        PROCORE_COMPANY_ID=str(server.company_ids[1]),
    )
    proc = subprocess.Popen(
        [sys.executable, str(FIRST_CALL)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        url = None
        for line in proc.stdout:
            seen.append(line)
            found = re.search(r"https://\S+/oauth/authorize\?\S+", line)
            if found:
                url = found.group(0)
                break
        assert url, "".join(seen)
        code = server.approve(url)
        out, err = proc.communicate(code + "\n", timeout=50)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out = "".join(seen) + out
    assert proc.returncode == 0, err[-3000:].replace(server.client_secret, "[secret]")
    assert "Joe Builder" in out
    assert f"company {server.company_ids[1]}" in out
    assert server.client_secret not in out and server.client_secret not in err
    assert not printed_tokens(out)
    assert server.stats()["token_requests"]["authorization_code"] == 1


# ---------------------------------------------------------------------------------------------
# examples/export_projects_to_csv.py

EXPORT = ROOT / "examples" / "export_projects_to_csv.py"


def export_env(server, **extra: str) -> dict:
    settings = dict(
        PROCORE_CLIENT_ID=server.client_id,
        PROCORE_CLIENT_SECRET=server.client_secret,
        PROCORE_BASE_URL=server.base_url,
        PROCORE_LOGIN_URL=server.login_url,
        PROCORE_CA_CERT=server.ca_cert,
        PROCORE_COMPANY_ID=str(server.company_ids[1]),
    )
    settings.update(extra)
    return child_env(**settings)


def run_export(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXPORT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
        stdin=subprocess.DEVNULL,
    )


def test_export_script_writes_every_project_once(fresh_server, tmp_path):
    import csv

    server = fresh_server
    server.set_projects(server.company_ids[1], 730)
    with server.client(company_id=server.company_ids[1]) as c:
        c.client_credentials()
        expected = [p.id for p in c.projects.list()]
    grants_before = server.stats()["token_requests"]["client_credentials"]
    out = tmp_path / "projects.csv"
    proc = run_export(export_env(server), str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == f"wrote 730 projects to {out}"
    assert proc.stderr == "", "no progress bar when not run in a terminal"
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [int(r["id"]) for r in rows]
    assert ids == expected and len(set(ids)) == 730, "every project exactly once, in order"
    assert {r["company.id"] for r in rows} == {str(server.company_ids[1])}
    assert rows[0]["created_at"].startswith("2016-") and rows[0]["created_at"].endswith("+00:00")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projects.csv"], "no temp file left"
    assert server.stats()["token_requests"]["client_credentials"] == grants_before + 1
    assert server.client_secret not in proc.stdout + proc.stderr
    assert not printed_tokens(proc.stdout + proc.stderr)


def test_export_script_uses_and_keeps_a_token_store(fresh_server, tmp_path):
    server = fresh_server
    store = tmp_path / "token.json"
    with server.client(token_store=str(store)) as c:
        login(c, server)
    out = tmp_path / "p.csv"
    proc = run_export(export_env(server, PROCORE_TOKEN_STORE=str(store)), str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "wrote 250 projects" in proc.stdout
    assert server.stats()["token_requests"]["client_credentials"] == 0


def test_export_script_fails_cleanly_and_keeps_the_previous_file(fresh_server, tmp_path):
    server = fresh_server
    out = tmp_path / "projects.csv"
    out.write_text("previous export\n")
    server.fail_next(403, count=1, path="/rest/v1.0/projects")
    proc = run_export(export_env(server), str(out))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: PermissionDeniedError:"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projects.csv"]

    missing_dir = tmp_path / "nowhere" / "p.csv"
    proc = run_export(export_env(server), str(missing_dir))
    assert proc.returncode == 1 and proc.stderr.startswith(f"error: cannot write {missing_dir}")


def test_export_script_usage_and_configuration_errors(fresh_server, tmp_path):
    server = fresh_server
    proc = run_export(export_env(server))
    assert proc.returncode == 2 and proc.stderr.startswith("usage:")
    env = export_env(server)
    del env["PROCORE_COMPANY_ID"]
    proc = run_export(env, str(tmp_path / "p.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: set PROCORE_COMPANY_ID in the environment"
    proc = run_export(export_env(server, PROCORE_COMPANY_ID="acme"), str(tmp_path / "p.csv"))
    assert proc.returncode == 2 and "company_id" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "p.csv").exists()
    assert server.stats()["api_requests"] == 0
