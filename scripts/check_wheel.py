#!/usr/bin/env python3
"""Check the wheel that `make wheel` built, as a user without Rust would install it.

    python scripts/check_wheel.py [WHEEL]            # `make check-wheel`
    python scripts/check_wheel.py --sdist SDIST WHEEL  # the sdist, built with Rust, gives the same package

Run by the Python of the wheel tools (it runs `python -m auditwheel`). Every step either passes
or stops the run with a message and a non-zero exit; nothing is skipped.

1. The file: its name (version from Cargo.toml, cp39-abi3, manylinux_2_17 + manylinux2014),
   `auditwheel show` (manylinux_2_17, no external library), and an extension without a symbol
   table or debug info.
2. For each interpreter (this one's base, the oldest CPython that `requires-python` allows and
   the newest on the machine, from pyenv): a fresh virtualenv, no Rust toolchain on PATH, the
   same wheel file installed with no index (so with no dependency), then `procore --version`,
   every module of the package imported, `examples/first_call.py` against the mock and
   `procore mock` started, called over HTTPS and stopped.
3. Each optional extra (`pandas`, `polars`, `progress`, `notebook`) installed from the wheel
   into its own fresh virtualenv and used.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("pandas", "polars", "progress", "notebook")
# The newest CPython the wheel is checked under. The oldest is requires-python's minimum.
NEWEST_PYTHON = "3.13"
# The wheel's platform tags: one policy under its PEP 600 and its PEP 599 name. The file name
# lists them in either order (maturin writes manylinux2014 first, auditwheel the other way).
PLATFORM_TAGS = {"manylinux_2_17_x86_64", "manylinux2014_x86_64"}
# The system libraries a manylinux2014 extension may link to (PEP 599), none other.
MANYLINUX2014_LIBS = {
    "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libc.so.6",
    "libnsl.so.1", "libutil.so.1", "libpthread.so.0", "libresolv.so.2", "libX11.so.6",
    "libXext.so.6", "libXrender.so.1", "libICE.so.6", "libSM.so.6", "libGL.so.1",
    "libgobject-2.0.so.0", "libgthread-2.0.so.0", "libglib-2.0.so.0", "ld-linux-x86-64.so.2",
}


class CheckFailed(Exception):
    pass


def step(msg: str) -> None:
    print(f"== {msg}", flush=True)


def fail(msg: str) -> "CheckFailed":
    return CheckFailed(msg)


def shown(cmd: Sequence[object]) -> str:
    """A command as printed: the script of `python -c` as <script>."""
    args = [str(c) for c in cmd]
    return " ".join("<script>" if i and args[i - 1] == "-c" else a for i, a in enumerate(args))


def run(
    cmd: Sequence[object],
    *,
    env: Optional[Dict[str, str]] = None,
    cwd: Optional[Path] = None,
    timeout: float = 600,
) -> str:
    """Run a command; its output is returned, and printed with the reason when it fails."""
    print("+ " + shown(cmd), flush=True)
    try:
        p = subprocess.run(
            [str(c) for c in cmd],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        out = e.output if isinstance(e.output, str) else (e.output or b"").decode(errors="replace")
        raise fail(f"timed out after {timeout:.0f} s: {shown(cmd)}\n{out}") from None
    if p.returncode != 0:
        raise fail(f"exit code {p.returncode}: {shown(cmd)}\n{p.stdout}")
    return p.stdout


# ---------------------------------------------------------------------------------------------
# The project's own facts


def cargo_version() -> str:
    """The one version: `version` in Cargo.toml's [package] (pyproject.toml takes it from there)."""
    text = (ROOT / "Cargo.toml").read_text()
    package = re.search(r"^\[package\]\n(.*?)(?=^\[)", text, re.S | re.M)
    m = package and re.search(r'^version\s*=\s*"([^"]+)"', package.group(1), re.M)
    if not m:
        raise fail("no version in Cargo.toml's [package]")
    pyproject = (ROOT / "pyproject.toml").read_text()
    if re.search(r"^version\s*=", pyproject, re.M) or not re.search(
        r'^dynamic\s*=\s*\[[^\]]*"version"', pyproject, re.M
    ):
        raise fail('pyproject.toml must not set a version: dynamic = ["version"] (from Cargo.toml)')
    return m.group(1)


