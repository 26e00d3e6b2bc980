"""Hostile values in ``json=`` and ``params=`` are refused with ``ConfigError`` before anything is
sent (issue 14, items 2 and 8): a value that contains itself, one nested deeper than
``MAX_DEPTH`` (128), and floats JSON has no number for (``nan``, ``inf``, ``-inf``).

A value containing itself, or nested 100,000 deep, used to overflow the stack (a segmentation
fault): those cases run in a child interpreter with a timeout, so a regression fails the test
instead of killing the suite.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from typing import Any, Dict

import pytest

import procore
from helpers import Sent

PROJECTS = "/rest/v1.0/projects"
MAX_DEPTH = 128


def nested(levels: int, leaf: Any = 1) -> Any:
    """``levels`` lists inside each other around ``leaf`` (built without recursion)."""
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


# ---------------------------------------------------------------------------------------------
# In a child interpreter: the cases that used to crash it


CHILD = textwrap.dedent(
    r"""
    import asyncio, json, os, sys
    import procore

    def nested(levels, leaf=1, make=lambda v: [v]):
        value = leaf
        for _ in range(levels):
            value = make(value)
        return value

    def cases():
        d = {"name": "x"}; d["self"] = d
        l = [1, 2]; l.append(l)
        a = {"a": {}}; b = {"b": a}; a["a"]["back"] = b
        t = [0]; tup = (1, t); t.append(tup)
        inner = {}; params_cycle = {"filters": inner}; inner["again"] = params_cycle
        return {
            "json dict containing itself": ("post", {"json": d}),
            "json list containing itself": ("post", {"json": l}),
            "json cycle through two dicts": ("post", {"json": {"project": a}}),
            "json cycle through a tuple": ("post", {"json": {"t": t}}),
            "json 100000 lists deep": ("post", {"json": nested(100_000)}),
            "json 100000 dicts deep": ("post", {"json": nested(100_000, make=lambda v: {"k": v})}),
            "params containing itself": ("get", {"params": params_cycle}),
            "params 100000 dicts deep": ("get", {"params": nested(100_000, make=lambda v: {"k": v})}),
        }

    def settings():
        return dict(
            client_id=os.environ["MOCK_CLIENT_ID"], client_secret=os.environ["MOCK_CLIENT_SECRET"],
            base_url=os.environ["MOCK_BASE_URL"], login_url=os.environ["MOCK_LOGIN_URL"],
            ca_cert=os.environ["MOCK_CA_CERT"], company_id=int(os.environ["MOCK_COMPANY_ID"]),
        )

    out = {}
    with procore.Client(**settings()) as client:
        client.client_credentials()
        for name, (method, kwargs) in cases().items():
            try:
                getattr(client, method)("/rest/v1.0/projects", **kwargs)
                out["sync " + name] = "sent"
            except procore.ConfigError as e:
                out["sync " + name] = "ConfigError: " + str(e)

    async def run_async():
        async with procore.AsyncClient(**settings()) as client:
            await client.client_credentials()
            for name, (method, kwargs) in cases().items():
                try:
                    await getattr(client, method)("/rest/v1.0/projects", **kwargs)
                    out["async " + name] = "sent"
                except procore.ConfigError as e:
                    out["async " + name] = "ConfigError: " + str(e)

    asyncio.run(run_async())

    d = {"id": 1}; d["self"] = d
    for name, make in [
        ("Project containing itself", lambda: procore.Project(d)),
        ("Token.from_dict 100000 deep", lambda: procore.Token.from_dict(
            {"access_token": "x", "extra": nested(100_000)})),
    ]:
        try:
            make()
            out[name] = "built"
        except procore.ConfigError as e:
            out[name] = "ConfigError: " + str(e)
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def child_report(server) -> Dict[str, str]:
    env = dict(
        os.environ,
        MOCK_CLIENT_ID=server.client_id,
        MOCK_CLIENT_SECRET=server.client_secret,
        MOCK_BASE_URL=server.base_url,
        MOCK_LOGIN_URL=server.login_url,
        MOCK_CA_CERT=server.ca_cert,
        MOCK_COMPANY_ID=str(server.company_id),
    )
    sent = Sent(server)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"the child died ({proc.returncode}):\n{proc.stderr[-3000:]}"
    # Only the two token grants reached the server: every hostile call was refused before.
    assert [r["path"] for r in sent.all()] == ["/oauth/token", "/oauth/token"]
    return json.loads(proc.stdout)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize(
    "case, expected",
    [
        ("json dict containing itself", 'json: the value contains itself (at json["self"])'),
        ("json list containing itself", "json: the value contains itself (at json[2])"),
        (
            "json cycle through two dicts",
            'json: the value contains itself (at json["project"]["a"]["back"]["b"])',
        ),
        ("json cycle through a tuple", 'json: the value contains itself (at json["t"][1][1])'),
        ("json 100000 lists deep", f"json: nested more than {MAX_DEPTH} levels deep (at json"),
        ("json 100000 dicts deep", f"json: nested more than {MAX_DEPTH} levels deep (at json"),
        ("params containing itself", 'params: the value contains itself (at params["filters"]'),
        ("params 100000 dicts deep", f"params: nested more than {MAX_DEPTH} levels deep (at"),
    ],
)
def test_hostile_bodies_and_params_are_refused_without_crashing(
    child_report, flavour, case, expected
):
    assert child_report[f"{flavour} {case}"].startswith(f"ConfigError: {expected}")


