"""What one request may ask of the service, and the error bodies that say which limit was hit.

Every refusal is JSON of one shape, so a client can act on it without
parsing prose::

    {"error": {"code": "too_many_texts", "limit": "max_texts", "value": 64,
               "got": 100, "message": "..."}}

Request bodies over ``max_body_bytes`` are refused with 413 before they are
read in full (by ``Content-Length``, or while streaming when it is absent);
too many texts or a text too long is a 422, like any other invalid request.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["BodySizeLimit", "Limits", "error_body"]


@dataclass(frozen=True)
class Limits:
    """Per-request limits of ``illm serve`` (each has a command-line option)."""

    max_body_bytes: int = 1_000_000
    max_texts: int = 64
    max_text_chars: int = 10_000

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def error_body(code: str, message: str, *, limit: str | None = None, value: Any = None, got: Any = None, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    err: dict[str, Any] = {"code": code, "message": message}
    if limit is not None:
        err.update(limit=limit, value=value)
    if got is not None:
        err["got"] = got
    err.update(extra)
    return {"error": err}


class BodySizeLimit:
    """ASGI middleware: a 413 JSON answer for bodies over ``max_bytes``, without reading them whole."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, declared)
            return
        seen = 0
        started = False
        refused = False

        async def limited_receive() -> dict[str, Any]:
            # over the limit while streaming: answer 413 now and tell the app the client left
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(send, seen, streamed=True)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:  # the 413 has been sent; whatever the app says after it is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, send: Any, got: int, streamed: bool = False) -> None:
        body = json.dumps(error_body(
            "request_too_large",
            f"the request body is {'over ' if streamed else ''}{got:,} bytes; the limit is {self.max_bytes:,} bytes",
            limit="max_body_bytes", value=self.max_bytes, got=got,
        )).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
