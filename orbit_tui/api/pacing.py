"""Retry timing and the shared rate-limit pacer.

``RetryPolicy`` decides how long to wait before a retry: exponential backoff with full
jitter (``uniform(0, min(cap, base * 2**attempt))``), or exactly what the server asked for
on a 429 (``Retry-After`` header, ``error.details.retry_after`` or ``X-RateLimit-Reset``).

``Pacer`` is shared by every request of a client (and may be shared by several clients of
the same key, in one event loop). It reads ``X-RateLimit-Limit``/``-Remaining``/``-Reset``
from every answer and, when the remaining budget of the window runs low, spreads the
requests that are left evenly over the rest of the window instead of letting a bulk job
run into a wall of 429s. When the budget is spent it holds everyone until the window
resets, then lets a single probe request through and releases the others once the probe's
answer shows the new budget (this works whatever the server's window semantics: fixed,
sliding or token bucket). A 429 blocks every request of the pacer for the wait the server
asked for.

Clock and sleep are injectable so tests run without real waiting.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Mapping

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

__all__ = ["RetryPolicy", "Pacer", "Ticket", "parse_retry_after", "rate_limit_wait"]


@dataclass
class RetryPolicy:
    """How many times and how long to wait between attempts.

    ``max_retries`` is the number of retries after the first attempt (so at most
    ``max_retries + 1`` requests go on the wire). ``max_server_wait`` caps a wait the
    server asks for on a 429: a longer demand is not waited out, the error is raised.
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_server_wait: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        cap = min(self.max_delay, self.base_delay * (2**attempt))
        return self.rng.uniform(0, cap) if cap > 0 else 0.0


MAX_SECONDS = 10 * 365 * 86400.0
"""A wait or a reset further away than this (ten years) is not believed: it counts as absent."""
MAX_COUNT = 10**9
"""A request budget (limit, remaining) above this is not believed."""


def _finite(raw: object) -> float | None:
    """A finite number from a header or a JSON value; None for anything else.

    ``inf``, ``1e999``, ``nan``, ``10**400``, booleans and text that is not a number are
    all None: a header that cannot be true counts as absent, it never raises.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:
            return None
    elif isinstance(raw, str):
        text = raw.strip()
        if not text or len(text) > 40:
            return None
        try:
            value = float(text)
        except (ValueError, OverflowError):
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _seconds(raw: object) -> float | None:
    """A wait in seconds: finite, not negative, at most ``MAX_SECONDS``; else None."""
    value = _finite(raw)
    if value is None or not 0 <= value <= MAX_SECONDS:
        return None
    return value


def parse_retry_after(value: str | None, *, wall: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if _finite(value) is not None or value.lower() in ("inf", "-inf", "nan", "+inf"):
        return _seconds(value)
    try:
        when = parsedate_to_datetime(value)
        delta = when.timestamp() - wall
    except Exception:  # noqa: BLE001 - any unreadable date is an absent header
        return None
    return _seconds(max(0.0, delta))


def _reset_at(value: str | None, *, wall: float) -> float | None:
    """``X-RateLimit-Reset`` as wall-clock seconds; accepts Unix seconds or a small delta."""
    reset = _finite(value)
    if reset is None or reset < 0:
        return None
    if reset < 1_000_000_000:  # clearly a delta, not a Unix timestamp
        return wall + reset
    if reset > wall + MAX_SECONDS:
        return None
    return reset


def _reset_delta(value: str | None, *, wall: float) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (never negative)."""
    at = _reset_at(value, wall=wall)
    return None if at is None else max(0.0, at - wall)


def rate_limit_wait(
    headers: Mapping[str, str], details: Mapping[str, object] | None, *, wall: float
) -> float | None:
    """The wait a 429 asks for: Retry-After, else details.retry_after, else the reset."""
    wait = parse_retry_after(headers.get("retry-after"), wall=wall)
    if wait is not None:
        return wait
    if details:
        wait = _seconds(details.get("retry_after"))
        if wait is not None:
            return wait
    return _reset_delta(headers.get("x-ratelimit-reset"), wall=wall)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _finite(headers.get(name))
    if value is None or not 0 <= value <= MAX_COUNT:
        return None
    return int(value)


@dataclass(frozen=True)
class Ticket:
    """Handed out by ``Pacer.acquire``; ``probe`` marks the request sent after a reset."""

    probe: bool = False


