"""The `procore` command, run as a subprocess against the real mock server.

Each test gives the command a config folder of its own (PROCORE_CONFIG_DIR) and points it at
the mock through the environment variables `procore mock` prints.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest

import procore
from helpers import Sent, new_server, query_of, token_grants
from procore import _cli

PROCORE = [sys.executable, "-m", "procore"]
URL_LINE = re.compile(r"^\s+(https://\S+/oauth/authorize\?\S+)\s*$")
EXPORT = re.compile(r"^\s*export (PROCORE_[A-Z_]+)=(\S+)\s*$")


# ---------------------------------------------------------------------------------------------
# Running the command


def base_env(config_dir: Optional[Path], extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE_")}
    if config_dir is not None:
        env["PROCORE_CONFIG_DIR"] = str(config_dir)
    env.update(extra or {})
    return env


def mock_env(server: Any, company: bool = True) -> Dict[str, str]:
    """What `procore mock` tells the user to export."""
    env = {
        "PROCORE_BASE_URL": server.base_url,
        "PROCORE_LOGIN_URL": server.login_url,
        "PROCORE_CA_CERT": server.ca_cert,
        "PROCORE_CLIENT_ID": server.client_id,
        "PROCORE_CLIENT_SECRET": server.client_secret,
    }
    if company:
        env["PROCORE_COMPANY_ID"] = str(server.company_id)
    return env


def run(
    *args: str,
    config_dir: Optional[Path],
    env: Optional[Dict[str, str]] = None,
    input: Optional[str] = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        PROCORE + list(args),
        env=base_env(config_dir, env),
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one error line, checked to be the whole of stderr and free of tracebacks."""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("procore: error: "), proc.stderr
    return lines[0]


def secrets_of(server: Any, config_dir: Path) -> List[str]:
    """The client secret and every token value saved in the config folder."""
    values = [server.client_secret]
    token_file = config_dir / "token.json"
    if token_file.exists():
        token = json.loads(token_file.read_text())
        values += [v for v in (token.get("access_token"), token.get("refresh_token")) if v]
    return values


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> None:
    secrets = [s for s in secrets if s]
    assert secrets
    for text in texts:
        for secret in secrets:
            assert secret not in text


