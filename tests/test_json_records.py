"""The records of a list call become the same Python values as a whole decoded answer.

``paginate()`` and ``iter_pages()`` turn each record's JSON text straight into Python
objects; ``get()`` decodes a whole answer the general way. On the same pages both must give
equal values of the same types, with the keys in the same order: ids above 2**32, floats,
strings with escaped quotes, nulls, booleans and a nested company object.
"""

from __future__ import annotations

from typing import Any, List

import pytest

from helpers import PROJECTS_PER_COMPANY

PROJECTS = "/rest/v1.0/projects"
PER_PAGE = 100


def shape(v: Any) -> str:
    """The types of a value, all the way down, with the keys in order."""
    if isinstance(v, dict):
        return "{" + ",".join(f"{k!r}:{shape(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(shape(x) for x in v) + "]"
    return type(v).__name__


def assert_same(got: List[Any], want: List[Any]) -> None:
    assert len(got) == len(want) == PROJECTS_PER_COMPANY
    assert got == want
    assert repr(got) == repr(want)  # float digits, key order
    assert shape(got) == shape(want)
    erp = [r for r in got if r["origin_data"] is not None]
    assert erp and all(r["origin_data"].startswith('{"source":"erp"') for r in erp)
    assert all(r["id"] > 2**32 and isinstance(r["latitude"], float) for r in got)


def pages_by_get(client: Any, cid: int) -> List[Any]:
    out: List[Any] = []
    for page in range(1, -(-PROJECTS_PER_COMPANY // PER_PAGE) + 1):
        params = {"company_id": cid, "per_page": PER_PAGE, "page": page}
        out.extend(client.get(PROJECTS, params, company_id=cid))
    return out


def test_paginate_and_iter_pages_give_what_get_gives(server, client):
    cid = server.company_ids[0]
    want = pages_by_get(client, cid)
    params = {"company_id": cid, "per_page": PER_PAGE}
    assert_same(list(client.paginate(PROJECTS, params, company_id=cid)), want)
    by_page = [r for page in client.iter_pages(PROJECTS, params, company_id=cid) for r in page]
    assert_same(by_page, want)
    # The records of one call share their key strings; values stay their own.
    items = client.paginate(PROJECTS, params, company_id=cid)
    assert next(iter(items[0])) is next(iter(items[-1]))
    items[0]["company"]["name"] = "changed"
    assert items[1]["company"]["name"] != "changed"


@pytest.mark.asyncio
async def test_async_paginate_gives_what_get_gives(server, client, aclient):
    cid = server.company_ids[1]
    want = pages_by_get(client, cid)
    got = await aclient.paginate(PROJECTS, {"company_id": cid, "per_page": PER_PAGE}, company_id=cid)
    assert_same(list(got), want)
