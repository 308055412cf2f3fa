"""The async Orbit Contacts client: models, errors, the client and its pacing."""

from orbit_tui.api.base import ClientEvent, Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import (
    AuthError,
    ConflictError,
    InvalidCursorError,
    NetworkError,
    NotFoundError,
    OrbitError,
    PermissionDeniedError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    UnsupportedError,
    ValidationError,
)
from orbit_tui.api.pacing import Pacer, RetryPolicy

__all__ = [
    "AuthError",
    "ClientEvent",
    "ConflictError",
    "InvalidCursorError",
    "NetworkError",
    "NotFoundError",
    "OrbitClient",
    "OrbitError",
    "Pacer",
    "PermissionDeniedError",
    "RateLimitedError",
    "RequestTimeoutError",
    "RetryPolicy",
    "ServerError",
    "Timeouts",
    "UnsupportedError",
    "ValidationError",
]
