"""Reading Orbit's answers: a success's envelope into a :class:`Reply`, anything else
into the :mod:`orbit_tui.api.errors` it stands for.

Only the answers the contract names mean done (``_SUCCESS``); a redirect or another
status below 400 is an error, like every 4xx and 5xx. Anything the server echoes back
is scrubbed of the API key before it reaches an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orbit_tui.api import errors as E
from orbit_tui.api.pacing import rate_limit_wait

if TYPE_CHECKING:
    import httpx

__all__ = ["Reply", "read_reply", "read_error", "not_success", "successes"]

_SUCCESS: dict[str, frozenset[int]] = {
    "GET": frozenset({200}),
    "POST": frozenset({200, 201}),  # creates answer 201 (200 accepted), other POSTs 200
    "PUT": frozenset({200}),
    "PATCH": frozenset({200}),
    "DELETE": frozenset({200, 204}),
}
"""The answers that mean "done", per method; any other status below 400 is a failure."""
_ANY_SUCCESS = frozenset({200, 201, 204})


def successes(method: str) -> frozenset[int]:
    """The statuses that mean a request of ``method`` was done."""
    return _SUCCESS.get(method, _ANY_SUCCESS)


@dataclass
class Reply:
    """A successful answer: the envelope's ``data`` and ``meta``."""

    status: int
    data: Any
    meta: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None


def read_reply(response: httpx.Response, method: str, path: str) -> Reply:
    """A success's envelope, or UNEXPECTED_RESPONSE when it is not one."""
    request_id = response.headers.get("x-request-id")
    if response.status_code == 204 or not response.content:
        return Reply(status=response.status_code, data=None, request_id=request_id)
    try:
        body = response.json()
    except ValueError:
        raise E.ServerError(
            "Orbit answered something that is not JSON",
            code="UNEXPECTED_RESPONSE",
            status=response.status_code,
            request_id=request_id,
            method=method,
            path=path,
        ) from None
    if not isinstance(body, dict) or "data" not in body:
        raise E.ServerError(
            "Orbit's answer has no 'data' envelope",
            code="UNEXPECTED_RESPONSE",
            status=response.status_code,
            request_id=request_id,
            method=method,
            path=path,
        )
    raw_meta = body.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    request_id = meta.get("request_id") or request_id
    return Reply(status=response.status_code, data=body["data"], meta=meta, request_id=request_id)

def not_success(
    response: httpx.Response, method: str, path: str, request_id: str | None, key: str
) -> E.OrbitError:
    """A 3xx, or a 2xx the contract does not name for this method: never a success."""
    status = response.status_code
    doing = "answering" if method == "GET" else "doing the change"
    common: dict[str, Any] = dict(
        status=status, request_id=request_id, method=method, path=path
    )
    if 300 <= status < 400:
        location = str(E.scrub(response.headers.get("location") or "", key))[:300]
        where = f" to {location}" if location else ""
        return E.RedirectError(
            f"Orbit's server answered with a redirect{where} instead of {doing}; "
            "check the base URL (for example http → https)",
            details={"location": location} if location else {}, **common,
        )
    expected = " or ".join(str(s) for s in sorted(successes(method)))
    return E.ServerError(
        f"Orbit's server answered HTTP {status} instead of {expected}; the request "
        "may not have been done",
        code="UNEXPECTED_RESPONSE", **common,
    )

def read_error(
    response: httpx.Response, method: str, path: str, designed: bool, *, key: str, wall: float
) -> E.OrbitError:
    """The error an answer that is not a success stands for (the key scrubbed out)."""
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    if status < 400:
        return not_success(response, method, path, request_id, key)
    envelope: dict[str, Any] | None = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and meta.get("request_id"):
            request_id = str(meta["request_id"])
        if isinstance(body.get("error"), dict):
            envelope = body["error"]
    common: dict[str, Any] = dict(
        status=status, request_id=request_id, method=method, path=path
    )
    if designed and (status in (405, 501) or (status == 404 and envelope is None)):
        return E.UnsupportedError(code="UNSUPPORTED", **common)
    if envelope is not None:
        code = str(E.scrub(envelope.get("code") or "", key)) or None
        message = str(E.scrub(envelope.get("message") or "", key))
        raw_details = envelope.get("details")
        details = raw_details if isinstance(raw_details, dict) else (
            {} if raw_details is None else {"value": raw_details}
        )
        details = E.scrub(details, key)
    else:
        code, message, details = None, f"HTTP {status} {response.reason_phrase}", {}
    common.update(code=code, details=details)
    if status == 429:
        wait = rate_limit_wait(response.headers, details, wall=wall)
        return E.RateLimitedError(message, retry_after=wait, **common)
    if code == "INVALID_CURSOR":
        return E.InvalidCursorError(message, **common)
    cls: type[E.OrbitError]
    if status == 401:
        cls = E.AuthError
    elif status == 403:
        cls = E.PermissionDeniedError
    elif status == 404:
        cls = E.NotFoundError
    elif status in (400, 422):
        cls = E.ValidationError
    elif status == 409:
        cls = E.ConflictError
    elif status >= 500:
        cls = E.ServerError
    else:
        cls = E.OrbitError
    return cls(message, **common)
