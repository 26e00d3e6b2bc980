"""Scenario 2, per-call overhead: ``count`` sequential ``GET /me`` (decoded), one client.

Each contender returns the user ids it got; only the block under ``measure`` is timed.
"""

from __future__ import annotations

from typing import Any, Dict, List

from _common import Measure, Server

Args = Dict[str, Any]


def procore_sync(srv: Server, args: Args, measure: Measure) -> List[int]:
    import procore

    with procore.Client(
        client_id=srv.client_id,
        client_secret=srv.client_secret,
        base_url=srv.base_url,
        login_url=srv.login_url,
        ca_cert=srv.ca_cert,
        company_id=srv.company_id,
    ) as client:
        client.client_credentials()
        with measure:
            mes = [client.me() for _ in range(args["count"])]
    return [m.id for m in mes]


def requests_sync(srv: Server, args: Args, measure: Measure) -> List[int]:
    import requests

    # verify= on each call: a Session's own .verify loses to $REQUESTS_CA_BUNDLE.
    verify = srv.ca_cert or True
    with requests.Session() as s:
        token = s.post(srv.token_url, data=srv.token_form, verify=verify).json()["access_token"]
        s.headers.update(srv.headers(token))
        url = srv.me_url
        with measure:
            mes = [s.get(url, verify=verify).json() for _ in range(args["count"])]
    return [m["id"] for m in mes]


def httpx_sync(srv: Server, args: Args, measure: Measure) -> List[int]:
    import httpx

    with httpx.Client(verify=srv.ssl_context(), timeout=60) as c:
        token = c.post(srv.token_url, data=srv.token_form).json()["access_token"]
        c.headers.update(srv.headers(token))
        url = srv.me_url
        with measure:
            mes = [c.get(url).json() for _ in range(args["count"])]
    return [m["id"] for m in mes]


CONTENDERS = {
    "procore-sync": procore_sync,
    "requests": requests_sync,
    "httpx": httpx_sync,
}
