"""Every procore exception pickles with its fields, so one raised in a worker process
(``ProcessPoolExecutor``, ``multiprocessing``) reaches the parent whole (issue 14, item 11)."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Dict

import pytest

import procore
from procore import _exceptions

API_FIELDS = dict(
    body={"errors": "Not found", "nested": [1, 2.5, None]},
    method="GET",
    url="https://api.example/rest/v1.0/projects/7",
    request_id="req-123",
    attempts=3,
    retry_after=None,
)

EXAMPLES = [
    procore.ProcoreError("base"),
    procore.ConfigError("bad option"),
    procore.TokenStoreError("unreadable store"),
    procore.MissingDependencyError('pip install "procore[pandas]"', name="pandas"),
    procore.OAuthError("refused", error="invalid_grant", description="expired", status_code=400),
    procore.APIConnectionError("unreachable", attempts=4),
    procore.APITimeoutError("slow", attempts=2),
    procore.APIError("odd status", status_code=418, **API_FIELDS),
    *[
        _exceptions._api_error(f"status {status}", status, **API_FIELDS)
        for status in (400, 401, 403, 404, 409, 422, 500, 503)
    ],
    _exceptions._api_error("slow down", 429, **{**API_FIELDS, "retry_after": 2.5}),
]


def fields(e: BaseException) -> Dict[str, Any]:
    out = dict(vars(e))
    if isinstance(e, ImportError):
        out.update(name=e.name, path=e.path)
    return out


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_exception_round_trips_through_pickle(error, protocol):
    back = pickle.loads(pickle.dumps(error, protocol=protocol))
    assert type(back) is type(error)
    assert back.args == error.args
    assert str(back) == str(error) and back.message == error.message
    assert fields(back) == fields(error)


def test_every_exception_class_is_covered():
    public = {
        getattr(procore, name)
        for name in procore.__all__
        if isinstance(getattr(procore, name), type)
        and issubclass(getattr(procore, name), BaseException)
    }
    # PartialPullError holds other errors (equal only field by field): its own test below.
    assert public == {type(e) for e in EXAMPLES} | {procore.PartialPullError}


def test_rate_limit_error_keeps_retry_after():
    error = _exceptions._api_error("slow down", 429, retry_after=7.0)
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, procore.RateLimitError)
    assert (back.status_code, back.retry_after) == (429, 7.0)


def test_notes_and_copies_survive():
    error = _exceptions._api_error("gone", 404, body="nope")
    if sys.version_info >= (3, 11):
        error.add_note("while syncing project 7")
    for back in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert isinstance(back, procore.NotFoundError)
        assert fields(back) == fields(error)


def test_an_error_raised_by_the_client_pickles(server, client):
    with pytest.raises(procore.NotFoundError) as info:
        client.projects.get(424242, company_id=server.company_id)
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is procore.NotFoundError
    assert fields(back) == fields(info.value)
    assert back.status_code == 404 and "/rest/v1.0/projects/424242" in back.url


# ---------------------------------------------------------------------------------------------
# For real, through a process pool


def fetch_missing_project(settings: Dict[str, Any]) -> None:
    """Runs in a worker process: a request the mock answers with 404."""
    with procore.Client(
        settings["client_id"],
        settings["client_secret"],
        base_url=settings["base_url"],
        login_url=settings["login_url"],
        ca_cert=settings["ca_cert"],
    ) as client:
        client.client_credentials()
        client.projects.get(424242, company_id=settings["company_id"])


@pytest.mark.timeout(120)
def test_a_not_found_error_in_a_worker_process_reaches_the_parent_intact(server, client):
    settings = dict(
        client_id=server.client_id,
        client_secret=server.client_secret,
        base_url=server.base_url,
        login_url=server.login_url,
        ca_cert=server.ca_cert,
        company_id=server.company_id,
    )
    # `spawn`: a fork would copy the parent's runtime (and the mock's) without its threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(fetch_missing_project, settings)
        with pytest.raises(procore.NotFoundError) as info:
            future.result(timeout=90)
        # The pool still works after the error came through.
        assert pool.submit(abs, -3).result(timeout=90) == 3
    error = info.value
    # As the same call raises here.
    with pytest.raises(procore.NotFoundError) as here:
        client.projects.get(424242, company_id=server.company_id)
    # Each request has its own id; everything else is the same.
    assert error.request_id and error.request_id in str(error)
    assert str(error).replace(error.request_id, "") == str(here.value).replace(
        here.value.request_id, ""
    )
    assert {**fields(error), "request_id": None} == {**fields(here.value), "request_id": None}
    assert error.status_code == 404 and error.method == "GET"
    assert "/rest/v1.0/projects/424242" in error.url


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_partial_pull_error_round_trips_with_its_records_and_errors(protocol):
    error = _exceptions._partial_pull_error(
        "rfis.list",
        procore.ResultList([{"id": 1, "project_id": 7}]),
        {8: _exceptions._api_error("no access", 403, **API_FIELDS)},
    )
    back = pickle.loads(pickle.dumps(error, protocol=protocol))
    assert type(back) is procore.PartialPullError
    assert str(back) == str(error) and "project 8" in str(back)
    assert back.operation == "rfis.list" and back.project_ids == [8]
    assert list(back.records) == [{"id": 1, "project_id": 7}]
    assert type(back.records) is procore.ResultList
    inner = back.errors[8]
    assert type(inner) is procore.PermissionDeniedError
    assert fields(inner) == fields(error.errors[8])
