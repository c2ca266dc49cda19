"""uvicorn's h11 protocol with the guards it lacks: a request-head timeout, JSON for the errors it
answers itself (400 for a bad or oversized head, 503 past the connection limit).

uvicorn (0.55) times out idle keep-alive connections (`timeout_keep_alive`) but not a client that
opens a connection and sends half a request line, then nothing: each such client holds a connection
(and, with `limit_concurrency`, a slot) for as long as it likes. Here a connection whose request line
and headers are not complete within `header_timeout` seconds of it opening, or of the previous response,
is closed. Imported only by `siyasa.serve.build_server`, so that `siyasa` imports without uvicorn.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

RETRY_AFTER_S = 1  # what a 503 tells the client to wait


def _json_bytes(content: Any) -> bytes:
    """JSON as ASCII: whatever an error echoes back (even a lone surrogate) can always be encoded."""
    return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def send_json(
    send: Callable, status: int, content: Any, *, close: bool = False, headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON body straight through ASGI `send` (for layers that run outside FastAPI)."""
    body = _json_bytes(content)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if close:  # uvicorn closes the connection after the response instead of reading what is left
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class GuardedH11Protocol(H11Protocol):
    """H11Protocol + header timeout + JSON 400/503. Subclass it with `guarded_h11_protocol(seconds)`."""

    header_timeout: float = 10.0

    def __init__(self, config: Any, server_state: Any, app_state: dict, _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timer: asyncio.TimerHandle | None = None
        cap, self.limit_concurrency = self.limit_concurrency, None  # uvicorn's own check answers in text
        if cap is not None:
            self.app = _connection_cap(self.app, server_state, cap)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request's head gets the same time

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout_expired)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout_expired(self) -> None:
        self._header_timer = None
        # IDLE: no complete request head yet (a request being read or answered is SEND_BODY or DONE)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info(
                "closing a connection: no complete request head within %g s", self.header_timeout
            )
            try:
                self.conn.send(h11.ConnectionClosed())
            except h11.LocalProtocolError:
                pass
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to an unparsable or oversized request head, as JSON."""
        body = _json_bytes({"detail": msg})
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def _connection_cap(app: Callable, server_state: Any, cap: int) -> Callable:
    """uvicorn's `limit_concurrency` check (connections or requests above `cap` -> 503), answered in
    JSON. It runs when the request's task starts, so that task and its connection are counted."""

    async def capped(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and (len(server_state.connections) > cap or len(server_state.tasks) > cap):
            detail = f"more than {cap} connections or requests open, retry later"
            await send_json(
                send, 503, {"detail": detail}, close=True, headers={"Retry-After": str(RETRY_AFTER_S)}
            )
            return
        await app(scope, receive, send)

    return capped


def guarded_h11_protocol(header_timeout: float) -> type[GuardedH11Protocol]:
    """A GuardedH11Protocol class with this header timeout (uvicorn's Config takes a class, not options)."""
    return type("SiyasaH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout})
