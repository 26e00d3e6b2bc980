"""The ``procore`` command: log in, see who you are, call any endpoint, run the mock server.

    procore login                     # browser; --oob to paste the code; --client-credentials
    procore whoami
    procore get /rest/v1.0/companies --format table
    procore get /rest/v1.0/projects -p company_id=123 --company-id 123 --all --format csv
    procore mock                      # a mock Procore server in the foreground

Data goes to stdout, messages to stderr, and the exit code says what happened (see
``EXIT_CODES``). Only the standard library is imported until a command needs the client.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import _config

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_AUTH = 4
EXIT_API = 5
EXIT_CONNECTION = 6
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a Unix tool killed by a closed pipe reports

EXIT_CODES = (
    (EXIT_OK, "success"),
    (EXIT_ERROR, "unexpected error"),
    (EXIT_USAGE, "usage error: bad command line"),
    (EXIT_CONFIG, "configuration error: a setting missing or invalid, an unreadable file"),
    (EXIT_AUTH, "not logged in, or refused: OAuth error, 401, 403"),
    (EXIT_API, "any other error answer: 400, 404, 409, 422, 429, 5xx (login host too)"),
    (EXIT_CONNECTION, "no answer: network, TLS or timeout"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "stdout closed early (procore get ... | head)"),
)

MAX_CELL = 40  # characters of a --format table cell

_DESCRIPTION = "Command line for the Procore API: log in once, then call any endpoint."

_EPILOG = (
    "settings, first found wins:\n"
    "  1. flags (--client-id, --environment, --company-id, --base-url, --login-url, --ca-cert)\n"
    "  2. environment: PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET, PROCORE_ENVIRONMENT,\n"
    "     PROCORE_COMPANY_ID, PROCORE_BASE_URL, PROCORE_LOGIN_URL, PROCORE_CA_CERT\n"
    "  3. config.json in the config folder, saved by `procore login`\n"
    "  The config folder: --config-dir, $PROCORE_CONFIG_DIR, else $XDG_CONFIG_HOME/procore\n"
    "  or ~/.config/procore (%APPDATA%\\procore on Windows). The token is in token.json there.\n"
    "\n"
    "exit codes:\n"
    + "".join(f"  {code:<4} {text}\n" for code, text in EXIT_CODES)
    + "\n"
    "Errors are one line on stderr, `procore: error: ...`; --debug adds the traceback."
)


class CliError(Exception):
    """A failure the command reports with its own message and exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# Secret values seen by this process (client secret, tokens, authorization code): scrubbed from
# every message as a last line of defence; procore's own messages never carry them.
_secrets: List[str] = []


def _remember_secret(value: Optional[str]) -> None:
    if value and value not in _secrets:
        _secrets.append(value)


def _scrub(text: str) -> str:
    """The core's scrubbing (the same rule as its own messages), once a secret is known."""
    if not _secrets:
        return text
    try:
        from ._procore import _scrub as scrub
    except ImportError:  # a broken install: its message carries no secret of ours
        return text
    return scrub(text, _secrets)