class Pacer:
    """Spreads requests when the rate-limit budget runs low (see the module docstring)."""

    def __init__(
        self,
        *,
        low_water: float = 0.2,
        min_reserve: int = 3,
        max_window: float = 300.0,
        probe_timeout: float = 30.0,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.low_water = low_water
        self.min_reserve = min_reserve
        self.max_window = max_window
        self.probe_timeout = probe_timeout
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self.limit: int | None = None
        self.remaining: int | None = None  # our estimate, reservations subtracted
        self._reset: float | None = None  # monotonic time the window resets
        self._window_end: float | None = None  # newest window end seen, wall seconds
        self._closed_end: float | None = None  # end of the window we declared over
        self._next_slot = 0.0
        self._blocked_until = 0.0
        self._probing = False
        self._probe_done: asyncio.Event | None = None
        # Figures for status bars and tests.
        self.waits = 0
        self.waited_s = 0.0

    # -- state --------------------------------------------------------------------
    @property
    def throttling(self) -> bool:
        """True while requests are being spread or held."""
        now = self._clock()
        if self._blocked_until > now:
            return True
        return self.remaining is not None and self._reset is not None and (
            now < self._reset and self.remaining <= self._threshold()
        )

    def _threshold(self) -> int:
        if self.limit:
            return max(self.min_reserve, int(self.limit * self.low_water))
        return self.min_reserve

    def _reserve(self, now: float) -> tuple[float, bool, bool] | None:
        """(seconds to wait, slot reserved?, is the probe?) or None to await the probe.

        When the slot is not reserved the caller waits, then asks again.
        """
        start = max(now, self._blocked_until)
        if self._reset is None or self.remaining is None:
            if self._probing:
                return None
            return start - now, True, False
        if start < self._reset:
            if self.remaining > self._threshold():
                self.remaining -= 1
                return start - now, True, False
            if self.remaining > 0:
                spacing = (self._reset - start) / self.remaining
                slot = max(start, self._next_slot)
                self._next_slot = slot + spacing
                self.remaining -= 1
                return slot - now, True, False
            return max(self._reset - now, 0.0) + 0.001, False, False  # hold until the reset
        # The window is over: let one probe through, hold the others for its answer.
        if self._probing:
            return None
        self._closed_end = self._window_end  # answers about it no longer teach anything
        self._probing = True
        self._probe_done = asyncio.Event()
        self.remaining = None
        self._reset = None
        self._next_slot = 0.0
        return start - now, True, True

    async def acquire(self) -> Ticket:
        """Wait until this request may be sent; hand the ticket back to ``observe``."""
        while True:
            reservation = self._reserve(self._clock())
            if reservation is None:
                event = self._probe_done
                if event is not None:
                    try:
                        await asyncio.wait_for(event.wait(), self.probe_timeout)
                    except asyncio.TimeoutError:
                        self._end_probe()
                continue
            wait, reserved, probe = reservation
            if wait > 0:
                self.waits += 1
                self.waited_s += wait
                await self._sleep(wait)
            if reserved:
                return Ticket(probe)

    def _end_probe(self) -> None:
        if self._probing:
            self._probing = False
            if self._probe_done is not None:
                self._probe_done.set()
            self._probe_done = None

    def observe(self, headers: Mapping[str, str], ticket: Ticket | None = None) -> None:
        """Learn the budget from an answer's ``X-RateLimit-*`` headers.

        An answer about an older window than the newest seen (it was handled before the
        reset but arrived after) teaches nothing. Only the probe's own answer (or its
        failure, see ``abandon``) releases the requests held behind it.
        """
        now, wall = self._clock(), self._wall()
        remaining = _int_header(headers, "x-ratelimit-remaining")
        limit = _int_header(headers, "x-ratelimit-limit")
        reset_at = _reset_at(headers.get("x-ratelimit-reset"), wall=wall)
        if remaining is not None:
            window_end = wall + 60.0 if reset_at is None else reset_at  # comparable between answers
            delta = min(max(0.0, window_end - wall), self.max_window)
            newest = self._window_end
            closed = self._closed_end
            is_probe = ticket is not None and ticket.probe
            fresh = is_probe or (  # the probe was sent after the reset: always current
                (newest is None or window_end >= newest - 0.5)
                and (closed is None or window_end > closed + 0.5)
            )
            if fresh:
                same_window = (
                    newest is not None
                    and abs(window_end - newest) < 1.5
                    and self.remaining is not None
                    and self._reset is not None
                    and now < self._reset
                )
                if same_window:
                    self.remaining = min(self.remaining or 0, remaining)
                else:
                    self.remaining = remaining
                    self._reset = now + delta
                self._window_end = window_end if is_probe else max(window_end, newest or window_end)
                if limit is not None:
                    self.limit = limit
        if ticket is not None and ticket.probe:
            self._end_probe()

    def abandon(self, ticket: Ticket | None = None) -> None:
        """A request got no answer: if it was the probe, release the others."""
        if ticket is None or ticket.probe:
            self._end_probe()

    def block(self, seconds: float) -> None:
        """After a 429: hold every request of this pacer for ``seconds``."""
        until = self._clock() + max(0.0, seconds)
        self._blocked_until = max(self._blocked_until, until)
        self.remaining = 0
        self._reset = self._blocked_until
        self._next_slot = 0.0