def oldest_python() -> str:
    m = re.search(r'^requires-python\s*=\s*">=\s*(3\.\d+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    if not m:
        raise fail("no requires-python = \">=3.N\" in pyproject.toml")
    return m.group(1)


def find_python(version: str) -> Path:
    """The CPython `version` (3.N) of the machine: pyenv's newest 3.N.x, else python3.N on PATH."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = []
    for d in glob.glob(str(root / "versions" / f"{version}.*")):
        m = re.fullmatch(re.escape(version) + r"\.(\d+)", Path(d).name)
        exe = Path(d) / "bin" / f"python{version}"
        if m and exe.exists():
            found.append((int(m.group(1)), exe))
    if found:
        return max(found)[1]
    on_path = shutil.which(f"python{version}")
    if on_path and "/shims/" not in on_path:
        return Path(on_path)
    raise fail(
        f"CPython {version} is not on this machine (looked in {root}/versions/{version}.* and for "
        f"python{version} on PATH): the wheel must be checked under it; install it (pyenv install "
        f"{version}) or fix the interpreter list in {Path(__file__).name}"
    )


def base_python() -> Path:
    """The interpreter this script's virtualenv was made from (or this one)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(base)


# ---------------------------------------------------------------------------------------------
# 1. The file


def elf_sections(so: bytes) -> Dict[str, Tuple[int, int]]:
    """An ELF64 little-endian shared object's sections: name -> (file offset, size)."""
    if so[:4] != b"\x7fELF" or so[4] != 2 or so[5] != 1:
        raise fail("the extension is not an ELF64 little-endian file")
    shoff = struct.unpack_from("<Q", so, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", so, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", so, shoff + i * shentsize) for i in range(shnum)]
    names = so[headers[shstrndx][4] : headers[shstrndx][4] + headers[shstrndx][5]]
    return {names[h[0] : names.index(b"\0", h[0])].decode(): (h[4], h[5]) for h in headers}


def elf_needed(so: bytes, sections: Dict[str, Tuple[int, int]]) -> List[str]:
    """The shared libraries an ELF64 object links to (its DT_NEEDED entries)."""
    dyn_off, dyn_size = sections[".dynamic"]
    str_off = sections[".dynstr"][0]
    needed = []
    for i in range(0, dyn_size, 16):
        tag, val = struct.unpack_from("<qQ", so, dyn_off + i)
        if tag == 1:  # DT_NEEDED
            needed.append(so[str_off + val : so.index(b"\0", str_off + val)].decode())
    return needed


def check_file(wheel: Path, version: str, tools: Path) -> None:
    step(f"the file: {wheel.name}")
    m = re.fullmatch(rf"procore-{re.escape(version)}-cp39-abi3-([\w.]+)\.whl", wheel.name)
    if not m or set(m.group(1).split(".")) != PLATFORM_TAGS:
        raise fail(
            f"the wheel is named {wheel.name}, expected procore-{version}-cp39-abi3-"
            f"{'.'.join(sorted(PLATFORM_TAGS))}.whl (the platform tags in either order)"
        )
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        exts = [n for n in names if re.fullmatch(r"procore/_procore\.abi3\.so", n)]
        if len(exts) != 1:
            raise fail(f"expected one procore/_procore.abi3.so in the wheel, found {exts}")
        so = z.read(exts[0])
        wheel_meta = z.read(f"procore-{version}.dist-info/WHEEL").decode()
        metadata = z.read(f"procore-{version}.dist-info/METADATA").decode()
    for tag in ("cp39-abi3-manylinux_2_17_x86_64", "cp39-abi3-manylinux2014_x86_64"):
        if f"Tag: {tag}" not in wheel_meta:
            raise fail(f"WHEEL lacks 'Tag: {tag}':\n{wheel_meta}")
    if f"\nVersion: {version}\n" not in metadata:
        raise fail(f"METADATA does not say Version: {version}")
    sections = elf_sections(so)
    extra = [s for s in sections if s == ".symtab" or s.startswith((".debug", ".zdebug"))]
    if extra:
        raise fail(f"the extension is not stripped: it has {extra}")
    needed = elf_needed(so, sections)
    if not set(needed) <= MANYLINUX2014_LIBS:
        raise fail(f"the extension links to libraries outside manylinux2014's list: {needed}")
    print(f"   links to {', '.join(needed)} (all part of manylinux2014)")
    print(f"   {wheel.stat().st_size / 1e6:.1f} MB wheel, {len(so) / 1e6:.1f} MB extension, stripped")

    out = run([tools / "python", "-m", "auditwheel", "show", wheel])
    print(out.rstrip())
    flat = " ".join(out.split())
    if f'consistent with the following platform tag: "manylinux_2_17_x86_64"' not in flat:
        raise fail("auditwheel does not find the wheel consistent with manylinux_2_17_x86_64")
    # auditwheel names the libraries a wheel would have to carry; it says nothing when none.
    if "external shared libraries are required" in flat:
        raise fail("auditwheel: the extension needs an external shared library")


