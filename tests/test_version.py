"""One version, defined in Cargo.toml: the package's metadata, ``procore.__version__`` and the
changelog's latest release agree with it."""

import importlib.metadata
import re
from pathlib import Path

import procore

ROOT = Path(__file__).resolve().parent.parent


def cargo_version() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    m = re.search(r'^version\s*=\s*"([^"]+)"', package, re.M)
    assert m, "no version in Cargo.toml's [package]"
    return m.group(1)


def test_version_is_cargo_toml_s() -> None:
    assert procore.__version__ == cargo_version()
    assert importlib.metadata.version("procore") == cargo_version()


def test_pyproject_takes_the_version_from_cargo_toml() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r"^version\s*=", pyproject, re.M)
    assert re.search(r'^dynamic\s*=\s*\[[^\]]*"version"', pyproject, re.M)


def test_changelog_starts_with_this_version() -> None:
    releases = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases and releases[0] == cargo_version()