def _say(message: str) -> None:
    """A message for the user: stderr, so that stdout stays data."""
    sys.stderr.write(_scrub(message) + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Command line


def _number(convert: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse ``type=`` that converts and checks a number, naming what it expected."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, not {text!r}")
        return value

    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_non_negative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
_positive_float = _number(float, lambda v: 0 < v < float("inf"), "a number of seconds > 0")


def _settings_parser() -> argparse.ArgumentParser:
    # Accepted before and after the command (`procore --company-id 1 get ...` and
    # `procore get ... --company-id 1`): SUPPRESS keeps a subcommand from resetting a value
    # given before it.
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings")
    add = group.add_argument
    sup = argparse.SUPPRESS
    add("--client-id", metavar="ID", default=sup, help="OAuth client id [PROCORE_CLIENT_ID]")
    add(
        "--environment",
        choices=("production", "sandbox", "monthly"),
        metavar="ENV",
        default=sup,
        help="production, sandbox or monthly [PROCORE_ENVIRONMENT; default production]",
    )
    add(
        "--company-id",
        type=_positive_int,
        metavar="N",
        default=sup,
        help="default Procore-Company-Id header [PROCORE_COMPANY_ID]",
    )
    add("--base-url", metavar="URL", default=sup, help="API host [PROCORE_BASE_URL]")
    add("--login-url", metavar="URL", default=sup, help="login (OAuth) host [PROCORE_LOGIN_URL]")
    add(
        "--ca-cert",
        metavar="PEM",
        default=sup,
        help="extra trusted root certificate [PROCORE_CA_CERT]",
    )
    add("--config-dir", metavar="DIR", default=sup, help="config folder [PROCORE_CONFIG_DIR]")
    add(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        default=sup,
        help="per request (default 30)",
    )
    add(
        "--max-retries",
        type=_non_negative_int,
        metavar="N",
        default=sup,
        help="retries of a failed request (default 3)",
    )
    add("--debug", action="store_true", default=sup, help="tracebacks and debug log on stderr")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parser()
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="procore",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=raw,
        parents=[common],
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    login = commands.add_parser(
        "login",
        parents=[common],
        formatter_class=raw,
        help="log in and save the token",
        description=(
            "Log in and save the token (token.json in the config folder, mode 0600) and the\n"
            "settings used (config.json, mode 0600), for the other commands. The default is\n"
            "the browser: Procore redirects to http://localhost:PORT/callback. The client id\n"
            "and secret come from the settings, or are asked for in a terminal."
        ),
    )
    how = login.add_mutually_exclusive_group()
    how.add_argument(
        "--oob",
        action="store_true",
        help="print the URL and read the code Procore shows from stdin (no local redirect)",
    )
    how.add_argument(
        "--client-credentials",
        action="store_true",
        help="service account: the client_credentials grant, no user involved",
    )
    login.add_argument("--no-browser", action="store_true", help="print the URL, open nothing")
    login.add_argument(
        "--port",
        type=_non_negative_int,
        default=0,
        help="port of the local redirect (default: any free one)",
    )
    login.add_argument(
        "--browser-timeout",
        type=_positive_float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser (default 300)",
    )

    commands.add_parser(
        "logout",
        parents=[common],
        help="revoke the saved token and delete it",
        description="Revoke the saved token at Procore and delete token.json (config.json stays).",
    )

    whoami = commands.add_parser(
        "whoami",
        parents=[common],
        help="show the logged-in user",
        description="Show the user the saved token belongs to (GET /rest/v1.0/me).",
    )
    whoami.add_argument("--format", choices=("text", "json"), default="text")

    get = commands.add_parser(
        "get",
        parents=[common],
        formatter_class=raw,
        help="GET any endpoint and print the result",
        description=(
            "GET an endpoint and print the answer on stdout.\n\n"
            "  procore get /rest/v1.0/companies --format table\n"
            "  procore get /rest/v1.0/projects -p company_id=123 --company-id 123 --all\n\n"
            "--company-id sets the Procore-Company-Id header; endpoints that also want a\n"
            "company_id parameter get it with -p. A KEY ending in [] may repeat\n"
            "(-p 'filters[id][]=1' -p 'filters[id][]=2').\n\n"
            "Formats: json (default) is indented on a terminal and one compact line\n"
            "otherwise; csv and table write one row per record, nested objects flattened\n"
            "to columns such as company.id, lists as JSON text (a v2 {\"data\": [...]}\n"
            "envelope is unwrapped); table truncates cells to 40 characters."
        ),
    )
    get.add_argument("path", metavar="PATH", help="path on the API host, e.g. /rest/v1.0/me")
    get.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="query parameter (repeatable)",
    )
    get.add_argument("--all", action="store_true", help="every page of a list endpoint")
    get.add_argument("--format", choices=("json", "csv", "table", "parquet"), default="json")
    get.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout (--format parquet needs it, and pyarrow or polars)",
    )

    mock = commands.add_parser(
        "mock",
        help="run a mock Procore server in the foreground",
        description=(
            "Run a mock Procore server on 127.0.0.1 until Ctrl-C (exit 0). It prints the "
            "export lines that point this command (and procore.Client) at it."
        ),
    )
    mock.add_argument("--companies", type=_positive_int, default=2)
    mock.add_argument("--projects-per-company", type=_non_negative_int, default=250)
    mock.add_argument("--token-lifetime", type=_non_negative_int, default=5400, help="seconds")
    mock.add_argument("--ca-cert", metavar="PATH", help="also copy the CA certificate here")
    mock.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)

    ops = commands.add_parser(
        "ops",
        help="search the catalog of API operations",
        description="Search the catalog of every REST operation (procore.catalog).",
    )
    ops_commands = ops.add_subparsers(dest="ops_command", metavar="SUBCOMMAND", required=True)
    find = ops_commands.add_parser(
        "find",
        help="operations whose name, path or title contains TEXT",
        description=(
            "Print the operations whose name, path or title contains every word of TEXT "
            "(case-insensitive): name, method and path, title. Exit 1 when none does."
        ),
    )
    find.add_argument("text", metavar="TEXT", nargs="+")
    return parser


