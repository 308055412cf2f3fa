"""BulkEngine: plan, run, resume, cancel, undo and retry bulk jobs (see the package doc)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from orbit_tui.api.errors import (
    AuthError,
    NetworkError,
    NotFoundError,
    OrbitError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnsupportedError,
    ValidationError,
)
from orbit_tui.api.models import Contact
from orbit_tui.bulk.apply import SNAPSHOT_MAX_AGE, Batch, Outcome, WorkItem
from orbit_tui.bulk.apply import apply_list_add, apply_one, failure
from orbit_tui.bulk.journal import Finished, Holder, Item, JobBusy, Journal, Owner
from orbit_tui.bulk.model import (
    DONE,
    FAILED,
    IN_FLIGHT,
    JOB_CANCELLED,
    JOB_COMPLETED,
    JOB_PLANNED,
    JOB_STOPPED,
    PENDING,
    BulkError,
    ConfirmationRequired,
    JobInfo,
    Operation,
    Plan,
    ReadOnlyProfile,
    Target,
)
from orbit_tui.bulk.pause import RateLimitPause
from orbit_tui.bulk.undo import build_undo_plan
from orbit_tui.bulk.unreadable import skip_unreadable
from orbit_tui.bulk.progress import ProgressCallback, RunState
from orbit_tui.bulk.targets import build_plan

log = logging.getLogger("orbit_tui.bulk")

LIST_BATCH = 100  # the contract's maximum ids per POST .../members
ITEM_RETRIES = 2  # extra rounds after the client's own retries gave up on a transient error
OFFLINE_AFTER = 8  # consecutive items failing for lack of network: stop the job
REFUSED_AFTER = 10  # the first items all refused (400/422): stop rather than fail every one

_RUNNING_HERE: set[str] = set()  # jobs being run by this process (any engine instance)

TRANSIENT = (RateLimitedError, ServerError, NetworkError)
FATAL = (AuthError, PermissionDeniedError, UnsupportedError)


class BulkEngine:
    """Runs bulk jobs through an OrbitClient, journalled in a :class:`Journal`.

    ``live`` (the profile's key is LIVE) makes every writing call require
    ``confirm=True``; ``read_only`` refuses them all. ``snapshot_max_age``: how many
    seconds (by ``clock``) a plan's snapshot of a contact stands for its state at send
    time; older ones are read again before the change is sent.
    """

    def __init__(
        self,
        client: Any,
        journal: Journal,
        *,
        concurrency: int = 8,
        live: bool = False,
        read_only: bool = False,
        base_url: str | None = None,
        item_retry_delay: float = 1.0,
        item_retries: int = ITEM_RETRIES,
        snapshot_max_age: float = SNAPSHOT_MAX_AGE,
        clock: Callable[[], float] = time.time,
        max_rate_wait: float | None = None,
        api_key: str | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.concurrency = max(1, int(concurrency))
        self.live = live
        self.read_only = read_only
        self.base_url = base_url or getattr(client, "base_url", "") or ""
        self.item_retry_delay = item_retry_delay
        self.item_retries = max(0, int(item_retries))
        # Jobs belong to the account that made them: the key's keyed fingerprint (never
        # the key itself) is recorded on each job, and only that account sees them.
        self.account = journal.account_for(api_key) if api_key else None
        self.notices: list[str] = []
        if self.account is not None:
            adopted = journal.adopt_unowned(self.account, self.base_url)
            if adopted:
                self.notices.append(
                    f"{adopted} bulk job(s) recorded before jobs were tied to an account "
                    "were given to the account of this key."
                )
        self.snapshot_max_age = snapshot_max_age
        self.clock = clock
        # A 429 asking for a longer wait than this pauses the job (see bulk/pause.py).
        retry = getattr(client, "retry", None)
        self.max_rate_wait = max_rate_wait if max_rate_wait is not None else float(
            getattr(retry, "max_server_wait", 120.0)
        )
        self.paused_until: str | None = None  # set when the last run paused for a 429

    # -- guards ---------------------------------------------------------------------
    def _guard(self, confirm: bool) -> None:
        if self.read_only:
            raise ReadOnlyProfile(
                "This profile is read-only: bulk jobs change contacts. Use a profile "
                "without read_only (or drop --read-only) to run it."
            )
        if self.live and not confirm:
            raise ConfirmationRequired(
                "This profile uses a LIVE key: the job changes real customers' contacts "
                "and must be confirmed explicitly."
            )

    @property
    def owner(self) -> Owner:
        """Whose jobs this engine sees: its account on its base URL."""
        return (self.account, self.base_url)

    def _check_owner(self, job: JobInfo) -> None:
        if job.account != self.account:  # another account's job: as if it did not exist
            raise BulkError(f"No bulk job {job.id!r} in the journal (see `orbit-tui bulk jobs`).")
        if job.base_url.rstrip("/") != self.base_url.rstrip("/"):
            raise BulkError(
                f"Job {job.id} was made against {job.base_url}, not {self.base_url}; "
                "switch to that profile to resume, undo or retry it."
            )

    # -- planning -------------------------------------------------------------------
    async def plan(
        self,
        target: Target,
        op: Operation,
        *,
        known: Mapping[str, Contact] | None = None,
        on_count: Callable[[int], Any] | None = None,
    ) -> Plan:
        """Resolve the target and preview the change. Sends no write.

        ``known``: contacts already at hand (marked rows) whose tags/stage count as
        known; ``on_count(n)``: called as the target's pages are read.
        """
        plan = await build_plan(self.client, target, op, known=known, on_count=on_count, clock=self.clock)
        return skip_unreadable(plan)

    def create(self, plan: Plan, *, confirm: bool = False) -> str:
        """Write the planned job to the journal (state ``planned``); returns its id."""
        self._guard(confirm)
        if not plan.contact_ids:
            raise BulkError("The target has no contacts: nothing to do.")
        return self.journal.create_job(plan, base_url=self.base_url, account=self.account)

    async def execute(
        self,
        plan: Plan,
        *,
        confirm: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
    ) -> JobInfo:
        """create() then run(): the usual way to start a job."""
        job_id = self.create(plan, confirm=confirm)
        return await self.run(job_id, confirm=confirm, on_progress=on_progress, cancel=cancel)

    # -- journal views --------------------------------------------------------------
    def list_jobs(self, limit: int = 100) -> list[JobInfo]:
        """This account's jobs on this base URL, newest first."""
        return self.journal.list_jobs(limit, owner=self.owner)

    def pending_jobs(self) -> list[JobInfo]:
        """Incomplete jobs nobody is running (offer to resume them at start)."""
        return [j for j in self.journal.pending_jobs(owner=self.owner) if not j.undone_by]

    def get_job(self, job_id: str) -> JobInfo:
        job = self.journal.get_job(job_id)
        self._check_owner(job)
        return job

    def runner_elsewhere(self, job_id: str) -> Holder | None:
        """Another live orbit-tui that holds the job's lock, if any."""
        return self.journal.runner(job_id)

    # -- running --------------------------------------------------------------------
    async def resume(
        self,
        job_id: str,
        *,
        confirm: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
        take_over: bool = False,
    ) -> JobInfo:
        return await self.run(job_id, confirm=confirm, on_progress=on_progress, cancel=cancel,
                              take_over=take_over)

    async def run(
        self,
        job_id: str,
        *,
        confirm: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
        take_over: bool = False,
    ) -> JobInfo:
        """Run (or resume) a job until no item is left, it is cancelled, or a fatal error.

        ``in_flight`` items (a previous run died while they were sent) go first, re-sent
        with their journalled idempotency key. Setting ``cancel`` stops taking new items;
        the ones being sent finish; the rest stay pending and the job ``cancelled``.
        Returns the job as it ends. Never raises for an item's failure; raises
        BulkError only when the job cannot start — :class:`JobBusy` when another live
        orbit-tui holds the job's lock, unless ``take_over`` (that one then stops before
        its next request).
        """
        self._guard(confirm)
        job = self.journal.get_job(job_id)
        self._check_owner(job)
        if job.undone_by:
            raise BulkError(f"Job {job_id} was undone by {job.undone_by}; it cannot be resumed.")
        if job.counts.remaining == 0:
            if job.state != JOB_COMPLETED:
                self.journal.set_job_state(job_id, JOB_COMPLETED)
            return self.journal.get_job(job_id)
        if job_id in _RUNNING_HERE:
            raise BulkError(f"Job {job_id} is already running.")
        self.journal.claim(job_id, take_over=take_over)
        _RUNNING_HERE.add(job_id)
        try:
            return await self._run_claimed(job, on_progress, cancel or asyncio.Event())
        finally:
            _RUNNING_HERE.discard(job_id)
            self.journal.release_claim(job_id)

    async def _run_claimed(
        self, job: JobInfo, on_progress: ProgressCallback | None, cancel: asyncio.Event
    ) -> JobInfo:
        job_id = job.id
        run = RunState(job, self.journal.counts(job_id), on_progress, self.journal.latest_failures(job_id))
        try:
            await self._precheck(job)
            # A job run before (stopped, cancelled, crashed) has waited an unknown time:
            # none of its plan's snapshots stands for a contact's state any more.
            queue = self._work_queue(job, reread=job.state != JOB_PLANNED)
            run.emit()
            workers = [
                asyncio.create_task(self._worker(run, queue, cancel))
                for _ in range(min(self.concurrency, max(1, len(queue))))
            ]
            try:
                await asyncio.gather(*workers)
            except BaseException:
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                raise
        except (OrbitError, BulkError) as exc:
            run.fatal = exc
        except BaseException:
            # Task cancelled or interrupted: leave the journal resumable.
            self.journal.set_job_state(job_id, JOB_CANCELLED, "interrupted")
            raise
        counts = self.journal.counts(job_id)
        if isinstance(run.fatal, RateLimitPause):
            self.paused_until = run.fatal.until.isoformat()
            self.journal.set_job_state(job_id, JOB_STOPPED, run.fatal.message(job_id, counts.remaining))
            run.state = JOB_STOPPED
        elif run.fatal is not None:
            message = run.fatal.explain() if isinstance(run.fatal, OrbitError) else str(run.fatal)
            self.journal.set_job_state(job_id, JOB_STOPPED, message)
            run.state = JOB_STOPPED
        elif counts.remaining == 0:
            self.journal.set_job_state(job_id, JOB_COMPLETED)
            run.state = JOB_COMPLETED
        else:
            self.journal.set_job_state(job_id, JOB_CANCELLED)
            run.state = JOB_CANCELLED
        run.counts = counts
        run.emit()
        return self.journal.get_job(job_id)

    async def _precheck(self, job: JobInfo) -> None:
        """A list operation on a list that is gone would fail every item: stop first."""
        if job.op.kind in ("list_add", "list_remove") and job.op.list_id:
            try:
                await self.client.list_members(job.op.list_id, limit=1)
            except NotFoundError:
                raise BulkError(f"List {job.op.list_id} was not found on the server.") from None
            except TRANSIENT:
                pass  # no answer yet: the items themselves will retry and report

    def _work_queue(self, job: JobInfo, *, reread: bool = False) -> deque[WorkItem | Batch]:
        items = self.journal.items(job.id, [IN_FLIGHT, PENDING])
        items.sort(key=lambda i: (i.state != IN_FLIGHT, i.seq))
        units: deque[WorkItem | Batch] = deque()
        batches: dict[str, Batch] = {}
        open_batch: Batch | None = None
        for item in items:
            work = self._work_item(job, item, reread=reread)
            if work.op.kind != "list_add":
                units.append(work)
                continue
            if item.state == IN_FLIGHT and item.idem_key:
                # Re-send the very batch that was in flight, with its key.
                batch = batches.get(item.idem_key)
                if batch is None:
                    batch = batches[item.idem_key] = Batch()
                    units.append(batch)
                batch.items.append(work)
                continue
            if open_batch is None or len(open_batch.items) >= LIST_BATCH:
                open_batch = Batch()
                units.append(open_batch)
            open_batch.items.append(work)
        return units

    def _work_item(self, job: JobInfo, item: Item, *, reread: bool = False) -> WorkItem:
        resend = item.state == IN_FLIGHT and bool(item.idem_key)
        key = item.idem_key if resend else f"bulk-{uuid.uuid4().hex}"
        assert key is not None

        def save_before(state: dict[str, Any], cid: str = item.contact_id) -> None:
            self.journal.set_before(job.id, cid, state)

        return WorkItem(
            contact_id=item.contact_id,
            op=item.op or job.op,
            before=item.before,
            idem_key=key,
            resend=resend,
            save_before=save_before,
            reread=reread or item.attempts > 0,  # resumed, or retried after a failure
            clock=self.clock,
            max_age=self.snapshot_max_age,
        )

    async def _worker(self, run: RunState, queue: deque[WorkItem | Batch], cancel: asyncio.Event) -> None:
        # The results of this worker's last request, not yet journalled: they are
        # committed in the same transaction that puts its next items in flight (no await
        # in between), or alone when the worker stops.
        done: list[Finished] = []
        try:
            while queue and not cancel.is_set() and run.fatal is None:
                unit = queue.popleft()
                items = unit.items if isinstance(unit, Batch) else [unit]
                if isinstance(unit, Batch) and not all(w.resend for w in unit.items):
                    key = f"bulk-{uuid.uuid4().hex}"  # one key for the whole new batch
                    for w in unit.items:
                        w.idem_key = key
                was = {w.contact_id: (IN_FLIGHT if w.resend else PENDING) for w in items}
                # Durable before the request is sent: the key and ``in_flight``.
                self.journal.advance(run.job.id, done, [w.contact_id for w in items], items[0].idem_key)
                done = []
                for w in items:  # counted as in flight from now on
                    if was[w.contact_id] == PENDING:
                        run.counts.pending -= 1
                        run.counts.in_flight += 1
                outcomes = await self._attempt(run, unit)
                if outcomes is None:
                    # Fatal (401/403/unsupported): this attempt applied nothing, so the
                    # items go back to pending — except re-sent ones, whose earlier attempt
                    # may have landed: they stay in flight, to be re-sent under the same key.
                    fresh = [w.contact_id for w in items if not w.resend]
                    self.journal.release(run.job.id, fresh)
                    run.counts.in_flight -= len(fresh)
                    run.counts.pending += len(fresh)
                    return
                # A request's results are journalled in one transaction: a batch is never
                # left half-recorded (a re-sent batch must be the very same one, same key).
                done = [
                    Finished(o.contact_id, o.state, after=o.after, changed=o.changed, error=o.error, before=o.before)
                    for o in outcomes
                ]
                for outcome in outcomes:
                    run.record(outcome, was=IN_FLIGHT)
                run.emit()
        finally:
            if done:
                self.journal.finish_items(run.job.id, done)

    async def _attempt(self, run: RunState, unit: WorkItem | Batch) -> list[Outcome] | None:
        """Send a unit with engine-level retries; None means a fatal error stopped the job."""
        items = unit.items if isinstance(unit, Batch) else [unit]
        for round_ in range(self.item_retries + 1):
            try:
                if isinstance(unit, Batch):
                    outcomes = await apply_list_add(self.client, unit)
                else:
                    outcomes = [await apply_one(self.client, unit)]
                run.offline_streak = 0
                run.refusals = 0
                return outcomes
            except FATAL as exc:
                run.fatal = exc
                return None
            except TRANSIENT as exc:
                if isinstance(exc, RateLimitedError) and (exc.retry_after or 0) > self.max_rate_wait:
                    # Neither sat out nor retried, and no item fails for it: pause the job.
                    if not isinstance(run.fatal, RateLimitPause):
                        run.fatal = RateLimitPause(float(exc.retry_after or 0))
                    return None
                last: OrbitError = exc
                if round_ < self.item_retries:
                    await asyncio.sleep(self.item_retry_delay * (round_ + 1))
                    for w in items:
                        w.resend = True  # the failed attempt may have landed
                    continue
            except OrbitError as exc:  # permanent: 404, 409, 422, ...
                run.offline_streak = 0
                self._note_refusal(run, exc)
                return [Outcome(w.contact_id, FAILED, error=failure(w.contact_id, exc)) for w in items]
        if isinstance(last, NetworkError):
            run.offline_streak += 1
            if run.offline_streak >= OFFLINE_AFTER:
                run.fatal = BulkError(
                    "Orbit could not be reached for several items in a row; the job stopped. "
                    "Resume it when the connection is back (bulk resume / bulk retry)."
                )
        return [Outcome(w.contact_id, FAILED, error=failure(w.contact_id, last)) for w in items]

    @staticmethod
    def _note_refusal(run: RunState, exc: OrbitError) -> None:
        """The same value refused for the first items in a row: stop instead of failing all."""
        if not isinstance(exc, ValidationError):
            run.refusals = 0
            return
        run.refusals += 1
        if run.refusals >= REFUSED_AFTER and run.counts.done == 0:
            run.fatal = BulkError(
                f"Orbit refused the change for the first {run.refusals} contacts: {exc.explain()} "
                "The job stopped; the rest were not sent."
            )

    # -- undo and retry -------------------------------------------------------------
    def plan_undo(self, job_id: str) -> Plan:
        """A job reversing exactly the items ``job_id`` changed (see the package doc)."""
        job = self.journal.get_job(job_id)
        self._check_owner(job)
        if job.undone_by:
            raise BulkError(f"Job {job_id} was already undone by {job.undone_by}.")
        holder = self.journal.runner(job_id)
        if holder is not None:
            raise BulkError(
                f"Job {job_id} is being run by {holder.describe()}; wait for it to end or "
                "cancel it before undoing it."
            )
        if self.journal.runner_alive(job_id):
            raise BulkError(f"Job {job_id} is running; cancel it before undoing it.")
        return build_undo_plan(job, self.journal.items(job_id, [DONE]))

    async def undo(
        self,
        job_id: str,
        *,
        confirm: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
    ) -> JobInfo:
        """Plan and run the undo job; returns it (its ``parent_job`` is ``job_id``)."""
        self._guard(confirm)
        plan = self.plan_undo(job_id)
        if not plan.contact_ids:
            raise BulkError(f"Job {job_id} changed no contact: there is nothing to undo.")
        return await self.execute(plan, confirm=confirm, on_progress=on_progress, cancel=cancel)

    async def retry_failed(
        self,
        job_id: str,
        *,
        confirm: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: asyncio.Event | None = None,
        take_over: bool = False,
    ) -> JobInfo:
        """Put the failed items back to pending and run the job again."""
        self._guard(confirm)
        job = self.journal.get_job(job_id)
        self._check_owner(job)
        if job.undone_by:
            raise BulkError(f"Job {job_id} was undone by {job.undone_by}; it cannot be retried.")
        holder = self.journal.runner(job_id)
        if holder is not None and not take_over:
            raise JobBusy(job_id, holder)
        if holder is None and self.journal.runner_alive(job_id):
            raise BulkError(f"Job {job_id} is running already.")
        if job.counts.failed == 0 and job.counts.remaining == 0:
            return job
        self.journal.reset_failed(job_id)
        if job.state == JOB_COMPLETED:
            self.journal.set_job_state(job_id, JOB_PLANNED)
        return await self.run(job_id, confirm=confirm, on_progress=on_progress, cancel=cancel,
                              take_over=take_over)


__all__ = ["BulkEngine", "ProgressCallback"]
