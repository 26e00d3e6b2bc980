"""``client.login()``: the person's side of the browser login.

The flow itself (the loopback listener, the ``state`` check, PKCE and the code exchange) is
one function of the Rust core, run for both clients by the extension (``src/core/login.rs``).
It calls :func:`show` once, before waiting, and :func:`ask_code` in out-of-band mode: for the
sync client in the calling thread, for the async client on the event loop's thread.

Messages go to stderr, so a script's stdout stays its own. Nothing secret reaches this module
(the URL carries only the state and the PKCE challenge): no code, verifier or token is
ever printed.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import webbrowser
from typing import Awaitable, Callable, Iterator, Optional, TypeVar

__all__ = ["ask_code", "awaiting", "reading_code_with", "show"]

T = TypeVar("T")

# What asks for the pasted code: ``input()`` unless a caller (the ``procore`` command) put
# another reader in place with :func:`reading_code_with`.
_reader: Optional[Callable[[], Optional[str]]] = None


def _say(*lines: str) -> None:
    err = sys.stderr
    if err is None:  # pythonw: nowhere to print
        return
    print("\n".join(lines), file=err, flush=True)


def _find_browser(open_browser: Optional[bool]) -> Optional[webbrowser.BaseBrowser]:
    if open_browser is False:
        return None
    try:
        return webbrowser.get()
    except webbrowser.Error:
        return None


def _launch(browser: webbrowser.BaseBrowser, url: str) -> None:
    """Open ``url`` in a thread of its own: some browsers (text browsers, ``BROWSER=cmd``)
    keep ``open()`` busy until they exit, and they must reach the listener meanwhile."""

    def run() -> None:
        try:
            ok = browser.open(url, new=2)
        except Exception:
            ok = False
        if not ok:
            _say("Could not open a browser: open the URL above yourself.")

    threading.Thread(target=run, name="procore-login-browser", daemon=True).start()


def show(
    url: str,
    redirect_uri: str,
    paste: bool,
    open_browser: Optional[bool],
    no_listener: Optional[str],
) -> None:
    """Print the authorization URL (always, so it can be copied) and open the browser when
    there is one. ``paste``: the person pastes the code Procore shows (out of band);
    ``no_listener``: why the listener could not be opened, when that is the reason."""
    if no_listener is not None:
        _say(f"Cannot listen on {no_listener}: paste the code instead.")
    browser = _find_browser(open_browser)
    if paste:
        _say(
            "Open this URL in a browser, log in to Procore and approve the app;",
            "Procore then shows an authorization code:",
            "",
            f"    {url}",
            "",
        )
    else:
        opening = (
            "Log in to Procore in the browser that opens. If none does, open this URL:"
            if browser is not None
            else "Open this URL in a browser on this machine and log in to Procore:"
        )
        _say(
            opening,
            "",
            f"    {url}",
            "",
            f"Waiting for the browser to come back to {redirect_uri} (Ctrl-C to cancel).",
        )
        _say(
            "(If Procore calls the redirect URI invalid, register it for the app in the "
            "Developer Portal, with a fixed port: login(port=N). If the browser runs on "
            "another machine, use login(oob=True).)"
        )
    if browser is not None:
        _launch(browser, url)


def ask_code() -> Optional[str]:
    """What the person pastes: ``input()``, which Jupyter answers with a text box. ``None``
    when nothing can be read (standard input closed)."""
    if _reader is not None:
        return _reader()
    try:
        return input("Paste the authorization code here: ")
    except EOFError:
        return None


@contextlib.contextmanager
def reading_code_with(reader: Callable[[], Optional[str]]) -> Iterator[None]:
    """Within the block, :func:`ask_code` calls ``reader`` instead of ``input()`` (for the
    ``procore`` command, which keeps stdout for data and does not echo the code)."""
    global _reader
    previous, _reader = _reader, reader
    try:
        yield
    finally:
        _reader = previous


async def awaiting(start: Callable[[], Awaitable[T]]) -> T:
    """``AsyncClient.login()``'s coroutine: the login starts when it is awaited, on the
    running event loop."""
    return await start()
