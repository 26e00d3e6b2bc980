"""Where the code runs: facts the login flow and the progress bars both decide on."""

from __future__ import annotations

import sys

__all__ = ["in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython ZMQ shell, Colab's included).

    There the loopback redirect is no use as often as not (the kernel may run on another
    machine than the browser), and ``input()`` works, so ``login()`` asks for the code; and
    progress bars are drawn as the notebook widget.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    if shell is None:
        return False
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)
