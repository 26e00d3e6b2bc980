"""Progress bars for long list pulls (``progress=`` of ``paginate``, ``projects.list``,
``companies.list``).

By default (``progress=None``) a bar is drawn when tqdm is installed, the pull spans more than
``PAGES_FOR_A_BAR`` pages, and someone can see it: in a Jupyter kernel (the notebook widget,
when ipywidgets is installed) or when stderr is a terminal (a text bar). ``progress=True``
draws one for any pull, wherever stderr goes; ``progress=False`` never does.

When no bar is wanted the list is collected by the Rust core in one call; when one is, the
pages come through the same concurrent page iterator as ``iter_pages()`` and the bar advances
one page at a time, with the records done out of ``Total``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any, AsyncIterator, Iterator, List, Optional

from ._exceptions import ConfigError, MissingDependencyError
from ._env import in_notebook
from ._results import ResultList

__all__ = ["PAGES_FOR_A_BAR", "acollect", "collect", "wanted"]

#: A pull of more pages than this gets a bar by default.
PAGES_FOR_A_BAR = 3


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _interactive() -> bool:
    if in_notebook():
        return True
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def wanted(progress: Optional[bool]) -> bool:
    """Whether a list call should collect its pages with a bar (validates ``progress``)."""
    if progress is None:
        return _interactive() and _installed("tqdm")
    if progress is True:
        _bar_class()  # a missing tqdm is reported now, before any request
        return True
    if progress is False:
        return False
    raise ConfigError(f"progress must be True, False or None, not {progress!r}")


def _bar_class() -> Any:
    try:
        tqdm_std = importlib.import_module("tqdm")
    except ImportError as e:
        raise MissingDependencyError(
            'progress=True needs tqdm, an optional dependency: pip install "procore[progress]"',
            name="tqdm",
        ) from e
    if in_notebook() and _installed("ipywidgets"):
        return importlib.import_module("tqdm.notebook").tqdm
    return tqdm_std.tqdm


class _Bar:
    """Pages and records done, and the bar once the pull proves long enough for one."""

    def __init__(self, what: str, always: bool) -> None:
        self.what = what
        self.always = always
        self.pages = 0
        self.records = 0
        self.first_page: Optional[int] = None
        self.bar: Any = None

    def advance(self, page_len: int, total: Optional[int]) -> None:
        self.pages += 1
        self.records += page_len
        if self.first_page is None:
            self.first_page = page_len
        pages_total = self._pages_total(total)
        if self.bar is None:
            long_enough = (
                pages_total > PAGES_FOR_A_BAR
                if pages_total is not None
                else self.pages > PAGES_FOR_A_BAR
            )
            if not (self.always or long_enough):
                return
            self.bar = _bar_class()(
                total=pages_total,
                initial=self.pages - 1,
                unit="page",
                desc=self.what,
            )
        done = f"{self.records}/{total}" if total is not None else f"{self.records}"
        self.bar.set_postfix_str(f"{done} records", refresh=False)
        self.bar.update(1)

    def _pages_total(self, total: Optional[int]) -> Optional[int]:
        if total is None:
            return None
        if total == 0:
            return 1
        if not self.first_page:
            return None
        # Every page but the last is full, so page 1 gives the page size the server used.
        return max(1, -(-total // self.first_page))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def collect(pages: Any, what: str, progress: Optional[bool]) -> ResultList[Any]:
    """Every record of ``pages`` (a sync page iterator) in order, drawing the bar."""
    records: List[Any] = []
    bar = _Bar(what, always=progress is True)
    it: Iterator[Any] = iter(pages)
    try:
        for page in it:
            records.extend(page)
            bar.advance(len(page), pages.total)
    finally:
        bar.close()
    return ResultList(records)


async def acollect(pages: Any, what: str, progress: Optional[bool]) -> ResultList[Any]:
    """Every record of ``pages`` (an async page iterator) in order, drawing the bar."""
    records: List[Any] = []
    bar = _Bar(what, always=progress is True)
    it: AsyncIterator[Any] = pages.__aiter__()
    try:
        async for page in it:
            records.extend(page)
            bar.advance(len(page), pages.total)
    finally:
        bar.close()
    return ResultList(records)