# ---------------------------------------------------------------------------------------------
# Settings and clients


def _settings(args: argparse.Namespace) -> _config.Settings:
    flags = {key: getattr(args, key, None) for key in _config.FLAGS}
    directory = _config.config_dir(getattr(args, "config_dir", None))
    settings = _config.resolve(flags, os.environ, directory)
    _remember_secret(settings.get("client_secret"))
    return settings


def _client(settings: _config.Settings, args: argparse.Namespace, token_store: bool) -> Any:
    import procore

    kwargs = settings.client_kwargs()
    if token_store:
        kwargs["token_store"] = settings.token_path
    if getattr(args, "timeout", None) is not None:
        kwargs["timeout"] = args.timeout
    if getattr(args, "max_retries", None) is not None:
        kwargs["max_retries"] = args.max_retries
    return procore.Client(**kwargs)


def _describe_hosts(hosts: Optional[Tuple[str, str]]) -> str:
    if hosts is None:
        return "invalid settings"
    return f"{hosts[0]} (login {hosts[1]})"


def _logged_in_client(settings: _config.Settings, args: argparse.Namespace) -> Any:
    """A client with the saved token, which is used only with the hosts it came from."""
    if not os.path.exists(settings.token_path):
        raise CliError(EXIT_AUTH, "not logged in: run `procore login`")
    saved = _config.hosts_of(settings.config)
    current = _config.hosts_of(settings.values)
    if saved != current:
        raise CliError(
            EXIT_AUTH,
            f"the saved login is for {_describe_hosts(saved)}, not "
            f"{_describe_hosts(current)}: run `procore login` with these settings",
        )
    client = _client(settings, args, token_store=True)
    _remember_token(client)
    return client


def _remember_token(client: Any) -> None:
    token = client.token
    if token is not None:
        _remember_secret(token.access_token)
        _remember_secret(token.refresh_token)


def _interactive() -> bool:
    return bool(
        sys.stdin is not None
        and sys.stdin.isatty()
        and sys.stderr is not None
        and sys.stderr.isatty()
    )


def _ask(prompt: str, secret: bool) -> str:
    if secret:
        import getpass

        return getpass.getpass(prompt, stream=sys.stderr).strip()
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline().strip()


# ---------------------------------------------------------------------------------------------
# Commands


