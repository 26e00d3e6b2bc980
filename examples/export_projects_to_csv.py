#!/usr/bin/env python3
"""Export every project of a company to a CSV file: a data script to run from cron.

    python examples/export_projects_to_csv.py projects.csv

Settings come from the environment:

    PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET   the app's credentials (required)
    PROCORE_COMPANY_ID                         the company to export (required)
    PROCORE_TOKEN_STORE                        a token file from an earlier login (optional;
                                               without it the script logs in with the
                                               client-credentials grant, as a service account)
    PROCORE_ENVIRONMENT                        production (default), sandbox or monthly
    PROCORE_BASE_URL, PROCORE_LOGIN_URL, PROCORE_CA_CERT
                                               other hosts (https only) and an extra trusted
                                               root certificate

Columns are the project fields Procore sends, nested objects flattened (`company.id`,
`company.name`). The file is written to a temporary file beside the target and renamed over
it, so a failed run leaves the previous export in place. Exit status: 0 on success, 2 for a
usage or configuration error, 1 when Procore or the file system fails. Needs pandas
(`pip install "procore[pandas]"`). No token is ever printed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Dict, List, Optional

import procore

REQUIRED = ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_COMPANY_ID")


def env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def write_atomically(path: str, write) -> None:
    """Write through a temporary file in the target's folder, fsync it, rename it over."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".csv.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def export(out_path: str, settings: Dict[str, Optional[str]]) -> int:
    with procore.Client(
        settings["PROCORE_CLIENT_ID"],
        settings["PROCORE_CLIENT_SECRET"],
        environment=settings["PROCORE_ENVIRONMENT"] or "production",
        base_url=settings["PROCORE_BASE_URL"],
        login_url=settings["PROCORE_LOGIN_URL"],
        ca_cert=settings["PROCORE_CA_CERT"],
        token_store=settings["PROCORE_TOKEN_STORE"],
        company_id=settings["PROCORE_COMPANY_ID"],
    ) as client:
        if client.token is None:
            client.client_credentials()
        # A progress bar shows when run in a terminal; from cron, nothing is printed.
        projects = client.projects.list()
        frame = projects.to_pandas()
        write_atomically(out_path, lambda f: frame.to_csv(f, index=False))
    return len(frame)


def main(argv: List[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(f"usage: {os.path.basename(__file__)} OUTPUT.csv", file=sys.stderr)
        print(__doc__, file=sys.stderr)
        return 2
    settings = {
        name: env(name)
        for name in REQUIRED
        + (
            "PROCORE_TOKEN_STORE",
            "PROCORE_ENVIRONMENT",
            "PROCORE_BASE_URL",
            "PROCORE_LOGIN_URL",
            "PROCORE_CA_CERT",
        )
    }
    missing = [name for name in REQUIRED if settings[name] is None]
    if missing:
        print(f"error: set {', '.join(missing)} in the environment", file=sys.stderr)
        return 2
    out_path = argv[0]
    try:
        count = export(out_path, settings)
    except procore.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except procore.ProcoreError as e:
        # Messages never contain a secret, so they are safe to print.
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: cannot write {out_path}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(f"wrote {count} projects to {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