# ---------------------------------------------------------------------------------------------
# 2. A fresh virtualenv per interpreter

def clean_env(venv: Path) -> Dict[str, str]:
    """The environment of a user without Rust: the venv and the system's bin folders on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PROCORE_", "CARGO", "RUSTUP", "PYO3", "MATURIN", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for tool in ("cargo", "rustc", "maturin"):
        found = shutil.which(tool, path=env["PATH"])
        if found:
            raise fail(f"{tool} is on the clean PATH ({found}): the check needs a machine path without Rust")
    return env


def make_venv(python: Path, where: Path) -> Dict[str, str]:
    run([python, "-m", "venv", where])
    return clean_env(where)


# Imports every module of the installed package (importing __main__ would run the CLI) and
# checks that it is the installed copy, not the source tree.
IMPORT_ALL = r"""
import importlib, pkgutil, sys
import procore
assert "site-packages" in procore.__file__, procore.__file__
mods = ["procore"] + [m.name for m in pkgutil.walk_packages(procore.__path__, "procore.")
                      if m.name != "procore.__main__"]
for m in mods:
    importlib.import_module(m)
public = sorted(m for m in mods if not any(p.startswith("_") for p in m.split(".")))
missing = [n for n in procore.__all__ if not hasattr(procore, n)]
assert not missing, missing
print("imported", len(mods), "modules; public:", ", ".join(public))
print("version", procore.__version__, sys.version.split()[0])
"""

# Talks to a running `procore mock` (its printed environment) over HTTPS.
CALL_MOCK = r"""
import os, procore
with procore.Client(
    base_url=os.environ["PROCORE_BASE_URL"],
    login_url=os.environ["PROCORE_LOGIN_URL"],
    ca_cert=os.environ["PROCORE_CA_CERT"],
    company_id=int(os.environ["PROCORE_COMPANY_ID"]),
) as client:
    client.client_credentials()
    companies = client.companies.list()
    projects = client.projects.list()
    assert len(companies) == 2 and len(projects) == 250, (len(companies), len(projects))
    print("procore mock answered:", len(companies), "companies,", len(projects), "projects")
