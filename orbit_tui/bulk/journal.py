"""The bulk-job journal: one SQLite file (WAL) that outlives the process.

Every state change of an item is committed before the engine moves on, so a job killed
at any instant (quit, crash, ``kill -9``) can be resumed without losing an item or
applying one twice. WAL with ``synchronous=NORMAL`` survives a killed process; only a
power cut may lose the last commits.

Tables::

    jobs  (id, created, updated, purpose, parent_job, undone_by, op json, target json,
           description, state, base_url, error, runner_pid, runner_host)
    items (job_id, seq, contact_id, state, op json?, before json?, after json?,
           changed, error_code, error_message, error_status, request_id,
           idem_key, attempts, updated)

Counts are computed from ``items`` (grouped by state), never stored twice. The schema,
the row types and small helpers are in :mod:`orbit_tui.bulk.journal_rows`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
    ItemFailure,
    JobInfo,
    Operation,
    Plan,
    Target,
    dumps,
)
from orbit_tui.private_files import prepare_sqlite, tighten
from orbit_tui.bulk.journal_rows import (
    _FINISH_SQL,
    SCHEMA,
    SCHEMA_VERSION,
    Finished,
    Item,
    _loads,
    _now,
    new_job_id,
    pid_alive,
)


class Journal:
    """Owns the jobs database. Safe to share between coroutines of one event loop."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self.warnings: list[str] = []
        """Problems met on opening (a damaged file set aside), for the caller to show."""
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if str(path) == ":memory:":
                raise
            self._conn.close()
            self._set_aside(exc)
            self._open()
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise BulkError(
                f"The bulk-job journal {self.path.name} was written by a newer orbit-tui "
                f"(schema {version}); upgrade orbit-tui to use it."
            )
        if version < SCHEMA_VERSION:
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _open(self) -> None:
        if str(self.path) != ":memory:":
            prepare_sqlite(self.path)  # owner-only before SQLite makes its -wal and -shm
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                     timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        # A cut or overwritten file can still open: quick_check finds the damage now rather
        # than in the middle of a job.
        check = self._conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {check}")

    def _set_aside(self, exc: sqlite3.DatabaseError) -> None:
        """A damaged journal is kept for a look (``jobs.db.corrupt-<time>``); a new one starts."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        tighten(aside)  # a rename keeps the mode an older version gave it
        for suffix in ("-wal", "-shm"):
            if Path(f"{self.path}{suffix}").exists():
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
                tighten(f"{aside}{suffix}")
        self.warnings.append(
            f"The bulk-job journal {self.path.name} was damaged ({exc}); it was moved aside as "
            f"{aside.name} and a new one started. Jobs recorded in it can no longer be resumed "
            "or undone from here."
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    # -- jobs -----------------------------------------------------------------------
    def create_job(self, plan: Plan, *, base_url: str) -> str:
        job_id = new_job_id()
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, created, updated, purpose, parent_job, op, target, "
                "description, state, base_url) VALUES (?,?,?,?,?,?,?,?,?,?)",
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
        )

    def get_job(self, job_id: str) -> JobInfo:
        with self._lock:
            row = self._conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise BulkError(f"No bulk job {job_id!r} in the journal (see `orbit-tui bulk jobs`).")
        return self._job_from_row(row)

    def list_jobs(self, limit: int = 100) -> list[JobInfo]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM jobs ORDER BY created DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [self._job_from_row(r) for r in rows]

    def runner_alive(self, job_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT state, runner_pid, runner_host FROM jobs WHERE id=?", (job_id,)
            ).fetchone()
        return bool(row and row["state"] == JOB_RUNNING and pid_alive(row["runner_pid"], row["runner_host"]))

    def pending_jobs(self) -> list[JobInfo]:
        """Jobs with items left to do and nobody working on them (e.g. after a crash)."""
        return [
            job
            for job in self.list_jobs(limit=1000)
            if job.resumable and not self.runner_alive(job.id)
        ]

    def claim(self, job_id: str) -> None:
        """Mark the job running in this process; refuse if another live process runs it."""
        with self._tx() as db:
            row = db.execute(
                "SELECT state, runner_pid, runner_host FROM jobs WHERE id=?", (job_id,)
            ).fetchone()
            if row is None:
                raise BulkError(f"No bulk job {job_id!r} in the journal.")
            if (
                row["state"] == JOB_RUNNING
                and row["runner_pid"] != os.getpid()
                and pid_alive(row["runner_pid"], row["runner_host"])
            ):
                raise BulkError(
                    f"Job {job_id} is being run by another orbit-tui process "
                    f"(pid {row['runner_pid']}); wait for it or stop that process."
                )
            db.execute(
                "UPDATE jobs SET state=?, runner_pid=?, runner_host=?, error=NULL, updated=? WHERE id=?",
                (JOB_RUNNING, os.getpid(), socket.gethostname(), _now(), job_id),
            )

    def set_job_state(self, job_id: str, state: str, error: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state=?, error=?, runner_pid=NULL, updated=? WHERE id=?",
                (state, error, _now(), job_id),
            )

    # -- items ----------------------------------------------------------------------
    def _item(self, row: sqlite3.Row) -> Item:
        op = _loads(row["op"])
        changed = row["changed"]
        return Item(
            job_id=row["job_id"],
            seq=row["seq"],
            contact_id=row["contact_id"],
            state=row["state"],
            op=Operation.from_json(op) if op else None,
            before=_loads(row["before"]),
            after=_loads(row["after"]),
            changed=None if changed is None else bool(changed),
            error_code=row["error_code"],
            error_message=row["error_message"],
            error_status=row["error_status"],
            request_id=row["request_id"],
            idem_key=row["idem_key"],
            attempts=row["attempts"],
        )

    def items(self, job_id: str, states: Iterable[str] | None = None) -> list[Item]:
        sql = "SELECT * FROM items WHERE job_id=?"
        params: list[Any] = [job_id]
        if states is not None:
            states = list(states)
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += states
        sql += " ORDER BY seq"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [self._item(r) for r in rows]

    def latest_failures(self, job_id: str, limit: int = 5) -> list[ItemFailure]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM items WHERE job_id=? AND state=? ORDER BY updated DESC, seq DESC LIMIT ?",
                (job_id, FAILED, limit),
            ).fetchall()
        return [
            ItemFailure(
                contact_id=r["contact_id"],
                code=r["error_code"] or "ERROR",
                message=r["error_message"] or "",
                status=r["error_status"],
                request_id=r["request_id"],
            )
            for r in rows
        ]

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
        with self._tx() as db:
            if rows:
                db.executemany(_FINISH_SQL, rows)
            db.executemany(
                "UPDATE items SET state=?, idem_key=?, attempts=attempts+1, updated=? "
                "WHERE job_id=? AND contact_id=?",
                [(IN_FLIGHT, idem_key, now, job_id, cid) for cid in contact_ids],
            )

    def set_before(self, job_id: str, contact_id: str, before: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE items SET before=?, updated=? WHERE job_id=? AND contact_id=?",
                (dumps(before), _now(), job_id, contact_id),
            )

    def finish_item(
        self,
        job_id: str,
        contact_id: str,
        *,
        state: str,
        after: dict[str, Any] | None = None,
        changed: bool | None = None,
        error: ItemFailure | None = None,
        before: dict[str, Any] | None = None,
    ) -> None:
        self.finish_items(
            job_id,
            [Finished(contact_id, state, after=after, changed=changed, error=error, before=before)],
        )

    def finish_items(self, job_id: str, results: Iterable[Finished]) -> None:
        """Record the results of one request (one item, or a whole batch) atomically."""
        rows = self._finished_rows(job_id, results, _now())
        with self._tx() as db:
            db.executemany(_FINISH_SQL, rows)

    @staticmethod
    def _finished_rows(job_id: str, results: Iterable[Finished], now: str) -> list[tuple[Any, ...]]:
        return [
            (
                r.state,
                dumps(r.after) if r.after is not None else None,
                None if r.changed is None else int(r.changed),
                r.error.code if r.error else None,
                r.error.message if r.error else None,
                r.error.status if r.error else None,
                r.error.request_id if r.error else None,
                dumps(r.before) if r.before is not None else None,
                now,
                job_id,
                r.contact_id,
            )
            for r in results
        ]

    def release(self, job_id: str, contact_ids: list[str]) -> None:
        """Put items back to pending (the request was refused before being applied)."""
        with self._tx() as db:
            db.executemany(
                "UPDATE items SET state=?, updated=? WHERE job_id=? AND contact_id=? AND state=?",
                [(PENDING, _now(), job_id, cid, IN_FLIGHT) for cid in contact_ids],
            )

    def reset_failed(self, job_id: str) -> int:
        """Failed items become pending again, with a fresh idempotency key.

        A failed item got a definite answer (or exhausted its retries): a server that
        stored that answer under the old key would only replay the failure.
        """
        with self._tx() as db:
            cur = db.execute(
                "UPDATE items SET state=?, error_code=NULL, error_message=NULL, error_status=NULL, "
                "request_id=NULL, idem_key=NULL, updated=? WHERE job_id=? AND state=?",
                (PENDING, _now(), job_id, FAILED),
            )
            return cur.rowcount