def _cmd_login(args: argparse.Namespace) -> int:
    settings = _settings(args)
    interactive = _interactive()
    if not settings.get("client_id"):
        if not interactive:
            raise CliError(
                EXIT_CONFIG,
                "no client id: pass --client-id or set PROCORE_CLIENT_ID "
                "(or run `procore login` in a terminal to be asked)",
            )
        settings.values["client_id"] = _ask("Client ID: ", secret=False)
        settings.sources["client_id"] = "prompt"
        if not settings.get("client_id"):
            raise CliError(EXIT_CONFIG, "no client id given")
    if not settings.get("client_secret"):
        if not interactive:
            raise CliError(
                EXIT_CONFIG,
                "no client secret: set PROCORE_CLIENT_SECRET "
                "(or run `procore login` in a terminal to be asked)",
            )
        secret = _ask("Client secret: ", secret=True)
        if not secret:
            raise CliError(EXIT_CONFIG, "no client secret given")
        _remember_secret(secret)
        settings.values["client_secret"] = secret
        settings.sources["client_secret"] = "prompt"

    _config.ensure_dir(settings.directory)
    with _client(settings, args, token_store=True) as client:
        if args.client_credentials:
            client.client_credentials()
        elif args.oob:
            from . import _login

            # The library's out-of-band login (PKCE included), with the code read the
            # command's way: not echoed in a terminal, and never from stdout's side.
            with _login.reading_code_with(lambda: _read_code(interactive)):
                client.login(oob=True, open_browser=False)
        else:
            client.login(
                open_browser=False if args.no_browser else None,
                oob=None,
                port=args.port,
                timeout=args.browser_timeout,
            )
        _remember_token(client)
        # The token is saved by now (the store writes it before it is used); the settings that
        # go with it follow, so the other commands reach the same hosts with it.
        _config.write_config(settings.directory, settings.to_config())
        if args.client_credentials and settings.get("company_id") is None:
            # Procore wants a company header on /me for a service account.
            _say(
                f"Logged in with client credentials (client id {settings.get('client_id')}); "
                f"token saved in {settings.token_path}"
            )
        else:
            me = client.me()
            who = me.name or me.login or f"user {me.id}"
            if me.login and me.name:
                who = f"{me.name} ({me.login})"
            _say(f"Logged in as {who}; token saved in {settings.token_path}")
    return EXIT_OK


def _read_code(interactive: bool) -> str:
    """The code Procore showed, for ``login --oob``: asked for without echo in a terminal,
    otherwise one line of stdin."""
    if interactive:
        code = _ask("Code: ", secret=True)
    else:
        _say("Code (read from stdin):")
        code = sys.stdin.readline().strip() if sys.stdin is not None else ""
    if not code:
        raise CliError(EXIT_AUTH, "no authorization code given: not logged in")
    _remember_secret(code)
    return code