def login_oob(server: Any, config_dir: Path, env: Dict[str, str], *extra: str):
    """`procore login --oob`, the user's part played by the mock: read the printed URL from
    stderr, approve it, paste the code on stdin. Returns (process, stdout, stderr, code)."""
    proc = subprocess.Popen(
        PROCORE + ["login", "--oob", *extra],
        env=base_env(config_dir, env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        seen = []
        url = None
        while url is None:
            line = proc.stderr.readline()
            assert line, "procore login --oob exited before printing the URL: " + "".join(seen)
            seen.append(line)
            m = URL_LINE.match(line)
            if m:
                url = m.group(1)
        code = server.approve(url)
        out, err = proc.communicate(code + "\n", timeout=60)
        return proc, out, "".join(seen) + err, code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "procore-config"


@pytest.fixture(scope="module")
def user_dir(server, tmp_path_factory) -> Path:
    """A config folder logged in as the mock's user (authorization code, --oob), with the
    mock's hosts and first company saved in config.json."""
    directory = tmp_path_factory.mktemp("user") / "procore"
    proc, out, err, _ = login_oob(server, directory, mock_env(server))
    assert proc.returncode == 0, err
    return directory


# ---------------------------------------------------------------------------------------------
# Help, version, entry points


def test_help_lists_the_commands_settings_and_every_exit_code():
    proc = run("--help", config_dir=None)
    assert proc.returncode == 0
    assert proc.stderr == ""
    for command in ("login", "logout", "whoami", "get", "mock"):
        assert re.search(rf"^\s+{command}\s", proc.stdout, re.M), command
    for name in ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_ENVIRONMENT",
                 "PROCORE_COMPANY_ID", "PROCORE_CONFIG_DIR"):
        assert name in proc.stdout
    documented = {int(m) for m in re.findall(r"^  (\d+)\s{2,}\S", proc.stdout, re.M)}
    assert documented == {code for code, _ in _cli.EXIT_CODES}
    assert documented == {0, 1, 2, 3, 4, 5, 6, 130, 141}


def test_no_command_is_a_usage_error():
    proc = run(config_dir=None)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "usage: procore" in proc.stderr


def test_version():
    proc = run("--version", config_dir=None)
    assert proc.returncode == 0
    assert proc.stdout == f"procore {procore.__version__}\n"


def test_the_console_script_runs_the_cli(server, cfg):
    # The [project.scripts] entry that pip installs next to the interpreter.
    scripts = Path(sys.executable).parent
    script = scripts / ("procore.exe" if os.name == "nt" else "procore")
    assert script.exists(), (
        f"no console script at {script}: reinstall the package (pip install -e .) so that "
        "its [project.scripts] entry is installed"
    )
    proc = subprocess.run(
        [str(script), "login", "--client-credentials"],
        env=base_env(cfg, mock_env(server)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Logged in as Joe Builder" in proc.stderr
    assert (cfg / "token.json").exists()


# ---------------------------------------------------------------------------------------------
# procore login


def test_login_client_credentials_saves_token_and_settings_0600(server, cfg):
    proc = run("login", "--client-credentials", config_dir=cfg, env=mock_env(server))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("Logged in as Joe Builder (joe.builder@acme.com)")

    token_file, config_file = cfg / "token.json", cfg / "config.json"
    assert mode(token_file) == 0o600
    assert mode(config_file) == 0o600
    if os.name != "nt":
        assert mode(cfg) == 0o700
    token = json.loads(token_file.read_text())
    assert token["access_token"] and token["refresh_token"] is None
    assert json.loads(config_file.read_text()) == {
        "base_url": server.base_url,
        "login_url": server.login_url,
        "ca_cert": server.ca_cert,
        "client_id": server.client_id,
        "client_secret": server.client_secret,
        "company_id": server.company_id,
    }
    # Nothing half-written is left behind.
    assert {p.name for p in cfg.iterdir()} <= {"config.json", "token.json", "token.json.lock"}
    assert_no_secret([proc.stdout, proc.stderr], secrets_of(server, cfg))


def test_login_client_credentials_without_a_company_says_so(server, cfg):
    proc = run("login", "--client-credentials", config_dir=cfg, env=mock_env(server, company=False))
    assert proc.returncode == 0, proc.stderr
    assert "Logged in with client credentials" in proc.stderr
    assert server.client_id in proc.stderr
    assert "company_id" not in json.loads((cfg / "config.json").read_text())


def test_login_oob_reads_the_code_from_stdin(fresh_server, cfg):
    before = token_grants(fresh_server)["authorization_code"]
    proc, out, err, code = login_oob(fresh_server, cfg, mock_env(fresh_server))
    assert proc.returncode == 0, err
    assert out == ""
    assert "Logged in as Joe Builder (joe.builder@acme.com)" in err
    assert token_grants(fresh_server)["authorization_code"] == before + 1
    token = json.loads((cfg / "token.json").read_text())
    assert token["refresh_token"]
    assert mode(cfg / "token.json") == 0o600
    assert mode(cfg / "config.json") == 0o600
    assert_no_secret([out, err], secrets_of(fresh_server, cfg) + [code])


def test_login_oob_without_a_code_is_not_logged_in(server, cfg):
    proc = run("login", "--oob", config_dir=cfg, env=mock_env(server), input="")
    assert proc.returncode == 4
    assert "authorize?" in proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        "procore: error: no authorization code given: not logged in"
    )
    assert not (cfg / "token.json").exists()
    assert not (cfg / "config.json").exists()


def test_login_oob_with_a_bad_code_fails_with_the_oauth_error(server, cfg):
    proc = run("login", "--oob", config_dir=cfg, env=mock_env(server), input="not-a-code\n")
    assert proc.returncode == 4
    assert "invalid_grant" in proc.stderr.splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert not (cfg / "config.json").exists()


def test_login_with_a_wrong_secret_keeps_the_previous_login(server, cfg):
    first = run("login", "--client-credentials", config_dir=cfg, env=mock_env(server))
    assert first.returncode == 0, first.stderr
    saved_token = (cfg / "token.json").read_text()
    saved_config = (cfg / "config.json").read_text()
    env = dict(mock_env(server), PROCORE_CLIENT_SECRET="wrong-secret-123")
    proc = run("login", "--client-credentials", config_dir=cfg, env=env)
    assert proc.returncode == 4
    assert "invalid_client" in error_line(proc)
    assert (cfg / "token.json").read_text() == saved_token
    assert (cfg / "config.json").read_text() == saved_config
    assert "wrong-secret-123" not in proc.stderr


def test_login_without_credentials_outside_a_terminal_is_a_config_error(server, cfg):
    env = mock_env(server)
    del env["PROCORE_CLIENT_ID"], env["PROCORE_CLIENT_SECRET"]
    proc = run("login", "--client-credentials", config_dir=cfg, env=env)
    assert proc.returncode == 3
    assert "no client id" in error_line(proc)
    env["PROCORE_CLIENT_ID"] = server.client_id
    proc = run("login", "--client-credentials", config_dir=cfg, env=env)
    assert proc.returncode == 3
    assert "no client secret" in error_line(proc)


# ---------------------------------------------------------------------------------------------
# In a terminal: prompts that do not echo secrets, pretty JSON


# Started in a session of its own, the child makes the terminal its controlling terminal by
# opening it (what getpass reads from), then becomes the command.
CONTROLLING_TTY = (
    "import os, sys; os.close(os.open(os.ttyname(0), os.O_RDWR)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'procore'] + sys.argv[1:])"
)


def run_in_pty(args: List[str], env: Dict[str, str], answer=lambda text: None):
    """Run the command with a pseudo-terminal as its controlling terminal and stdio.
    `answer(new_output)` is asked whenever output arrives; a string it returns is typed in.
    Returns (exit code, everything the terminal showed)."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", CONTROLLING_TTY, *args],
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    output = ""
    answered = 0
    deadline = time.monotonic() + 60
    try:
        while True:
            assert time.monotonic() < deadline, output
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the command has exited and closed the terminal
                break
            if not chunk:
                break
            output += chunk.decode("utf-8", errors="replace")
            reply = answer(output[answered:])
            if reply is not None:
                answered = len(output)
                os.write(master, reply.encode() + b"\n")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, output


def test_login_in_a_terminal_asks_for_what_is_missing_without_echoing_secrets(fresh_server, cfg):
    env = base_env(cfg, {
        "PROCORE_BASE_URL": fresh_server.base_url,
        "PROCORE_LOGIN_URL": fresh_server.login_url,
        "PROCORE_CA_CERT": fresh_server.ca_cert,
        "PROCORE_COMPANY_ID": str(fresh_server.company_id),
    })
    codes: List[str] = []

    def user(new: str) -> Optional[str]:
        if new.rstrip().endswith("Client ID:"):
            return fresh_server.client_id
        if new.rstrip().endswith("Client secret:"):
            return fresh_server.client_secret
        if new.rstrip().endswith("Code:"):
            m = re.search(r"(https://\S+/oauth/authorize\?\S+)", new)
            assert m, new
            codes.append(fresh_server.approve(m.group(1)))
            return codes[-1]
        return None

    rc, output = run_in_pty(["login", "--oob"], env, user)
    assert rc == 0, output
    assert len(codes) == 1
    assert "Logged in as Joe Builder" in output
    # The terminal does not echo the typed secret or code.
    assert_no_secret([output], secrets_of(fresh_server, cfg) + codes)
    saved = json.loads((cfg / "config.json").read_text())
    assert saved["client_id"] == fresh_server.client_id
    assert saved["client_secret"] == fresh_server.client_secret
    assert mode(cfg / "config.json") == 0o600

    # JSON on a terminal is indented; off a terminal it is one compact line.
    rc, output = run_in_pty(["whoami", "--format", "json"], env)
    assert rc == 0, output
    assert json.loads(output) == {
        "id": 1234567,
        "login": "joe.builder@acme.com",
        "name": "Joe Builder",
    }
    assert output.startswith('{\r\n  "id": 1234567,')
    proc = run("whoami", "--format", "json", config_dir=cfg,
               env={k: v for k, v in env.items() if k.startswith("PROCORE_")})
    assert proc.stdout == '{"id":1234567,"login":"joe.builder@acme.com","name":"Joe Builder"}\n'


# ---------------------------------------------------------------------------------------------
# procore whoami and procore get


def test_whoami_prints_the_user(server, user_dir):
    proc = run("whoami", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "id:    1234567\nlogin: joe.builder@acme.com\nname:  Joe Builder\n"
    assert proc.stderr == ""
    proc = run("whoami", "--format", "json", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "id": 1234567,
        "login": "joe.builder@acme.com",
        "name": "Joe Builder",
    }


def direct(server) -> procore.Client:
    client = server.client()
    client.client_credentials()
    return client


def test_get_json_is_the_decoded_answer_on_one_line(server, user_dir):
    query = {"company_id": server.company_id, "per_page": 5}
    args = ["get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}", "-p",
            "per_page=5"]
    proc = run(*args, config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1
    with direct(server) as client:
        expected = client.get("/rest/v1.0/projects", query)
    assert json.loads(proc.stdout) == expected
    assert len(expected) == 5
    # --format json says the same; ids stay exact 64-bit integers.
    again = run(*args, "--format", "json", config_dir=user_dir)
    assert again.stdout == proc.stdout
    assert f'"id":{expected[0]["id"]},' in proc.stdout


def test_get_csv_flattens_nested_objects_to_columns(server, user_dir):
    proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}",
               "-p", "per_page=7", "--format", "csv", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    with direct(server) as client:
        expected = client.get("/rest/v1.0/projects",
                              {"company_id": server.company_id, "per_page": 7})
    assert len(rows) == 7
    header = proc.stdout.splitlines()[0].split(",")
    assert header[:3] == ["id", "name", "display_name"]
    assert header[-2:] == ["company.id", "company.name"]
    assert "company" not in header
    for row, record in zip(rows, expected):
        assert int(row["id"]) == record["id"]
        assert row["name"] == record["name"]
        assert int(row["company.id"]) == record["company"]["id"] == server.company_id
        assert row["company.name"] == record["company"]["name"]
        assert row["active"] == ("true" if record["active"] else "false")
        assert row["origin_data"] == (record["origin_data"] or "")


def test_get_table_aligns_columns_and_truncates_long_cells(server, user_dir):
    proc = run("get", "/rest/v1.0/companies", "--format", "table", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    with direct(server) as client:
        companies = client.get("/rest/v1.0/companies")
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 + len(companies)
    header, rule, rows = lines[0], lines[1], lines[2:]
    assert header.split() == ["id", "name", "is_active", "logo_url"]
    assert set(rule.replace(" ", "")) == {"-"}
    # Every column starts where its header does.
    starts = [header.index(name) for name in ("name", "is_active", "logo_url")]
    for row, company in zip(rows, companies):
        assert row.rstrip().split("  ")[0].strip() == str(company["id"])
        assert row[starts[0]:].startswith(company["name"])
        assert row[starts[1]:].startswith("true" if company["is_active"] else "false")
    long_url = companies[0]["logo_url"]
    assert len(long_url) > _cli.MAX_CELL
    cell = rows[0][starts[2]:]
    assert cell == long_url[: _cli.MAX_CELL - 1] + "\u2026"


def test_get_all_returns_every_record_exactly_once(server, user_dir):
    proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}", "--all",
               config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    with direct(server) as client:
        expected_ids = [p.id for p in client.projects.list(company_id=server.company_id)]
    ids = [r["id"] for r in records]
    assert len(ids) == len(expected_ids) == 250
    assert sorted(ids) == sorted(expected_ids)
    assert len(set(ids)) == 250
    # Without --all, one page.
    one = run("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}",
              config_dir=user_dir)
    assert len(json.loads(one.stdout)) == 100


def test_get_all_csv_and_table_have_a_row_per_record(server, user_dir):
    for fmt, extra_lines in (("csv", 1), ("table", 2)):
        proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}",
                   "--all", "--format", fmt, config_dir=user_dir)
        assert proc.returncode == 0, proc.stderr
        assert len(proc.stdout.splitlines()) == 250 + extra_lines


def test_get_params_repeat_as_lists_with_brackets(server, user_dir):
    sent = Sent(server)
    proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}",
               "-p", "per_page=3", "-p", "filters[id][]=11", "-p", "filters[id][]=12",
               "-p", "q=a=b", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    (request,) = sent.api("/rest/v1.0/projects")
    assert "filters%5Bid%5D%5B%5D=11&filters%5Bid%5D%5B%5D=12" in request["query"]
    assert query_of(request)["q"] == "a=b"
    assert query_of(request)["per_page"] == "3"

    proc = run("get", "/rest/v1.0/projects", "-p", "page=1", "-p", "page=2", config_dir=user_dir)
    assert proc.returncode == 2
    assert "page[]=VALUE" in error_line(proc)


def test_company_id_flag_sets_the_company_header(server, user_dir):
    other = server.company_ids[1]
    sent = Sent(server)
    proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={other}", "-p", "per_page=1",
               "--company-id", str(other), config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["company"]["id"] == other
    assert [r["company_header"] for r in sent.api()] == [str(other)]
    # Also before the command.
    proc = run("--company-id", str(other), "get", "/rest/v1.0/projects", "-p",
               f"company_id={other}", "-p", "per_page=1", config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------------------------
# Settings: flags, then environment variables, then the config folder


def logged_in_copy(user_dir: Path, tmp_path: Path) -> Path:
    """A config folder of this test's own, holding the module's user login."""
    directory = tmp_path / "copy"
    shutil.copytree(user_dir, directory)
    return directory


def test_company_id_precedence(server, user_dir, tmp_path):
    directory = logged_in_copy(user_dir, tmp_path)
    first, second = server.company_ids[0], server.company_ids[1]
    config = json.loads((directory / "config.json").read_text())
    assert config["company_id"] == first

    def header_sent(*args: str, env: Optional[Dict[str, str]] = None, company: int) -> str:
        sent = Sent(server)
        # The mock answers 400 when the header and the company_id parameter disagree.
        proc = run("get", "/rest/v1.0/projects", "-p", f"company_id={company}", "-p", "per_page=1",
                   *args, config_dir=directory, env=env)
        assert proc.returncode == 0, proc.stderr
        (request,) = sent.api()
        return request["company_header"]

    assert header_sent(company=first) == str(first)                       # config
    env = {"PROCORE_COMPANY_ID": str(second)}
    assert header_sent(env=env, company=second) == str(second)             # env over config
    env = {"PROCORE_COMPANY_ID": "not-a-number"}
    assert header_sent("--company-id", str(first), env=env, company=first) == str(first)  # flag
    proc = run("whoami", config_dir=directory, env=env)
    assert proc.returncode == 3
    assert error_line(proc) == (
        "procore: error: PROCORE_COMPANY_ID: the company id must be a positive integer"
    )


def test_client_credentials_precedence(server, cfg):
    env = mock_env(server)
    assert run("login", "--client-credentials", config_dir=cfg, env=env).returncode == 0
    hosts = {k: env[k] for k in ("PROCORE_BASE_URL", "PROCORE_LOGIN_URL", "PROCORE_CA_CERT")}

    # The config folder alone: the saved id and secret.
    assert run("login", "--client-credentials", config_dir=cfg, env=hosts).returncode == 0
    # The environment's secret beats the saved one.
    proc = run("login", "--client-credentials", config_dir=cfg,
               env=dict(hosts, PROCORE_CLIENT_SECRET="wrong-secret-456"))
    assert proc.returncode == 4
    assert "invalid_client" in error_line(proc)
    # The flag's client id beats the environment's; the saved secret is never sent along with
    # another client id.
    proc = run("login", "--client-credentials", "--client-id", "someone-else", config_dir=cfg,
               env=dict(hosts, PROCORE_CLIENT_ID=server.client_id))
    assert proc.returncode == 3
    assert "no client secret" in error_line(proc)
    proc = run("login", "--client-credentials", "--client-id", "someone-else", config_dir=cfg,
               env=dict(hosts, PROCORE_CLIENT_SECRET=server.client_secret))
    assert proc.returncode == 4
    assert "invalid_client" in error_line(proc)
    proc = run("login", "--client-credentials", "--client-id", server.client_id, config_dir=cfg,
               env=dict(hosts, PROCORE_CLIENT_ID="someone-else"))
    assert proc.returncode == 0, proc.stderr


def test_environment_precedence(server, cfg):
    hosts = ["--base-url", server.base_url, "--login-url", server.login_url,
             "--ca-cert", server.ca_cert]
    env = {"PROCORE_CLIENT_ID": server.client_id, "PROCORE_CLIENT_SECRET": server.client_secret}
    cfg.mkdir()
    (cfg / "config.json").write_text(json.dumps({"environment": "bogus"}))
    proc = run("login", "--client-credentials", config_dir=cfg, env=env)
    assert proc.returncode == 3
    assert error_line(proc) == (
        f"procore: error: {cfg / 'config.json'}: unknown environment 'bogus': "
        "expected production, sandbox or monthly"
    )
    (cfg / "config.json").write_text(json.dumps({"environment": "sandbox"}))
    proc = run("login", "--client-credentials", config_dir=cfg,
               env=dict(env, PROCORE_ENVIRONMENT="bogus"))
    assert proc.returncode == 3
    assert "PROCORE_ENVIRONMENT: unknown environment 'bogus'" in error_line(proc)
    proc = run("login", "--client-credentials", "--environment", "monthly", *hosts,
               config_dir=cfg, env=dict(env, PROCORE_ENVIRONMENT="bogus"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((cfg / "config.json").read_text())["environment"] == "monthly"
    proc = run("login", "--environment", "nowhere", config_dir=cfg)
    assert proc.returncode == 2


def test_hosts_and_ca_precedence(server, user_dir, tmp_path):
    directory = logged_in_copy(user_dir, tmp_path)
    closed = "https://127.0.0.1:9"
    # The config folder alone.
    assert run("whoami", config_dir=directory).returncode == 0
    # The environment's API host beats the saved one, and the saved token is not sent there.
    # The hosts are one group: the saved login host is not mixed in either.
    proc = run("whoami", config_dir=directory, env={"PROCORE_BASE_URL": closed})
    assert proc.returncode == 4
    assert error_line(proc) == (
        f"procore: error: the saved login is for {server.base_url} (login {server.login_url}), "
        f"not {closed} (login https://login.procore.com): run `procore login` with these settings"
    )
    # A flag beats the environment.
    proc = run("whoami", "--base-url", server.base_url, config_dir=directory,
               env={"PROCORE_BASE_URL": closed, "PROCORE_LOGIN_URL": server.login_url})
    assert proc.returncode == 0, proc.stderr
    proc = run("whoami", "--login-url", server.login_url, config_dir=directory,
               env={"PROCORE_BASE_URL": server.base_url, "PROCORE_LOGIN_URL": closed})
    assert proc.returncode == 0, proc.stderr
    # An environment alone does not borrow the saved mock hosts either.
    proc = run("whoami", config_dir=directory, env={"PROCORE_ENVIRONMENT": "sandbox"})
    assert proc.returncode == 4
    assert "not https://sandbox.procore.com (login https://login-sandbox.procore.com)" in (
        error_line(proc)
    )
    # The CA: environment over config, flag over environment.
    missing = str(tmp_path / "missing.pem")
    proc = run("whoami", config_dir=directory, env={"PROCORE_CA_CERT": missing})
    assert proc.returncode == 3
    assert error_line(proc) == (
        f"procore: error: PROCORE_CA_CERT: no CA certificate file at {missing}"
    )
    proc = run("whoami", "--ca-cert", server.ca_cert, config_dir=directory,
               env={"PROCORE_CA_CERT": missing})
    assert proc.returncode == 0, proc.stderr
    # A wrong CA fails the TLS check: a connection error.
    other_ca = tmp_path / "other.pem"
    with new_server(companies=1, projects_per_company=0) as other:
        other_ca.write_text(Path(other.ca_cert).read_text())
    proc = run("whoami", "--max-retries", "0", config_dir=directory,
               env={"PROCORE_BASE_URL": server.base_url, "PROCORE_LOGIN_URL": server.login_url,
                    "PROCORE_CA_CERT": str(other_ca)})
    assert proc.returncode == 6
    error_line(proc)


def test_config_folder_location(server, tmp_path):
    env = mock_env(server)
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    plain = base_env(None, env)
    plain.pop("PROCORE_CONFIG_DIR", None)
    plain.pop("XDG_CONFIG_HOME", None)
    plain["HOME"] = str(home)

    def login(extra: Dict[str, str], *args: str) -> None:
        proc = subprocess.run(PROCORE + ["login", "--client-credentials", *args],
                              env=dict(plain, **extra), capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr

    login({})
    assert (home / ".config" / "procore" / "config.json").exists()
    login({"XDG_CONFIG_HOME": str(xdg)})
    assert (xdg / "procore" / "token.json").exists()
    login({"XDG_CONFIG_HOME": str(xdg), "PROCORE_CONFIG_DIR": str(tmp_path / "explicit")})
    assert (tmp_path / "explicit" / "token.json").exists()
    login({"PROCORE_CONFIG_DIR": str(tmp_path / "explicit")}, "--config-dir",
          str(tmp_path / "flag"))
    assert (tmp_path / "flag" / "token.json").exists()


def test_a_broken_config_file_is_a_config_error(server, user_dir, tmp_path):
    directory = logged_in_copy(user_dir, tmp_path)
    saved = (directory / "config.json").read_text()
    (directory / "config.json").write_text("{not json")
    proc = run("whoami", config_dir=directory)
    assert proc.returncode == 3
    assert str(directory / "config.json") in error_line(proc)
    assert "not valid JSON" in error_line(proc)
    (directory / "config.json").write_text(saved)
    (directory / "token.json").write_text("{broken")
    proc = run("get", "/rest/v1.0/me", config_dir=directory)
    assert proc.returncode == 3
    assert str(directory / "token.json") in error_line(proc)


# ---------------------------------------------------------------------------------------------
# Exit codes


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["get"],
        ["get", "/rest/v1.0/me", "--format", "xml"],
        ["get", "/rest/v1.0/me", "-p", "no-equals-sign"],
        ["get", "/rest/v1.0/me", "--company-id", "0"],
        ["get", "/rest/v1.0/me", "--timeout", "-1"],
        ["login", "--oob", "--client-credentials"],
    ],
)
def test_usage_errors_exit_2(args, cfg):
    proc = run(*args, config_dir=cfg)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert re.search(r"^procore( \w+)?: error: ", proc.stderr, re.M), proc.stderr
    assert "Traceback" not in proc.stderr


def test_configuration_errors_exit_3(server, user_dir, cfg):
    proc = run("whoami", config_dir=user_dir, env={"PROCORE_ENVIRONMENT": "moon"})
    assert proc.returncode == 3
    error_line(proc)
    proc = run("login", "--client-credentials", "--base-url", "http://127.0.0.1:1",
               config_dir=cfg, env=mock_env(server))
    assert proc.returncode == 3
    assert "https" in error_line(proc)
    # A path to another host is refused before anything is sent.
    proc = run("get", "https://elsewhere.example/rest/v1.0/me", config_dir=user_dir)
    assert proc.returncode == 3
    error_line(proc)


def test_not_logged_in_exits_4(server, cfg):
    for args in (["whoami"], ["get", "/rest/v1.0/me"]):
        proc = run(*args, config_dir=cfg, env=mock_env(server))
        assert proc.returncode == 4
        assert error_line(proc) == "procore: error: not logged in: run `procore login`"


def test_refused_requests_exit_4(fresh_server, cfg):
    proc, _, err, _ = login_oob(fresh_server, cfg, mock_env(fresh_server))
    assert proc.returncode == 0, err
    # 401 even after the refresh the client makes on a 401.
    fresh_server.fail_next(401, count=2, path="/rest/v1.0/me")
    proc = run("whoami", config_dir=cfg)
    assert proc.returncode == 4
    line = error_line(proc)
    assert "401" in line and line.endswith("; run `procore login`")
    fresh_server.fail_next(403, path="/rest/v1.0/companies")
    proc = run("get", "/rest/v1.0/companies", config_dir=cfg)
    assert proc.returncode == 4
    assert "403" in error_line(proc)
    assert_no_secret([proc.stderr], secrets_of(fresh_server, cfg))


def test_other_api_errors_exit_5(fresh_server, cfg):
    assert run("login", "--client-credentials", config_dir=cfg,
               env=mock_env(fresh_server)).returncode == 0
    proc = run("get", "/rest/v1.0/projects/1", config_dir=cfg)
    assert proc.returncode == 5
    line = error_line(proc)
    assert "404" in line and "request id" in line
    fresh_server.fail_next(500, count=1, path="/rest/v1.0/companies")
    proc = run("get", "/rest/v1.0/companies", "--max-retries", "0", config_dir=cfg)
    assert proc.returncode == 5
    assert "500" in error_line(proc)
    # With retries, the same fault is ridden out.
    fresh_server.fail_next(500, count=1, path="/rest/v1.0/companies")
    proc = run("get", "/rest/v1.0/companies", config_dir=cfg)
    assert proc.returncode == 0, proc.stderr
    fresh_server.fail_next(422, path="/rest/v1.0/companies")
    proc = run("get", "/rest/v1.0/companies", config_dir=cfg)
    assert proc.returncode == 5


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connection_errors_exit_6(server, cfg):
    proc = run("login", "--client-credentials", "--max-retries", "0",
               "--login-url", f"https://127.0.0.1:{closed_port()}",
               config_dir=cfg, env=mock_env(server))
    assert proc.returncode == 6
    assert "could not connect" in error_line(proc)


def test_timeouts_exit_6(fresh_server, cfg):
    assert run("login", "--client-credentials", config_dir=cfg,
               env=mock_env(fresh_server)).returncode == 0
    fresh_server.delay_next(30, path="/rest/v1.0/companies")
    proc = run("get", "/rest/v1.0/companies", "--timeout", "0.5", "--max-retries", "0",
               config_dir=cfg)
    assert proc.returncode == 6
    error_line(proc)


UNEXPECTED = r"""
import sys
from procore import _cli

def boom(args):
    raise RuntimeError("something nobody planned for")

_cli._COMMANDS["whoami"] = boom
sys.exit(_cli.main(sys.argv[1:]))
"""


def test_unexpected_errors_exit_1_with_a_traceback_only_under_debug(cfg):
    env = base_env(cfg)
    proc = subprocess.run([sys.executable, "-c", UNEXPECTED, "whoami"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == (
        "procore: error: unexpected RuntimeError: something nobody planned for\n"
    )
    proc = subprocess.run([sys.executable, "-c", UNEXPECTED, "whoami", "--debug"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert proc.stderr.endswith(
        "procore: error: unexpected RuntimeError: something nobody planned for\n"
    )


def test_ctrl_c_exits_130(server, cfg):
    # A login host that accepts the connection and then says nothing: the command waits
    # until it is interrupted.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    silent.settimeout(30)
    proc = subprocess.Popen(
        PROCORE + ["login", "--client-credentials", "--login-url",
                   "https://127.0.0.1:%d" % silent.getsockname()[1]],
        env=base_env(cfg, mock_env(server)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        conn, _ = silent.accept()  # the command is now inside the request
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        conn.close()
    finally:
        silent.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert out == ""
    assert err == "procore: interrupted\n"
    assert not (cfg / "config.json").exists()


@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_closed_pipe_ends_quietly_with_141(server, user_dir, unbuffered):
    # PYTHONUNBUFFERED (common in containers) makes stdout a raw file whose writes can be
    # partial: the hang-up must still be noticed.
    env = base_env(user_dir)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        PROCORE + ["get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}",
                   "--all"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # Read a little and hang up, as `| head -c 100` does; the command has far more than a
        # pipe's buffer (64 KiB) left to write: 250 projects are about 135 KiB of JSON.
        first = os.read(proc.stdout.fileno(), 100)
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert first.startswith(b'[{"id":')
    assert err == b""
    assert proc.returncode == 141


def test_a_closed_pipe_through_a_shell(server, user_dir):
    script = (
        f"set -o pipefail; {' '.join(PROCORE)} get /rest/v1.0/projects "
        f"-p company_id={server.company_id} --all --format table | head -n 3"
    )
    proc = subprocess.run(["bash", "-c", script], env=base_env(user_dir), capture_output=True,
                          text=True, timeout=60)
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == ""
    assert proc.returncode == 141


# ---------------------------------------------------------------------------------------------
# Secrets


def test_no_secret_in_any_output_even_with_debug(fresh_server, cfg):
    env = mock_env(fresh_server)
    outputs: List[str] = []
    proc, out, err, code = login_oob(fresh_server, cfg, env, "--debug")
    assert proc.returncode == 0, err
    outputs += [out, err]
    for args in (
        ["whoami", "--debug"],
        ["whoami", "--format", "json"],
        ["get", "/rest/v1.0/me", "--debug"],
        ["get", "/rest/v1.0/projects/1", "--debug"],            # 404 with a traceback
        ["get", "/rest/v1.0/companies", "--format", "table"],
    ):
        proc = run(*args, config_dir=cfg)
        outputs += [proc.stdout, proc.stderr]
    assert "Traceback" in outputs[-3]
    # Refreshes rotate the token: every token that was ever saved is checked.
    tokens = secrets_of(fresh_server, cfg)
    fresh_server.expire_tokens()
    proc = run("whoami", "--debug", config_dir=cfg)
    assert proc.returncode == 0, proc.stderr
    outputs += [proc.stdout, proc.stderr]
    tokens += secrets_of(fresh_server, cfg)
    fresh_server.fail_next(401, count=2, path="/rest/v1.0/me")
    proc = run("whoami", "--debug", config_dir=cfg)
    assert proc.returncode == 4
    outputs += [proc.stdout, proc.stderr]
    proc = run("login", "--client-credentials", "--debug", config_dir=cfg,
               env=dict(env, PROCORE_CLIENT_SECRET="another-wrong-secret"))
    assert proc.returncode == 4
    outputs += [proc.stdout, proc.stderr]
    assert_no_secret(outputs, tokens + [code, "another-wrong-secret"])


# ---------------------------------------------------------------------------------------------
# procore logout


def test_logout_revokes_and_deletes_the_token(fresh_server, cfg):
    proc, _, err, _ = login_oob(fresh_server, cfg, mock_env(fresh_server))
    assert proc.returncode == 0, err
    sent = Sent(fresh_server)
    proc = run("logout", config_dir=cfg)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"Logged out; revoked the token and deleted {cfg / 'token.json'}\n"
    assert [r["path"] for r in sent.login()] == ["/oauth/revoke"]
    assert not (cfg / "token.json").exists()
    assert (cfg / "config.json").exists()
    assert run("whoami", config_dir=cfg).returncode == 4
    proc = run("logout", config_dir=cfg)
    assert proc.returncode == 0
    assert proc.stderr == "Not logged in.\n"


def test_logout_deletes_the_token_even_when_revoking_fails(fresh_server, cfg):
    proc, _, err, _ = login_oob(fresh_server, cfg, mock_env(fresh_server))
    assert proc.returncode == 0, err
    fresh_server.fail_next(503, count=10, path="/oauth/revoke")
    proc = run("logout", "--max-retries", "0", config_dir=cfg)
    assert proc.returncode == 5
    assert "token deleted" in error_line(proc) and "503" in error_line(proc)
    assert not (cfg / "token.json").exists()


# ---------------------------------------------------------------------------------------------
# procore mock


def start_mock(*args: str) -> "tuple[subprocess.Popen, Dict[str, str]]":
    proc = subprocess.Popen(
        PROCORE + ["mock", *args],
        env=base_env(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    found: Dict[str, str] = {}
    while "PROCORE_COMPANY_ID" not in found:
        line = proc.stdout.readline()
        assert line, "procore mock exited before printing its settings"
        m = EXPORT.match(line)
        if m:
            found[m.group(1)] = m.group(2)
    return proc, found


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_mock_runs_in_the_foreground_serves_the_cli_and_stops_cleanly(tmp_path, stop):
    proc, exported = start_mock("--companies", "1", "--projects-per-company", "7")
    try:
        assert set(exported) == {
            "PROCORE_BASE_URL", "PROCORE_LOGIN_URL", "PROCORE_CA_CERT",
            "PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_COMPANY_ID",
        }
        cfg = tmp_path / "cfg"
        login = run("login", "--client-credentials", config_dir=cfg, env=exported)
        assert login.returncode == 0, login.stderr
        got = run("get", "/rest/v1.0/projects", "-p",
                  f"company_id={exported['PROCORE_COMPANY_ID']}", "--all", config_dir=cfg)
        assert got.returncode == 0, got.stderr
        projects = json.loads(got.stdout)
        assert len(projects) == 7
        assert {p["company"]["id"] for p in projects} == {int(exported["PROCORE_COMPANY_ID"])}
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err
    assert not os.path.exists(exported["PROCORE_CA_CERT"])


# ---------------------------------------------------------------------------------------------
# The tabular formats, on data the mock does not serve


def test_tabular_formats_flatten_unwrap_and_quote():
    data = {
        "data": [
            {"id": 1, "name": "A, Inc.", "owner": None, "tags": ["x", "y"], "meta": {}},
            {"id": 2, "name": "Line\nbreak", "owner": {"id": 9, "address": {"city": "Zürich"}},
             "extra": True, "ratio": 0.5},
            {"id": 3},
        ],
        "meta": {"total": 3},
    }
    text = _cli._csv(data)
    rows = list(csv.reader(io.StringIO(text)))
    # The empty object "meta" has no leaves, hence no column (as in the DataFrames).
    assert rows[0] == ["id", "name", "tags", "owner.id", "owner.address.city", "extra", "ratio"]
    assert rows[1] == ["1", "A, Inc.", '["x","y"]', "", "", "", ""]
    assert rows[2] == ["2", "Line\nbreak", "", "9", "Zürich", "true", "0.5"]
    assert rows[3] == ["3", "", "", "", "", "", ""]
    # One flattening: the DataFrames have the same columns, in the same order.
    assert list(procore.ResultList(data["data"]).to_pandas().columns) == rows[0]

    table = _cli._table(data).splitlines()
    assert len(table) == 5
    assert table[0].split() == rows[0]
    assert "Line break" in table[3]            # one line per record
    # Numbers are right-aligned in their column ("id" is wider than the ids).
    assert table[2].startswith(" 1  A, Inc.")
    assert table[4] == " 3"
    assert table[3].endswith("true     0.5")

    # A single object is one row; scalars are a "value" column; nothing is nothing.
    assert _cli._csv({"id": 7, "company": {"id": 8}}) == "id,company.id\n7,8\n"
    assert _cli._csv([1, "two"]) == "value\n1\ntwo\n"
    assert _cli._csv([]) == "" and _cli._table(None) == ""


def test_json_output_keeps_64_bit_ids_and_unicode():
    data = [{"id": 2**62 + 1, "name": "Zürich Tower"}]
    assert _cli._json(data, pretty=False) == '[{"id":4611686018427387905,"name":"Zürich Tower"}]\n'
    assert json.loads(_cli._json(data, pretty=True)) == data


# ---------------------------------------------------------------------------------------------
# The README


def readme_section(title: str) -> str:
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def test_readme_commands_parse_and_its_exit_codes_are_the_real_ones():
    import shlex

    text = readme_section("Command line") + readme_section("Scheduled scripts")
    lines = [
        line.split("#")[0].split(">")[0]
        for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)
        for line in block.splitlines()
        if line.startswith("procore ")
    ]
    assert len(lines) >= 8
    parser = _cli.build_parser()
    for line in lines:
        args = parser.parse_args(shlex.split(line)[1:])
        assert args.command in _cli._COMMANDS, line
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", readme_section("Command line"), re.M))
    assert {int(code) for code in table} == {code for code, _ in _cli.EXIT_CODES}


def test_login_in_the_browser_through_the_loopback_redirect(fresh_server, cfg):
    # The browser's part, played here: open the URL procore prints (the mock approves it),
    # then follow Procore's redirect to http://localhost:PORT/callback with the code and state.
    import urllib.request
    from urllib.parse import parse_qs, urlencode, urlsplit

    before = token_grants(fresh_server)["authorization_code"]
    proc = subprocess.Popen(
        PROCORE + ["login", "--no-browser", "--browser-timeout", "60"],
        env=base_env(cfg, mock_env(fresh_server)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # the URL is printed on stderr, the result too
        text=True,
    )
    code = None
    seen: List[str] = []
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            assert line, "procore login exited before printing the URL: " + "".join(seen)
            seen.append(line)
            m = re.search(r"(https://\S+/oauth/authorize\?\S+)", line)
            if m:
                url = m.group(1)
        query = parse_qs(urlsplit(url).query)
        redirect_uri = query["redirect_uri"][0]
        assert re.fullmatch(r"http://(localhost|127\.0\.0\.1):\d+/callback", redirect_uri)
        assert query["code_challenge_method"] == ["S256"]
        state = query["state"][0]
        code = fresh_server.approve(url)
        browser = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with browser.open(
            redirect_uri + "?" + urlencode({"code": code, "state": state}), timeout=30
        ) as answer:
            assert answer.status == 200
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    output = "".join(seen) + out
    assert proc.returncode == 0, output
    assert "Logged in as Joe Builder (joe.builder@acme.com)" in output
    assert token_grants(fresh_server)["authorization_code"] == before + 1
    assert json.loads((cfg / "token.json").read_text())["refresh_token"]
    assert mode(cfg / "token.json") == 0o600
    assert mode(cfg / "config.json") == 0o600
    assert_no_secret([output], secrets_of(fresh_server, cfg) + [code])


def test_get_parquet_writes_the_columns_csv_prints(server, user_dir, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "projects.parquet"
    args = ("get", "/rest/v1.0/projects", "-p", f"company_id={server.company_id}", "--all")
    proc = run(*args, "--format", "parquet", "--output", str(out), config_dir=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "wrote 250 records" in proc.stderr
    table = pq.read_table(out)
    csv_out = run(*args, "--format", "csv", config_dir=user_dir)
    assert table.column_names == csv_out.stdout.splitlines()[0].split(",")
    assert table.num_rows == 250
    assert str(table.schema.field("company.id").type) == "int64"
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert table.column("id").to_pylist() == [int(r["id"]) for r in rows]


def test_get_parquet_needs_an_output_file(server, user_dir):
    sent = Sent(server)
    proc = run("get", "/rest/v1.0/companies", "--format", "parquet", config_dir=user_dir)
    assert proc.returncode == 2
    assert "--output FILE" in error_line(proc)
    assert sent.api() == [], "refused before anything is sent"
