"""The bulk-job journal: one SQLite file (WAL) that outlives the process.

Every state change of an item is committed before the engine moves on, so a job killed
at any instant (quit, crash, ``kill -9``) can be resumed without losing an item or
applying one twice. WAL with ``synchronous=NORMAL`` survives a killed process; only a
power cut may lose the last commits.

Tables::

    jobs  (id, created, updated, purpose, parent_job, undone_by, op json, target json,
           description, state, base_url, error, runner_pid, runner_host, account,
           runner_token)
    items (job_id, seq, contact_id, state, op json?, before json?, after json?,
           changed, error_code, error_message, error_status, request_id,
           idem_key, attempts, updated)

A job belongs to an account (``account``: a keyed fingerprint of the API key, see
:mod:`orbit_tui.bulk.accounts`) on a base URL; the ``owner`` filters of the listing
methods take ``(account, base_url)``. Who runs a job is a lock the OS releases when the
process dies (:mod:`orbit_tui.bulk.job_lock`); ``runner_pid``/``runner_host`` only say
who it was, and ``runner_token`` tells a runner that was taken over to stop.

Counts are computed from ``items`` (grouped by state), never stored twice. Opening,
migration and set-aside are in :mod:`orbit_tui.bulk.journal_file`; the schema, the row
types and small helpers in :mod:`orbit_tui.bulk.journal_rows`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable

from orbit_tui.bulk.accounts import fingerprint
from orbit_tui.bulk.job_lock import Holder, JobBusy
from orbit_tui.bulk.journal_items import JournalItems
from orbit_tui.bulk.journal_rows import (
    _FINISH_SQL,
    Finished,
    Item,
    _now,
    new_job_id,
)
from orbit_tui.bulk.model import (
    DONE,
    FAILED,
    IN_FLIGHT,
    JOB_PLANNED,
    JOB_RUNNING,
    PENDING,
    SKIPPED,
    BulkError,
    Counts,
    JobInfo,
    Operation,
    Plan,
    Target,
    dumps,
)

Owner = tuple[str | None, str]
"""(account fingerprint or None, base URL): whose jobs a listing shows."""

__all__ = ["Finished", "Holder", "Item", "JobBusy", "JobTakenOver", "Journal", "Owner"]


class JobTakenOver(BulkError):
    """Another orbit-tui took this job over (``--take-over``): this runner stops."""


def _url(base_url: str) -> str:
    return base_url.rstrip("/")


class Journal(JournalItems):
    """The jobs and their items. Safe to share between coroutines of one event loop."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._tokens: dict[str, str] = {}  # job id -> this object's current claim

    # -- accounts -------------------------------------------------------------------
    def account_for(self, api_key: str) -> str:
        """The fingerprint jobs made with ``api_key`` are recorded under (never the key)."""
        return fingerprint(self._secret, api_key)

    def adopt_unowned(self, account: str, base_url: str) -> int:
        """Jobs from before jobs had an account (schema 1) on ``base_url`` become
        ``account``'s: the first account to open the journal there takes them."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET account=? WHERE account IS NULL AND rtrim(base_url, '/')=?",
                (account, _url(base_url)),
            )
            return cur.rowcount

    # -- jobs -----------------------------------------------------------------------
    def create_job(self, plan: Plan, *, base_url: str, account: str | None = None) -> str:
        job_id = new_job_id()
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, created, updated, purpose, parent_job, op, target, "
                "description, state, base_url, account) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job_id,
                    now,
                    now,
                    plan.purpose,
                    plan.parent_job,
                    dumps(plan.op.to_json()),
                    dumps(plan.target.to_json()),
                    plan.target.describe(),
                    JOB_PLANNED,
                    base_url,
                    account,
                ),
            )
            rows = []
            for seq, cid in enumerate(plan.contact_ids):
                item_op = plan.item_ops.get(cid)
                before = plan.before.get(cid)
                rows.append(
                    (
                        job_id,
                        seq,
                        cid,
                        PENDING,
                        dumps(item_op.to_json()) if item_op else None,
                        dumps(before) if before is not None else None,
                        now,
                    )
                )
            db.executemany(
                "INSERT INTO items (job_id, seq, contact_id, state, op, before, updated) "
                "VALUES (?,?,?,?,?,?,?)",
                rows,
            )
            if plan.purpose == "undo" and plan.parent_job:
                db.execute("UPDATE jobs SET undone_by=? WHERE id=?", (job_id, plan.parent_job))
        return job_id

    def _counts(self, job_id: str) -> Counts:
        counts = Counts()
        with self._lock:
            rows = self._conn.execute(
                "SELECT state, changed, COUNT(*) AS n FROM items WHERE job_id=? GROUP BY state, changed",
                (job_id,),
            ).fetchall()
        for row in rows:
            n = row["n"]
            counts.total += n
            state = row["state"]
            if state == PENDING:
                counts.pending += n
            elif state == IN_FLIGHT:
                counts.in_flight += n
            elif state == DONE:
                counts.done += n
                if row["changed"]:
                    counts.changed += n
                else:
                    counts.unchanged += n
            elif state == FAILED:
                counts.failed += n
            elif state == SKIPPED:
                counts.skipped += n
        return counts

    def counts(self, job_id: str) -> Counts:
        return self._counts(job_id)

    def _job_from_row(self, row: sqlite3.Row) -> JobInfo:
        return JobInfo(
            id=row["id"],
            created=row["created"],
            updated=row["updated"],
            op=Operation.from_json(json.loads(row["op"])),
            target=Target.from_json(json.loads(row["target"])),
            description=row["description"],
            state=row["state"],
            counts=self._counts(row["id"]),
            base_url=row["base_url"],
            parent_job=row["parent_job"],
            purpose=row["purpose"],
            undone_by=row["undone_by"],
            error=row["error"],
            runner_pid=row["runner_pid"],
            runner_host=row["runner_host"],
            account=row["account"],
        )

    def get_job(self, job_id: str) -> JobInfo:
        with self._lock:
            row = self._conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise BulkError(f"No bulk job {job_id!r} in the journal (see `orbit-tui bulk jobs`).")
        return self._job_from_row(row)

    def list_jobs(self, limit: int = 100, *, owner: Owner | None = None) -> list[JobInfo]:
        """Newest first; with ``owner``, only that account's jobs on that base URL."""
        sql, params = "SELECT * FROM jobs", []
        if owner is not None:
            account, base_url = owner
            sql += " WHERE account IS ? AND rtrim(base_url, '/')=?"
            params = [account, _url(base_url)]
        with self._lock:
            rows = self._conn.execute(
                sql + " ORDER BY created DESC, id DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [self._job_from_row(r) for r in rows]

    def runner(self, job_id: str) -> Holder | None:
        """Who else runs the job now (its lock is held by a live process), if anyone."""
        with self._lock:
            row = self._conn.execute("SELECT state FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None or row["state"] != JOB_RUNNING or self.locks.holds(job_id):
            return None
        return self.locks.held_by(job_id)

    def runner_alive(self, job_id: str) -> bool:
        """Whether a live process (this one included) runs the job."""
        return self.locks.holds(job_id) or self.runner(job_id) is not None

    def pending_jobs(self, *, owner: Owner | None = None) -> list[JobInfo]:
        """Jobs with items left to do and nobody working on them (e.g. after a crash)."""
        return [
            job
            for job in self.list_jobs(limit=1000, owner=owner)
            if job.resumable and not self.runner_alive(job.id)
        ]

    def claim(self, job_id: str, *, take_over: bool = False) -> Holder | None:
        """Mark the job running in this process, holding its lock.

        Refuses (:class:`JobBusy`) when another live process holds the lock, unless
        ``take_over``: then that process loses the job at its next request (its claim
        token no longer matches) and this one runs it. Returns whom it took over from.
        A recorded pid or host means nothing here: a killed runner's lock is gone.
        """
        with self._lock:
            if self._conn.execute("SELECT 1 FROM jobs WHERE id=?", (job_id,)).fetchone() is None:
                raise BulkError(f"No bulk job {job_id!r} in the journal.")
        taken_from = self.locks.acquire(job_id, take_over=take_over)
        token = uuid.uuid4().hex
        try:
            with self._tx() as db:
                db.execute(
                    "UPDATE jobs SET state=?, runner_pid=?, runner_host=?, runner_token=?, "
                    "error=NULL, updated=? WHERE id=?",
                    (JOB_RUNNING, os.getpid(), socket.gethostname(), token, _now(), job_id),
                )
        except BaseException:
            self.locks.release(job_id)
            raise
        self._tokens[job_id] = token
        return taken_from

    def release_claim(self, job_id: str) -> None:
        """This process no longer runs the job: let go of its lock."""
        self._tokens.pop(job_id, None)
        self.locks.release(job_id)

    def _still_ours(self, db: sqlite3.Connection, job_id: str) -> bool:
        token = self._tokens.get(job_id)
        if token is None:
            return True  # not claimed here: a plain state change (retry, completion)
        row = db.execute("SELECT runner_token FROM jobs WHERE id=?", (job_id,)).fetchone()
        return row is not None and row["runner_token"] == token

    def set_job_state(self, job_id: str, state: str, error: str | None = None) -> None:
        """Set the job's state; a runner that was taken over changes nothing."""
        with self._tx() as db:
            if not self._still_ours(db, job_id):
                return
            db.execute(
                "UPDATE jobs SET state=?, error=?, runner_pid=NULL, runner_token=NULL, "
                "updated=? WHERE id=?",
                (state, error, _now(), job_id),
            )

    # -- items (the rest: JournalItems) ----------------------------------------------------------------------
    def mark_in_flight(self, job_id: str, contact_ids: list[str], idem_key: str) -> None:
        """Record the idempotency key and ``in_flight`` BEFORE the request is sent."""
        self.advance(job_id, [], contact_ids, idem_key)

    def advance(
        self,
        job_id: str,
        finished: Iterable[Finished],
        contact_ids: list[str],
        idem_key: str,
    ) -> None:
        """One transaction: the results of a worker's last request, then its next items
        ``in_flight`` under ``idem_key`` — committed BEFORE that next request is sent.

        A worker moves from one request to the next without awaiting in between, so
        recording both at once delays nothing and halves the commits per item.
        """
        now = _now()
        rows = self._finished_rows(job_id, finished, now)
        self.locks.renew(job_id)
        with self._tx() as db:
            if rows:
                db.executemany(_FINISH_SQL, rows)
            if not self._still_ours(db, job_id):
                lost = True  # the results above are kept; nothing more is sent
            else:
                lost = False
                db.executemany(
                    "UPDATE items SET state=?, idem_key=?, attempts=attempts+1, updated=? "
                    "WHERE job_id=? AND contact_id=?",
                    [(IN_FLIGHT, idem_key, now, job_id, cid) for cid in contact_ids],
                )
        if lost:
            raise JobTakenOver(
                f"Job {job_id} was taken over by another orbit-tui; this one stopped "
                "before its next request."
            )