"""


def check_mock_command(venv: Path, env: Dict[str, str], cwd: Path) -> None:
    """`procore mock`: start it, read the environment it prints, call it, stop it with Ctrl-C."""
    cmd = [str(venv / "bin" / "procore"), "mock"]
    print("+ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    # A mock that never prints is killed, which ends the read below.
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        printed: List[str] = []
        mock_env: Dict[str, str] = {}
        assert proc.stdout is not None
        while "PROCORE_COMPANY_ID" not in mock_env:
            line = proc.stdout.readline()
            if not line:
                raise fail("procore mock did not print its environment within 60 s:\n" + "".join(printed))
            printed.append(line)
            m = re.match(r"\s*export (PROCORE_\w+)=(.*)$", line)
            if m:
                mock_env[m.group(1)] = m.group(2).strip()
        watchdog.cancel()
        print("   procore mock serves " + mock_env["PROCORE_BASE_URL"])
        out = run([venv / "bin" / "python", "-c", CALL_MOCK], env={**env, **mock_env}, cwd=cwd, timeout=120)
        print("   " + out.strip())
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
        if proc.returncode != 0 or "stopped" not in rest:
            raise fail(f"procore mock did not stop cleanly on Ctrl-C (exit {proc.returncode}):\n{rest}")
        print("   procore mock stopped on Ctrl-C (exit 0)")
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def check_interpreter(python: Path, wheel: Path, version: str, work: Path) -> None:
    out = run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]).strip()
    step(f"CPython {out} ({python}): fresh virtualenv, no Rust on PATH, no extras")
    venv = work / f"venv-{out}"
    env = make_venv(python, venv)
    # No index: the wheel installs with nothing else, and nothing is built.
    run([venv / "bin" / "python", "-m", "pip", "install", "--no-index", "--only-binary", ":all:", wheel], env=env)
    py = venv / "bin" / "python"
    got = run([venv / "bin" / "procore", "--version"], env=env, cwd=work).strip()
    if got != f"procore {version}":
        raise fail(f"procore --version printed {got!r}, expected 'procore {version}'")
    print("   " + got)
    meta = run([py, "-c", "import importlib.metadata as m; print(m.version('procore'))"], env=env, cwd=work)
    if meta.strip() != version:
        raise fail(f"importlib.metadata says {meta.strip()}, expected {version}")
    out = run([py, "-c", IMPORT_ALL], env=env, cwd=work)
    print("   " + out.strip().replace("\n", "\n   "))
    if f"version {version} " not in out:
        raise fail(f"procore.__version__ is not {version}")
    out = run([py, ROOT / "examples" / "first_call.py"], env=env, cwd=work, timeout=120)
    if "running against the mock" not in out or "projects in company" not in out:
        raise fail("examples/first_call.py did not make its calls:\n" + out)
    print("   examples/first_call.py: " + out.strip().splitlines()[-1].strip())
    check_mock_command(venv, env, work)


# ---------------------------------------------------------------------------------------------
# 3. The extras

USE_EXTRA = {
    "pandas": r"""
from procore.testing import MockServer
import pandas
with MockServer() as s, s.client() as c:
    c.exchange_code(s.approve(c.authorization_url()))
    df = c.projects.list(company_id=s.company_id, progress=False).to_pandas()
    assert isinstance(df, pandas.DataFrame) and len(df) == 250 and str(df["id"].dtype) == "int64", df.dtypes
    print("pandas", pandas.__version__, df.shape)
""",
    "polars": r"""
from procore.testing import MockServer
import polars
with MockServer() as s, s.client() as c:
    c.exchange_code(s.approve(c.authorization_url()))
    df = c.projects.list(company_id=s.company_id, progress=False).to_polars()
    assert isinstance(df, polars.DataFrame) and df.height == 250 and df["id"].dtype == polars.Int64, df.schema
    print("polars", polars.__version__, df.shape)
""",
    "progress": r"""
import io, contextlib
from procore.testing import MockServer
import tqdm
err = io.StringIO()
with MockServer() as s, s.client() as c, contextlib.redirect_stderr(err):
    c.exchange_code(s.approve(c.authorization_url()))
    projects = c.projects.list(company_id=s.company_id, progress=True)
assert len(projects) == 250 and "250/250" in err.getvalue(), err.getvalue()
print("tqdm", tqdm.__version__, "bar drawn")
""",
    "notebook": r"""
import pandas, tqdm, ipywidgets, tqdm.notebook
from procore.testing import MockServer
with MockServer() as s, s.client() as c:
    c.exchange_code(s.approve(c.authorization_url()))
    df = c.companies.list(progress=False).to_pandas()
    assert len(df) == 2
