"""The coroutines an ``AsyncClient`` hands out.

An I/O method checks its arguments, builds its request in Rust and returns ``io(start)``: a
real coroutine, as an ``async def`` method of httpx or the OpenAI SDK returns. So nothing is
sent before it is awaited (or run by ``asyncio.run``, ``create_task``, a ``TaskGroup``,
``wait_for``); one that is never awaited sends nothing, and Python warns about it as about any
coroutine. The coroutine is named after the method (``AsyncClient.me``).

``start()`` schedules the request on the Rust runtime and returns an asyncio future of the
running loop, so the same coroutine works in any loop, a notebook's included. Cancelling the
await cancels the future, and with it the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

_T = TypeVar("_T")


async def io(start: Callable[[], "asyncio.Future[_T]"]) -> _T:
    """Starts the request when first awaited and waits for its answer."""
    fut = start()
    try:
        return await fut
    finally:
        if not fut.done():
            # Closed (or collected) while waiting, without a cancellation of the await: stop
            # the request. A closed loop refuses; the request then ends unheard.
            try:
                fut.cancel()
            except RuntimeError:
                pass


async def later(call: Callable[[], _T]) -> _T:
    """Runs ``call`` (no I/O: closing the client) when awaited."""
    return call()
