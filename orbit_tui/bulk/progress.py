"""Progress of a running job: counts kept in memory, rate over a sliding window, ETA.

``RunState.emit()`` calls the caller's ``on_progress(Progress)`` after every finished
item or batch; a failing callback is logged and never stops the job.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orbit_tui.api.errors import OrbitError
from orbit_tui.bulk.model import DONE, FAILED, PENDING, SKIPPED, BulkError, Counts, ItemFailure, JobInfo, Progress

if TYPE_CHECKING:
    from orbit_tui.bulk.apply import Outcome

log = logging.getLogger("orbit_tui.bulk")

ProgressCallback = Callable[[Progress], Any]

RATE_WINDOW = 10.0  # seconds over which the progress rate is measured


class RunState:
    """The mutable state of one run of one job: counts, rate, latest failures, outcome."""

    def __init__(
        self,
        job: JobInfo,
        counts: Counts,
        on_progress: ProgressCallback | None,
        failures: list[ItemFailure] | None = None,
    ) -> None:
        self.job = job
        self.counts = counts
        self.on_progress = on_progress
        self.started = time.monotonic()
        self.finish_times: deque[float] = deque()
        self.fatal: OrbitError | BulkError | None = None
        self.offline_streak = 0
        self.refusals = 0  # consecutive items refused with 400/422
        self.latest_failures: deque[ItemFailure] = deque(failures or (), maxlen=5)
        self.state = "running"

    def record(self, outcome: Outcome, *, was: str) -> None:
        c = self.counts
        if was == PENDING:
            c.pending -= 1
        else:
            c.in_flight -= 1
        if outcome.state == DONE:
            c.done += 1
            if outcome.changed:
                c.changed += 1
            else:
                c.unchanged += 1
        elif outcome.state == FAILED:
            c.failed += 1
            if outcome.error:
                self.latest_failures.appendleft(outcome.error)
        elif outcome.state == SKIPPED:
            c.skipped += 1
        self.finish_times.append(time.monotonic())

    def progress(self) -> Progress:
        now = time.monotonic()
        while self.finish_times and now - self.finish_times[0] > RATE_WINDOW:
            self.finish_times.popleft()
        span = min(RATE_WINDOW, now - self.started)
        rate = len(self.finish_times) / span if span > 0.2 else 0.0
        remaining = self.counts.remaining
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        return Progress(
            job_id=self.job.id,
            state=self.state,
            counts=Counts(**{k: v for k, v in vars(self.counts).items()}),
            rate=rate,
            eta_seconds=eta,
            elapsed=now - self.started,
            latest_failures=list(self.latest_failures),
        )

    def emit(self) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(self.progress())
        except Exception:  # a broken progress display must never break the job
            log.exception("bulk progress callback failed")
