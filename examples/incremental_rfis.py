#!/usr/bin/env python3
"""Keep a file of every RFI of every project of a company, pulling only what changed.

    python examples/incremental_rfis.py rfis.csv [--state rfis.csv.state.json] [--overlap 300]

The first run pulls every RFI of every project of the company (`client.projects.list()`, then
one `client.rfis.list(project_ids=...)` over all of them). Each later run pulls only the RFIs
updated since the last one (`updated_since=`), takes the RFIs recycled since then out of the
file (`client.rfis_recycle_bin.list(...)`, the way the RFI tool reports deletions), and writes
the merged file. The file is then what a full pull would write. Also writes rfis.parquet
beside it when pyarrow or polars is installed.

How a run stays correct:

- The window of a run is fixed before its first page: `updated_until` is the moment the run
  starts, and every page of every project asks for the same `filters[updated_at]` window.
  Records changed after that moment are in the next run's window.
- The state file holds that moment (the high-water mark) and the projects already pulled. It
  is written after the data, each through a temporary file renamed over the old one, so a run
  that stops half-way leaves the last good file and state, and the next run pulls again.
- The next window starts `--overlap` seconds (default 300) before the mark, so a record
  updated in the same second as the mark, or stamped by a Procore clock a little behind this
  machine's, is pulled again rather than lost. Rows are keyed by (project_id, id): a record
  pulled twice is one row, the newer `updated_at` kept.
- A project the state does not know yet (created since the last run) is pulled in full.
- A project that fails (403 on a project the account cannot see) is named on stderr; the
  other projects' records are merged, the mark is not moved (the next run asks again), and the
  exit status is 1.

Columns are the fields Procore sends, nested objects flattened (`created_by.id`), lists as
JSON; rows sorted by project then id. Settings come from the environment, as for
examples/export_projects_to_csv.py:

    PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET   the app's credentials (required)
    PROCORE_COMPANY_ID                         the company (required)
    PROCORE_TOKEN_STORE                        a token file from an earlier login (optional;
                                               without it: the client-credentials grant)
    PROCORE_ENVIRONMENT, PROCORE_BASE_URL, PROCORE_LOGIN_URL, PROCORE_CA_CERT

Exit status: 0 on success, 2 for a usage or configuration error, 1 when Procore or the file
system fails (or some projects failed). No token is ever printed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import sys
import tempfile
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Tuple

import procore

REQUIRED = ("PROCORE_CLIENT_ID", "PROCORE_CLIENT_SECRET", "PROCORE_COMPANY_ID")
STATE_VERSION = 1

Row = Dict[str, str]
Key = Tuple[str, str]


def env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


# ----- files ---------------------------------------------------------------------------------


def write_atomically(path: str, write: Callable[[IO[Any]], None], binary: bool = False) -> None:
    """Write through a temporary file in the target's folder, fsync it, rename it over."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".incremental-", suffix=".tmp", dir=folder)
    try:
        if binary:
            os.close(fd)
            write(tmp)  # type: ignore[arg-type]
        else:
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


def read_rows(path: str) -> Dict[Key, Row]:
    """The rows of an earlier run by (project_id, id); empty cells are absent fields."""
    rows: Dict[Key, Row] = {}
    if not os.path.exists(path):
        return rows
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            clean = {k: v for k, v in row.items() if v != ""}
            rows[(clean["project_id"], clean["id"])] = clean
    return rows


def columns_of(rows: Iterable[Row]) -> List[str]:
    seen = set()
    for row in rows:
        seen.update(row)
    first = [c for c in ("project_id", "id", "updated_at") if c in seen]
    return first + sorted(seen - set(first))


def write_csv(path: str, rows: Dict[Key, Row]) -> None:
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (int(k[0]), int(k[1])))]
    columns = columns_of(ordered)

    def write(f: IO[str]) -> None:
        out = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        out.writeheader()
        out.writerows(ordered)

    write_atomically(path, write)


def write_parquet(path: str, rows: Dict[Key, Row]) -> Optional[str]:
    """The rows as Parquet (text columns) when pyarrow or polars is installed."""
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (int(k[0]), int(k[1])))]
    columns = columns_of(ordered)
    table = {c: [r.get(c) for r in ordered] for c in columns}
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        write_atomically(path, lambda tmp: pq.write_table(pa.table(table), tmp), binary=True)
        return path
    except ImportError:
        pass
    try:
        import polars as pl

        write_atomically(path, lambda tmp: pl.DataFrame(table).write_parquet(tmp), binary=True)
        return path
    except ImportError:
        return None


def read_state(path: str) -> Optional[Dict[str, Any]]:
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"{path}: not a state file of this script (version {state.get('version')!r})")
    return state


def write_state(path: str, mark: dt.datetime, projects: Iterable[int]) -> None:
    state = {
        "version": STATE_VERSION,
        "high_water_mark": mark.isoformat().replace("+00:00", "Z"),
        "projects": sorted(projects),
    }
    write_atomically(path, lambda f: json.dump(state, f, indent=1))


