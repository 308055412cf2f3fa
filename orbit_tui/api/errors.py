"""The errors the Orbit client raises, one small hierarchy.

Every error carries what the API said (``code``, ``message``, ``status``, ``details``,
``request_id``) and can ``explain()`` itself in plain words for a support agent: what
failed, why, what to do, and the request id to quote when escalating.

Secrets: an error never holds the API key. The client scrubs the key out of anything the
server echoes back (see :func:`scrub`) before building an error, and neither ``str()`` nor
``repr()`` shows headers.

    OrbitError
    ├── AuthError               401  the key is wrong, revoked or missing
    ├── PermissionDeniedError   403  the key may not do this
    ├── NotFoundError           404  the thing is gone (or never existed)
    ├── ValidationError         400/422  a value was refused (``.field`` names it)
    ├── InvalidCursorError      400 INVALID_CURSOR  the page position expired
    ├── ConflictError           409  another contact already has this phone/email (``.field``)
    ├── RateLimitedError        429  too many requests (``.retry_after`` seconds)
    ├── ServerError             5xx  Orbit failed (or answered something unreadable)
    ├── RedirectError           3xx  the server redirected instead of answering
    ├── RunawayPaginationError       pages went on past the end (a cursor loop)
    ├── NetworkError                 no answer: connection refused/dropped, DNS, TLS
    │   └── RequestTimeoutError      no answer in time
    ├── UnsupportedError             this server does not offer that endpoint
    ├── UnexpectedError              something nobody foresaw went wrong in the client
    └── RefusedError                 orbit-tui itself refused; nothing was sent
        ├── ReadOnlyError                the profile is read-only
        ├── UnsafePathError              an id or tag would change the request's address
        └── ConfirmationNeededError      a change that must be confirmed was not
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OrbitError",
    "AuthError",
    "PermissionDeniedError",
    "NotFoundError",
    "ValidationError",
    "InvalidCursorError",
    "ConflictError",
    "RateLimitedError",
    "ServerError",
    "RedirectError",
    "RunawayPaginationError",
    "NetworkError",
    "RequestTimeoutError",
    "UnsupportedError",
    "RefusedError",
    "ReadOnlyError",
    "UnsafePathError",
    "ConfirmationNeededError",
    "UnexpectedError",
    "scrub",
]

REDACTED = "[redacted key]"


def scrub(value: Any, secret: str | None) -> Any:
    """Return ``value`` with every occurrence of ``secret`` replaced, recursively.

    Used on anything a server sends back (messages, details) so an echoed API key never
    reaches an exception, a log line or a screen.
    """
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, REDACTED) if secret in value else value
    if isinstance(value, dict):
        return {scrub(k, secret): scrub(v, secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v, secret) for v in value)
    return value


class OrbitError(Exception):
    """Base of every error the client raises."""

    default_code = "ERROR"
    title = "The request failed"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.code: str = code or self.default_code
        self.message: str = message or self.title
        self.status: int | None = status
        self.details: dict[str, Any] = dict(details or {})
        self.request_id: str | None = request_id
        self.method: str | None = method
        self.path: str | None = path
        # Set by the client when an attempt may have reached the server (a 5xx, a
        # connection lost mid-answer): a change may have been applied nonetheless.
        self.maybe_applied: bool = False
        super().__init__(self.message)

    # -- presentation -------------------------------------------------------------
    def __str__(self) -> str:
        head = f"{self.code}" + (f" ({self.status})" if self.status else "")
        text = f"{head}: {self.message}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )

    def _what(self) -> str:
        if self.method and self.path:
            return f"{self.title} ({self.method} {self.path})."
        return f"{self.title}."

    def _why(self) -> str:
        return f"Orbit said: {self.message}" if self.message else ""

    def _todo(self) -> str:
        return "Try again; if it keeps failing, escalate with the request id."

    def explain(self) -> str:
        """Plain words for a support agent: what failed, why, what to do, request id."""
        parts = [self._what()]
        why = self._why()
        if why:
            parts.append(why if why.endswith(".") else why + ".")
        parts.append(self._todo())
        if self.request_id:
            parts.append(f"For escalation quote request id {self.request_id}.")
        return " ".join(parts)


class AuthError(OrbitError):
    default_code = "UNAUTHORIZED"
    title = "Orbit did not accept the API key"

    def _todo(self) -> str:
        return (
            "Check that the profile's API key is complete and not revoked "
            "(ORBIT_API_KEY or the config file), then reconnect."
        )


class PermissionDeniedError(OrbitError):
    default_code = "INSUFFICIENT_PERMISSIONS"
    title = "This API key is not allowed to do that"

    def _todo(self) -> str:
        return "Ask an Orbit admin for a key with the needed permission, or use another profile."


class NotFoundError(OrbitError):
    default_code = "NOT_FOUND"
    title = "Orbit could not find it"

    def _todo(self) -> str:
        return "It may have been deleted by someone else; refresh the list (r) and look again."


class ValidationError(OrbitError):
    default_code = "VALIDATION_ERROR"
    title = "Orbit refused a value"

    @property
    def field(self) -> str | None:
        field = self.details.get("field")
        return str(field) if field is not None else None

    def _why(self) -> str:
        bits = []
        if self.field:
            bits.append(f"The field '{self.field}' was refused")
        expected = self.details.get("expected")
        if expected:
            bits.append(f"expected {expected}")
        base = ", ".join(bits)
        if self.message:
            base = f"{base}. Orbit said: {self.message}" if base else f"Orbit said: {self.message}"
        return base

    def _todo(self) -> str:
        return "Correct the value and save again."


class InvalidCursorError(OrbitError):
    default_code = "INVALID_CURSOR"
    title = "The page position expired"

    def _todo(self) -> str:
        return "Reload the list from the first page (r)."


class ConflictError(OrbitError):
    default_code = "CONFLICT"
    title = "That would create a duplicate"

    @property
    def field(self) -> str | None:
        field = self.details.get("field")
        return str(field) if field is not None else None

    def _why(self) -> str:
        if self.field:
            return f"Another contact already has this {self.field}. Orbit said: {self.message}"
        return super()._why()

    def _todo(self) -> str:
        return "Search for the existing contact and edit it instead, or use a different value."


class RateLimitedError(OrbitError):
    default_code = "RATE_LIMITED"
    title = "Orbit asked us to slow down (rate limit)"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after: float | None = retry_after

    def _todo(self) -> str:
        wait = f" about {self.retry_after:g} seconds" if self.retry_after else " a minute"
        return f"Nothing was changed by this request. Wait{wait} and try again."


class ServerError(OrbitError):
    default_code = "INTERNAL_ERROR"
    title = "Orbit had an internal problem"

    def _todo(self) -> str:
        return (
            "This is on Orbit's side, not yours. Try again in a minute; if it persists, "
            "escalate with the request id. A change may not have been applied: refresh (r) "
            "to check before repeating it."
        )


class RedirectError(OrbitError):
    """A 3xx answer: the request was not done (redirects are never followed)."""

    default_code = "REDIRECTED"
    title = "The request was not done"

    @property
    def location(self) -> str:
        return str(self.details.get("location") or "")

    def _why(self) -> str:
        return self.message

    def _todo(self) -> str:
        return "Nothing was done by this request."


class RunawayPaginationError(OrbitError):
    """Following cursors went on past the end: stopped by :mod:`orbit_tui.api.walk`."""

    default_code = "RUNAWAY_PAGINATION"
    title = "Reading the pages stopped"

    def _why(self) -> str:
        return self.message

    def _todo(self) -> str:
        return (
            "What was read before it stopped is kept; nothing was changed. This is a fault "
            "on Orbit's side: try again later, and escalate if it repeats."
        )


class NetworkError(OrbitError):
    default_code = "NETWORK_ERROR"
    title = "Could not reach Orbit"

    def _why(self) -> str:
        return f"The connection failed: {self.message}" if self.message else ""

    def _todo(self) -> str:
        return (
            "Check the network or VPN and the profile's base URL; what is cached stays "
            "visible meanwhile. A change may or may not have been applied: refresh (r) "
            "before repeating it."
        )


class RequestTimeoutError(NetworkError):
    default_code = "TIMEOUT"
    title = "Orbit did not answer in time"

    def _why(self) -> str:
        return "The request timed out" + (f" ({self.message})" if self.message else "")


class UnsupportedError(OrbitError):
    default_code = "UNSUPPORTED"
    title = "This Orbit server does not offer that feature"

    def _why(self) -> str:
        return (
            "The endpoint is one orbit-tui designed beyond Orbit's public reference, "
            "and this server answered that it does not exist"
        )

    def _todo(self) -> str:
        return (
            "Use the Orbit web console for this action, or ask Orbit support whether "
            "the endpoint is available for your account."
        )


class UnexpectedError(OrbitError):
    """Something went wrong inside the client that no other error describes."""

    default_code = "UNEXPECTED_ERROR"
    title = "Something unexpected went wrong while talking to Orbit"

    def _why(self) -> str:
        return f"The request could not be completed ({self.message})" if self.message else ""

    def _todo(self) -> str:
        return (
            "A change may or may not have been applied: refresh (r) to check before "
            "repeating it. If it keeps happening, report it with the steps that led here."
        )


class RefusedError(OrbitError):
    """orbit-tui refused the change itself, before any request left: nothing was sent."""

    default_code = "REFUSED"
    title = "orbit-tui did not send this change"

    def _why(self) -> str:
        return self.message

    def _todo(self) -> str:
        return "Nothing was sent to Orbit and nothing changed."


class ReadOnlyError(RefusedError):
    default_code = "READ_ONLY"
    title = "This profile is read-only"

    def _todo(self) -> str:
        return (
            "Nothing was sent to Orbit. Use a profile without read_only (or start without "
            "--read-only) to make changes."
        )


class UnsafePathError(RefusedError):
    default_code = "UNSAFE_PATH_VALUE"
    title = "orbit-tui refused a value that would change the request's address"

    def _todo(self) -> str:
        return "Nothing was sent to Orbit. Use a different value (not empty, '.' or '..')."


class ConfirmationNeededError(RefusedError):
    default_code = "CONFIRMATION_NEEDED"
    title = "This change needs an explicit confirmation"

    def _todo(self) -> str:
        return "Nothing was sent to Orbit. Confirm the change (on a LIVE key, type the count) first."
