"""Scenario 3, fan-out: ``count`` concurrent ``GET /me`` (``asyncio.gather``).

Same cap on requests in flight for both: procore's ``max_concurrency`` (default 8) and
aiohttp's connector ``limit``. Each contender returns the user ids it got; only the block
under ``measure`` is timed.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from _common import Measure, Server

Args = Dict[str, Any]


async def procore_async(srv: Server, args: Args, measure: Measure) -> List[int]:
    import procore

    async with procore.AsyncClient(
        client_id=srv.client_id,
        client_secret=srv.client_secret,
        base_url=srv.base_url,
        login_url=srv.login_url,
        ca_cert=srv.ca_cert,
        company_id=srv.company_id,
        max_concurrency=args["concurrency"],
    ) as client:
        await client.client_credentials()
        with measure:
            mes = await asyncio.gather(*(client.me() for _ in range(args["count"])))
    return [m.id for m in mes]


async def aiohttp_async(srv: Server, args: Args, measure: Measure) -> List[int]:
    import aiohttp

    n = args["concurrency"]
    conn = aiohttp.TCPConnector(limit=n, limit_per_host=n, ssl=srv.ssl_context())
    async with aiohttp.ClientSession(connector=conn) as s:
        async with s.post(srv.token_url, data=srv.token_form) as r:
            token = (await r.json())["access_token"]
        headers = srv.headers(token)

        async def me() -> dict:
            async with s.get(srv.me_url, headers=headers) as r:
                r.raise_for_status()
                return await r.json()

        with measure:
            mes = await asyncio.gather(*(me() for _ in range(args["count"])))
    return [m["id"] for m in mes]


CONTENDERS = {
    "procore-async": procore_async,
    "aiohttp": aiohttp_async,
}
