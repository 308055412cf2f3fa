"""Pausing a job when Orbit asks for a wait too long to sit out.

A 429 whose ``Retry-After`` (or ``details.retry_after``) is longer than the engine's bound
is not retried and fails no item: the job stops taking items, the ones in hand go back to
pending, and the job is left resumable with a message saying how long Orbit asked to
wait and from when ``orbit-tui bulk resume JOB`` can go on.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from orbit_tui.bulk.model import BulkError

__all__ = ["RateLimitPause", "wait_words"]


def wait_words(seconds: float) -> str:
    """``999999`` → "11 days"; "3 hours", "15 minutes", "90 seconds"."""
    for unit, size, at_least in (("day", 86400, 2 * 86400), ("hour", 3600, 2 * 3600),
                                 ("minute", 60, 120)):
        if seconds >= at_least:
            n = int(seconds // size)
            return f"{n} {unit}s"
    n = max(1, math.ceil(seconds))
    return f"{n} second" + ("" if n == 1 else "s")


class RateLimitPause(BulkError):
    """Raised into the run (as its ``fatal``) when a rate-limit wait exceeds the bound."""

    def __init__(self, wait: float, *, now: datetime | None = None) -> None:
        self.wait = wait
        start = now or datetime.now(timezone.utc)
        until = start + timedelta(seconds=wait)
        if until.second or until.microsecond:  # round up to the next whole minute
            until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.until = until
        super().__init__(f"Orbit asked to wait {wait_words(wait)}")

    @property
    def until_text(self) -> str:
        return self.until.strftime("%Y-%m-%d %H:%M UTC")

    def message(self, job_id: str, pending: int) -> str:
        return (
            f"Orbit asked to wait {wait_words(self.wait)}; the job is paused with "
            f"{pending:,} contacts pending; resume after {self.until_text} with "
            f"`orbit-tui bulk resume {job_id}`"
        )