@pytest.mark.timeout(180)
def test_hostile_model_dicts_are_refused_without_crashing(child_report):
    assert child_report["Project containing itself"] == (
        'ConfigError: Project: the value contains itself (at Project["self"])'
    )
    assert child_report["Token.from_dict 100000 deep"].startswith(
        f"ConfigError: Token.from_dict(): nested more than {MAX_DEPTH} levels deep"
    )


# ---------------------------------------------------------------------------------------------
# In this interpreter: the limits, and what stays accepted


def test_the_depth_limit_is_128_levels(server, client):
    sent = Sent(server)
    with pytest.raises(procore.ConfigError, match=f"nested more than {MAX_DEPTH} levels deep"):
        client.post(PROJECTS, json=nested(MAX_DEPTH + 1))
    with pytest.raises(procore.ConfigError, match="nested more than"):
        client.get(PROJECTS, params={"f": nested(MAX_DEPTH, leaf={"k": 1})})
    assert sent.all() == []
    # 128 levels are sent (the mock then refuses the body as a project, which is fine here).
    with pytest.raises(procore.APIError):
        client.post(PROJECTS, json=nested(MAX_DEPTH), params={"company_id": server.company_id})
    (request,) = sent.api(PROJECTS)
    assert request["method"] == "POST"


def test_shared_values_that_are_not_cycles_are_accepted(server, client):
    shared = {"name": "Tower"}
    twice = [shared, shared]
    body = {"project": shared, "copies": twice, "again": twice, "t": (shared, shared)}
    created = client.post(PROJECTS, json=body, params={"company_id": server.company_id})
    assert created["name"] == "Tower"


NON_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
def test_non_finite_floats_in_json_are_refused_before_sending(server, client, bad):
    sent = Sent(server)
    for body, where in [
        ({"project": {"latitude": bad}}, 'json["project"]["latitude"]'),
        ([1.5, bad], "json[1]"),
        (bad, "json"),
    ]:
        with pytest.raises(procore.ConfigError) as info:
            client.post(PROJECTS, json=body)
        assert str(info.value) == (
            f"json: {bad} is not a JSON number (only finite floats are) (at {where})"
        )
    assert sent.all() == []


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
def test_non_finite_floats_in_params_are_refused_before_sending(server, client, bad):
    sent = Sent(server)
    for params in [{"x": bad}, {"filters": {"min": bad}}, {"ids": [1.0, bad]}]:
        with pytest.raises(procore.ConfigError, match="is not a JSON number"):
            client.get(PROJECTS, params=params)
        with pytest.raises(procore.ConfigError, match="is not a JSON number"):
            client.paginate(PROJECTS, params)
        with pytest.raises(procore.ConfigError, match="is not a JSON number"):
            client.projects.list(company_id=server.company_id, **params)
    assert sent.all() == []


@pytest.mark.asyncio
async def test_the_async_client_refuses_the_same_before_sending(server, aclient):
    sent = Sent(server)
    calls = [
        lambda: aclient.post(PROJECTS, json={"a": math.nan}),
        lambda: aclient.put(f"{PROJECTS}/1", json=[math.inf]),
        lambda: aclient.get(PROJECTS, params={"x": -math.inf}),
        lambda: aclient.post(PROJECTS, json=nested(MAX_DEPTH + 1)),
        lambda: aclient.projects.list(company_id=server.company_id, filters={"x": math.nan}),
    ]
    for call in calls:
        with pytest.raises(procore.ConfigError):
            await call()
    assert sent.all() == []


def test_finite_floats_and_plain_values_still_go_through(server, client):
    sent = Sent(server)
    params = {"company_id": server.company_id, "ratio": 0.5, "big": 1e300, "flag": True}
    client.get(PROJECTS, params=params)
    (request,) = sent.api(PROJECTS)
    assert "ratio=0.5" in request["query"] and "big=1e" in request["query"]


@pytest.mark.parametrize(
    "value, message",
    [
        ({1: "a"}, "json: keys must be strings, not int (1) (at json)"),
        ({"a": b"bytes"}, 'json: a bytes is not JSON-serialisable (at json["a"])'),
        ({"a": object()}, 'json: a object is not JSON-serialisable (at json["a"])'),
        ({"a": 2**64}, f'json: the integer {2**64} does not fit in 64 bits (at json["a"])'),
    ],
)
def test_other_unserialisable_values_say_where(client, value, message):
    with pytest.raises(procore.ConfigError) as info:
        client.post(PROJECTS, json=value)
    assert str(info.value) == message
