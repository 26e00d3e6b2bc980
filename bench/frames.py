"""Scenario 4, DataFrames: every project of a company (the bulk pull) into what a notebook wants.

procore: the typed list call followed by ``to_pandas()``, ``to_polars()`` or ``to_arrow()``;
the list call alone (the reference of ``to_arrow()``); ``paginate()`` to dicts; the typed
list read in full with ``to_dict()``. Peers: aiohttp's concurrent pull (as in the bulk
scenario) to dicts, alone and followed by ``pandas.json_normalize`` or
``polars.json_normalize``. The DataFrame libraries are imported before the clock starts, by
every contender that uses one. Each contender returns the ids it got, in order (read after
the clock stops).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List

from _common import Measure, Server
from bulk import _last_page, _procore_kwargs

Args = Dict[str, Any]
Make = Callable[[Any, Args], Any]


def _preload(module: str, warm: Callable[[], Any]) -> None:
    """Imports the library and converts one record with it, before the clock starts: a
    process pays for its first use once (pyarrow, for one, loads parts on first use), and
    every contender is spared it alike."""
    if module:
        try:
            __import__(module)
        except ImportError:  # pyarrow is optional: to_arrow() then gives procore's own table
            pass
    warm()


def _ids(value: Any, kind: str) -> List[int]:
    if kind == "pandas":
        return [int(x) for x in value["id"].tolist()]
    if kind == "polars":
        return list(value["id"].to_list())
    if kind == "arrow":
        if hasattr(value, "column"):  # a pyarrow.Table
            return list(value.column("id").to_pylist())
        if hasattr(value, "_column"):  # a procore.ArrowTable
            return list(value._column(value.column_names.index("id")))
    if kind == "models":
        return [p.id for p in value]
    return [r["id"] for r in value]


def _procore(make: Make, kind: str, preload: str = "") -> Callable[..., List[int]]:
    def run(srv: Server, args: Args, measure: Measure) -> List[int]:
        import procore

        _preload(preload, lambda: make(_OneRecord(), args))
        with procore.Client(**_procore_kwargs(srv, args)) as client:
            client.client_credentials()
            with measure:
                out = make(client, args)
        return _ids(out, kind)

    return run


class _OneRecord:
    """Stands in for a client in the warm-up: its list calls give one record."""

    company_id = 1

    class projects:  # noqa: N801
        @staticmethod
        def list(**_: Any) -> Any:
            import procore

            return procore.ResultList([procore.Project({"id": 1, "company": {"id": 2}})])

    def paginate(self, *_: Any) -> Any:
        import procore

        return procore.ResultList([{"id": 1, "company": {"id": 2}}])


def _list(client: Any, args: Args) -> Any:
    return client.projects.list(per_page=args["per_page"])


def _paginate(client: Any, args: Args) -> Any:
    params = {"company_id": client.company_id, "per_page": args["per_page"]}
    return client.paginate("/rest/v1.0/projects", params)


def _aiohttp(finish: Callable[[List[dict]], Any], kind: str, preload: str = "") -> Callable[..., Any]:
    """aiohttp's pull as in the bulk scenario (page 1, ``Total``, then pages 2..N
    concurrently), then ``finish`` on the records, both under the clock."""

    async def run(srv: Server, args: Args, measure: Measure) -> List[int]:
        import aiohttp

        _preload(preload, lambda: finish([{"id": 1, "company": {"id": 2}}]))
        n = args["concurrency"]
        conn = aiohttp.TCPConnector(limit=n, limit_per_host=n, ssl=srv.ssl_context())
        async with aiohttp.ClientSession(connector=conn) as s:
            async with s.post(srv.token_url, data=srv.token_form) as r:
                token = (await r.json())["access_token"]
            headers = srv.headers(token)
            sem = asyncio.Semaphore(n)

            async def get(p: int) -> Any:
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
                out = finish([r for pg in pages for r in pg])
        return _ids(out, kind)

    return run


def _pandas_normalize(records: List[dict]) -> Any:
    import pandas

    return pandas.json_normalize(records)


def _polars_normalize(records: List[dict]) -> Any:
    import polars

    return polars.json_normalize(records, infer_schema_length=None)


CONTENDERS = {
    "procore-pandas": _procore(lambda c, a: _list(c, a).to_pandas(), "pandas", "pandas"),
    "aiohttp-pandas": _aiohttp(_pandas_normalize, "pandas", "pandas"),
    "procore-polars": _procore(lambda c, a: _list(c, a).to_polars(), "polars", "polars"),
    "aiohttp-polars": _aiohttp(_polars_normalize, "polars", "polars"),
    "procore-arrow": _procore(lambda c, a: _list(c, a).to_arrow(), "arrow", "pyarrow"),
    "procore-as-arrow": _procore(
        lambda c, a: c.projects.list(per_page=a["per_page"], as_arrow=True), "arrow"
    ),
    "procore-list": _procore(_list, "models"),
    "procore-paginate": _procore(_paginate, "dicts"),
    "procore-to-dict": _procore(lambda c, a: [p.to_dict() for p in _list(c, a)], "dicts"),
    "aiohttp": _aiohttp(lambda records: records, "dicts"),
}
