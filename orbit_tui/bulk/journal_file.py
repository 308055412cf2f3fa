"""The journal's SQLite file: opening, schema and its migration, set-aside, transactions.

:class:`JournalFile` is the base of :class:`orbit_tui.bulk.journal.Journal`. The file is
owner-only from its first byte (:mod:`orbit_tui.private_files`). A damaged file is moved
aside as ``jobs.db.corrupt-<time>`` (0600) and a new one started, with a line in
``warnings``. Schema 1 journals (before jobs were tied to an account and a lock) are
migrated in place: the new columns are added, empty; their rows are adopted by the
first account that opens them (see :meth:`Journal.adopt_unowned`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Self

from orbit_tui.bulk.accounts import install_secret
from orbit_tui.bulk.job_lock import JobLocks
from orbit_tui.bulk.journal_rows import ADDED_COLUMNS, SCHEMA, SCHEMA_VERSION
from orbit_tui.bulk.model import BulkError
from orbit_tui.private_files import prepare_sqlite, tighten


class JournalFile:
    """Owns the jobs database connection. Safe to share between coroutines of one loop."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.in_memory = str(path) == ":memory:"
        self._lock = threading.RLock()
        self.warnings: list[str] = []
        """Problems met on opening (a damaged file set aside), for the caller to show."""
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if self.in_memory:
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
        self._migrate()
        if version < SCHEMA_VERSION:
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        folder = None if self.in_memory else self.path.parent
        self.locks = JobLocks(None if folder is None else folder / "jobs.locks")
        self._secret = install_secret(folder)

    def _open(self) -> None:
        if not self.in_memory:
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

    def _migrate(self) -> None:
        """Add the columns a schema 1 journal lacks (nullable: old rows stay valid)."""
        have = {row["name"] for row in self._conn.execute("PRAGMA table_info(jobs)")}
        for name, kind in ADDED_COLUMNS:
            if name not in have:
                self._conn.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")

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
            self.locks.release_all()
            self._conn.close()

    def __enter__(self) -> Self:
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
