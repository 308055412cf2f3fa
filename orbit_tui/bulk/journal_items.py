"""The items of the journal's jobs: reading them, recording their results.

:class:`JournalItems` is a base of :class:`orbit_tui.bulk.journal.Journal`; putting
items in flight (which depends on who runs the job) stays there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from orbit_tui.bulk.journal_file import JournalFile
from orbit_tui.bulk.journal_rows import _FINISH_SQL, Finished, Item, _loads, _now
from orbit_tui.bulk.model import FAILED, IN_FLIGHT, PENDING, ItemFailure, Operation, dumps


class JournalItems(JournalFile):
    """Item reads and result writes (see :class:`orbit_tui.bulk.journal.Journal`)."""

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
