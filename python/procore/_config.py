"""Settings of the ``procore`` command: command-line flags, then environment variables, then
the config folder.

The config folder is ``$PROCORE_CONFIG_DIR`` when set, else ``$XDG_CONFIG_HOME/procore`` or
``~/.config/procore`` (``%APPDATA%\\procore`` on Windows). It holds ``config.json`` (the
settings ``procore login`` used) and ``token.json`` (the token store of the client), both
mode 0600 and written atomically.

Only the standard library and the extension (loaded by ``import procore`` anyway) are imported
here, so ``procore --help`` stays quick. The environments and their hosts are the core's.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, Mapping, Optional, Tuple

from ._procore import DEFAULTS, ENVIRONMENTS, environment_name

__all__ = [
    "CONFIG_FILE",
    "ENV_VARS",
    "KEYS",
    "SettingsError",
    "Settings",
    "config_dir",
    "hosts_of",
    "read_config",
    "resolve",
    "write_config",
]

CONFIG_FILE = "config.json"
TOKEN_FILE = "token.json"

#: Every setting, in the order they are resolved (``client_secret`` after ``client_id``).
KEYS = (
    "client_id",
    "client_secret",
    "environment",
    "company_id",
    "base_url",
    "login_url",
    "ca_cert",
)
ENV_VARS = {key: "PROCORE_" + key.upper() for key in KEYS}
# No flag for the client secret: a command line is visible to every user of the machine
# (``ps``) and lands in shell history.
FLAGS = {
    "client_id": "--client-id",
    "environment": "--environment",
    "company_id": "--company-id",
    "base_url": "--base-url",
    "login_url": "--login-url",
    "ca_cert": "--ca-cert",
}
# Where the API lives: one group. A flag or environment variable for any of these sets the
# group, and the config file's values for the others are then not mixed in (a mock's base URL
# with Procore's login host). The saved CA goes only to the hosts saved with it (not to
# Procore once a mock is gone).
HOST_KEYS = ("environment", "base_url", "login_url")

# ENVIRONMENTS (name -> (API host, login host)) and environment_name() are the core's: a
# name the client accepts (an alias such as "prod", any case) is accepted here too.


class SettingsError(Exception):
    """A setting is missing or invalid; the message names where it came from."""


def config_dir(override: Optional[str] = None, environ: Mapping[str, str] = os.environ) -> str:
    """The config folder (not created here)."""
    if override:
        return os.path.abspath(os.path.expanduser(override))
    explicit = environ.get("PROCORE_CONFIG_DIR")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    if os.name == "nt":
        base = environ.get("APPDATA") or os.path.join(
            os.path.expanduser("~"), "AppData", "Roaming"
        )
    else:
        base = environ.get("XDG_CONFIG_HOME", "")
        # The XDG spec says a relative value is to be ignored.
        if not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "procore")


def read_config(directory: str) -> Dict[str, Any]:
    """``config.json`` of the folder as a dict; ``{}`` when there is none."""
    path = os.path.join(directory, CONFIG_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SettingsError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise SettingsError(f"{path} is not valid JSON ({e}); fix it or delete it") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a JSON object")
    return data


def write_config(directory: str, data: Mapping[str, Any]) -> str:
    """Write ``config.json`` atomically (temporary file, fsync, rename), mode 0600."""
    ensure_dir(directory)
    path = os.path.join(directory, CONFIG_FILE)
    text = json.dumps(dict(data), indent=2, sort_keys=True) + "\n"
    # mkstemp creates the file with mode 0600, so the secret is never readable by others,
    # not even for a moment.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".config.json.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)
    return path


def ensure_dir(directory: str) -> None:
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as e:
        reason = e.strerror or e
        raise SettingsError(f"cannot create the config folder {directory}: {reason}") from None


def _fsync_dir(directory: str) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Settings:
    """The resolved settings: ``values[key]`` (absent when unset) and where each came from."""

    def __init__(self, directory: str, config: Dict[str, Any]) -> None:
        self.directory = directory
        self.config = config
        self.values: Dict[str, Any] = {}
        self.sources: Dict[str, str] = {}

    @property
    def token_path(self) -> str:
        return os.path.join(self.directory, TOKEN_FILE)

    @property
    def config_path(self) -> str:
        return os.path.join(self.directory, CONFIG_FILE)

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def client_kwargs(self) -> Dict[str, Any]:
        v = self.values
        return {
            "client_id": v.get("client_id"),
            "client_secret": v.get("client_secret"),
            "environment": v.get("environment", DEFAULTS["environment"]),
            "base_url": v.get("base_url"),
            "login_url": v.get("login_url"),
            "company_id": v.get("company_id"),
            "ca_cert": v.get("ca_cert"),
        }

    def to_config(self) -> Dict[str, Any]:
        """What ``procore login`` saves: every setting in effect."""
        return {key: self.values[key] for key in KEYS if self.values.get(key) is not None}


def resolve(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    directory: str,
    config: Optional[Dict[str, Any]] = None,
) -> Settings:
    """Flags, then environment variables, then ``config.json``; validated."""
    if config is None:
        config = read_config(directory)
    settings = Settings(directory, config)
    config_path = settings.config_path

    def given(key: str) -> Tuple[Any, str]:
        flag = FLAGS.get(key)
        value = flags.get(key)
        if flag is not None and value not in (None, ""):
            return value, flag
        value = environ.get(ENV_VARS[key])
        if value not in (None, ""):
            return value, ENV_VARS[key]
        return None, ""

    hosts_given = any(given(key)[0] is not None for key in HOST_KEYS)
    for key in KEYS:
        value, source = given(key)
        if value is None:
            stored = config.get(key)
            if stored in (None, ""):
                continue
            if key in HOST_KEYS and hosts_given:
                continue
            if key == "ca_cert" and hosts_of(settings.values) != hosts_of(config):
                continue
            # A saved secret belongs to the saved client id, never to another one.
            if key == "client_secret" and settings.values.get("client_id") != config.get(
                "client_id"
            ):
                continue
            value, source = stored, config_path
        settings.values[key] = _validate(key, value, source)
        settings.sources[key] = source
    return settings


def _validate(key: str, value: Any, source: str) -> Any:
    if key == "company_id":
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or value <= 0:
            raise SettingsError(f"{source}: the company id must be a positive integer")
        return value
    if not isinstance(value, str):
        raise SettingsError(f"{source}: {key} must be a string")
    if key == "environment":
        name = _environment(value)
        if name is None:
            raise SettingsError(
                f"{source}: unknown environment {value!r}: expected production, sandbox or monthly"
            )
        value = name
    elif key in ("base_url", "login_url"):
        if not value.lower().startswith("https://"):
            raise SettingsError(f"{source}: {key} must be an https:// URL, not {value!r}")
    elif key == "ca_cert":
        value = os.path.abspath(os.path.expanduser(value))
        if not os.path.isfile(value):
            raise SettingsError(f"{source}: no CA certificate file at {value}")
    return value


def hosts_of(values: Mapping[str, Any]) -> Optional[Tuple[str, str]]:
    """The (API, login) hosts these settings point at; None when they are invalid."""
    environment = _environment(values.get("environment") or DEFAULTS["environment"])
    if environment is None:
        return None
    api, login = ENVIRONMENTS[environment]
    base_url = values.get("base_url") or api
    login_url = values.get("login_url") or login
    if not isinstance(base_url, str) or not isinstance(login_url, str):
        return None
    return _normal(base_url), _normal(login_url)


def _environment(value: Any) -> Optional[str]:
    """The core's name of an environment (``"prod"`` -> ``"production"``); None if unknown."""
    if not isinstance(value, str):
        return None
    try:
        return environment_name(value)
    except ValueError:
        return None


def _normal(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return (scheme.lower() + sep + host.lower() + slash + path).rstrip("/")
