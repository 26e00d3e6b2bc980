"""HTTPS_PROXY and NO_PROXY are honoured: the client tunnels through the proxy with CONNECT
(TLS still ends at Procore, so certificates are checked end to end), or goes direct for hosts
that NO_PROXY names. The proxy is a real CONNECT proxy on loopback, run by the test."""

from __future__ import annotations

import select
import socket
import threading
from typing import List

import pytest

from helpers import alogin, login, netloc


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on an ephemeral loopback port that records the targets."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.targets: List[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()

    def _tunnel(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            method, target, _ = head.split(b"\r\n", 1)[0].decode("ascii").split(" ")
            if method != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            with self._lock:
                self.targets.append(target)
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port))) as upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                ends = [conn, upstream]
                while True:
                    ready, _, _ = select.select(ends, [], [], 30)
                    if not ready:
                        return
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is conn else conn).sendall(data)

    def seen(self) -> List[str]:
        with self._lock:
            return list(self.targets)

    def close(self) -> None:
        # shutdown() wakes the accept() blocked in the serving thread; close() alone does not.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=10)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch):
    p = ConnectProxy()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield p
    p.close()


def test_https_proxy_carries_every_call(server, proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with server.client() as client:
        login(client, server)
        assert client.me().login
        assert len(client.projects.list()) > 0
    seen = set(proxy.seen())
    # Both hosts of the mock (login and API) were reached through the tunnel.
    assert netloc(server.base_url) in seen
    assert netloc(server.login_url) in seen


@pytest.mark.asyncio
async def test_https_proxy_carries_every_async_call(server, proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    async with server.async_client() as client:
        await alogin(client, server)
        assert (await client.me()).login
    assert netloc(server.base_url) in proxy.seen()


@pytest.mark.parametrize("name", ["NO_PROXY", "no_proxy"])
def test_no_proxy_goes_direct(server, proxy, monkeypatch, name):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv(name, "127.0.0.1,localhost")
    with server.client() as client:
        login(client, server)
        assert client.me().login
    assert proxy.seen() == []


def test_a_proxy_that_is_down_is_a_connection_error(server, proxy, monkeypatch):
    import procore

    # A port that nothing listens on.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    dead = "http://127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    monkeypatch.setenv("HTTPS_PROXY", dead)
    with server.client(max_retries=0) as client:
        with pytest.raises(procore.APIConnectionError):
            client.client_credentials()
