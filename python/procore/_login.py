"""``client.login()``: the OAuth 2.0 authorization-code flow for a person at a terminal or in a
notebook.

The browser brings the code back to a listener on this machine (RFC 8252 §7.3,
``http://localhost:PORT/callback``); a random ``state`` ties that answer to this login
(RFC 6749 §10.12) and PKCE ties the code to this process (RFC 7636, S256). Where no listener
can help (a Jupyter kernel, whose browser is often on another machine; a port that cannot be
opened) the user pastes the code Procore shows for the out-of-band redirect URI instead.

The client's ``login`` method (in the extension) calls :func:`login_sync` or
:func:`login_async`. Messages go to stderr, so a script's stdout stays its own. Nothing secret
(the code, the PKCE verifier, tokens, the client secret) is ever printed or put in an
exception message.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import os
import secrets
import socket
import sys
import threading
import webbrowser
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

from ._exceptions import ConfigError, OAuthError
from ._env import in_notebook

if TYPE_CHECKING:  # pragma: no cover
    from ._procore import AsyncClient, Client, Token

__all__ = ["code_challenge", "in_notebook", "login_async", "login_sync", "new_code_verifier"]

OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK_PATH = "/callback"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

# A request to the listener larger than this is not a browser coming back.
_MAX_REQUEST = 16 * 1024
# How long one connection may take to send its request (browsers open idle spare ones).
_CONNECTION_TIMEOUT = 10.0
# How often a blocked sync wait looks for Ctrl-C (Windows does not interrupt a lock wait).
_POLL = 0.25

# ``error`` of the OAuthError raised when the browser does not come back in time.
LOGIN_TIMEOUT = "login_timeout"
# ``error`` of the OAuthError raised when the answer carries another login's state.
STATE_MISMATCH = "state_mismatch"


# ---------------------------------------------------------------------------------------------
# State and PKCE


def new_state() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """A PKCE verifier: 512 random bits as 86 characters of the RFC 7636 alphabet."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: unpadded base64url of its SHA-256 (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# ---------------------------------------------------------------------------------------------
# Where are we?


def _say(*lines: str) -> None:
    err = sys.stderr
    if err is None:  # pythonw: nowhere to print
        return
    print("\n".join(lines), file=err, flush=True)


def _find_browser(open_browser: Optional[bool]) -> Optional[webbrowser.BaseBrowser]:
    if open_browser is False:
        return None
    try:
        return webbrowser.get()
    except webbrowser.Error:
        return None


def _launch(browser: webbrowser.BaseBrowser, url: str) -> None:
    """Open ``url`` in a thread of its own: some browsers (text browsers, ``BROWSER=cmd``)
    keep ``open()`` busy until they exit, and they must reach the listener meanwhile."""

    def run() -> None:
        try:
            ok = browser.open(url, new=2)
        except Exception:
            ok = False
        if not ok:
            _say("Could not open a browser: open the URL above yourself.")

    threading.Thread(target=run, name="procore-login-browser", daemon=True).start()


# ---------------------------------------------------------------------------------------------
# The loopback listener


