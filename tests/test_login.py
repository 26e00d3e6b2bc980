"""``client.login()``: the browser login, sync and async, against the mock's real HTTPS login
host and the client's real loopback listener.

The user's browser is played by ``MockServer.browse`` (real HTTPS to the mock's authorize
endpoint, then the real redirect to the listener), reached through ``webbrowser.get()`` or,
in child processes, through the ``BROWSER`` environment variable as a user would set it.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import webbrowser
from typing import Any, Callable, List, Optional
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

import procore
from procore import _env
from procore.testing import BrowserVisit, MockServer

from helpers import OOB, token_grants

URL_RE = re.compile(r"https://\S+/oauth/authorize\?\S+")
# A PKCE verifier of login(): 86 characters of base64url. The flow keeps it in the Rust core
# (Python never sees it); none may be printed either.
VERIFIER_LIKE = re.compile(r"[A-Za-z0-9_-]{86,}")


def new_verifier() -> str:
    """A PKCE verifier for the tests' own flows (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(64)


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# ---------------------------------------------------------------------------------------------
# The user's side


class FakeBrowser(webbrowser.BaseBrowser):
    """What ``webbrowser.get()`` returns in these tests: opens a URL the way a browser would,
    against the mock (``MockServer.browse``), optionally after changing the URL."""

    def __init__(
        self,
        server: MockServer,
        *,
        deny: bool = False,
        tamper: Optional[Callable[[str], str]] = None,
        before: Optional[Callable[[str], None]] = None,
    ) -> None:
        super().__init__("fake")
        self.server = server
        self.deny = deny
        self.tamper = tamper
        self.before = before
        self.opened: List[str] = []
        self._visits: List[BrowserVisit] = []
        self._errors: List[BaseException] = []
        self._finished = 0
        self._cond = threading.Condition()

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        with self._cond:
            self.opened.append(url)
        try:
            if self.before is not None:
                self.before(url)
            target = self.tamper(url) if self.tamper else url
            self._visits.append(self.server.browse(target, deny=self.deny))
        except BaseException as e:  # reported by the test
            self._errors.append(e)
            return False
        finally:
            with self._cond:
                self._finished += 1
                self._cond.notify_all()
        return True

    def _settle(self) -> None:
        # login() may return as soon as the listener has answered, before this browser (in
        # its own thread) has read the page: wait for every open() to finish.
        with self._cond:
            assert self._cond.wait_for(lambda: self._finished == len(self.opened), 30)

    @property
    def visits(self) -> List[BrowserVisit]:
        self._settle()
        return self._visits

    @property
    def errors(self) -> List[BaseException]:
        self._settle()
        return self._errors


