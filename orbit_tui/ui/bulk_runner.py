"""Running bulk jobs inside the app: one job at a time, in a Textual worker.

``BulkRunner`` (one per app, ``app.bulk_runner``) starts, resumes, retries and undoes
jobs of :mod:`orbit_tui.bulk` in a worker that never takes the app down, so the agent
keeps working while a job runs. It keeps one progress model, ``JobView``, which the
progress screen and the status bar ("job 40%") observe through ``subscribe``. When a
job ends, the contacts it touched are marked stale in the cache and the contacts table
is reloaded, so every screen shows fresh data.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from orbit_tui.api.errors import OrbitError
from orbit_tui.bulk import (
    JOB_CANCELLED,
    JOB_COMPLETED,
    JOB_RUNNING,
    BulkEngine,
    BulkError,
    Counts,
    ItemFailure,
    JobInfo,
    Plan,
    Progress,
)
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.listeners import Listeners

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp

REPAINT_S = 0.1  # progress is shown at most this often (thousands of items a second)
JOB_FAILED = "failed"  # the job could not start or run (not an item's failure)


@dataclass
class JobView:
    """What the progress screen shows: one job, running or finished."""

    job_id: str
    title: str
    state: str
    counts: Counts = field(default_factory=Counts)
    rate: float = 0.0
    eta_seconds: float | None = None
    latest_failures: list[ItemFailure] = field(default_factory=list)
    error: str = ""

    @property
    def fraction(self) -> float:
        c = self.counts
        return c.finished / c.total if c.total else 1.0

    @property
    def running(self) -> bool:
        return self.state == JOB_RUNNING

    def with_progress(self, progress: Progress) -> JobView:
        return replace(
            self,
            job_id=progress.job_id or self.job_id,
            state=progress.state,
            counts=replace(progress.counts),
            rate=progress.rate,
            eta_seconds=progress.eta_seconds,
            latest_failures=list(progress.latest_failures),
        )

    @classmethod
    def from_job(cls, job: JobInfo, failures: list[ItemFailure] | None = None) -> JobView:
        return cls(
            job_id=job.id,
            title=f"{job.op.describe()} on {job.description}",
            state=job.state,
            counts=replace(job.counts),
            latest_failures=list(failures or []),
            error=job.error or "",
        )


Launch = Callable[[Callable[[Progress], None], asyncio.Event], Awaitable[JobInfo]]


class BulkRunner:
    def __init__(self, app: OrbitApp) -> None:
        self.app = app
        self.view: JobView | None = None
        self._cancel: asyncio.Event | None = None
        self._listeners = Listeners()
        self.finished_jobs: list[str] = []
        self._painted = 0.0
        self._ended: asyncio.Future[JobInfo | None] | None = None
        self.announced_journal: int | None = None  # the journal whose problems were said
        self._announce_end = True  # the running job's end is told by the runner

    # -- observing ----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self._listeners.subscribe(callback)

    def _changed(self) -> None:
        view = self.view
        label = ""
        if view is not None and view.running:
            label = f"job {view.fraction * 100:.0f}%"
        self.app.status.update(job=label)
        self._listeners.tell()

    # -- state --------------------------------------------------------------------------
    @property
    def engine(self) -> BulkEngine:
        """The runtime's engine (plans and the journal; runs go through the gate)."""
        return self.app.runtime.engine()

    @property
    def busy(self) -> bool:
        return self.view is not None and self.view.running

    def refused(self) -> str | None:
        """Why no job can start now (read-only profile, a job running), or None."""
        reason = self.app.gate.refusal()
        if reason:
            return reason
        if self.busy:
            return "A bulk job is already running: wait for it or cancel it (see :jobs)."
        return None

    # -- starting -----------------------------------------------------------------------
    def start(self, plan: Plan, title: str, *, confirmed: bool, announce_end: bool = True) -> bool:
        """Run ``plan``, once its preview was answered (``confirmed``).
        ``announce_end=False``: the caller awaits :meth:`wait` and says how the job ended
        in its own words, so the runner's notice would say it twice (failures to run are
        still told here)."""
        ids = list(plan.contact_ids)
        gate = self.app.gate

        def launch(on_progress: Callable[[Progress], None], cancel: asyncio.Event) -> Awaitable[JobInfo]:
            return gate.execute_job(plan, confirmed=confirmed, on_progress=on_progress, cancel=cancel)

        return self._launch("", title, ids, launch, announce_end=announce_end)

    def resume(self, job_id: str, *, confirmed: bool, take_over: bool = False) -> bool:
        return self._from_journal(job_id, "resume", confirmed, take_over=take_over)

    def retry(self, job_id: str, *, confirmed: bool, take_over: bool = False) -> bool:
        return self._from_journal(job_id, "retry", confirmed, take_over=take_over)

    def undo(self, job_id: str, *, confirmed: bool) -> bool:
        return self._from_journal(job_id, "undo", confirmed)

    def _from_journal(self, job_id: str, how: str, confirmed: bool, *,
                      take_over: bool = False) -> bool:
        engine = self.engine
        try:
            job = engine.get_job(job_id)
            ids = [item.contact_id for item in engine.journal.items(job_id)]
        except (BulkError, OrbitError) as exc:
            self._tell(describe_error(exc) if isinstance(exc, OrbitError) else str(exc), error=True)
            return False
        gate = self.app.gate
        title = f"{job.op.describe()} on {job.description}"
        if how == "undo":
            title = f"undo of {job_id}: {title}"
            method = gate.undo_job
        elif how == "retry":
            title = f"retry failures of {job_id}: {title}"
            method = functools.partial(gate.retry_job, take_over=take_over)
        else:
            method = functools.partial(gate.run_job, take_over=take_over)

        def launch(on_progress: Callable[[Progress], None], cancel: asyncio.Event) -> Awaitable[JobInfo]:
            return method(job_id, confirmed=confirmed, on_progress=on_progress, cancel=cancel)

        return self._launch(job_id if how != "undo" else "", title, ids, launch)

    def _launch(self, job_id: str, title: str, ids: list[str], launch: Launch, *,
                announce_end: bool = True) -> bool:
        reason = self.refused()
        if reason:
            self._tell(reason, error=True)
            return False
        self._announce_end = announce_end
        cancel = asyncio.Event()
        self._cancel = cancel
        self._ended = asyncio.get_running_loop().create_future()
        self.view = JobView(job_id=job_id, title=title, state=JOB_RUNNING)
        self._changed()
        self.app.run_worker(
            self._run(launch, cancel, ids), group="bulk", exit_on_error=False, name="bulk job"
        )
        return True

    async def _run(self, launch: Launch, cancel: asyncio.Event, ids: list[str]) -> None:
        def on_progress(progress: Progress) -> None:
            if self.view is not None:
                view = self.view.with_progress(progress)
                if view.state != JOB_RUNNING and progress.counts.remaining:
                    view.state = JOB_RUNNING  # the final emit is followed by the job result
                self.view = view
                now = time.monotonic()
                if now - self._painted >= REPAINT_S or not progress.counts.remaining:
                    self._painted = now
                    self._changed()

        assert self.view is not None
        ended = self._ended
        result: JobInfo | None = None
        try:
            job = await launch(on_progress, cancel)
        except asyncio.CancelledError:
            self.view = replace(self.view, state=JOB_CANCELLED)
            self._changed()
            if ended is not None and not ended.done():
                ended.set_result(None)
            raise
        except (BulkError, OrbitError) as exc:
            text = describe_error(exc) if isinstance(exc, OrbitError) else str(exc)
            self.view = replace(self.view, state=JOB_FAILED, error=text)
            self._tell(text, error=True)
        except Exception as exc:  # noqa: BLE001 - a job must never take the app down
            text = describe_error(exc)
            self.view = replace(self.view, state=JOB_FAILED, error=text)
            self._tell(text, error=True)
        else:
            result = job
            failures = self.engine.journal.latest_failures(job.id)
            self.view = replace(
                JobView.from_job(job, failures), title=self.view.title, rate=self.view.rate
            )
            self.finished_jobs.append(job.id)
            if self._announce_end:
                self._tell(finish_message(job), error=job.state not in (JOB_COMPLETED, JOB_CANCELLED)
                           or bool(job.counts.failed))
        finally:
            self._cancel = None
            self._refresh_data(ids)
        self._changed()
        if ended is not None and not ended.done():
            ended.set_result(result)

    async def wait(self) -> JobInfo | None:
        """Wait for the job started last to end: the job as it ended, or None when it
        could not run (the reason was already shown) or the app stopped it."""
        ended = self._ended
        if ended is None:
            return None
        return await asyncio.shield(ended)

    def cancel(self) -> None:
        """Stop taking new items; requests in flight finish; the rest stay pending."""
        if self._cancel is not None:
            self._cancel.set()

    # -- after a job ----------------------------------------------------------------------
    def _refresh_data(self, ids: list[str]) -> None:
        try:
            self.app.orbit.invalidate_contacts(ids)
        except Exception:  # noqa: BLE001 - stale data is shown as stale; never crash
            pass
        screen = self.app.contacts_screen
        if screen is not None and screen.loaded_once:
            screen.load_first(refresh=True)

    def _tell(self, text: str, *, error: bool = False) -> None:
        self.app.notify(
            text,
            title="Bulk job",
            severity="error" if error else "information",
            timeout=8,
            markup=False,
        )


def finish_message(job: JobInfo) -> str:
    c = job.counts
    text = f"Job {job.id} {job.state}: {c.changed:,} changed, {c.unchanged:,} unchanged"
    if c.failed:
        text += f", {c.failed:,} failed"
    if c.skipped:
        text += f", {c.skipped:,} skipped"
    if c.remaining:
        text += f", {c.remaining:,} left (resume it from :jobs)"
    return text
