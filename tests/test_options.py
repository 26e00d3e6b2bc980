"""Options are checked once, in the core: every numeric option out of range is a ConfigError
(never a panic), and the defaults and environments every layer shows are the core's."""

from __future__ import annotations

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import procore
from procore import _config, _procore

ROOT = pathlib.Path(__file__).resolve().parent.parent
STUBS = ROOT / "python" / "procore" / "_procore.pyi"

NUMERIC_OPTIONS = ["timeout", "connect_timeout", "read_timeout", "max_retries", "max_concurrency"]

OUT_OF_RANGE = [
    ("timeout", 1e20),
    ("timeout", 1e300),
    ("timeout", 10**400),
    ("timeout", -(10**400)),
    ("timeout", float("inf")),
    ("timeout", float("nan")),
    ("timeout", 0),
    ("timeout", 86_400.5),
    ("connect_timeout", 1e300),
    ("connect_timeout", -1.0),
    ("read_timeout", 1e300),
    ("read_timeout", 1e20),
    ("max_retries", -1),
    ("max_retries", 101),
    ("max_retries", 2**70),
    ("max_retries", -(2**70)),
    ("max_concurrency", 0),
    ("max_concurrency", 257),
    ("max_concurrency", 2**64),
]


def make(cls, **kwargs):
    return cls(access_token="x" * 40, **kwargs)


@pytest.mark.parametrize("name,value", OUT_OF_RANGE, ids=lambda v: repr(v)[:24])
@pytest.mark.parametrize("cls", [procore.Client, procore.AsyncClient], ids=["sync", "async"])
def test_numeric_options_out_of_range_are_config_errors(cls, name, value):
    with pytest.raises(procore.ConfigError) as info:
        make(cls, **{name: value})
    assert str(info.value).startswith(f"{name} must be"), str(info.value)


@pytest.mark.asyncio
async def test_async_construction_inside_a_running_loop_checks_the_same_ranges():
    for name, value in OUT_OF_RANGE:
        with pytest.raises(procore.ConfigError):
            make(procore.AsyncClient, **{name: value})


def test_the_interpreter_survives_absurd_timeouts():
    # A panic would end in PanicException (a BaseException) or abort the process: run it apart.
    code = (
        "import procore\n"
        "for kw in ({'timeout': 1e20}, {'connect_timeout': 1e300}, {'read_timeout': 1e300}):\n"
        "    try:\n"
        "        procore.Client(access_token='x' * 40, **kw)\n"
        "    except procore.ConfigError:\n"
        "        pass\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok\n", "")


@pytest.mark.parametrize("cls", [procore.Client, procore.AsyncClient], ids=["sync", "async"])
def test_the_edges_of_the_ranges_are_accepted(cls):
    client = make(
        cls,
        timeout=86_400,
        connect_timeout=0.001,
        read_timeout=86_400.0,
        max_retries=100,
        max_concurrency=256,
    )
    assert client.closed is False
    make(cls, max_retries=0, max_concurrency=1)


@pytest.mark.parametrize("name", NUMERIC_OPTIONS)
def test_a_value_that_is_not_a_number_is_a_type_error(name):
    with pytest.raises(TypeError):
        make(procore.Client, **{name: "10"})


def stub_defaults(cls: str) -> dict:
    tree = ast.parse(STUBS.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__new__":
                    args = item.args
                    found = {}
                    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                        if isinstance(default, ast.Constant) and default.value is not ...:
                            found[arg.arg] = default.value
                    return found
    raise AssertionError(f"no {cls}.__new__ in the stubs")


@pytest.mark.parametrize("cls", ["Client", "AsyncClient"])
def test_the_stubs_show_the_cores_defaults(cls):
    shown = stub_defaults(cls)
    for name in ("timeout", "max_retries", "max_concurrency"):
        assert shown[name] == _procore.DEFAULTS[name], name
        assert type(shown[name]) is type(_procore.DEFAULTS[name]), name
    text = STUBS.read_text(encoding="utf-8")
    assert f'defaults to ``"{_procore.DEFAULTS["environment"]}"``' in text
    assert f'``"{_procore.DEFAULTS["redirect_uri"]}"``' in text


@pytest.mark.parametrize("cls", [procore.Client, procore.AsyncClient], ids=["sync", "async"])
def test_the_runtime_signature_shows_the_cores_defaults(cls):
    parameters = inspect.signature(cls).parameters
    for name in ("timeout", "max_retries", "max_concurrency"):
        assert parameters[name].default == _procore.DEFAULTS[name], name


def test_the_cli_help_shows_the_cores_defaults():
    proc = subprocess.run(
        [sys.executable, "-m", "procore", "get", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    help_text = " ".join(proc.stdout.split())
    timeout = _procore.DEFAULTS["timeout"]
    shown_timeout = int(timeout) if timeout == int(timeout) else timeout
    assert f"per request (default {shown_timeout})" in help_text
    assert f"(default {_procore.DEFAULTS['max_retries']})" in help_text
    assert f"default {_procore.DEFAULTS['environment']}" in help_text


def test_the_defaults_are_those_the_client_uses():
    assert _procore.DEFAULTS["redirect_uri"] == "urn:ietf:wg:oauth:2.0:oob"
    client = make(procore.Client)
    assert client.environment == _procore.DEFAULTS["environment"]
    api, login = _procore.ENVIRONMENTS[_procore.DEFAULTS["environment"]]
    assert (client.base_url, client.login_url) == (api, login)


@pytest.mark.parametrize("name", sorted(_procore.ENVIRONMENTS))
def test_every_environment_of_the_core_picks_its_hosts(name):
    client = make(procore.Client, environment=name)
    assert client.environment == name
    assert (client.base_url, client.login_url) == _procore.ENVIRONMENTS[name]


def test_the_settings_use_the_cores_environments():
    assert _config.ENVIRONMENTS == _procore.ENVIRONMENTS
    assert set(_procore.ENVIRONMENTS) == {"production", "sandbox", "monthly"}


@pytest.mark.parametrize(
    "given,name",
    [
        ("production", "production"),
        ("prod", "production"),
        (" Sandbox ", "sandbox"),
        ("developer_sandbox", "sandbox"),
        ("MONTHLY_SANDBOX", "monthly"),
    ],
)
def test_the_settings_accept_every_name_the_client_accepts(tmp_path, given, name):
    assert _procore.environment_name(given) == name
    assert make(procore.Client, environment=given).environment == name
    settings = _config.resolve({}, {"PROCORE_ENVIRONMENT": given}, str(tmp_path), config={})
    assert settings.get("environment") == name
    assert _config.hosts_of(settings.values) == tuple(
        url.rstrip("/") for url in _procore.ENVIRONMENTS[name]
    )


def test_the_settings_refuse_what_the_client_refuses(tmp_path):
    with pytest.raises(procore.ConfigError):
        _procore.environment_name("staging")
    with pytest.raises(procore.ConfigError):
        make(procore.Client, environment="staging")
    with pytest.raises(_config.SettingsError) as info:
        _config.resolve({}, {"PROCORE_ENVIRONMENT": "staging"}, str(tmp_path), config={})
    assert "PROCORE_ENVIRONMENT" in str(info.value)
    assert _config.hosts_of({"environment": "staging"}) is None
