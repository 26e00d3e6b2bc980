#!/usr/bin/env python3
"""Procore's "Making your first call", from Python.

    python examples/first_call.py

Without PROCORE_CLIENT_ID in the environment, this runs offline against the mock Procore server
that ships with the package (procore.testing.MockServer), which approves the login in place of
your browser.

With PROCORE_CLIENT_ID (and PROCORE_CLIENT_SECRET) set, it talks to Procore: it prints the
authorization URL, you open it, log in, and paste the code Procore shows back here.

Optional settings:
    PROCORE_ENVIRONMENT   production (default), sandbox or monthly
    PROCORE_COMPANY_ID    the company whose projects to list (default: your first company)
    PROCORE_BASE_URL, PROCORE_LOGIN_URL, PROCORE_CA_CERT
                          other hosts (https only) and an extra trusted root certificate

No token is ever printed.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional

import procore


def first_call(
    client: procore.Client,
    approve: Callable[[str], str],
    company_id: Optional[int] = None,
) -> None:
    # 1. Obtain authorization from the user.
    url = client.authorization_url()
    code = approve(url)

    # 2. Retrieve an access token.
    token = client.exchange_code(code)
    print(f"2. Got an access token ({token.token_type}, valid for {token.expires_in} s).")

    # 3. Make calls to the API.
    me = client.me()
    print(f"3. /me: id={me.id} login={me.login} name={me.name}")

    companies = client.companies.list()
    print(f"   {len(companies)} companies:")
    for company in companies:
        print(f"   - {company.name} (id {company.id})")
    if company_id is None:
        if not companies:
            print("   No company to list projects of.")
            return
        company_id = companies[0].id

    projects = client.projects.list(company_id=company_id)
    print(f"   {len(projects)} projects in company {company_id}; the first few:")
    for project in projects[:5]:
        print(f"   - {project.name} (id {project.id}, stage {project.stage})")


def against_the_mock() -> None:
    from procore.testing import MockServer

    print("PROCORE_CLIENT_ID is not set: running against the mock Procore server.")
    with MockServer() as server, server.client() as client:

        def approve(url: str) -> str:
            print(f"1. Authorization URL: {url}")
            print("   (the mock approves it in place of your browser)")
            return server.approve(url)

        first_call(client, approve)


def against_procore() -> None:
    environment = os.environ.get("PROCORE_ENVIRONMENT", "production")
    company = os.environ.get("PROCORE_COMPANY_ID")
    company_id = int(company) if company else None
    print(f"Running against Procore ({environment}).")
    with procore.Client(
        environment=environment,
        base_url=os.environ.get("PROCORE_BASE_URL") or None,
        login_url=os.environ.get("PROCORE_LOGIN_URL") or None,
        ca_cert=os.environ.get("PROCORE_CA_CERT") or None,
        company_id=company_id,
    ) as client:

        def approve(url: str) -> str:
            print("1. Open this URL in your browser, log in and allow access:")
            print(f"   {url}", flush=True)
            return input("   Then paste the code Procore shows here: ").strip()

        first_call(client, approve, company_id)


def main() -> int:
    try:
        if os.environ.get("PROCORE_CLIENT_ID"):
            against_procore()
        else:
            against_the_mock()
    except procore.ProcoreError as e:
        # Messages never contain a secret, so they are safe to print.
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
