"""Test your Procore scripts offline against a mock Procore server.

The mock is a real HTTPS server on ``127.0.0.1`` with its own certificate authority. It behaves
like Procore: the OAuth 2.0 flows (single-use codes, refresh-token rotation, client
credentials), ``/me``, companies and projects with ``Total``/``Per-Page``/``Link`` pagination,
the ``Procore-Company-Id`` header, rate-limit headers and 429s. It can also misbehave on
request: 5xx answers, 429 with ``Retry-After``, slow answers, dropped connections, expired
tokens.

    from procore.testing import MockServer

    with MockServer() as server:
        with server.client() as client:
            code = server.approve(client.authorization_url())   # in place of the user's browser
            client.exchange_code(code)
            print(client.me().name)                              # "Joe Builder"

``python -m procore.testing`` runs one in the foreground and prints how to reach it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import ssl
import stat
import sys
import tempfile
import weakref
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional
from urllib.parse import parse_qs, urlsplit

from . import _procore

if TYPE_CHECKING:  # pragma: no cover
    import procore

__all__ = ["BrowserVisit", "MockServer"]


class BrowserVisit(NamedTuple):
    """What :meth:`MockServer.browse` did: the redirect it followed and what the app answered."""

    #: The redirect URI with ``code`` (or ``error``) and ``state``, as the mock sent it.
    redirect_url: str
    #: The HTTP status the app's redirect URI answered.
    status: int
    #: The page the app's redirect URI answered.
    text: str


def _browse(
    authorization_url: str, ca_cert: str, *, deny: bool = False, timeout: float = 30.0
) -> BrowserVisit:
    """The browser's part of a redirect-URI login, against a mock whose CA is ``ca_cert``."""
    parts = urlsplit(authorization_url)
    redirect = parse_qs(parts.query).get("redirect_uri", [""])[0]
    if redirect == "urn:ietf:wg:oauth:2.0:oob":
        raise ValueError("browse() follows a redirect; use approve() for the out-of-band URI")
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("the authorization URL must be the mock's https login host")
    context = ssl.create_default_context(cafile=ca_cert)
    conn = http.client.HTTPSConnection(
        parts.hostname, parts.port, context=context, timeout=timeout
    )
    try:
        # The "Deny" button is Doorkeeper's DELETE of the same URL.
        conn.request("DELETE" if deny else "GET", f"{parts.path}?{parts.query}")
        resp = conn.getresponse()
        resp.read()
        location = resp.getheader("Location")
    finally:
        conn.close()
    if resp.status != 302 or not location:
        raise ValueError(f"the mock answered {resp.status} instead of redirecting")
    target = urlsplit(location)
    if target.scheme == "https":
        back: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.hostname or "", target.port, timeout=timeout
        )
    elif target.scheme == "http":
        back = http.client.HTTPConnection(target.hostname or "", target.port, timeout=timeout)
    else:
        raise ValueError(f"cannot follow a redirect to a {target.scheme!r} URL")
    try:
        path = target.path or "/"
        back.request("GET", f"{path}?{target.query}" if target.query else path)
        answer = back.getresponse()
        text = answer.read().decode("utf-8", "replace")
    finally:
        back.close()
    return BrowserVisit(location, answer.status, text)


# Run as a program by ``webbrowser`` (see MockServer.browser_script): exit status 0 when the
# app's redirect URI answered 2xx. Prints nothing on success: the URL carries the code.
_BROWSER_SCRIPT = """#!{python}
import sys
sys.path.insert(0, {path!r})
from procore.testing import _browse
try:
    visit = _browse(sys.argv[1], {ca_cert!r}, deny={deny!r})
except Exception as e:
    print("fake browser: " + type(e).__name__, file=sys.stderr)
    sys.exit(1)
sys.exit(0 if 200 <= visit.status < 300 else 1)
"""


def _cleanup(server: Any, tmpdir: str) -> None:
    try:
        server.close()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


