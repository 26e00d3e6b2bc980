#!/usr/bin/env python3
"""Pull the RFIs and submittals of a project into two pandas DataFrames and save them.

    python examples/rfis_and_submittals.py PROJECT_ID OUTPUT_FOLDER [--status open]

Writes OUTPUT_FOLDER/rfis.csv and OUTPUT_FOLDER/submittals.csv (every field Procore sends,
nested objects flattened to columns such as `created_by.id`) and prints one summary line per
table. `--status` keeps the RFIs of that status (`filters[status]`, checked against the
operation's documented filters before anything is sent). Settings come from the environment,
as for examples/export_projects_to_csv.py:

    PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET   the app's credentials (required)
    PROCORE_COMPANY_ID                         the project's company (required)
    PROCORE_TOKEN_STORE                        a token file from an earlier login (optional;
                                               without it: the client-credentials grant)
    PROCORE_ENVIRONMENT, PROCORE_BASE_URL, PROCORE_LOGIN_URL, PROCORE_CA_CERT

Exit status: 0 on success, 2 for a usage or configuration error, 1 when Procore or the file
system fails. Needs pandas (`pip install "procore[pandas]"`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

import procore

REQUIRED = ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_COMPANY_ID")


def env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def pull(client: procore.Client, project_id: int, status: Optional[str]):
    """The two DataFrames: RFIs (GET /rest/v1.0/projects/{id}/rfis) and submittals
    (GET /rest/v1.1/projects/{id}/submittals), every page of each."""
    filters = {"status": status} if status else None
    rfis = client.rfis.list(project_id=project_id, filters=filters)
    submittals = client.submittals.list(project_id=project_id)
    return rfis.to_pandas(), submittals.to_pandas()


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project_id", type=int)
    parser.add_argument("folder")
    parser.add_argument("--status", help="only the RFIs of this status (open, closed, draft)")
    args = parser.parse_args(argv)
    settings = {
        name: env(name)
        for name in REQUIRED
        + ("PROCORE_TOKEN_STORE", "PROCORE_ENVIRONMENT", "PROCORE_BASE_URL", "PROCORE_LOGIN_URL", "PROCORE_CA_CERT")
    }
    missing = [name for name in REQUIRED if settings[name] is None]
    if missing:
        print(f"error: set {', '.join(missing)} in the environment", file=sys.stderr)
        return 2
    try:
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
            rfis, submittals = pull(client, args.project_id, args.status)
        os.makedirs(args.folder, exist_ok=True)
        for name, frame in (("rfis", rfis), ("submittals", submittals)):
            frame.to_csv(os.path.join(args.folder, f"{name}.csv"), index=False)
            print(f"{name}: {len(frame)} rows, {len(frame.columns)} columns")
    except procore.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except procore.ProcoreError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: cannot write to {args.folder}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
