"""examples/notebook.ipynb, executed in a real Jupyter kernel (nbclient + ipykernel) against the
mock server: top-level `await` with AsyncClient, a DataFrame, a plot, and the progress widget."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

import nbformat
import pytest
from nbclient import NotebookClient

import procore
from helpers import new_server

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
PACKAGE_ROOT = Path(procore.__file__).resolve().parent.parent


@pytest.fixture
def kernel_env(tmp_path, monkeypatch) -> Dict[str, str]:
    """A `python3` kernelspec that runs this interpreter with this checkout's package, found
    first through JUPYTER_PATH; and the environment the kernel starts with."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    python_path = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (procore tests)",
        "language": "python",
        "env": {"PYTHONPATH": python_path},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # Keep the kernel's runtime files and IPython profile out of the user's home.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCORE_")}
    env["PYTHONPATH"] = python_path
    return env


def execute(nb: Any, env: Dict[str, str], cwd: Path) -> Any:
    client = NotebookClient(
        nb, kernel_name="python3", timeout=60, startup_timeout=60, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return nb


def outputs(nb: Any) -> List[Dict[str, Any]]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def text_of(nb: Any) -> str:
    parts = []
    for o in outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
            parts.append(o["data"].get("text/html", ""))
    return "\n".join(parts)


def test_the_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.timeout(180)
def test_the_example_notebook_runs_the_seed_flow_against_the_mock(kernel_env, tmp_path):
    with new_server() as server:
        # Approve the URL the notebook's client will build, as the user's browser would.
        with procore.Client(
            server.client_id, base_url=server.base_url, login_url=server.login_url,
            ca_cert=server.ca_cert,
        ) as c:
            url = c.authorization_url()
        code = server.approve(url)
        env = dict(
            kernel_env,
            PROCORE_CLIENT_ID=server.client_id,
            PROCORE_CLIENT_SECRET=server.client_secret,
            PROCORE_BASE_URL=server.base_url,
            PROCORE_LOGIN_URL=server.login_url,
            PROCORE_CA_CERT=server.ca_cert,
            PROCORE_COMPANY_ID=str(server.company_ids[1]),
            PROCORE_AUTH_CODE=code,
        )
        nb = execute(nbformat.read(NOTEBOOK, as_version=4), env, tmp_path)
        grants = server.stats()["token_requests"]
    text = text_of(nb)
    assert url in text, "the authorization URL is shown"
    assert "Logged in as joe.builder@acme.com (Joe Builder), user id 1234567" in text
    assert f"250 projects in company {server.company_ids[1]}" in text
    assert "company.id" in text and str(server.company_ids[1]) in text  # the DataFrame's head
    pngs = [o for o in outputs(nb) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1, "the plot of projects by stage"
    assert grants["authorization_code"] == 1
    assert server.client_secret not in text and code not in text


@pytest.mark.timeout(180)
def test_a_long_pull_in_a_notebook_shows_the_progress_widget(kernel_env, tmp_path):
    """In a kernel the default progress is on: a pull of more than a few pages draws the
    notebook widget (ipywidgets is installed), a short one draws nothing."""
    with new_server() as server:
        setup = (
            "import procore\n"
            "client = procore.AsyncClient(\n"
            f"    {server.client_id!r}, {server.client_secret!r}, base_url={server.base_url!r},\n"
            f"    login_url={server.login_url!r}, ca_cert={server.ca_cert!r},\n"
            f"    company_id={server.company_id})\n"
            "await client.client_credentials()"
        )
        nb = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(setup),
                nbformat.v4.new_code_cell(
                    "long = await client.projects.list(per_page=50)\nprint(len(long), 'long')"
                ),
                nbformat.v4.new_code_cell(
                    "short = await client.projects.list(per_page=100)\nprint(len(short), 'short')"
                ),
                nbformat.v4.new_code_cell("await client.close()"),
            ]
        )
        execute(nb, kernel_env, tmp_path)
    long_out, short_out = nb.cells[1].outputs, nb.cells[2].outputs
    widgets = [o for o in long_out if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1, long_out
    assert any("250 long" in o.get("text", "") for o in long_out)
    assert [o.get("text") for o in short_out] == ["250 short\n"], "3 pages: no bar"
    assert not any(o.get("name") == "stderr" for o in long_out + short_out), "no text bar, no warning"
