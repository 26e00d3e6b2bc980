"""`python -m procore.testing` runs the mock in the foreground and says how to reach it."""

import os
import re
import signal
import subprocess
import sys
import time

import procore

EXPORT = re.compile(r"^\s*export (PROCORE_[A-Z_]+)=(\S+)\s*$")


def test_standalone_mock_prints_what_a_client_needs_and_stops_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "procore.testing"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = {}
        deadline = time.monotonic() + 30
        # The block of export lines ends with the company id.
        while "PROCORE_COMPANY_ID" not in found:
            assert time.monotonic() < deadline, "the mock never printed its settings"
            line = proc.stdout.readline()
            assert line, "the mock exited before printing its settings"
            m = EXPORT.match(line)
            if m:
                found[m.group(1)] = m.group(2)
        assert set(found) == {
            "PROCORE_BASE_URL",
            "PROCORE_LOGIN_URL",
            "PROCORE_CA_CERT",
            "PROCORE_CLIENT_ID",
            "PROCORE_CLIENT_SECRET",
            "PROCORE_COMPANY_ID",
        }
        assert os.path.exists(found["PROCORE_CA_CERT"])
        with procore.Client(
            found["PROCORE_CLIENT_ID"],
            found["PROCORE_CLIENT_SECRET"],
            base_url=found["PROCORE_BASE_URL"],
            login_url=found["PROCORE_LOGIN_URL"],
            ca_cert=found["PROCORE_CA_CERT"],
            company_id=found["PROCORE_COMPANY_ID"],
        ) as client:
            client.client_credentials()
            assert client.me().id == 1234567
            projects = client.projects.list()
            assert len(projects) == 250
            assert {p.company.id for p in projects} == {int(found["PROCORE_COMPANY_ID"])}
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err[-2000:].replace(found["PROCORE_CLIENT_SECRET"], "[secret]")
        assert "stopped" in out
        # The temporary CA is removed with the server.
        assert not os.path.exists(found["PROCORE_CA_CERT"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
