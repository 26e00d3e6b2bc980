"""The public names of `procore`: `__all__` complete and sorted, the exception hierarchy, models."""

from __future__ import annotations

import builtins
import subprocess
import sys
import types

import pytest

import procore

CONTRACT_NAMES = {
    "Client",
    "AsyncClient",
    "Token",
    "Me",
    "Company",
    "Project",
    "ResultList",
    "ProcoreError",
    "ConfigError",
    "OAuthError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "APITimeoutError",
}


def public_names(module) -> set:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def test_all_is_sorted_and_every_name_exists():
    assert isinstance(procore.__all__, (list, tuple))
    assert list(procore.__all__) == sorted(procore.__all__)
    assert len(set(procore.__all__)) == len(procore.__all__)
    missing = [n for n in procore.__all__ if not hasattr(procore, n)]
    assert missing == []


def test_every_public_name_is_in_all():
    assert public_names(procore) - set(procore.__all__) == set()


def test_every_public_name_is_in_all_in_a_fresh_interpreter():
    # Importing procore.testing (as the fixtures do) must not be what makes this pass or fail.
    code = (
        "import types, procore;"
        "pub = {n for n, v in vars(procore).items() if not n.startswith('_')"
        " and not isinstance(v, types.ModuleType)};"
        "print(sorted(pub - set(procore.__all__)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_contract_names_are_exported():
    assert CONTRACT_NAMES - set(procore.__all__) == set()


def test_star_import_gives_the_contract():
    ns: dict = {}
    exec("from procore import *", ns)
    assert CONTRACT_NAMES <= set(ns)


@pytest.mark.parametrize(
    "cls, parent",
    [
        ("ConfigError", "ProcoreError"),
        ("ConfigError", "ValueError"),
        ("OAuthError", "ProcoreError"),
        ("PartialPullError", "ProcoreError"),
        ("APIError", "ProcoreError"),
        ("BadRequestError", "APIError"),
        ("AuthenticationError", "APIError"),
        ("PermissionDeniedError", "APIError"),
        ("NotFoundError", "APIError"),
        ("UnprocessableEntityError", "APIError"),
        ("RateLimitError", "APIError"),
        ("ServerError", "APIError"),
        ("APIConnectionError", "ProcoreError"),
        ("APITimeoutError", "APIConnectionError"),
        ("ProcoreError", "Exception"),
    ],
)
def test_exception_hierarchy(cls, parent):
    parent_cls = getattr(procore, parent, None) or getattr(builtins, parent)
    assert issubclass(getattr(procore, cls), parent_cls)


def test_status_classes_are_distinct():
    classes = [
        procore.BadRequestError,
        procore.AuthenticationError,
        procore.PermissionDeniedError,
        procore.NotFoundError,
        procore.UnprocessableEntityError,
        procore.RateLimitError,
        procore.ServerError,
    ]
    assert len(set(classes)) == len(classes)
    for a in classes:
        for b in classes:
            assert a is b or not issubclass(a, b)
    assert not issubclass(procore.APIConnectionError, procore.APIError)
    assert not issubclass(procore.OAuthError, procore.APIError)


def test_result_list_is_a_list():
    assert issubclass(procore.ResultList, list)


def test_both_clients_have_every_contract_method():
    for cls in (procore.Client, procore.AsyncClient):
        for name in (
            "authorization_url",
            "exchange_code",
            "client_credentials",
            "refresh",
            "revoke",
            "me",
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "paginate",
            "close",
        ):
            assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name}"
    assert hasattr(procore.Client, "__enter__") and hasattr(procore.Client, "__exit__")
    assert hasattr(procore.AsyncClient, "__aenter__") and hasattr(procore.AsyncClient, "__aexit__")