class UserAtTerminal:
    """Stands in for ``sys.stderr`` and for the person reading it: once the login URL is
    printed, opens it in ``browser`` (in a thread, as a person would while the program waits)."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.text = ""
        self.visits: List[BrowserVisit] = []
        self.errors: List[BaseException] = []
        self.threads: List[threading.Thread] = []

    def write(self, s: str) -> int:
        self.text += s
        m = URL_RE.search(s)
        if m:
            t = threading.Thread(target=self._visit, args=(m.group(0),))
            t.start()
            self.threads.append(t)
        return len(s)

    def flush(self) -> None:
        pass

    def _visit(self, url: str) -> None:
        try:
            self.visits.append(self.server.browse(url))
        except BaseException as e:
            self.errors.append(e)

    def join(self) -> None:
        for t in self.threads:
            t.join(30)


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    q.update(changes)
    return urlunsplit(parts._replace(query=urlencode(q)))


def port_is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (a TIME_WAIT left by a finished answer is no listener)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return True
    except OSError:
        return False
    finally:
        s.close()


def listener_port(url: str) -> int:
    port = urlsplit(query(url)["redirect_uri"]).port
    assert port is not None
    return port


@pytest.fixture
def use_browser(monkeypatch: pytest.MonkeyPatch) -> Callable[[webbrowser.BaseBrowser], Any]:
    def install(browser: webbrowser.BaseBrowser) -> Any:
        monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
        return browser

    return install


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    def get(using: Any = None) -> Any:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", get)


def assert_no_secret(text: str, *secrets: Optional[str]) -> None:
    for s in secrets:
        if s:
            assert s not in text


def code_of(visit: BrowserVisit) -> str:
    return query(visit.redirect_url)["code"]


def assert_pkce_challenge(q: dict) -> None:
    """The authorization request carries an S256 challenge: 43 characters of base64url (the
    mock's token endpoint then checks the verifier against it)."""
    assert q["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", q["code_challenge"])
    assert q["code_challenge"] != q.get("state")


# ---------------------------------------------------------------------------------------------
# The loopback flow end to end


def test_loopback_login_end_to_end(fresh_server, use_browser, capfd, tmp_path):
    server = fresh_server
    browser = use_browser(FakeBrowser(server))
    store = tmp_path / "token.json"
    with server.client(token_store=str(store)) as client:
        token = client.login()
        assert isinstance(token, procore.Token)
        assert client.token == token
        assert client.me().name == "Joe Builder"

    assert browser.errors == []
    [url] = browser.opened
    q = query(url)
    port = listener_port(url)
    assert q["redirect_uri"] == f"http://localhost:{port}/callback"
    assert q["response_type"] == "code" and q["client_id"] == server.client_id
    assert_pkce_challenge(q)
    assert len(q["state"]) >= 43
    [visit] = browser.visits
    assert visit.redirect_url.startswith(f"http://localhost:{port}/callback?code=")
    assert query(visit.redirect_url)["state"] == q["state"]
    assert visit.status == 200 and "return to the terminal" in visit.text
    assert token_grants(server)["authorization_code"] == 1
    assert json.loads(store.read_text())["access_token"] == token.access_token
    assert port_is_free(port)

    out = capfd.readouterr()
    assert url in out.err and out.out == ""
    assert "Waiting for the browser" in out.err
    assert_no_secret(
        out.err + out.out,
        code_of(visit),
        token.access_token,
        token.refresh_token,
        server.client_secret,
    )
    assert not VERIFIER_LIKE.search(out.err + out.out)


@pytest.mark.asyncio
async def test_loopback_login_end_to_end_async(
    fresh_server, use_browser, capfd, tmp_path
):
    server = fresh_server
    browser = use_browser(FakeBrowser(server))
    store = tmp_path / "token.json"
    async with server.async_client(token_store=str(store)) as client:
        token = await client.login()
        assert isinstance(token, procore.Token)
        assert client.token == token
        assert (await client.me()).name == "Joe Builder"

    assert browser.errors == []
    [url] = browser.opened
    q = query(url)
    assert_pkce_challenge(q)
    [visit] = browser.visits
    assert visit.status == 200 and "return to the terminal" in visit.text
    assert token_grants(server)["authorization_code"] == 1
    assert json.loads(store.read_text())["access_token"] == token.access_token
    assert port_is_free(listener_port(url))
    out = capfd.readouterr()
    assert url in out.err
    assert_no_secret(
        out.err + out.out,
        code_of(visit),
        token.access_token,
        token.refresh_token,
        server.client_secret,
    )
    assert not VERIFIER_LIKE.search(out.err + out.out)


def test_login_is_usable_from_a_thread_while_an_event_loop_runs(server, use_browser):
    # A sync client inside async code: the listener runs on a loop of its own.
    use_browser(FakeBrowser(server))

    async def main() -> str:
        with server.client() as client:
            client.login()
            return client.me().name

    assert asyncio.run(main()) == "Joe Builder"


def test_stray_requests_are_ignored(server, use_browser):
    import http.client

    answers = []

    def stray(url: str) -> None:
        port = listener_port(url)
        for method, path in [
            ("GET", "/favicon.ico"),
            ("GET", "/callback"),
            ("GET", "/callback?foo=bar"),
            ("POST", "/callback?code=x&state=y"),
        ]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path)
            r = conn.getresponse()
            answers.append((method, path, r.status, r.getheader("Cache-Control")))
            r.read()
            conn.close()

    browser = use_browser(FakeBrowser(server, before=stray))
    with server.client() as client:
        client.login()
        assert client.me().id == 1234567
    assert browser.errors == []
    assert [a[2] for a in answers] == [404, 400, 400, 405]
    assert all(a[3] == "no-store" for a in answers)


