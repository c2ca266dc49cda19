"""`siyasa serve`: a small REST service over a Tagger (FastAPI + uvicorn, the `serve` extra).

    POST /v1/tag     {"text": "..."} or {"texts": ["...", ...]}  ->  {"records": [canonical records]}
    GET  /healthz    liveness
    GET  /v1/model   labels, version, backbone and metrics of the loaded model
    GET  /docs, /openapi.json

Bodies above `max_body_bytes` get 413, malformed JSON or a wrong shape 422; errors are JSON.
(No `from __future__ import annotations` here: FastAPI reads the request models' annotations at runtime.)
"""

import json
import threading

from .inference import Tagger

DEFAULT_MAX_BODY = 1_000_000


def create_app(tagger: Tagger, max_body_bytes: int = DEFAULT_MAX_BODY, max_texts: int = 256):
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, model_validator

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

    app = FastAPI(title="siyasa", version=__version__,
                  description="Tags ACTOR, ROLE and EVENT spans in Arabic political news.")  # fmt: skip
    lock = threading.Lock()  # one inference at a time: the backends use every core already

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        too_big = JSONResponse(
            status_code=413, content={"detail": f"request body above {max_body_bytes} bytes"}
        )
        if length is not None and length.isdigit() and int(length) > max_body_bytes:
            return too_big
        if request.method == "POST":
            body = await request.body()
            if len(body) > max_body_bytes:
                return too_big
        return await call_next(request)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/v1/model")
    def model_info() -> dict:
        s = tagger.settings
        return {"name": s.get("name"), "version": s.get("version"), "labels": tagger.labels,
                "label_scheme": s.get("label_scheme", "coarse"), "backbone": s.get("backbone"),
                "metrics": s.get("metrics", {}), "backend": tagger.backend.name}  # fmt: skip

    @app.post("/v1/tag", response_model=TagResponse)
    def tag(req: TagRequest) -> TagResponse:
        texts = [req.text] if req.text is not None else req.texts
        with lock:
            docs = tagger.pipe(texts)
        return TagResponse(records=[d.to_dict() for d in docs])

    return app


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, backend: str = "auto",
          max_body_bytes: int = DEFAULT_MAX_BODY) -> None:  # fmt: skip
    import uvicorn

    tagger = Tagger.load(model, backend=backend)
    print(json.dumps({"model": model, "backend": tagger.backend.name, "url": f"http://{host}:{port}"}))
    uvicorn.run(create_app(tagger, max_body_bytes), host=host, port=port, log_level="info")