def _loopback_target(client_redirect_uri: str, port: int) -> Tuple[str, int, Optional[str], str]:
    """(address to bind, port, redirect URI or None to build it from the bound port, path).

    A loopback ``redirect_uri`` given to the client is used exactly as it is (it is what the
    app registered in Procore's Developer Portal); otherwise ``http://localhost:PORT/callback``.
    """
    parts = urlsplit(client_redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        own_port = parts.port or 80
        if port not in (0, own_port):
            raise ConfigError(
                f"login(): port={port} differs from the port of the client's redirect_uri "
                f"({own_port}); give one or the other"
            )
        address = "::1" if host == "::1" else "127.0.0.1"
        return address, own_port, client_redirect_uri, parts.path or "/"
    return "127.0.0.1", port, None, CALLBACK_PATH


class _PortUnavailable(Exception):
    def __init__(self, address: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {address}:{port} ({reason})")
        self.address = address
        self.port = port
        self.reason = reason


def _bind(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "nt":
            # On Windows SO_REUSEADDR would let another process take the port from under us.
            exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE")
            sock.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        else:
            # A fixed port stays in TIME_WAIT for a while after the last login; that is no
            # obstacle to listening again (another listener still is).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(16)
    except OSError as e:
        sock.close()
        raise _PortUnavailable(address, port, e.strerror or str(e)) from e
    return sock


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}

# What the listener makes of one request: a code, a refusal, or nothing (keep waiting).
_Outcome = Union[str, OAuthError, None]


def _page(title: str, text: str) -> str:
    return _PAGE.format(title=html.escape(title), text=html.escape(text))


def _answer(method: str, target: str, path: str, state: str) -> Tuple[int, str, _Outcome]:
    """The reply to one request to the listener, and what it settles.

    Only ``GET`` of the redirect path carrying ``code`` or ``error`` settles the login; anything
    else (``/favicon.ico``, a stray visit) gets its page and the wait goes on.
    """
    if method != "GET":
        return 405, _page("Not allowed", "This address only receives the Procore login."), None
    parts = urlsplit(target)
    if parts.path != path:
        return 404, _page("Not found", "This address only receives the Procore login."), None
    query = parse_qs(parts.query, keep_blank_values=True)

    def first(name: str) -> Optional[str]:
        values = query.get(name)
        return values[0] if values else None

    code, error, got_state = first("code"), first("error"), first("state")
    if not code and not error:
        return (
            400,
            _page(
                "Waiting for Procore",
                "This address receives the answer of the Procore login page; "
                "start the login from your program.",
            ),
            None,
        )
    # RFC 6749 §10.12: an answer without our state may be forged (or from an older login).
    if got_state is None or not hmac.compare_digest(
        got_state.encode("utf-8"), state.encode("utf-8")
    ):
        return (
            400,
            _page(
                "Login not completed",
                "This answer does not belong to the login in progress. "
                "Return to the terminal and start the login again.",
            ),
            OAuthError(
                "login(): the browser came back with another login's state (an old tab, or a "
                "forged request): no code was exchanged; run login() again",
                error=STATE_MISMATCH,
            ),
        )
    if error:
        description = first("error_description")
        if description is not None:
            description = " ".join(description.split())[:300]
        message = f"login(): Procore did not authorize the app: {error}"
        if description:
            message += f": {description}"
        return (
            200,
            _page(
                "Login not completed",
                f"Procore answered {error!r}. You can close this tab and return to the terminal.",
            ),
            OAuthError(message, error=error, description=description),
        )
    assert code is not None
    return (
        200,
        _page("Logged in to Procore", "You can close this tab and return to the terminal."),
        code,
    )


def _http_response(status: int, page: str, head_only: bool) -> bytes:
    body = page.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    return head if head_only else head + body


async def _serve(
    sock: socket.socket, path: str, state: str, timeout: float
) -> Union[str, OAuthError]:
    """Serve on ``sock`` until one request settles the login (a code or a refusal) or
    ``timeout`` seconds pass. The socket is closed when this returns, raises or is cancelled."""
    loop = asyncio.get_running_loop()
    settled: "asyncio.Future[Union[str, OAuthError]]" = loop.create_future()
    writers = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.add(writer)
        try:
            try:
                head = await asyncio.wait_for(
                    reader.readuntil(b"\r\n\r\n"), _CONNECTION_TIMEOUT
                )
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
                return
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            fields = request_line.split(" ")
            if len(fields) != 3 or not fields[2].startswith("HTTP/"):
                writer.write(_http_response(400, _page("Bad request", ""), False))
                await writer.drain()
                return
            method, target = fields[0], fields[1]
            if settled.done():
                status, page, outcome = 404, _page("Done", "The login is over."), None
            else:
                status, page, outcome = _answer(method, target, path, state)
            writer.write(_http_response(status, page, method == "HEAD"))
            # The page is out before the login moves on (and the listener closes).
            await writer.drain()
            if outcome is not None and not settled.done():
                settled.set_result(outcome)
        except (ConnectionError, OSError):
            return
        finally:
            writers.discard(writer)
            writer.close()

    try:
        server = await asyncio.start_server(handle, sock=sock, limit=_MAX_REQUEST)
    except BaseException:
        sock.close()
        raise
    try:
        return await asyncio.wait_for(settled, timeout)
    except asyncio.TimeoutError:
        minutes = f"{timeout / 60:g} minutes" if timeout >= 60 else f"{timeout:g} seconds"
        raise OAuthError(
            f"login(): the browser did not come back within {minutes}; run login() again "
            "(login(oob=True) asks for the code instead)",
            error=LOGIN_TIMEOUT,
        ) from None
    finally:
        server.close()
        for w in list(writers):
            w.close()
        await server.wait_closed()
        sock.close()


def _serve_blocking(
    sock: socket.socket, path: str, state: str, timeout: float
) -> Union[str, OAuthError]:
    """:func:`_serve` on an event loop of its own in a thread, so that it works whatever the
    calling thread runs; Ctrl-C here cancels it (closing the socket) and is raised."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(_serve(sock, path, state, timeout))
    result: Dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = loop.run_until_complete(task)
        except BaseException as e:  # delivered to the caller below
            result["error"] = e
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="procore-login-callback", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(_POLL)
    except BaseException:
        try:
            loop.call_soon_threadsafe(task.cancel)
        except RuntimeError:  # the loop already finished
            pass
        thread.join(5.0)
        sock.close()
        raise
    if "error" in result:
        raise result["error"]
    outcome: Union[str, OAuthError] = result["value"]
    return outcome


# ---------------------------------------------------------------------------------------------
# The flow


class _Flow:
    """One login: what to show, where to listen, and the secrets to check the answer with."""

    def __init__(
        self,
        client: Any,
        open_browser: Optional[bool],
        oob: Optional[bool],
        port: int,
        timeout: float,
        client_redirect_uri: str,
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.state = new_state()
        self.verifier = new_code_verifier()
        self.sock: Optional[socket.socket] = None
        self.path = CALLBACK_PATH
        use_oob = oob is True or (oob is None and in_notebook())
        if not use_oob:
            address, want_port, redirect_uri, self.path = _loopback_target(
                client_redirect_uri, port
            )
            try:
                self.sock = _bind(address, want_port)
            except _PortUnavailable as e:
                if oob is False:
                    raise ConfigError(
                        f"login(): {e}: pass another port= (0 picks a free one) or "
                        "oob=True to paste the code instead"
                    ) from e
                _say(f"Cannot listen on {e.address}:{e.port} ({e.reason}): paste the code instead.")
                use_oob = True
            else:
                if redirect_uri is None:
                    redirect_uri = f"http://localhost:{self.sock.getsockname()[1]}{CALLBACK_PATH}"
                self.redirect_uri = redirect_uri
        self.oob = use_oob
        if use_oob:
            self.redirect_uri = OOB
        try:
            # The out-of-band page shows the code and sends nothing back: no state to check.
            self.url: str = client.authorization_url(
                None if use_oob else self.state,
                redirect_uri=self.redirect_uri,
                code_challenge=code_challenge(self.verifier),
            )
        except BaseException:
            self.close()
            raise
        self.browser = _find_browser(open_browser)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()

    def show(self) -> None:
        """Print the URL (always, so it can be copied) and open the browser when there is one."""
        if self.oob:
            _say(
                "Open this URL in a browser, log in to Procore and approve the app;",
                "Procore then shows an authorization code:",
                "",
                f"    {self.url}",
                "",
            )
        else:
            opening = (
                "Log in to Procore in the browser that opens. If none does, open this URL:"
                if self.browser is not None
                else "Open this URL in a browser on this machine and log in to Procore:"
            )
            _say(
                opening,
                "",
                f"    {self.url}",
                "",
                f"Waiting for the browser to come back to {self.redirect_uri} (Ctrl-C to cancel).",
            )
            _say(
                "(If Procore calls the redirect URI invalid, register it for the app in the "
                "Developer Portal, with a fixed port: login(port=N). If the browser runs on "
                "another machine, use login(oob=True).)"
            )
        if self.browser is not None:
            _launch(self.browser, self.url)

    def read_code(self) -> str:
        """The code the user pastes (``input()``, which Jupyter answers with a text box)."""
        try:
            pasted = input("Paste the authorization code here: ")
        except EOFError:
            raise ConfigError(
                "login(): no authorization code could be read (standard input is closed); "
                "run login() where you can type, or use client_credentials()"
            ) from None
        code = _code_from_paste(pasted)
        if not code:
            raise ConfigError("login(): no authorization code was entered")
        return code

    @staticmethod
    def code(outcome: Union[str, OAuthError]) -> str:
        """The code the browser brought back, or the refusal raised."""
        if isinstance(outcome, OAuthError):
            raise outcome
        return outcome


def _code_from_paste(text: str) -> str:
    """The code from what the user pasted: the code itself, or the address of the page that
    shows it (``…/oauth/authorize/CODE``), or an address carrying ``?code=…``."""
    text = text.strip()
    if "://" not in text:
        return text
    parts = urlsplit(text)
    codes = parse_qs(parts.query).get("code")
    if codes:
        return codes[0].strip()
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 3 and segments[-3:-1] == ["oauth", "authorize"]:
        return segments[-1]
    return text


def login_sync(
    client: "Client",
    *,
    open_browser: Optional[bool],
    oob: Optional[bool],
    port: int,
    timeout: float,
    client_redirect_uri: str,
) -> "Token":
    """``Client.login()``: blocks until the token is in, Ctrl-C included."""
    flow = _Flow(client, open_browser, oob, port, timeout, client_redirect_uri)
    try:
        flow.show()
        if flow.oob:
            outcome: Union[str, OAuthError] = flow.read_code()
        else:
            assert flow.sock is not None
            outcome = _serve_blocking(flow.sock, flow.path, flow.state, flow.timeout)
    finally:
        flow.close()
    return client.exchange_code(
        flow.code(outcome), redirect_uri=flow.redirect_uri, code_verifier=flow.verifier
    )


async def login_async(
    client: "AsyncClient",
    *,
    open_browser: Optional[bool],
    oob: Optional[bool],
    port: int,
    timeout: float,
    client_redirect_uri: str,
) -> "Token":
    """``AsyncClient.login()``. In out-of-band mode the code is read with a plain ``input()``,
    as a notebook needs (the event loop waits meanwhile)."""
    flow = _Flow(client, open_browser, oob, port, timeout, client_redirect_uri)
    try:
        flow.show()
        if flow.oob:
            outcome: Union[str, OAuthError] = flow.read_code()
        else:
            assert flow.sock is not None
            outcome = await _serve(flow.sock, flow.path, flow.state, flow.timeout)
    finally:
        flow.close()
    return await client.exchange_code(
        flow.code(outcome), redirect_uri=flow.redirect_uri, code_verifier=flow.verifier
    )
