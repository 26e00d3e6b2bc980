"""Scenario 1, bulk pull: every page of a company's projects, decoded into Python objects.

Each contender returns the project ids it got, in order; only the block under ``measure``
is timed (client setup and the token request come before it, checking the ids after it).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from _common import Measure, Server

Args = Dict[str, Any]


def procore_sync(srv: Server, args: Args, measure: Measure) -> List[int]:
    import procore

    with procore.Client(**_procore_kwargs(srv, args)) as client:
        client.client_credentials()
        with measure:
            projects = client.projects.list(per_page=args["per_page"])
    return [p.id for p in projects]


async def procore_async(srv: Server, args: Args, measure: Measure) -> List[int]:
    import procore

    async with procore.AsyncClient(**_procore_kwargs(srv, args)) as client:
        await client.client_credentials()
        with measure:
            projects = await client.projects.list(per_page=args["per_page"])
    return [p.id for p in projects]


def _procore_kwargs(srv: Server, args: Args) -> Dict[str, Any]:
    return dict(
        client_id=srv.client_id,
        client_secret=srv.client_secret,
        base_url=srv.base_url,
        login_url=srv.login_url,
        ca_cert=srv.ca_cert,
        company_id=srv.company_id,
        max_concurrency=args["concurrency"],
    )


def requests_sync(srv: Server, args: Args, measure: Measure) -> List[int]:
    """What the pure-Python Procore SDKs do: one page at a time, following ``Link: rel=next``."""
    import requests

    # verify= on each call: a Session's own .verify loses to $REQUESTS_CA_BUNDLE.
    verify = srv.ca_cert or True
    with requests.Session() as s:
        token = s.post(srv.token_url, data=srv.token_form, verify=verify).json()["access_token"]
        s.headers.update(srv.headers(token))
        records: List[dict] = []
        with measure:
            params = srv.projects_params(args["per_page"], 1)
            resp = s.get(srv.projects_url, params=params, verify=verify)
            while True:
                resp.raise_for_status()
                records.extend(resp.json())
                nxt = resp.links.get("next")
                if not nxt:
                    break
                resp = s.get(nxt["url"], verify=verify)
    return [r["id"] for r in records]


async def httpx_async(srv: Server, args: Args, measure: Measure) -> List[int]:
    """Page 1, read ``Total``, then pages 2..N concurrently (``concurrency`` at a time)."""
    import httpx

    n = args["concurrency"]
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(verify=srv.ssl_context(), limits=limits, timeout=60) as c:
        token = (await c.post(srv.token_url, data=srv.token_form)).json()["access_token"]
        c.headers.update(srv.headers(token))
        sem = asyncio.Semaphore(n)

        async def page(p: int) -> list:
            async with sem:
                r = await c.get(srv.projects_url, params=srv.projects_params(args["per_page"], p))
                r.raise_for_status()
                return r.json()

        with measure:
            first = await c.get(srv.projects_url, params=srv.projects_params(args["per_page"], 1))
            first.raise_for_status()
            pages = [first.json()]
            last = _last_page(first.headers, args["per_page"])
            pages += await asyncio.gather(*(page(p) for p in range(2, last + 1)))
    return [r["id"] for pg in pages for r in pg]


async def aiohttp_async(srv: Server, args: Args, measure: Measure) -> List[int]:
    """Page 1, read ``Total``, then pages 2..N concurrently (``concurrency`` at a time)."""
    import aiohttp

    n = args["concurrency"]
    conn = aiohttp.TCPConnector(limit=n, limit_per_host=n, ssl=srv.ssl_context())
    async with aiohttp.ClientSession(connector=conn) as s:
        async with s.post(srv.token_url, data=srv.token_form) as r:
            token = (await r.json())["access_token"]
        headers = srv.headers(token)
        sem = asyncio.Semaphore(n)

        async def get(p: int):
            params = srv.projects_params(args["per_page"], p)
            async with s.get(srv.projects_url, params=params, headers=headers) as r:
                r.raise_for_status()
                return await r.json(), r.headers

        async def page(p: int) -> list:
            async with sem:
                return (await get(p))[0]

        with measure:
            body, hdrs = await get(1)
            pages = [body]
            last = _last_page(hdrs, args["per_page"])
            pages += await asyncio.gather(*(page(p) for p in range(2, last + 1)))
    return [r["id"] for pg in pages for r in pg]


def _last_page(headers: Any, asked: int) -> int:
    total = int(headers["Total"])
    per_page = int(headers.get("Per-Page") or asked)
    return max(1, -(-total // per_page))


CONTENDERS = {
    "procore-sync": procore_sync,
    "procore-async": procore_async,
    "requests": requests_sync,
    "httpx-async": httpx_async,
    "aiohttp": aiohttp_async,
}
