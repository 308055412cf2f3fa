"""The contract's envelopes: success, list and error bodies, and ``ApiError``."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response


class ApiError(Exception):
    """An error answer: raised anywhere in a handler, rendered as the error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{kind} {ident!r} was not found", {"resource": kind.lower(), "id": ident})


def validation(field: str, message: str, status: int = 422, code: str = "VALIDATION_ERROR", **extra: Any) -> ApiError:
    return ApiError(status, code, message, {"field": field, **extra})


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(request_id: str, pagination: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"request_id": request_id, "timestamp": timestamp()}
    if pagination is not None:
        out["pagination"] = pagination
    return out


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_body(request_id: str, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    return dumps(
        {
            "error": {"code": code, "message": message, "status": status, "details": details or {}},
            "meta": meta(request_id),
        }
    )


def json_response(status: int, body: bytes | None, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(content=body, status_code=status, headers=headers, media_type="application/json")