print("pandas", pandas.__version__, "tqdm", tqdm.__version__, "ipywidgets", ipywidgets.__version__)
""",
}


def check_extra(extra: str, python: Path, wheel: Path, work: Path) -> None:
    step(f"extra [{extra}] from the wheel, fresh virtualenv")
    venv = work / f"venv-extra-{extra}"
    env = make_venv(python, venv)
    # The extras' dependencies come from the package index, as wheels (nothing is compiled).
    run(
        [venv / "bin" / "python", "-m", "pip", "install", "--only-binary", ":all:", f"procore[{extra}] @ {wheel.as_uri()}"],
        env=env,
    )
    out = run([venv / "bin" / "python", "-c", USE_EXTRA[extra]], env=env, cwd=work, timeout=300)
    print("   " + out.strip())


# ---------------------------------------------------------------------------------------------
# The sdist: built with Rust, the same package


def installed_files(venv: Path, env: Dict[str, str]) -> List[str]:
    out = run(
        [venv / "bin" / "python", "-c",
         "import importlib.metadata as m; print('\\n'.join(sorted(str(f) for f in m.files('procore'))))"],
        env=env,
    )
    # The extension's name and the dist-info's bookkeeping are the same file either way.
    return [f for f in out.split() if ".dist-info/" not in f and "__pycache__" not in f]


def check_sdist(sdist: Path, wheel: Path, version: str, work: Path) -> None:
    step(f"the sdist {sdist.name}, built with Rust, against the wheel")
    if sdist.name != f"procore-{version}.tar.gz":
        raise fail(f"the sdist is named {sdist.name}, expected procore-{version}.tar.gz")
    python = base_python()
    lists = {}
    for kind, target in (("wheel", wheel), ("sdist", sdist)):
        venv = work / f"venv-{kind}"
        run([python, "-m", "venv", venv])
        env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        run([venv / "bin" / "python", "-m", "pip", "install", target], env=env, timeout=3600)
        lists[kind] = installed_files(venv, env)
        got = run([venv / "bin" / "procore", "--version"], env=env, cwd=work).strip()
        if got != f"procore {version}":
            raise fail(f"{kind}: procore --version printed {got!r}")
        print(f"   {kind}: {len(lists[kind])} files, {got}")
    if lists["wheel"] != lists["sdist"]:
        only_w = sorted(set(lists["wheel"]) - set(lists["sdist"]))
        only_s = sorted(set(lists["sdist"]) - set(lists["wheel"]))
        raise fail(f"the sdist installs other files: only in the wheel {only_w}, only in the sdist {only_s}")
    print("   same files, same version")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", nargs="?", help="default: the one wheel in target/dist")
    parser.add_argument("--sdist", help="instead: check that this sdist installs the same package")
    args = parser.parse_args(argv)
    # `procore mock` is stopped with Ctrl-C. Started with SIGINT ignored (a background job of
    # a shell without job control), this process would pass the ignored signal on to it; a
    # handled one is reset to the default across exec, as under a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        version = cargo_version()
        if args.wheel:
            wheel = Path(args.wheel).resolve()
        else:
            found = sorted((ROOT / "target" / "dist").glob("procore-*.whl"))
            if len(found) != 1:
                raise fail(f"expected one wheel in target/dist (run `make wheel`), found {found}")
            wheel = found[0]
        if not wheel.is_file():
            raise fail(f"no wheel at {wheel}")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="procore-wheel-check-") as tmp:
            work = Path(tmp)
            if args.sdist:
                check_sdist(Path(args.sdist).resolve(), wheel, version, work)
            else:
                check_file(wheel, version, Path(sys.executable).parent)
                pythons = [base_python(), find_python(oldest_python()), find_python(NEWEST_PYTHON)]
                seen = set()
                for python in pythons:
                    if python.resolve() not in seen:
                        seen.add(python.resolve())
                        check_interpreter(python, wheel, version, work)
                for extra in EXTRAS:
                    check_extra(extra, base_python(), wheel, work)
        what = f"sdist check passed: {Path(args.sdist).name} against" if args.sdist else "wheel check passed:"
        print(f"{what} {wheel.name}, in {time.monotonic() - started:.0f} s")
        return 0
    except CheckFailed as e:
        print(f"\nWHEEL CHECK FAILED: {e}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