# ----- records to rows -----------------------------------------------------------------------


def flatten(record: Dict[str, Any], prefix: str = "") -> Row:
    """A record as text cells: nested objects flattened (`created_by.id`), lists as JSON,
    nulls absent."""
    row: Row = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if value is None:
            continue
        if isinstance(value, dict):
            row.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            row[name] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        else:
            row[name] = str(value)
    return row


def stamp(row: Row) -> dt.datetime:
    """A row's `updated_at` (the oldest possible when it has none that reads)."""
    text = row.get("updated_at", "").replace("Z", "+00:00")
    # Python before 3.11 reads fractions of 3 or 6 digits only.
    text = re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], text)
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def key_of(row: Row) -> Key:
    return (row["project_id"], row["id"])


def merge(rows: Dict[Key, Row], records: Iterable[Any]) -> int:
    """Upserts the records (newest `updated_at` kept; a tie goes to the newer pull)."""
    n = 0
    for record in records:
        row = flatten(record.to_dict() if hasattr(record, "to_dict") else dict(record))
        key = key_of(row)
        old = rows.get(key)
        if old is None or stamp(row) >= stamp(old):
            rows[key] = row
        n += 1
    return n


# ----- the run -------------------------------------------------------------------------------


def pull(
    client: procore.Client,
    method: Callable[..., Any],
    project_ids: List[int],
    failures: Dict[int, procore.ProcoreError],
    **window: Any,
) -> List[Any]:
    """One cross-project pull; a failed project is recorded in `failures`, the others kept."""
    if not project_ids:
        return []
    try:
        return list(method(project_ids=project_ids, **window))
    except procore.PartialPullError as e:
        failures.update(e.errors)
        return list(e.records)


def run(client: procore.Client, out: str, state_path: str, overlap: dt.timedelta) -> int:
    state = read_state(state_path) if os.path.exists(out) else None
    rows = read_rows(out) if state else {}
    # The window's end, fixed before the first page: the next run's high-water mark.
    until = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    projects = [p.id for p in client.projects.list()]
    known = set(state["projects"]) if state else set()
    new = [p for p in projects if p not in known]
    old = [p for p in projects if p in known]
    failures: Dict[int, procore.ProcoreError] = {}

    # Projects seen before: what changed since the mark (less the overlap).
    since = None
    if state:
        mark = dt.datetime.fromisoformat(state["high_water_mark"].replace("Z", "+00:00"))
        since = mark - overlap
    changed = pull(client, client.rfis.list, old, failures, updated_since=since, updated_until=until)
    # New projects: everything up to the window's end.
    added = pull(client, client.rfis.list, new, failures, updated_until=until)
    updated = merge(rows, changed) + merge(rows, added)
    # RFIs recycled in the window leave the file (read after the records: a record recycled
    # during this run is gone).
    removed = 0
    if since is not None:
        for record in pull(
            client, client.rfis_recycle_bin.list, old, failures, updated_since=since, updated_until=until
        ):
            removed += rows.pop(key_of(flatten(record.to_dict())), None) is not None

    write_csv(out, rows)
    parquet = write_parquet(os.path.splitext(out)[0] + ".parquet", rows)
    if failures:
        # The mark stays: the next run asks every project again from there (a failed project
        # not pulled before stays unknown, so it is pulled in full).
        if state:
            ok = {p for p in projects if p not in failures}
            write_state(state_path, mark, set(state["projects"]) | ok)
        for pid, err in failures.items():
            print(f"error: project {pid}: {type(err).__name__}: {err.message}", file=sys.stderr)
    else:
        write_state(state_path, until, projects)
    kind = "incremental" if state else "full"
    print(
        f"{kind} pull of {len(projects)} projects: {updated} RFIs pulled, {removed} removed, "
        f"{len(rows)} rows in {out}" + (f" and {parquet}" if parquet else "")
    )
    return 1 if failures else 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="the CSV file (rewritten on every run)")
    parser.add_argument("--state", help="the state file (default: OUTPUT.state.json)")
    parser.add_argument(
        "--overlap", type=float, default=300.0, help="seconds pulled again before the mark (300)"
    )
    args = parser.parse_args(argv)
    if args.overlap < 0:
        print("error: --overlap must be >= 0", file=sys.stderr)
        return 2
    settings = {
        name: env(name)
        for name in REQUIRED
        + ("PROCORE_TOKEN_STORE", "PROCORE_ENVIRONMENT", "PROCORE_BASE_URL", "PROCORE_LOGIN_URL", "PROCORE_CA_CERT")
    }
    missing = [name for name in REQUIRED if settings[name] is None]
    if missing:
        print(f"error: set {', '.join(missing)} in the environment", file=sys.stderr)
        return 2
    state_path = args.state or args.output + ".state.json"
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
            return run(client, args.output, state_path, dt.timedelta(seconds=args.overlap))
    except procore.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except procore.ProcoreError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
