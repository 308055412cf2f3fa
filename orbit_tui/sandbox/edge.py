"""The outer ASGI layer: request ids, injected latency, 503s and dropped connections.

A dropped connection is made by sending the response head (with a Content-Length
larger than what follows) and half the body, then raising :class:`DroppedConnection`
inside ``send``: uvicorn then closes the socket, so the client really sees a
connection cut mid-response. A log filter keeps those deliberate aborts quiet.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .envelope import error_body, new_request_id
from .faults import DroppedConnection, Faults


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DroppedConnection):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


_FILTER = _QuietDrops()
_sleep = asyncio.sleep  # module-level so a test can observe the injected delays


def install_log_filter() -> None:
    for name in ("uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults, rng: random.Random | None = None) -> None:
        self.app = app
        self.faults = faults
        self.rng = rng or random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        faults = self.faults
        delay = max(0.0, float(faults.latency_ms))
        if faults.jitter_ms:
            delay += self.rng.uniform(0, float(faults.jitter_ms))
        if delay > 0:
            await _sleep(delay / 1000)
        if faults.error_rate and self.rng.random() < faults.error_rate:
            body = error_body(request_id, 503, "SERVICE_UNAVAILABLE",
                              "the service is temporarily unavailable (injected fault); retry shortly",
                              {"retry_after": 1})
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()), (b"retry-after", b"1")]})
            await send({"type": "http.response.body", "body": body})
            return
        drop = bool(faults.drop_rate) and self.rng.random() < faults.drop_rate
        held: dict[str, Any] = {}

        async def wrapped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if faults.reply_latency_ms > 0:  # acted on already; the answer waits
                    await _sleep(float(faults.reply_latency_ms) / 1000)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
                if drop:
                    held["start"] = message
                    return
            elif message["type"] == "http.response.body" and drop:
                await _drop(send, held["start"], message.get("body", b""))
            await send(message)

        await self.app(scope, receive, wrapped_send)


async def _drop(send: Send, start: Message, body: bytes) -> None:
    """Send the head and half the body, announcing more, then abort."""
    status = start["status"]
    if status in (204, 304):
        status = 200
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body) + 64).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    raise DroppedConnection("connection dropped by fault injection")