def _cmd_logout(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = settings.token_path
    if not os.path.exists(path):
        _say("Not logged in.")
        return EXIT_OK
    failure: Optional[BaseException] = None
    revoked = False
    # The token is revoked at the login host it came from, or not at all.
    if _config.hosts_of(settings.config) == _config.hosts_of(settings.values):
        try:
            with _client(settings, args, token_store=True) as client:
                _remember_token(client)
                if client.token is not None:
                    client.revoke()
                    revoked = True
        except Exception as e:  # the local token goes anyway
            failure = e
    # The lock file stays: another process may hold it.
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    if failure is not None:
        code, message = _explain(failure, "logout")
        raise CliError(code, f"token deleted from {path}, but revoking it failed: {message}")
    if revoked:
        _say(f"Logged out; revoked the token and deleted {path}")
    else:
        _say(f"Logged out; deleted {path} (not revoked: it is for other hosts than these)")
    return EXIT_OK


def _cmd_whoami(args: argparse.Namespace) -> int:
    settings = _settings(args)
    with _logged_in_client(settings, args) as client:
        me = client.me()
        _remember_token(client)
    if args.format == "json":
        _emit(_json(me.to_dict(), pretty=_stdout_is_tty()))
    else:
        _emit(f"id:    {me.id}\nlogin: {_text(me.login)}\nname:  {_text(me.name)}\n")
    return EXIT_OK


def _parse_params(items: Sequence[str]) -> Dict[str, Any]:
    params: Dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(EXIT_USAGE, f"--param expects KEY=VALUE, not {item!r}")
        if key.endswith("[]") and len(key) > 2:
            # procore sends a list as KEY[]=a&KEY[]=b
            params.setdefault(key[:-2], []).append(value)
        elif key in params:
            raise CliError(
                EXIT_USAGE,
                f"--param {key} given twice: write {key}[]=VALUE for a list parameter",
            )
        else:
            params[key] = value
    return params


def _cmd_get(args: argparse.Namespace) -> int:
    params = _parse_params(args.param)
    if args.format == "parquet" and not args.output:
        raise CliError(EXIT_USAGE, "--format parquet writes a file: give it with --output FILE")
    settings = _settings(args)
    with _logged_in_client(settings, args) as client:
        if args.all:
            data = client.paginate(args.path, params or None)
        else:
            data = client.get(args.path, params or None)
        _remember_token(client)
    if args.format == "parquet":
        from ._frames import to_parquet

        records = [r if isinstance(r, dict) else {"value": r} for r in _records(data)]
        to_parquet(records, args.output)
        _say(f"wrote {len(records)} records to {args.output}")
        return EXIT_OK
    if args.format == "json":
        text = _json(data, pretty=_stdout_is_tty())
    elif args.format == "csv":
        text = _csv(data)
    else:
        text = _table(data)
        if not text:
            _say("(no records)")
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return EXIT_OK
    _emit(text)
    return EXIT_OK


def _cmd_mock(args: argparse.Namespace) -> int:
    import signal

    from .testing import main as mock_main

    argv = [
        "--companies",
        str(args.companies),
        "--projects-per-company",
        str(args.projects_per_company),
        "--token-lifetime",
        str(args.token_lifetime),
    ]
    if args.ca_cert:
        argv += ["--ca-cert", args.ca_cert]
    if hasattr(signal, "SIGTERM"):
        # `kill` stops it as cleanly as Ctrl-C: the server closes and its CA file goes.
        signal.signal(signal.SIGTERM, _interrupt)
    _say("Run the export lines in another shell, then: procore login --client-credentials")
    return mock_main(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _cmd_ops(args: argparse.Namespace) -> int:
    import procore

    found = procore.catalog.find(" ".join(args.text))
    if not found:
        _say("(no operations)")
        return EXIT_ERROR
    width = max(len(op.name) for op in found)
    _emit("".join(f"{op.name:<{width}}  {op.method} {op.path}  {op.summary}\n" for op in found))
    return EXIT_OK


_COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "login": _cmd_login,
    "logout": _cmd_logout,
    "whoami": _cmd_whoami,
    "get": _cmd_get,
    "mock": _cmd_mock,
    "ops": _cmd_ops,
}


# ---------------------------------------------------------------------------------------------
# Output


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _emit(text: str) -> None:
    """Write to stdout as UTF-8 (JSON's encoding, and the console's on Windows, PEP 528)."""
    if not text:
        return
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        out.flush()
        return
    out.flush()
    data = memoryview(text.encode("utf-8"))
    # With PYTHONUNBUFFERED (common in containers) the buffer is a raw file whose write may
    # take only part of the data.
    while data:
        written = buffer.write(data)
        data = data[written if written is not None else 0 :]
    buffer.flush()


def _json(data: Any, pretty: bool) -> str:
    if pretty:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _records(data: Any) -> List[Any]:
    if isinstance(data, dict):
        inner = data.get("data")
        # Procore's v2 envelope: {"data": [...]} (sometimes with "meta" beside it).
        if isinstance(inner, list) or (isinstance(inner, dict) and len(data) == 1):
            return _records(inner)
        return [data]
    if isinstance(data, list):
        return data
    if data is None:
        return []
    return [data]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict, float)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _tabulate(data: Any) -> Tuple[List[str], List[List[str]], List[bool]]:
    """Columns (the DataFrames' flattening: ``procore._frames.columns``), rows of cells, and
    which columns hold only numbers. A record that is not an object is a ``value`` column."""
    from ._frames import columns

    records = [r if isinstance(r, dict) else {"value": r} for r in _records(data)]
    n, cols = columns(records, "--format")
    names = list(cols)
    rows = [[_cell(cols[name][i]) for name in names] for i in range(n)]
    numeric = []
    for name in names:
        values = [v for v in cols[name] if v is not None]
        numeric.append(
            bool(values)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        )
    return names, rows, numeric


