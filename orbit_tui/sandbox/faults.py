"""Fault injection and rate limiting for the sandbox.

A :class:`Faults` object is read on every request, so a test (or the ``serve``
command) can change it while the server runs and the next request sees it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class Faults:
    """Switches that make the sandbox misbehave the way a real network and API can.

    latency_ms / jitter_ms: each request waits ``latency_ms`` plus a uniform random
        extra in ``[0, jitter_ms]`` before it is handled.
    error_rate: the probability that a request answers 503 ``SERVICE_UNAVAILABLE``
        (contract error envelope) without acting.
    rate_limit_per_min: when set, each API key may make this many requests per
        fixed one-minute window; beyond it the answer is 429 ``RATE_LIMITED``.
    drop_rate: the probability that the connection is closed mid-response (headers
        and part of the body sent, then the socket is closed).
    reply_latency_ms: each answer waits this long *after* the request was acted on
        (designed here, for crash tests: a client killed in this window never learns
        that its change was applied).
    ignore_filters: names of ``GET /contacts`` filters (``country_code``, ``tags``,
        ``has_phone``, ``has_email``, ``created_after``, ``created_before``,
        ``lifecycle_stage``) the server ignores, answering as if they were not given, the
        way a server that does not know a filter designed here would.
    """

    latency_ms: float = 0
    jitter_ms: float = 0
    error_rate: float = 0
    rate_limit_per_min: int | None = None
    drop_rate: float = 0
    reply_latency_ms: float = 0
    ignore_filters: tuple[str, ...] = ()


DEFAULT_ADVERTISED_LIMIT = 3000
"""Limit reported in ``X-RateLimit-Limit`` when no limit is enforced (the top
published tier for contact endpoints)."""

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix seconds when the current window ends
    retry_after: int  # seconds until a request may succeed again (0 when allowed)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


class RateLimiter:
    """Fixed one-minute windows counted per API key (thread-safe)."""

    def __init__(self, clock: "callable[[], float] | None" = None) -> None:  # type: ignore[valid-type]
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start, count)

    def hit(self, key: str, limit: int | None) -> RateDecision:
        now = self._clock()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        reset_at = window + WINDOW_SECONDS
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            enforced = limit is not None
            shown = limit if limit is not None else DEFAULT_ADVERTISED_LIMIT
            if enforced and count >= shown:
                retry = max(1, math.ceil(reset_at - now))
                return RateDecision(False, shown, 0, reset_at, retry)
            count += 1
            self._windows[key] = (start, count)
            return RateDecision(True, shown, max(0, shown - count), reset_at, 0)


class DroppedConnection(Exception):
    """Raised inside the ASGI send to make the server abort the connection."""
