"""`siyasa serve`: a small REST service over a Tagger (FastAPI + uvicorn, the `serve` extra).

    POST /v1/tag     {"text": "..."} or {"texts": ["...", ...]}  ->  {"records": [canonical records + "events"]}
    GET  /healthz    liveness (never waits on tagging)
    GET  /v1/model   labels, version, backbone and metrics of the loaded model
    GET  /docs, /openapi.json

Every answer is JSON, errors included ({"detail": ...}), and every limit answers at once rather than
after the work it guards against. The limits, their defaults (the module constants below, also the
`siyasa serve` options) and where each is enforced:

    max_body_bytes   1,000,000 B  `--max-body-bytes`  BodyGuard: a Content-Length above it gets 413 before
                                  any body is read; a chunked body is counted as it arrives and gets 413
                                  as soon as it passes the limit, the rest unread (connection closed), so
                                  memory per request is bounded by the limit, not by what a client sends.
    body_timeout     30 s         `--body-timeout`    BodyGuard: the whole body must arrive within this
                                  time of the request head, else 408 and the connection is closed.
    header_timeout   10 s         `--header-timeout`  GuardedH11Protocol: a request line and headers not
                                  complete this long after the connection opened (or after the previous
                                  response) close the connection; uvicorn has no such timeout of its own.
    max_header_bytes 16 KiB       (h11)               a request head above it gets 400 (h11's own limit).
    keep_alive       5 s          (uvicorn)           idle keep-alive connections are closed.
    max_connections  64           `--max-connections` GuardedH11Protocol: a request arriving while more
                                  connections or requests than this are open gets 503 (uvicorn's
                                  `limit_concurrency`, answered in JSON here).
    workers          1            `--workers`         TagPool: threads that run the Tagger, off the event
                                  loop; one is right for the ONNX backend, which already uses every core.
    max_queue        8            `--max-queue`       TagPool: tagging jobs admitted (running + waiting);
                                  one more gets 503 {"detail": "server busy, retry later"}, Retry-After.
    max_texts        256          `--max-texts`       texts per request, else 422.
    max_chars        the model's  (siyasa.json)       characters per text (Tagger.max_chars), else 413.

A text must also be Unicode (`siyasa.texts.text_problem`): a lone surrogate such as "\\ud800" gets 422
naming the text (`texts[3]`) and the character, before any tagging. docs/security.md says which
test shows each limit.

(No `from __future__ import annotations` here: FastAPI reads the request models' annotations at runtime.)
"""

import json
import logging
from contextlib import asynccontextmanager
from typing import Any

from ._http import RETRY_AFTER_S, _json_bytes
from .errors import UserError
from .inference import Tagger
from .serve_limits import BodyGuard, ServerBusy, TagPool
from .texts import text_problem

DEFAULT_MAX_BODY = 1_000_000
DEFAULT_MAX_TEXTS = 256
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DEFAULT_KEEP_ALIVE = 5
DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_WORKERS = 1
DEFAULT_MAX_QUEUE = 8
DEFAULT_GRACEFUL_SHUTDOWN = 10
BUSY_DETAIL = "server busy, retry later"

logger = logging.getLogger("siyasa.serve")