class MockServer:
    """A running mock Procore server; also a context manager that closes it on exit.

    It starts when created. Two hosts: ``login_url`` (OAuth, like ``login.procore.com``) and
    ``base_url`` (REST, like ``api.procore.com``), both ``https://127.0.0.1:PORT``. Clients
    trust the mock's CA through ``ca_cert``, the path of its PEM file (in a temporary
    directory removed on close).

    ``client_id`` and ``client_secret`` are random throwaway credentials unless given.
    Company ids are 64-bit (above 2**32); ``company_id`` is the first one.

    Besides ``/me``, companies and projects, it answers every GET operation of the catalog
    with records shaped by the operation's response type (deterministic: the same request
    gets the same answer), paginated and filtered (``filters[id]``, ``filters[updated_at]``
    ranges, ``filters[include_deleted]``), and the writes of the collections they list.
    ``records_per_list`` sets the number of records of every such list (by default each
    route has its own, 25 to 250; see ``set_records``).
    """

    def __init__(
        self,
        *,
        companies: int = 2,
        projects_per_company: int = 250,
        token_lifetime: int = 5400,
        code_lifetime: int = 600,
        default_per_page: int = 100,
        max_per_page: int = 300,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        records_per_list: Optional[int] = None,
    ) -> None:
        for name, value, least in (
            ("companies", companies, 1),
            ("projects_per_company", projects_per_company, 0),
            ("token_lifetime", token_lifetime, 0),
            ("code_lifetime", code_lifetime, 0),
            ("default_per_page", default_per_page, 1),
            ("max_per_page", max_per_page, 1),
            ("records_per_list", 0 if records_per_list is None else records_per_list, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}")
        server = _procore.MockServer(
            client_id=client_id,
            client_secret=client_secret,
            companies=companies,
            projects_per_company=projects_per_company,
            token_lifetime=token_lifetime,
            code_lifetime=code_lifetime,
            default_per_page=default_per_page,
            max_per_page=max_per_page,
        )
        if records_per_list is not None:
            server.set_records(records_per_list)
        tmpdir = tempfile.mkdtemp(prefix="procore-mock-")
        self._finalizer = weakref.finalize(self, _cleanup, server, tmpdir)
        ca_cert = os.path.join(tmpdir, "ca.pem")
        with open(ca_cert, "w", encoding="ascii") as f:
            f.write(server.ca_cert_pem)
        self._server = server
        self._tmpdir = tmpdir
        #: The API host, ``https://127.0.0.1:PORT``.
        self.base_url: str = server.base_url
        #: The login (OAuth) host, ``https://127.0.0.1:PORT``.
        self.login_url: str = server.login_url
        #: Path of the mock's CA certificate (PEM); pass it as ``ca_cert=`` to a client.
        self.ca_cert: str = ca_cert
        #: The CA certificate itself (PEM text).
        self.ca_cert_pem: str = server.ca_cert_pem
        self.client_id: str = server.client_id
        self.client_secret: str = server.client_secret
        #: The first company's id.
        self.company_id: int = server.company_id
        #: Every company's id, in order.
        self.company_ids: List[int] = list(server.company_ids)

    # ----- lifecycle -----

    def close(self) -> None:
        """Stop the server (both hosts) and remove the CA file. Idempotent."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> "MockServer":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return (
            f"<procore.testing.MockServer base_url={self.base_url!r} "
            f"login_url={self.login_url!r} company_id={self.company_id}{state}>"
        )

    # ----- clients -----

    def _client_kwargs(self, overrides: Dict[str, Any]) -> Dict[str, Any]:
        if self.closed:
            raise RuntimeError("the mock server is closed")
        kwargs: Dict[str, Any] = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "base_url": self.base_url,
            "login_url": self.login_url,
            "ca_cert": self.ca_cert,
            "company_id": self.company_id,
        }
        kwargs.update(overrides)
        return kwargs

    def client(self, **overrides: Any) -> "procore.Client":
        """A ``procore.Client`` configured for this mock (keyword arguments override)."""
        from procore import Client

        return Client(**self._client_kwargs(overrides))

    def async_client(self, **overrides: Any) -> "procore.AsyncClient":
        """A ``procore.AsyncClient`` configured for this mock (keyword arguments override)."""
        from procore import AsyncClient

        return AsyncClient(**self._client_kwargs(overrides))

    # ----- OAuth -----

    def approve(self, authorization_url: str) -> str:
        """Play the user's browser: return a fresh authorization code for this URL.

        The URL is checked as ``GET /oauth/authorize`` would check it (this mock's login host,
        ``response_type=code``, the mock's ``client_id``, a ``redirect_uri``, optional PKCE);
        a bad one raises ``ValueError``. The code is single-use, bound to that redirect URI,
        and expires after ``code_lifetime`` seconds.
        """
        return self._server.approve(authorization_url)

    def browse(self, authorization_url: str, *, deny: bool = False) -> BrowserVisit:
        """Play the user's browser for a URL whose redirect URI is a web address, such as the
        ``http://localhost:PORT/callback`` of ``client.login()``: real HTTPS to the mock's
        authorize endpoint (approve, or press "Deny" with ``deny=True``), then the redirect
        followed to the app, as a browser would. Returns a :class:`BrowserVisit`.

        ``ValueError`` for an out-of-band URL (use :meth:`approve`) or when the mock refuses
        the request without redirecting.
        """
        if self.closed:
            raise RuntimeError("the mock server is closed")
        return _browse(authorization_url, self.ca_cert, deny=deny)

    def browser_script(self, *, deny: bool = False) -> str:
        """The path of an executable that does :meth:`browse` with the URL it is given (POSIX).

        ``BROWSER=<path>`` in the environment of a process makes its ``webbrowser.open(url)``,
        and so ``client.login()``, go through this mock with no real browser.
        """
        if self.closed:
            raise RuntimeError("the mock server is closed")
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        name = "deny-browser" if deny else "browser"
        path = os.path.join(self._tmpdir, name)
        text = _BROWSER_SCRIPT.format(
            python=sys.executable, path=package_parent, ca_cert=self.ca_cert, deny=deny
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, stat.S_IRWXU)
        return path

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (401); refresh tokens still work."""
        self._server.expire_tokens()

    # ----- faults -----

    def fail_next(
        self,
        status: int = 500,
        count: int = 1,
        path: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        """The next ``count`` API requests (whose path starts with ``path``, when given)
        answer ``status``, with ``Retry-After: retry_after`` when given.

        Login-host requests are matched only by a ``path`` starting with ``/oauth``.
        Scripted faults (``fail_next``, ``drop_next``, ``delay_next``) apply first-in,
        first-out.
        """
        self._server.fail_next(status=status, count=count, path=path, retry_after=retry_after)

    def drop_next(
        self, count: int = 1, path: Optional[str] = None, *, after_processing: bool = False
    ) -> None:
        """The next ``count`` matching requests get no answer (the connection is closed).

        With ``after_processing=True`` the request takes effect first (a token is issued, a
        refresh token rotated, ...) and only the answer is lost.
        """
        self._server.drop_next(count=count, path=path, after_processing=after_processing)

    def delay_next(self, seconds: float, count: int = 1, path: Optional[str] = None) -> None:
        """The next ``count`` matching requests are answered after ``seconds``."""
        self._server.delay_next(seconds, count=count, path=path)

    def set_fault_rate(self, rate: float, seed: Optional[int] = None) -> None:
        """Fault a share ``rate`` (0 to 1) of API requests at random: 500, 502, 503 and 429
        (both with ``Retry-After: 1``) and dropped connections. ``seed`` makes it repeatable."""
        self._server.set_fault_rate(rate, seed=seed)

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` to every API answer (0 to stop)."""
        self._server.set_latency(seconds)

    def set_link_only(self, on: bool = True) -> None:
        """Paginate by ``Link`` alone: list answers carry no ``Total`` / ``Per-Page`` headers
        (as some Procore endpoints do), so clients must follow ``rel="next"``."""
        self._server.set_link_only(on)

    def clear_faults(self) -> None:
        """Forget queued faults, the random fault rate and the latency."""
        self._server.clear_faults()

    def set_rate_limit(self, limit: int, window_seconds: float = 3600) -> None:
        """``limit`` API requests per access token per window (default: 3600 per hour);
        beyond that, 429 with ``Retry-After``."""
        self._server.set_rate_limit(limit, window_seconds)

    # ----- data -----

    def set_projects(self, company_id: int, count: int) -> None:
        """Give a company ``count`` projects (``ValueError`` for an unknown company)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self._server.set_projects(company_id, count)

    def change_after_page(
        self,
        page: int,
        *,
        delete: int = 0,
        create: int = 0,
        touch: int = 0,
        company_id: Optional[int] = None,
        companies: bool = False,
    ) -> None:
        """Change a list under a pull: once page ``page`` of it has been served, delete the
        first ``delete`` records of that page, touch the next ``touch`` (their ``updated_at``
        becomes the present, so they leave a ``filters[updated_at]`` window that ended
        before), and create ``create`` new records (new ids, after every other). The list is
        the projects of ``company_id`` (default: the first company), or the companies with
        ``companies=True`` (where ``touch`` changes nothing). Each call changes the list once;
        several calls may be queued for different pages."""
        for name, n in (("page", page), ("delete", delete), ("create", create), ("touch", touch)):
            if n < 0 or (name == "page" and n < 1):
                raise ValueError(f"{name} must be {'>= 1' if name == 'page' else '>= 0'}")
        self._server.change_after_page(
            page,
            delete=delete,
            create=create,
            touch=touch,
            company_id=company_id,
            companies=companies,
        )

    def set_records(self, count: int, route: Optional[str] = None) -> None:
        """Give every list of the catalog route ``route`` (a path template such as
        ``"/rest/v1.0/projects/{project_id}/rfis"``) ``count`` records; every catalog list
        route when ``route`` is None. By default each route has its own count, 25 to 250
        (``ValueError`` for a route that is not a catalog list)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError("count must be an integer >= 0")
        self._server.set_records(count, route)

    def example_path(self, route: str) -> str:
        """A concrete path of the catalog GET route ``route`` (a path template) that this mock
        answers: the first company, its first project and the first record of every list a
        parameter names (``ValueError`` for a route that is not in the catalog)."""
        return self._server.example_path(route)

    # ----- what the mock saw -----

    def stats(self) -> Dict[str, Any]:
        """Counters: ``{"requests": n, "token_requests": {"authorization_code": n,
        "refresh_token": n, "client_credentials": n}, "status_counts": {"200": n, ...},
        "refreshes": n, "dropped": n, "api_requests": n, "login_requests": n}``."""
        return self._server.stats()

    def requests(self) -> List[Dict[str, Any]]:
        """Every request seen, in arrival order: ``{"host": "api"|"login", "method", "path",
        "query", "company_header", "authorized", "http_version", "status"}``.

        No token or secret is ever recorded: ``authorized`` only says whether an
        ``Authorization`` header was sent, and secret-looking query values are replaced by
        ``[redacted]``."""
        return self._server.requests()

    def reset_stats(self) -> None:
        """Zero the counters and forget the recorded requests."""
        self._server.reset_stats()


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m procore.testing``: run a mock in the foreground until Ctrl-C."""
    import argparse
    import time

    parser = argparse.ArgumentParser(
        prog="python -m procore.testing",
        description="Run a mock Procore server on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--companies", type=int, default=2)
    parser.add_argument("--projects-per-company", type=int, default=250)
    parser.add_argument("--token-lifetime", type=int, default=5400, help="seconds")
    parser.add_argument("--ca-cert", help="also copy the CA certificate (PEM) to this path")
    args = parser.parse_args(argv)

    with MockServer(
        companies=args.companies,
        projects_per_company=args.projects_per_company,
        token_lifetime=args.token_lifetime,
    ) as server:
        ca_path = server.ca_cert
        if args.ca_cert:
            shutil.copyfile(server.ca_cert, args.ca_cert)
            ca_path = os.path.abspath(args.ca_cert)
        # The client secret is the mock's own throwaway credential: printing it is the point.
        print("Mock Procore server running (Ctrl-C to stop)")
        print(f"  base URL:      {server.base_url}")
        print(f"  login URL:     {server.login_url}")
        print(f"  CA cert:       {ca_path}")
        print(f"  client id:     {server.client_id}")
        print(f"  client secret: {server.client_secret}")
        print(f"  company id:    {server.company_id}")
        print()
        print("Environment for examples/first_call.py (procore.Client itself reads")
        print("PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET; pass the rest as arguments):")
        print(f"  export PROCORE_BASE_URL={server.base_url}")
        print(f"  export PROCORE_LOGIN_URL={server.login_url}")
        print(f"  export PROCORE_CA_CERT={ca_path}")
        print(f"  export PROCORE_CLIENT_ID={server.client_id}")
        print(f"  export PROCORE_CLIENT_SECRET={server.client_secret}")
        print(f"  export PROCORE_COMPANY_ID={server.company_id}")
        print(flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