def test_a_loopback_redirect_uri_of_the_client_is_used_as_it_is(server, use_browser):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    redirect = f"http://127.0.0.1:{port}/procore/oauth"
    browser = use_browser(FakeBrowser(server))
    with server.client(redirect_uri=redirect) as client:
        with pytest.raises(procore.ConfigError, match="port"):
            client.login(port=port + 1 if port < 65535 else port - 1)
        client.login(port=port)
        assert client.me().id == 1234567
    assert query(browser.opened[0])["redirect_uri"] == redirect
    assert browser.visits[0].redirect_url.startswith(redirect + "?code=")


def test_login_through_the_browser_environment_variable(fresh_server, tmp_path):
    # A real ``webbrowser`` in a process of its own, told by BROWSER which program to run.
    run_child(fresh_server, tmp_path, "sync")


def test_async_login_through_the_browser_environment_variable(fresh_server, tmp_path):
    run_child(fresh_server, tmp_path, "async")


CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    import procore

    kw = dict(
        client_id=os.environ["MOCK_CLIENT_ID"],
        client_secret=os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"],
        login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"],
        token_store=os.environ["MOCK_TOKEN_STORE"],
    )
    if sys.argv[1] == "sync":
        with procore.Client(**kw) as client:
            client.login(timeout=60)
            print(client.me().name)
    else:
        async def main():
            async with procore.AsyncClient(**kw) as client:
                await client.login(timeout=60)
                print((await client.me()).name)
        asyncio.run(main())
    """
)


def child_env(server: MockServer, tmp_path: Any, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        MOCK_CLIENT_ID=server.client_id,
        MOCK_CLIENT_SECRET=server.client_secret,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
        MOCK_TOKEN_STORE=str(tmp_path / "token.json"),
    )
    env.update(extra)
    return env


def run_child(server: MockServer, tmp_path: Any, flavor: str) -> None:
    env = child_env(server, tmp_path, BROWSER=server.browser_script())
    done = subprocess.run(
        [sys.executable, "-c", CHILD, flavor],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Joe Builder\n"
    assert "http://localhost:" in done.stderr and "/oauth/authorize?" in done.stderr
    assert token_grants(server)["authorization_code"] == 1
    stored = json.loads((tmp_path / "token.json").read_text())
    output = done.stdout + done.stderr
    assert_no_secret(
        output, stored["access_token"], stored["refresh_token"], server.client_secret
    )
    # Codes are 64 hex digits: none was printed.
    assert not re.search(r"\b[0-9a-f]{64}\b", output.replace(server.client_id, ""))


# ---------------------------------------------------------------------------------------------
# Refusals: state, denial, PKCE, timeout


def other_state(url: str) -> str:
    return with_query(url, state="forged-" + "x" * 40)


def test_wrong_state_is_rejected_and_no_code_exchanged(fresh_server, use_browser, capfd):
    server = fresh_server
    browser = use_browser(FakeBrowser(server, tamper=other_state))
    with server.client() as client:
        with pytest.raises(procore.OAuthError) as info:
            client.login()
        assert client.token is None
    assert info.value.error == "state_mismatch"
    [visit] = browser.visits
    assert visit.status == 400 and "does not belong" in visit.text
    assert token_grants(server)["authorization_code"] == 0
    assert port_is_free(listener_port(browser.opened[0]))
    text = str(info.value) + repr(info.value) + "".join(capfd.readouterr())
    assert_no_secret(text, code_of(visit))


@pytest.mark.asyncio
async def test_wrong_state_is_rejected_and_no_code_exchanged_async(fresh_server, use_browser):
    server = fresh_server
    browser = use_browser(FakeBrowser(server, tamper=other_state))
    async with server.async_client() as client:
        with pytest.raises(procore.OAuthError) as info:
            await client.login()
        assert client.token is None
    assert info.value.error == "state_mismatch"
    assert token_grants(server)["authorization_code"] == 0
    assert_no_secret(str(info.value), code_of(browser.visits[0]))


def test_a_missing_state_is_rejected(fresh_server, use_browser):
    def drop_state(url: str) -> str:
        parts = urlsplit(url)
        q = [(k, v[0]) for k, v in parse_qs(parts.query).items() if k != "state"]
        return urlunsplit(parts._replace(query=urlencode(q)))

    use_browser(FakeBrowser(fresh_server, tamper=drop_state))
    with fresh_server.client() as client:
        with pytest.raises(procore.OAuthError) as info:
            client.login()
    assert info.value.error == "state_mismatch"
    assert token_grants(fresh_server)["authorization_code"] == 0


def test_access_denied(fresh_server, use_browser):
    browser = use_browser(FakeBrowser(fresh_server, deny=True))
    with fresh_server.client() as client:
        with pytest.raises(procore.OAuthError) as info:
            client.login()
        assert client.token is None
    assert info.value.error == "access_denied"
    assert info.value.description and "denied" in info.value.description
    assert "access_denied" in str(info.value)
    [visit] = browser.visits
    assert visit.status == 200 and "Login not completed" in visit.text
    assert token_grants(fresh_server)["authorization_code"] == 0
    assert port_is_free(listener_port(browser.opened[0]))


@pytest.mark.asyncio
async def test_access_denied_async(fresh_server, use_browser):
    use_browser(FakeBrowser(fresh_server, deny=True))
    async with fresh_server.async_client() as client:
        with pytest.raises(procore.OAuthError) as info:
            await client.login()
    assert info.value.error == "access_denied"
    assert token_grants(fresh_server)["authorization_code"] == 0


def other_challenge(url: str) -> str:
    return with_query(url, code_challenge=s256("w" * 43))


def test_the_pkce_verifier_is_checked_by_the_server(fresh_server, use_browser):
    # The challenge the server sees no longer matches the verifier login() keeps: the server
    # must refuse.
    browser = use_browser(FakeBrowser(fresh_server, tamper=other_challenge))
    with fresh_server.client() as client:
        with pytest.raises(procore.OAuthError) as info:
            client.login()
        assert client.token is None
    assert info.value.error == "invalid_grant"
    assert info.value.status_code == 400
    assert token_grants(fresh_server)["authorization_code"] == 1
    assert_no_secret(str(info.value) + repr(info.value), code_of(browser.visits[0]))


@pytest.mark.asyncio
async def test_the_pkce_verifier_is_checked_by_the_server_async(fresh_server, use_browser):
    use_browser(FakeBrowser(fresh_server, tamper=other_challenge))
    async with fresh_server.async_client() as client:
        with pytest.raises(procore.OAuthError) as info:
            await client.login()
    assert info.value.error == "invalid_grant"


def test_timeout(server, no_browser):
    with server.client() as client:
        with pytest.raises(procore.OAuthError) as info:
            client.login(timeout=0.3, open_browser=False)
    assert info.value.error == "login_timeout"
    assert "did not come back" in str(info.value)
    assert isinstance(info.value, procore.ProcoreError)


def test_timeout_frees_the_port(server, no_browser, capfd):
    with server.client() as client:
        with pytest.raises(procore.OAuthError):
            client.login(timeout=0.3)
    url = URL_RE.search(capfd.readouterr().err)
    assert url is not None
    assert port_is_free(listener_port(url.group(0)))


@pytest.mark.asyncio
async def test_timeout_async(server, no_browser, capfd):
    async with server.async_client() as client:
        with pytest.raises(procore.OAuthError) as info:
            await client.login(timeout=0.3)
    assert info.value.error == "login_timeout"
    url = URL_RE.search(capfd.readouterr().err)
    assert url is not None
    assert port_is_free(listener_port(url.group(0)))


# ---------------------------------------------------------------------------------------------
# No browser, out of band, notebooks


def test_the_url_is_printed_when_there_is_no_browser(server, no_browser, monkeypatch):
    user = UserAtTerminal(server)
    monkeypatch.setattr(sys, "stderr", user)
    with server.client() as client:
        client.login()
        assert client.me().id == 1234567
    user.join()
    assert user.errors == []
    assert "Open this URL in a browser on this machine" in user.text
    assert "login(oob=True)" in user.text
    assert user.visits[0].status == 200


@pytest.mark.asyncio
async def test_the_url_is_printed_when_there_is_no_browser_async(
    server, no_browser, monkeypatch
):
    user = UserAtTerminal(server)
    monkeypatch.setattr(sys, "stderr", user)
    async with server.async_client() as client:
        # The person acts from another thread while the event loop serves the listener.
        await client.login()
        assert (await client.me()).id == 1234567
    user.join()
    assert user.errors == [] and user.visits[0].status == 200


def test_open_browser_false_prints_without_opening(server, monkeypatch):
    browser = FakeBrowser(server)
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    user = UserAtTerminal(server)
    monkeypatch.setattr(sys, "stderr", user)
    with server.client() as client:
        client.login(open_browser=False)
    user.join()
    assert browser.opened == []
    assert len(user.visits) == 1


def paste_code_from(server: MockServer, capsys: pytest.CaptureFixture, seen: List[str]):
    """An ``input()`` that does what the user does: open the printed URL, paste the code."""

    def fake_input(prompt: str = "") -> str:
        assert "authorization code" in prompt
        err = capsys.readouterr().err
        url = URL_RE.findall(err)[-1]
        seen.append(url)
        return "  " + server.approve(url) + "\n"

    return fake_input


def test_oob_reads_the_code_with_input(fresh_server, no_browser, monkeypatch, capsys):
    seen: List[str] = []
    monkeypatch.setattr(builtins, "input", paste_code_from(fresh_server, capsys, seen))
    with fresh_server.client() as client:
        token = client.login(oob=True)
        assert client.me().name == "Joe Builder"
    [url] = seen
    q = query(url)
    assert q["redirect_uri"] == OOB
    assert_pkce_challenge(q)
    assert "state" not in q
    assert token_grants(fresh_server)["authorization_code"] == 1
    out = capsys.readouterr()
    assert_no_secret(out.out + out.err, token.access_token, token.refresh_token)
    assert not VERIFIER_LIKE.search(out.out + out.err)


@pytest.mark.asyncio
async def test_oob_reads_the_code_with_input_async(
    fresh_server, no_browser, monkeypatch, capsys
):
    seen: List[str] = []
    monkeypatch.setattr(builtins, "input", paste_code_from(fresh_server, capsys, seen))
    async with fresh_server.async_client() as client:
        await client.login(oob=True)
        assert (await client.me()).name == "Joe Builder"
    assert query(seen[0])["redirect_uri"] == OOB


def test_oob_opens_the_browser_too(server, use_browser, monkeypatch, capsys):
    class Watching(FakeBrowser):
        """Opens nothing: the person reads the code off the page by themselves."""

        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            with self._cond:
                self.opened.append(url)
                self._finished += 1
                self._cond.notify_all()
            return True

    browser = use_browser(Watching(server))
    seen: List[str] = []
    monkeypatch.setattr(builtins, "input", paste_code_from(server, capsys, seen))
    with server.client() as client:
        client.login(oob=True)
    assert browser.visits == []  # (waits for the browser thread)
    assert browser.opened == seen


def test_a_pasted_page_address_gives_its_code(server, no_browser, monkeypatch, capsys):
    def fake_input(prompt: str = "") -> str:
        url = URL_RE.findall(capsys.readouterr().err)[-1]
        return f"{server.login_url}/oauth/authorize/{server.approve(url)}"

    monkeypatch.setattr(builtins, "input", fake_input)
    with server.client() as client:
        client.login(oob=True)
        assert client.me().id == 1234567


def test_a_pasted_redirect_address_gives_its_code(server, no_browser, monkeypatch, capsys):
    # (Every form of paste is a Rust test of the core's login module: pasted_text_gives_its_code.)
    def fake_input(prompt: str = "") -> str:
        url = URL_RE.findall(capsys.readouterr().err)[-1]
        return f"http://localhost:1/callback?code={server.approve(url)}&state=s"

    monkeypatch.setattr(builtins, "input", fake_input)
    with server.client() as client:
        client.login(oob=True)
        assert client.me().id == 1234567


def test_nothing_pasted_is_a_config_error(fresh_server, no_browser, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda prompt="": "   ")
    with fresh_server.client() as client:
        with pytest.raises(procore.ConfigError, match="no authorization code"):
            client.login(oob=True)
    assert token_grants(fresh_server)["authorization_code"] == 0


def test_closed_stdin_is_a_config_error(fresh_server, no_browser, monkeypatch):
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(builtins, "input", eof)
    with fresh_server.client() as client:
        with pytest.raises(procore.ConfigError, match="standard input is closed"):
            client.login(oob=True)


def zmq_shell() -> Any:
    from ipykernel.zmqshell import ZMQInteractiveShell

    # The class is what matters; a running kernel is not needed to build one.
    return ZMQInteractiveShell.__new__(ZMQInteractiveShell)


def test_notebook_detection(monkeypatch):
    import IPython

    assert _env.in_notebook() is False  # plain pytest
    monkeypatch.setattr(IPython, "get_ipython", zmq_shell)
    assert _env.in_notebook() is True

    class ColabShell(type(zmq_shell())):  # a subclass, like Colab's
        pass

    monkeypatch.setattr(IPython, "get_ipython", lambda: ColabShell.__new__(ColabShell))
    assert _env.in_notebook() is True

    from IPython.terminal.interactiveshell import TerminalInteractiveShell

    monkeypatch.setattr(
        IPython,
        "get_ipython",
        lambda: TerminalInteractiveShell.__new__(TerminalInteractiveShell),
    )
    assert _env.in_notebook() is False
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert _env.in_notebook() is False


def test_in_a_notebook_login_asks_for_the_code(fresh_server, no_browser, monkeypatch, capsys):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", zmq_shell)
    seen: List[str] = []
    monkeypatch.setattr(builtins, "input", paste_code_from(fresh_server, capsys, seen))
    with fresh_server.client() as client:
        client.login()
        assert client.me().id == 1234567
    assert query(seen[0])["redirect_uri"] == OOB
    # oob=False still uses the listener in a notebook.
    user = UserAtTerminal(fresh_server)
    monkeypatch.setattr(sys, "stderr", user)
    with fresh_server.client() as client:
        client.login(oob=False)
    user.join()
    assert user.visits and user.visits[0].status == 200


# ---------------------------------------------------------------------------------------------
# The port


@pytest.fixture
def busy_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def test_a_busy_port_is_a_clear_error(server, busy_port, no_browser, capsys):
    before = len(server.requests())
    with server.client() as client:
        with pytest.raises(procore.ConfigError) as info:
            client.login(port=busy_port, oob=False)
    message = str(info.value)
    assert f"127.0.0.1:{busy_port}" in message
    assert "port=" in message and "oob=True" in message
    assert len(server.requests()) == before
    assert capsys.readouterr().err == ""


@pytest.mark.asyncio
async def test_a_busy_port_is_a_clear_error_async(server, busy_port, no_browser):
    async with server.async_client() as client:
        with pytest.raises(procore.ConfigError, match=str(busy_port)):
            await client.login(port=busy_port, oob=False)


def test_a_busy_port_falls_back_to_pasting_the_code(
    fresh_server, busy_port, no_browser, monkeypatch, capsys
):
    seen: List[str] = []
    monkeypatch.setattr(builtins, "input", paste_code_from(fresh_server, capsys, seen))
    with fresh_server.client() as client:
        client.login(port=busy_port)
        assert client.me().id == 1234567
    assert query(seen[0])["redirect_uri"] == OOB


def test_a_fixed_free_port_is_used(server, use_browser):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    browser = use_browser(FakeBrowser(server))
    with server.client() as client:
        client.login(port=port)
        client.login(port=port)  # again at once: the port is free again
    assert [listener_port(u) for u in browser.opened] == [port, port]
    assert all(v.status == 200 for v in browser.visits)


# ---------------------------------------------------------------------------------------------
# Ctrl-C


INTERRUPTED_CHILD = textwrap.dedent(
    """
    import asyncio, os, socket, sys
    import procore

    client_cls = procore.Client if sys.argv[1] == "sync" else procore.AsyncClient
    client = client_cls(
        client_id=os.environ["MOCK_CLIENT_ID"],
        client_secret=os.environ["MOCK_CLIENT_SECRET"],
        base_url=os.environ["MOCK_BASE_URL"],
        login_url=os.environ["MOCK_LOGIN_URL"],
        ca_cert=os.environ["MOCK_CA_CERT"],
    )
    port = int(sys.argv[2])
    try:
        if sys.argv[1] == "sync":
            client.login(open_browser=False, port=port, timeout=120)
        else:
            asyncio.run(client.login(open_browser=False, port=port, timeout=120))
    except KeyboardInterrupt:
        s = socket.socket()
        s.bind(("127.0.0.1", port))  # no SO_REUSEADDR: the listener must be gone
        s.listen(1)
        s.close()
        print("interrupted; port free", flush=True)
        sys.exit(0)
    print("returned", flush=True)
    sys.exit(3)
    """
)


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_ctrl_c_stops_the_wait_and_frees_the_port(server, tmp_path, flavor):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    child = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_CHILD, flavor, str(port)],
        env=child_env(server, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        lines = []
        for line in child.stderr:  # blocks until the child prints that it waits
            lines.append(line)
            if line.startswith("Waiting for the browser"):
                break
        assert lines and lines[-1].startswith("Waiting"), "".join(lines)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert out == "interrupted; port free\n"


# ---------------------------------------------------------------------------------------------
# Arguments, and the lower-level calls


@pytest.mark.parametrize(
    "kwargs",
    [
        {"port": -1},
        {"port": 65536},
        {"port": True},
        {"port": 80.0},
        {"port": "8080"},
        {"timeout": 0},
        {"timeout": -5},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": True},
        {"timeout": "300"},
        {"oob": "yes"},
        {"oob": 1},
        {"open_browser": 0},
    ],
)
def test_bad_arguments_are_config_errors_before_anything_happens(server, kwargs, capsys):
    before = len(server.requests())
    with server.client() as client:
        with pytest.raises(procore.ConfigError):
            client.login(**kwargs)
    async_client = server.async_client()
    with pytest.raises(procore.ConfigError):
        async_client.login(**kwargs)
    assert len(server.requests()) == before
    assert capsys.readouterr().err == ""


def test_login_needs_both_credentials_before_the_user_logs_in(server, capsys):
    with server.client(client_secret=None) as client:
        with pytest.raises(procore.ConfigError, match="client_secret"):
            client.login()
    with procore.Client(
        client_secret="s" * 64, login_url=server.login_url, ca_cert=server.ca_cert
    ) as client:
        with pytest.raises(procore.ConfigError, match="client_id"):
            client.login()
    assert capsys.readouterr().err == ""


def test_a_closed_client_refuses_login(server):
    client = server.client()
    client.close()
    with pytest.raises(procore.ConfigError, match="closed"):
        client.login()


def test_authorization_url_with_a_loopback_redirect_and_pkce(fresh_server):
    server = fresh_server
    verifier = new_verifier()
    redirect = "http://localhost:8765/callback"
    with server.client() as client:
        url = client.authorization_url("st", redirect_uri=redirect, code_challenge=s256(verifier))
        q = query(url)
        assert q["redirect_uri"] == redirect
        assert q["code_challenge_method"] == "S256" and q["state"] == "st"
        # The default stays the client's redirect URI, with no PKCE.
        plain = query(client.authorization_url())
        assert plain["redirect_uri"] == OOB and "code_challenge" not in plain

        code = server.approve(url)
        with pytest.raises(procore.OAuthError) as info:
            client.exchange_code(code, redirect_uri=redirect, code_verifier="v" * 43)
        assert info.value.error == "invalid_grant"
        assert_no_secret(str(info.value), code, "v" * 43)
        with pytest.raises(procore.OAuthError) as info:
            client.exchange_code(code, code_verifier=verifier)  # the OOB redirect URI
        assert info.value.error == "invalid_grant"
        with pytest.raises(procore.OAuthError) as info:
            client.exchange_code(code, redirect_uri=redirect)  # no verifier
        assert info.value.error == "invalid_request"
        token = client.exchange_code(code, redirect_uri=redirect, code_verifier=verifier)
        assert client.token == token
        assert client.me().id == 1234567


@pytest.mark.asyncio
async def test_authorization_url_with_a_loopback_redirect_and_pkce_async(server):
    verifier = new_verifier()
    redirect = "http://127.0.0.1:8765/cb"
    async with server.async_client() as client:
        url = client.authorization_url(redirect_uri=redirect, code_challenge=s256(verifier))
        code = server.approve(url)
        await client.exchange_code(code, redirect_uri=redirect, code_verifier=verifier)
        assert (await client.me()).id == 1234567


@pytest.mark.parametrize(
    "redirect",
    [
        "http://example.com/callback",
        "http://192.168.1.5:8080/callback",
        "ftp://localhost/cb",
        "https://app.example.com/cb#x",
        "",
        "not a url",
    ],
)
def test_bad_redirect_uris_are_config_errors(server, redirect):
    before = len(server.requests())
    with server.client() as client:
        with pytest.raises(procore.ConfigError):
            client.authorization_url(redirect_uri=redirect)
        with pytest.raises(procore.ConfigError):
            client.exchange_code("c" * 64, redirect_uri=redirect)
    with pytest.raises(procore.ConfigError):
        server.client(redirect_uri=redirect)
    assert len(server.requests()) == before


@pytest.mark.parametrize(
    "verifier", ["short", "x" * 129, "x" * 42 + " ", "x" * 50 + "+/=", "é" * 43]
)
def test_bad_code_verifiers_are_config_errors(server, verifier):
    before = len(server.requests())
    with server.client() as client:
        with pytest.raises(procore.ConfigError) as info:
            client.exchange_code("c" * 64, code_verifier=verifier)
        assert verifier not in str(info.value)
        with pytest.raises(procore.ConfigError):
            client.authorization_url(code_challenge=verifier)
    async_client = server.async_client()
    with pytest.raises(procore.ConfigError):
        async_client.exchange_code("c" * 64, code_verifier=verifier)
    assert len(server.requests()) == before


def test_each_login_has_a_state_and_a_pkce_challenge_of_its_own(fresh_server, use_browser):
    # (The generators and the S256 of RFC 7636 appendix B are Rust tests of the core's login
    # module: pkce_follows_rfc7636.)
    browser = use_browser(FakeBrowser(fresh_server))
    with fresh_server.client() as client:
        for _ in range(3):
            client.login()
    sent = [query(url) for url in browser.opened]
    assert len(sent) == 3
    for q in sent:
        assert_pkce_challenge(q)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", q["state"])
    assert len({q["state"] for q in sent}) == 3
    assert len({q["code_challenge"] for q in sent}) == 3
    assert token_grants(fresh_server)["authorization_code"] == 3


def test_browse_refuses_out_of_band_urls(server):
    with server.client() as client:
        with pytest.raises(ValueError, match="approve"):
            server.browse(client.authorization_url())


NOTEBOOK_CELL = textwrap.dedent(
    """
    import builtins, re, sys
    from procore.testing import MockServer

    server = MockServer(companies=1, projects_per_company=0)
    printed = []

    class Tee:
        def __init__(self, inner):
            self.inner = inner
        def write(self, s):
            printed.append(s)
            return self.inner.write(s)
        def flush(self):
            self.inner.flush()

    def paste(prompt=""):
        # The person: opens the printed URL, pastes the code Procore shows.
        url = re.findall(r"https://\\S+/oauth/authorize\\?\\S+", "".join(printed))[-1]
        return server.approve(url)

    sys.stderr = Tee(sys.stderr)
    builtins.input = paste
    client = server.async_client()
    await client.login(open_browser=False)
    print("logged in as", (await client.me()).name)
    await client.close()
    server.close()
    """
)


def test_a_real_kernel_logs_in_out_of_band_with_top_level_await():
    # Auto mode in a real Jupyter kernel picks the paste-the-code flow; input() is answered
    # by the cell itself, since nbclient has no stdin channel.
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(NOTEBOOK_CELL))
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert stdout == "logged in as Joe Builder\n", outputs
    assert "Procore then shows an authorization code" in stderr
    assert "redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in stderr
