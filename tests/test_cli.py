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
    assert run("login", "--client-credentials", config_dir=cfg, env=mock_env(server)).returncode == 0
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


def run_in_pty(args: List[str], env: Dict[str, str], answer=lambda text: None):
    """Run the command with a pseudo-terminal as its controlling terminal and stdio.
    `answer(new_output)` is asked whenever output arrives; a string it returns is typed in.
    Returns (exit code, everything the terminal showed)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child becomes the command
        try:
            os.execve(sys.executable, PROCORE + args, env)
        finally:
            os._exit(127)
    output = ""
    answered = 0
    deadline = time.monotonic() + 60
    try:
        while True:
            assert time.monotonic() < deadline, output
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the command has exited and closed the terminal
                break
            if not chunk:
                break
            output += chunk.decode("utf-8", errors="replace")
            reply = answer(output[answered:])
            if reply is not None:
                answered = len(output)
                os.write(fd, reply.encode() + b"\n")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output


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
    assert json.loads(output) == {"id": 1234567, "login": "joe.builder@acme.com", "name": "Joe Builder"}
    assert output.startswith('{\r\n  "id": 1234567,')
    proc = run("whoami", "--format", "json", config_dir=cfg,
               env={k: v for k, v in env.items() if k.startswith("PROCORE_")})
    assert proc.stdout == '{"id":1234567,"login":"joe.builder@acme.com","name":"Joe Builder"}\n'
