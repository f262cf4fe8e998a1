"""The HTTP service of ``illm serve``: one loaded run behind a small JSON API.

``create_app(predictor)`` builds the FastAPI application:

* ``POST /predict`` — ``{"texts": [...], <decoding settings>}`` → ``{"task", "predictions": [...]}``;
  concurrent requests are micro-batched into shared model calls (:mod:`.batching`).
* ``GET /health`` — liveness and batching counters.
* ``GET /info`` — the run: task, pipeline, labels, metrics, versions, limits, settings.
* ``GET /`` — a small page to try the run in a browser; ``/docs`` — the OpenAPI docs.

The service answers for the one run it was started with: no endpoint takes a
path, so a request can never make it load another run directory. Every error
is JSON of the shape in :mod:`.limits`.
"""

# no `from __future__ import annotations`: FastAPI must see the request model class itself

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import IllmError, did_you_mean
from .batching import MicroBatcher
from .limits import BodySizeLimit, Limits, error_body

logger = logging.getLogger(__name__)

__all__ = ["create_app", "is_loopback", "plain", "run", "static_dir"]


def static_dir() -> Path:
    """The folder of the browser page (shipped as package data)."""
    return Path(str(resources.files("illm_nlp.serve") / "static"))


def plain(value: Any) -> Any:
    """Answers as JSON-able Python: NumPy scalars and arrays become numbers and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalar or array
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return value


def _known_settings(predictor: Any) -> dict[str, Any] | None:
    fn = getattr(predictor, "settings", None)
    if callable(fn):
        try:
            return dict(fn())
        except Exception:  # optional introspection only
            return None
    return None


def _request_model(settings: dict[str, Any] | None, limits: Limits) -> Any:
    """The /predict body schema: ``texts`` plus this run's decoding settings (in the OpenAPI docs too)."""
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {
        "texts": (
            list[str],
            Field(description=f"the texts to answer, 1 to {limits.max_texts}, each at most {limits.max_text_chars} characters",
                  examples=[["What a wonderful, moving film."]]),
        )
    }
    for name, default in (settings or {}).items():
        fields[name] = (Any, Field(None, description=f"decoding setting (this run's default: {default!r})"))
    extra = "forbid" if settings is not None else "allow"
    return create_model("PredictRequest", __config__=ConfigDict(extra=extra), **fields)


def create_app(
    predictor: Any,
    *,
    limits: Limits | None = None,
    max_batch: int = 64,
    max_wait_ms: float = 0.0,
    warmup: bool = True,
) -> Any:
    """A FastAPI app serving ``predictor`` (a loaded run, see :mod:`illm_nlp.heads.base`)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .._version import __version__
    from ..chat.sanitize import strip_controls

    limits = limits or Limits()
    task = str(getattr(predictor, "task", "classify"))
    settings = _known_settings(predictor)
    batcher = MicroBatcher(predictor.predict, max_batch=max_batch, max_wait_ms=max_wait_ms)
    info_cache: dict[str, Any] = {}

    def run_info() -> dict[str, Any]:
        if not info_cache:
            info_cache.update(plain(predictor.info()))
            info_cache.setdefault("task", task)
            info_cache["service"] = {
                "limits": limits.to_dict(),
                "settings": plain(settings) if settings is not None else None,
                "max_batch_texts": max_batch,
                "batch_wait_ms": max_wait_ms,
                "illm_nlp": __version__,
            }
        return info_cache

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if warmup:  # the first request should not pay for graph tracing
            start = time.perf_counter()
            predictor.predict(["warm-up"])
            logger.info("model warmed up in %.0f ms", (time.perf_counter() - start) * 1000)
        run_info()
        await batcher.start()
        yield
        await batcher.stop()

    RequestModel = _request_model(settings, limits)
    app = FastAPI(
        title="illm serve",
        version=__version__,
        summary=f"A trained illm-nlp run ({task}) over HTTP.",
        lifespan=lifespan,
    )
    app.state.batcher = batcher
    app.state.limits = limits

    def refuse(status: int, code: str, message: str, **kw: Any) -> JSONResponse:
        return JSONResponse(error_body(code, message, **kw), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            if err.get("type") == "extra_forbidden":
                key = str(err["loc"][-1])
                known = list(settings or {})
                messages.append(f"unknown setting '{key}'.{did_you_mean(key, known)} This run takes: texts, {', '.join(known) or '(no settings)'}")
            elif err.get("type") == "json_invalid":
                messages.append(f"the body is not valid JSON ({err.get('ctx', {}).get('error', err.get('msg'))})")
            else:
                messages.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
        return refuse(422, "invalid_request", "; ".join(messages) or "invalid request",
                      details=plain([{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return refuse(exc.status_code, code, str(exc.detail))

    @app.post("/predict", summary="Answer one or more texts", response_description="one prediction per text, in order")
    async def predict(body: RequestModel) -> Any:  # type: ignore[valid-type]
        data = body.model_dump(exclude_none=True)
        texts = data.pop("texts")
        if not texts:
            return refuse(422, "no_texts", "'texts' is empty; send at least one text")
        if len(texts) > limits.max_texts:
            return refuse(422, "too_many_texts", f"{len(texts)} texts in one request; the limit is {limits.max_texts}",
                          limit="max_texts", value=limits.max_texts, got=len(texts))
        clean = []
        for i, text in enumerate(texts):
            if len(text) > limits.max_text_chars:
                return refuse(422, "text_too_long", f"texts[{i}] has {len(text):,} characters; the limit is {limits.max_text_chars:,}",
                              limit="max_text_chars", value=limits.max_text_chars, got=len(text), index=i)
            stripped, _ = strip_controls(text)
            if not stripped.strip():
                return refuse(422, "empty_text", f"texts[{i}] is empty (after removing control characters)", index=i)
            clean.append(stripped.strip())
        start = time.perf_counter()
        try:
            answers = await batcher.submit(clean, data)
        except IllmError as exc:
            return refuse(422, "bad_setting" if data else "invalid_request", exc.message, hint=exc.hint)
        except Exception as exc:  # a bug: a JSON 500, the traceback in the server log
            logger.exception("predict failed")
            return refuse(500, "internal_error", f"{type(exc).__name__}: {exc}")
        return {"task": task, "predictions": plain(answers), "took_ms": round((time.perf_counter() - start) * 1000, 2)}

    @app.get("/health", summary="Liveness and batching counters")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "task": task, **batcher.stats.to_dict()}

    @app.get("/info", summary="What this run is: task, pipeline, labels, metrics, versions, limits")
    async def info() -> dict[str, Any]:
        return run_info()

    page = static_dir()

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(page / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=str(page)), name="static")
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)
    return app


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(
    predictor: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    access_log: bool = True,
    **kwargs: Any,
) -> None:
    """Serve ``predictor`` with uvicorn until interrupted (one process: the model is loaded once)."""
    import uvicorn

    if not is_loopback(host):
        logger.warning("serving on %s: other machines can reach this service (it has no authentication)", host)
    app = create_app(predictor, **kwargs)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log, workers=1, lifespan="on")
