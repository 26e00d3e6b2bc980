"""A loopback HTTPS server of the tests' own that misbehaves on command: any status, headers
and body (raw bytes, so broken encodings and gzip bombs too) per path, recording what it was
sent. Certificates come from a throwaway CA (trustme) that the client is told to trust with
`ca_cert`, so TLS stays verified as in real use."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import parse_qsl, urlsplit

import trustme

import procore


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB. Not `ru_maxrss`: Linux carries the
    parent's peak over fork and exec, so a child of a big test process would report it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# What the client under test is given as its access token: never printed by the tests.
ACCESS_TOKEN = "hostile-access-" + "t" * 40


@dataclass
class Reply:
    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: Union[bytes, str, Any] = b""

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes


Route = Callable[[Seen], Reply]


class HostileServer:
    def __init__(self) -> None:
        self._ca = trustme.CA()
        self._tmp_files: List[Any] = []
        self.routes: Dict[str, Route] = {}
        self.seen: List[Seen] = []
        self._lock = threading.Lock()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                url = urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    url.path,
                    dict(parse_qsl(url.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(n) if n else b"",
                )
                with outer._lock:
                    outer.seen.append(seen)
                    route = outer.routes.get(url.path)
                reply = route(seen) if route else Reply(
                    500, {}, {"error": f"unexpected {self.command} {url.path}"}
                )
                body = reply.encoded()
                self.send_response(reply.status)
                headers = {k.lower(): v for k, v in reply.headers.items()}
                headers.setdefault("content-type", "application/json")
                headers.setdefault("content-length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.base_url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self._ca_file = self._ca.cert_pem.tempfile()
        self._ca_ctx = self._ca_file.__enter__()
        self.ca_cert = str(self._ca_ctx)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    # -- scripting -------------------------------------------------------------------------

    def on(self, path: str, route: Route) -> None:
        with self._lock:
            self.routes[path] = route

    def reply(self, path: str, status: int = 200, headers: Optional[Dict[str, str]] = None,
              body: Any = b"") -> None:
        fixed = Reply(status, dict(headers or {}), body)
        self.on(path, lambda _seen: fixed)

    def requests(self, path: Optional[str] = None) -> List[Seen]:
        with self._lock:
            return [s for s in self.seen if path is None or s.path == path]

    # -- clients ---------------------------------------------------------------------------

    def kwargs(self, **overrides: Any) -> Dict[str, Any]:
        kw: Dict[str, Any] = dict(
            base_url=self.base_url,
            login_url=self.base_url,
            ca_cert=self.ca_cert,
            access_token=ACCESS_TOKEN,
            company_id=1,
            max_retries=0,
        )
        kw.update(overrides)
        return kw

    def client(self, **overrides: Any) -> procore.Client:
        return procore.Client(**self.kwargs(**overrides))

    def async_client(self, **overrides: Any) -> procore.AsyncClient:
        return procore.AsyncClient(**self.kwargs(**overrides))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._ca_file.__exit__(None, None, None)

    def __enter__(self) -> "HostileServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
