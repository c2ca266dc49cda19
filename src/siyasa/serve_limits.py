"""The REST service's guards (siyasa.serve): `BodyGuard` bounds a request body while it streams (size
and time), `TagPool` runs tagging off the event loop in a bounded pool and says `ServerBusy` when full.
The module docstring of siyasa.serve lists every limit and its default."""

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ._http import send_json
from .errors import UserError

T = TypeVar("T")


class BodyGuard:
    """Pure ASGI middleware that reads the request body itself, bounded in size and time, then hands the
    app the whole body in one message.

    `@app.middleware("http")` and Starlette's `request.body()` read a body whole before anyone can look
    at its size, so a chunked body (no Content-Length) of any size used to be held in memory. Here the
    bytes are counted as they arrive: past `max_body_bytes` the answer is 413 at once and the connection
    is closed with the rest unread, so memory is bounded by the limit. A body that does not arrive
    within `body_timeout` seconds gets 408 (a slow client holds a connection, not the server).
    """

    def __init__(
        self,
        app: Callable,
        max_body_bytes: int,
        body_timeout: float,
    ) -> None:
        self.app, self.max_body_bytes, self.body_timeout = app, max_body_bytes, body_timeout

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = {"detail": f"request body above {self.max_body_bytes} bytes"}
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await send_json(send, 413, too_big, close=True)
            return
        body = bytearray()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                detail = f"request body not received within {self.body_timeout:g} s"
                await send_json(send, 408, {"detail": detail}, close=True)
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await send_json(send, 413, too_big, close=True)
                return
            more = message.get("more_body", False)
        first: dict | None = {"type": "http.request", "body": bytes(body), "more_body": False}
        del body

        async def replay() -> dict:
            nonlocal first
            if first is not None:
                message, first = first, None
                return message
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)


class ServerBusy(Exception):
    """The tagging pool has `max_queue` jobs admitted already; the client should retry later."""


class TagPool:
    """Tagging off the event loop, in `workers` threads, admitting at most `max_queue` jobs at a time.

    The event loop must stay free for /healthz, body reads and timeouts while a model runs, and an
    unbounded queue would turn an overload into ever slower answers and growing memory: a job beyond the
    limit is refused at once (ServerBusy -> 503) instead. Jobs are counted from admission until their
    thread finishes (or, if still queued, until cancelled), so a client that gives up does not free a
    slot its job still holds.
    """

    def __init__(self, workers: int, max_queue: int) -> None:
        if workers < 1 or max_queue < 1:
            raise UserError(f"workers and max_queue must be at least 1 (got {workers} and {max_queue})")
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="siyasa-tag")
        self.max_queue = max_queue
        self.pending = 0  # admitted, not finished; only touched on the event loop thread

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.pending >= self.max_queue:
            raise ServerBusy
        loop = asyncio.get_running_loop()
        future: Future = self.executor.submit(fn, *args)
        self.pending += 1

        def finished(_: Future) -> None:
            try:
                loop.call_soon_threadsafe(self._release)
            except RuntimeError:  # the loop is closed: the server is gone, nothing to count
                pass

        future.add_done_callback(finished)
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        self.pending -= 1

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