def _csv(data: Any) -> str:
    import csv
    import io

    names, rows, _ = _tabulate(data)
    if not names:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows)
    return buffer.getvalue()


def _fit(text: str) -> str:
    text = " ".join(text.split()) if any(c in text for c in "\r\n\t") else text
    if len(text) > MAX_CELL:
        return text[: MAX_CELL - 1] + "\u2026"
    return text


def _table(data: Any) -> str:
    names, rows, numeric = _tabulate(data)
    if not names:
        return ""
    header = [_fit(name) for name in names]
    body = [[_fit(cell) for cell in row] for row in rows]
    widths = [max([len(header[i])] + [len(row[i]) for row in body]) for i in range(len(names))]

    def line(cells: List[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(row) for row in body)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Errors and exit codes


def _explain(exc: BaseException, command: Optional[str]) -> Tuple[int, str]:
    """The exit code and the one-line message of an exception."""
    message = " ".join(str(exc).split())
    relogin = "" if command == "login" else "; run `procore login`"
    if isinstance(exc, CliError):
        return exc.code, message
    if isinstance(exc, _config.SettingsError):
        return EXIT_CONFIG, message
    errors = sys.modules.get("procore._exceptions")
    if errors is not None and isinstance(exc, errors.ProcoreError):
        if isinstance(exc, (errors.ConfigError, errors.TokenStoreError)):
            return EXIT_CONFIG, message
        if isinstance(exc, errors.OAuthError):
            # The login host failing (5xx) is not a refusal: logging in again would not help.
            status = exc.status_code or 0
            if status >= 500 or exc.error in ("server_error", "temporarily_unavailable"):
                return EXIT_API, message
            hint = relogin if exc.error == "invalid_grant" else ""
            return EXIT_AUTH, message + hint
        if isinstance(exc, errors.AuthenticationError):
            return EXIT_AUTH, message + relogin
        if isinstance(exc, errors.PermissionDeniedError):
            return EXIT_AUTH, message
        if isinstance(exc, errors.APIError):
            return EXIT_API, message
        if isinstance(exc, errors.APIConnectionError):
            return EXIT_CONNECTION, message
        return EXIT_ERROR, message
    return EXIT_ERROR, f"unexpected {type(exc).__name__}: {message}"


def _close_stdout() -> None:
    # Nothing more can reach the reader; point stdout at devnull so that the interpreter's
    # final flush does not raise again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _fail(message: str) -> None:
    try:
        sys.stderr.write(f"procore: error: {_scrub(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _setup_debug() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("procore")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``procore`` with ``argv`` (default: ``sys.argv[1:]``) and return its exit code."""
    args: Optional[argparse.Namespace] = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help, or a usage error already printed by argparse
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        if args.version:
            import procore

            _emit(f"procore {procore.__version__}\n")
            return EXIT_OK
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if getattr(args, "debug", False):
            _setup_debug()
        return _COMMANDS[args.command](args)
    except BrokenPipeError:
        _close_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        try:
            sys.stderr.write("procore: interrupted\n")
        except (OSError, ValueError):
            pass
        return EXIT_INTERRUPTED
    except Exception as exc:
        command = getattr(args, "command", None)
        code, message = _explain(exc, command)
        if getattr(args, "debug", False):
            import traceback

            sys.stderr.write(_scrub(traceback.format_exc()))
        _fail(message)
        return code