def create_app(
    tagger: Tagger,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_texts: int = DEFAULT_MAX_TEXTS,
    *,
    workers: int = DEFAULT_WORKERS,
    max_queue: int = DEFAULT_MAX_QUEUE,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
):
    """The ASGI app. `tagger` needs `pipe`, `settings`, `labels`, `backend.name` and `max_chars`."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from fastapi.utils import is_body_allowed_for_status_code
    from pydantic import BaseModel, model_validator
    from starlette.exceptions import HTTPException

    from . import __version__

    class TagRequest(BaseModel):
        text: str | None = None
        texts: list[str] | None = None

        @model_validator(mode="after")
        def one_of(self):
            if (self.text is None) == (self.texts is None):
                raise ValueError("give exactly one of 'text' (a string) or 'texts' (a list of strings)")
            if self.texts is not None and len(self.texts) > max_texts:
                raise ValueError(f"at most {max_texts} texts per request")
            return self

    class TagResponse(BaseModel):
        records: list[dict]

    class ErrorResponse(JSONResponse):
        """JSON in ASCII, so an error that quotes the client's input can always be sent."""

        def render(self, content: Any) -> bytes:
            return _json_bytes(content)

    pool = TagPool(workers, max_queue)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        pool.shutdown()

    app = FastAPI(
        title="siyasa",
        version=__version__,
        lifespan=lifespan,
        description="Tags ACTOR, ROLE and EVENT spans in Arabic political news.",
    )
    app.add_middleware(BodyGuard, max_body_bytes=max_body_bytes, body_timeout=body_timeout)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # loc, msg and type only: pydantic's `input` and `ctx` echo the request (lone surrogates included)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return ErrorResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not is_body_allowed_for_status_code(exc.status_code):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return ErrorResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)

    @app.exception_handler(ServerBusy)
    async def busy(request: Request, exc: ServerBusy) -> Response:
        return ErrorResponse(
            status_code=503, content={"detail": BUSY_DETAIL}, headers={"Retry-After": str(RETRY_AFTER_S)}
        )

    @app.exception_handler(UserError)
    async def bad_input(request: Request, exc: UserError) -> Response:
        return ErrorResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # the client gets no traceback; Starlette re-raises after this, so the server logs it in full
        logger.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return ErrorResponse(status_code=500, content={"detail": "internal server error"})

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/v1/model")
    async def model_info() -> dict:
        s = tagger.settings
        return {
            "name": s.get("name"),
            "version": s.get("version"),
            "labels": tagger.labels,
            "label_scheme": s.get("label_scheme", "coarse"),
            "backbone": s.get("backbone"),
            "metrics": s.get("metrics", {}),
            "backend": tagger.backend.name,
        }

    def tag_records(texts: list[str]) -> list[dict]:
        from .events import event_rows

        out = []
        for d in tagger.pipe(texts):  # the canonical record (with args) and its event table
            out.append(
                {
                    **d.to_dict(),
                    "events": [
                        {k: v for k, v in row.items() if k not in ("id", "date")} for row in event_rows([d])
                    ],
                }
            )
        return out

    @app.post("/v1/tag", response_model=TagResponse)
    async def tag(req: TagRequest) -> TagResponse:
        texts = [req.text] if req.text is not None else req.texts
        for i, t in enumerate(texts):
            problem = text_problem(t, tagger.max_chars)
            if problem:
                where = "text" if req.text is not None else f"texts[{i}]"
                status = 413 if len(t) > tagger.max_chars else 422
                raise HTTPException(status_code=status, detail=f"{where} {problem}")
        return TagResponse(records=await pool.run(tag_records, texts))

    return app


def build_server(
    app,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    keep_alive: int = DEFAULT_KEEP_ALIVE,
    graceful_shutdown: int = DEFAULT_GRACEFUL_SHUTDOWN,
    log_level: str = "info",
):
    """A uvicorn Server for `app` with the connection-level limits (call `.run()`, or run it in a thread)."""
    import uvicorn

    from ._http import guarded_h11_protocol

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_h11_protocol(header_timeout),
        lifespan="on",
        limit_concurrency=max_connections,
        h11_max_incomplete_event_size=max_header_bytes,
        timeout_keep_alive=keep_alive,
        timeout_graceful_shutdown=graceful_shutdown,
        log_level=log_level,
    )
    return uvicorn.Server(config)


def serve(
    model: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    backend: str = "auto",
    max_body_bytes: int = DEFAULT_MAX_BODY,
    *,
    onnx_file: str = "model.int8.onnx",
    max_texts: int = DEFAULT_MAX_TEXTS,
    workers: int = DEFAULT_WORKERS,
    max_queue: int = DEFAULT_MAX_QUEUE,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> None:
    """Load the model and serve it until interrupted. `onnx_file="model.onnx"` serves the fp32 export."""
    tagger = Tagger.load(model, backend=backend, onnx_file=onnx_file)
    app = create_app(
        tagger, max_body_bytes, max_texts, workers=workers, max_queue=max_queue, body_timeout=body_timeout
    )
    print(json.dumps({"model": model, "backend": tagger.backend.name, "url": f"http://{host}:{port}"}))
    build_server(app, host, port, header_timeout=header_timeout, max_connections=max_connections).run()
