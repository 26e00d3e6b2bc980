"""Log records of the Rust core reach Python's `logging` under `procore.http` / `procore.oauth`.

DEBUG: one line per request (method, path, status, duration, attempt, Procore's request id).
INFO: retries, token grants and renewals, rate-limit waits. Never a secret. The library adds
no handler and writes no file, level changes made after `import procore` take effect, and a
script that logs from the async client exits cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import textwrap
from typing import Any, Dict, Iterator, List

import pytest

import procore
from helpers import Sent, alogin, login

ME = "/rest/v1.0/me"
PROJECTS = "/rest/v1.0/projects"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, name: str, level: int) -> List[logging.LogRecord]:
        return [r for r in self.records if r.name == name and r.levelno == level]

    def requests(self) -> List[logging.LogRecord]:
        return self.of("procore.http", logging.DEBUG)


@pytest.fixture
def logs() -> Iterator[Collect]:
    """Every record of the `procore` loggers, at DEBUG and up (set after import, as a user
    would in a later notebook cell)."""
    logger = logging.getLogger("procore")
    handler = Collect()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def every_record() -> Iterator[Collect]:
    """Every record of every logger, at DEBUG and up."""
    root = logging.getLogger()
    handler = Collect()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def check_request_line(r: logging.LogRecord, method: str, path: str, status: int, attempt: int):
    assert r.name == "procore.http" and r.levelno == logging.DEBUG
    assert r.method == method
    assert r.path == path
    assert r.status_code == status
    assert r.attempt == attempt
    assert isinstance(r.duration_ms, float) and r.duration_ms >= 0
    assert HEX32.match(r.request_id)
    msg = r.getMessage()
    assert msg.startswith(f"{method} {path} {status} (")
    assert f"attempt {attempt}" in msg and f"request id {r.request_id}" in msg
    assert re.search(r"\(\d+\.\d ms,", msg)


# ---------------------------------------------------------------------------------------------
# One DEBUG line per request


def test_one_debug_line_per_request_sync(server, client, logs):
    sent = Sent(server)
    me = client.me()
    assert me.id == 1234567
    (line,) = logs.requests()
    check_request_line(line, "GET", ME, 200, 1)
    assert len(sent.api()) == 1


@pytest.mark.asyncio
async def test_one_debug_line_per_request_async(server, aclient, logs):
    sent = Sent(server)
    await aclient.me()
    (line,) = logs.requests()
    check_request_line(line, "GET", ME, 200, 1)
    assert len(sent.api()) == 1


def test_request_id_is_the_one_procore_sent(server, client, logs):
    with pytest.raises(procore.NotFoundError) as info:
        client.projects.get(987654321)
    (line,) = logs.requests()
    check_request_line(line, "GET", f"{PROJECTS}/987654321?company_id={server.company_id}", 404, 1)
    assert info.value.request_id == line.request_id


def test_every_page_of_a_pull_has_its_line(server, client, logs):
    sent = Sent(server)
    projects = client.projects.list()
    assert len(projects) == 250
    lines = logs.requests()
    assert len(lines) == len(sent.api()) == 3
    paths = sorted(r.path for r in lines)
    assert paths == [
        f"{PROJECTS}?company_id={server.company_id}&per_page=100&page={p}" for p in (1, 2, 3)
    ]
    assert len({r.request_id for r in lines}) == 3


@pytest.mark.asyncio
async def test_concurrent_async_calls_each_log_once(server, aclient, logs):
    sent = Sent(server)
    users = await asyncio.gather(*(aclient.me() for _ in range(100)))
    assert {u.id for u in users} == {1234567}
    lines = logs.requests()
    assert len(lines) == len(sent.api()) == 100
    assert all(r.status_code == 200 and r.attempt == 1 for r in lines)


def test_token_requests_have_their_line_too(fresh_server, logs):
    with fresh_server.client() as c:
        login(c, fresh_server)
    (line,) = logs.requests()
    assert line.method == "POST" and line.path == "/oauth/token"
    assert line.status_code == 200 and line.attempt == 1


def test_query_values_other_than_paging_and_ids_are_not_logged(server, client, every_record):
    private = "Tower-of-a-private-name"
    client.get(PROJECTS, params={"company_id": server.company_id, "filters[name]": private})
    (line,) = [r for r in every_record.records if r.name == "procore.http"]
    assert line.path == (
        f"{PROJECTS}?company_id={server.company_id}&filters[name]=***"
    )
    assert not any(private in text for r in every_record.records for text in record_texts(r))


# ---------------------------------------------------------------------------------------------
# Retries and renewals at INFO


def check_retry(logs: Collect, status_text: str) -> None:
    (retry,) = logs.of("procore.http", logging.INFO)
    assert retry.reason == status_text and retry.attempt == 2
    assert retry.method == "GET" and retry.path == ME
    assert 0 <= retry.wait_seconds <= 8
    assert retry.getMessage().startswith(f"GET {ME}: {status_text}, retrying in ")
    assert retry.getMessage().endswith("(attempt 2 of 4)")
    first, second = logs.requests()
    check_request_line(first, "GET", ME, 503, 1)
    check_request_line(second, "GET", ME, 200, 2)
    assert logs.records.index(first) < logs.records.index(retry) < logs.records.index(second)


def test_a_retry_logs_info_sync(fresh_server, logs):
    with fresh_server.client() as c:
        login(c, fresh_server)
        logs.records.clear()
        fresh_server.fail_next(503, path=ME)
        c.me()
    check_retry(logs, "503 Service Unavailable")


@pytest.mark.asyncio
async def test_a_retry_logs_info_async(fresh_server, logs):
    async with fresh_server.async_client() as c:
        await alogin(c, fresh_server)
        logs.records.clear()
        fresh_server.fail_next(503, path=ME)
        await c.me()
    check_retry(logs, "503 Service Unavailable")


def test_a_lost_connection_retry_logs_info(fresh_server, logs):
    with fresh_server.client() as c:
        login(c, fresh_server)
        logs.records.clear()
        fresh_server.drop_next(path=ME)
        c.me()
    (retry,) = logs.of("procore.http", logging.INFO)
    assert retry.reason == "connection failed" and retry.attempt == 2
    failed, ok = logs.requests()
    assert failed.error == "connection failed" and failed.attempt == 1
    assert not hasattr(failed, "status_code")
    check_request_line(ok, "GET", ME, 200, 2)


def grants(logs: Collect) -> List[Dict[str, Any]]:
    return [
        {"grant": r.grant_type, "outcome": r.outcome, "msg": r.getMessage()}
        for r in logs.of("procore.oauth", logging.INFO)
    ]


def test_refreshes_log_info_sync(fresh_server, logs):
    with fresh_server.client() as c:
        login(c, fresh_server)
        c.refresh()
        fresh_server.expire_tokens()
        c.me()
    got = grants(logs)
    assert [(g["grant"], g["outcome"]) for g in got] == [
        ("authorization_code", "ok"),
        ("refresh_token", "ok"),
        ("refresh_token", "ok"),
    ]
    assert got[0]["msg"] == (
        "new token from the authorization_code grant (exchange_code(), expires in 5400 s)"
    )
    assert got[1]["msg"] == "new token from the refresh_token grant (refresh(), expires in 5400 s)"
    assert "(the API refused the access token (401), expires in 5400 s)" in got[2]["msg"]
    statuses = [r.status_code for r in logs.requests()]
    assert statuses == [200, 200, 401, 200, 200]


@pytest.mark.asyncio
async def test_refreshes_log_info_async(fresh_server, logs):
    async with fresh_server.async_client() as c:
        await alogin(c, fresh_server)
        await c.refresh()
        fresh_server.expire_tokens()
        await c.me()
    got = grants(logs)
    assert [(g["grant"], g["outcome"]) for g in got] == [
        ("authorization_code", "ok"),
        ("refresh_token", "ok"),
        ("refresh_token", "ok"),
    ]
    assert "(the API refused the access token (401)" in got[2]["msg"]


def test_client_credentials_renewal_logs_info(fresh_server, logs):
    with fresh_server.client() as c:
        c.client_credentials()
        fresh_server.expire_tokens()
        c.me()
    got = grants(logs)
    assert [(g["grant"], g["outcome"]) for g in got] == [
        ("client_credentials", "ok"),
        ("client_credentials", "ok"),
    ]
    assert got[0]["msg"].startswith(
        "new token from the client_credentials grant (client_credentials()"
    )


def test_a_failed_refresh_logs_its_outcome(fresh_server, logs):
    with fresh_server.client() as c:
        login(c, fresh_server)
        fresh_server.fail_next(400, path="/oauth/token")
        with pytest.raises(procore.OAuthError):
            c.refresh()
    last = grants(logs)[-1]
    assert (last["grant"], last["outcome"]) == ("refresh_token", "failed")
    assert last["msg"].startswith("the refresh_token grant failed (refresh()): OAuth error")


def test_rate_limit_waits_are_logged(fresh_server, logs):
    fresh_server.set_rate_limit(3, window_seconds=1)
    with fresh_server.client() as c:
        login(c, fresh_server)
        for _ in range(5):
            c.me()
    waits = [r for r in logs.records if hasattr(r, "wait_seconds") and not hasattr(r, "reason")]
    assert waits, [r.getMessage() for r in logs.records]
    for r in waits:
        assert r.getMessage().startswith("rate limit: ")
        assert 0 < r.wait_seconds <= 60


# ---------------------------------------------------------------------------------------------
# Nothing secret, ever


def record_texts(r: logging.LogRecord) -> Iterator[str]:
    yield r.getMessage()
    yield repr(r.msg)
    yield repr(r.args)
    yield str(r.exc_text)
    yield repr(vars(r))
    yield logging.Formatter("%(name)s %(levelname)s %(message)s").format(r)


def assert_no_secret(records: List[logging.LogRecord], secrets: List[str]) -> None:
    assert all(isinstance(s, str) and len(s) >= 8 for s in secrets)
    assert records
    for r in records:
        # A bool, so a failure never prints the secret.
        leaked = any(s in text for text in record_texts(r) for s in secrets)
        assert not leaked, f"a secret in a record of {r.name} at {r.levelname}"


def tokens_of(*tokens) -> List[str]:
    out = []
    for t in tokens:
        out.append(t.access_token)
        if t.refresh_token:
            out.append(t.refresh_token)
    return out


def test_no_secret_in_any_record_sync(fresh_server, every_record):
    server = fresh_server
    secrets = [server.client_secret]
    with server.client(max_retries=1) as c:
        code = server.approve(c.authorization_url())
        secrets.append(code)
        first = c.exchange_code(code)
        with pytest.raises(procore.OAuthError):
            c.exchange_code(code)  # spent: the server refuses it
        c.me()
        second = c.refresh()
        server.expire_tokens()
        c.projects.list()
        third = c.token
        server.fail_next(400, path="/oauth/token")
        with pytest.raises(procore.OAuthError):
            c.refresh()
        c.revoke()
        cc = c.client_credentials()
        server.expire_tokens()
        c.me()
        secrets += tokens_of(first, second, third, cc, c.token)
    names = {r.name for r in every_record.records}
    assert {"procore.http", "procore.oauth"} <= names
    assert_no_secret(every_record.records, secrets)


@pytest.mark.asyncio
async def test_no_secret_in_any_record_async(fresh_server, every_record):
    server = fresh_server
    secrets = [server.client_secret]
    async with server.async_client(max_retries=1) as c:
        code = server.approve(c.authorization_url())
        secrets.append(code)
        first = await c.exchange_code(code)
        second = await c.refresh()
        server.expire_tokens()
        await asyncio.gather(c.me(), c.me(), c.companies.list())
        third = c.token
        server.fail_next(500, path=ME)
        await c.me()
        secrets += tokens_of(first, second, third)
    assert_no_secret(every_record.records, secrets)


# ---------------------------------------------------------------------------------------------
# Levels follow `logging`, whenever they change


def test_level_changes_after_import_take_effect(client, logs):
    logger = logging.getLogger("procore")
    logger.setLevel(logging.WARNING)
    client.me()
    assert logs.records == []
    logger.setLevel(logging.DEBUG)
    client.me()
    assert len(logs.requests()) == 1
    logging.getLogger("procore.http").setLevel(logging.INFO)
    try:
        client.me()
        assert len(logs.requests()) == 1
    finally:
        logging.getLogger("procore.http").setLevel(logging.NOTSET)
    logging.disable(logging.DEBUG)
    try:
        client.me()
        assert len(logs.requests()) == 1
    finally:
        logging.disable(logging.NOTSET)
    client.me()
    assert len(logs.requests()) == 2


@pytest.mark.asyncio
async def test_level_changes_reach_the_runtime_threads(aclient, logs):
    logger = logging.getLogger("procore")
    logger.setLevel(logging.INFO)
    await asyncio.gather(*(aclient.me() for _ in range(10)))
    assert logs.requests() == []
    logger.setLevel(logging.DEBUG)
    await asyncio.gather(*(aclient.me() for _ in range(10)))
    assert len(logs.requests()) == 10


def test_a_disabled_logger_gets_nothing(client, logs):
    http = logging.getLogger("procore.http")
    http.disabled = True
    try:
        client.me()
    finally:
        http.disabled = False
    assert logs.requests() == []


def test_a_failing_filter_does_not_fail_the_call(client, logs):
    class Boom(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            raise RuntimeError("filter failed")

    seen = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    http = logging.getLogger("procore.http")
    boom = Boom()
    http.addFilter(boom)
    try:
        assert client.me().id == 1234567
    finally:
        http.removeFilter(boom)
        sys.unraisablehook = hook
    assert [str(e) for e in seen] == ["filter failed"]


def child_env(server, **extra: str) -> Dict[str, str]:
    return dict(
        os.environ,
        MOCK_CLIENT_ID=server.client_id,
        MOCK_CLIENT_SECRET=server.client_secret,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
        MOCK_COMPANY_ID=str(server.company_id),
        **extra,
    )


NOTEBOOK = textwrap.dedent(
    """
    import logging, os, sys
    import procore

    def handlers():
        names = ["procore", "procore.http", "procore.oauth", ""]
        return {n: logging.getLogger(n).handlers for n in names}

    # No logger is made at import: a later dictConfig cannot disable procore's.
    assert not [n for n in logging.root.manager.loggerDict if n.startswith("procore")]
    assert all(h == [] for h in handlers().values()), handlers()
    client = procore.Client(
        os.environ["MOCK_CLIENT_ID"], os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
    )
    client.client_credentials()
    client.me()
    assert all(h == [] for h in handlers().values()), handlers()
    print("configuring", file=sys.stderr, flush=True)
    # A later cell turns logging on.
    logging.basicConfig(level=logging.DEBUG, format="%(name)s:%(levelname)s:%(message)s")
    client.me()
    client.refresh()
    client.close()
    """
)


def test_nothing_without_configuration_then_basicconfig_in_a_later_cell(server, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", NOTEBOOK],
        env=child_env(server),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, after = proc.stderr.split("configuring\n")
    assert before == ""  # no output while logging is not configured
    lines = after.splitlines()
    first = r"procore\.http:DEBUG:GET /rest/v1\.0/me 200 \(\d+\.\d ms, attempt 1, request id \w{32}\)"
    assert re.fullmatch(first, lines[0]), lines
    assert "procore.oauth:INFO:new token from the client_credentials grant (refresh()" in after
    assert list(tmp_path.iterdir()) == []  # no file written


DICTCONFIG = textwrap.dedent(
    """
    import logging.config, os, sys
    import procore

    client = procore.Client(
        os.environ["MOCK_CLIENT_ID"], os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
    )
    client.client_credentials()
    client.me()
    # Configured after the import and after calls, naming no procore logger; the default
    # disable_existing_loggers=True disables every logger that exists by now.
    logging.config.dictConfig({
        "version": 1,
        "handlers": {"err": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
        "root": {"level": "DEBUG", "handlers": ["err"]},
    })
    client.me()
    client.close()
    """
)


def test_dictconfig_after_import_and_calls_still_gets_the_records(server):
    proc = subprocess.run(
        [sys.executable, "-c", DICTCONFIG],
        env=child_env(server),
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = r"GET /rest/v1\.0/me 200 \(\d+\.\d ms, attempt 1, request id [0-9a-f]{32}\)\n"
    assert re.fullmatch(line, proc.stderr), proc.stderr


def test_levels_are_read_from_atomics_kept_in_step_with_logging():
    """The fast path is in use (its correctness is what the tests above check): procore
    follows level changes through the root logger's cache instead of asking `logging` about
    every record."""
    from procore import _logging

    assert isinstance(logging.root._cache, _logging._LevelCache)


# ---------------------------------------------------------------------------------------------
# Exit: records made while the interpreter shuts down are dropped, never a crash

EXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio, logging, os, sys, procore
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    async def main():
        async with procore.AsyncClient(
            os.environ["MOCK_CLIENT_ID"], os.environ["MOCK_CLIENT_SECRET"],
            base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
            ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
        ) as client:
            await client.client_credentials()
            users = await asyncio.gather(*(client.me() for _ in range(30)))
            # Calls still running (and logging) when the script ends.
            for _ in range(20):
                asyncio.ensure_future(client.me())
        assert {u.id for u in users} == {1234567}

    asyncio.run(main())
    print("ok")
    """
)


@pytest.mark.timeout(300)
def test_scripts_logging_from_the_async_client_exit_cleanly(server):
    env = child_env(server)
    codes = []
    for _ in range(30):
        proc = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        codes.append(proc.returncode)
        if proc.returncode == 0:
            assert proc.stdout.strip() == "ok"
            assert "DEBUG:procore.http:GET /rest/v1.0/me 200" in proc.stderr
    assert codes == [0] * 30, f"exit codes other than 0: {sorted(set(codes) - {0})}"


def test_ctrl_c_in_a_handler_interrupts_the_sync_call(client, logs):
    class Interrupted(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raise KeyboardInterrupt

    http = logging.getLogger("procore.http")
    handler = Interrupted()
    http.addHandler(handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            client.me()
            # The interrupt is raised again as a signal: by the call, or right after it.
            for _ in range(100_000):
                pass
    finally:
        http.removeHandler(handler)
