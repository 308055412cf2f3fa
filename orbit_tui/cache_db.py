"""The SQLite file under the page cache: opening, versioning and recovery.

:class:`CacheDB` opens (or creates) the cache database in WAL mode and checks it is ours
and of the current schema. It never lets a damaged file crash the app: a database that
is not ours or is corrupt is moved aside as ``<name>.corrupt-<timestamp>`` and rebuilt,
with a line in ``warnings`` the UI can show; an older schema of ours is simply rebuilt
(it is only a cache); if even that fails it keeps working in memory. Every query goes
through :meth:`CacheDB._run`, which turns a database failure into a default value (a
cache miss) and, when the file turns out damaged, recovers the same way.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from orbit_tui.private_files import prepare_sqlite, tighten

log = logging.getLogger("orbit_tui.cache")

APP_MARK = "orbit-tui-cache"
SCHEMA_VERSION = 2
AUTOCHECKPOINT_PAGES = 20_000
"""A safety net only: PageCache checkpoints after about ``CHECKPOINT_BYTES`` of writes."""

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, scope TEXT NOT NULL,
    query TEXT NOT NULL, cursor TEXT NOT NULL, body TEXT NOT NULL,
    fetched_at REAL NOT NULL, accessed_at REAL NOT NULL,
    invalid INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL);
CREATE INDEX pages_scope ON pages (endpoint, scope);
CREATE INDEX pages_lru ON pages (accessed_at);
CREATE TABLE entities (
    kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    fetched_at REAL NOT NULL, accessed_at REAL NOT NULL,
    invalid INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL,
    PRIMARY KEY (kind, id));
CREATE INDEX entities_lru ON entities (accessed_at);
CREATE INDEX entities_kind_lru ON entities (kind, accessed_at);
CREATE TABLE page_items (
    kind TEXT NOT NULL, item_id TEXT NOT NULL, page_key TEXT NOT NULL,
    PRIMARY KEY (kind, item_id, page_key)) WITHOUT ROWID;
CREATE INDEX page_items_page ON page_items (page_key);
"""
_TABLES = {"meta", "pages", "entities", "page_items"}


class CacheDB:
    """One cache database connection, guarded by a lock, self-healing."""

    def __init__(self, path: str | os.PathLike[str] | None, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else None
        self._clock = clock
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._bytes = 0
        self._deferred: list[Callable[[], None]] = []
        self._closed = False
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint_lock = threading.Lock()
        self._conn: sqlite3.Connection = self._open()

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=2000")
        # A cache may lose its last writes on a power cut (never its consistency, in WAL
        # mode): commits skip the fsync, which cost each page write a disk flush.
        # Checkpoints are run by the writers (see PageCache), not by whichever commit
        # happens to cross the threshold, which may be a read on the UI's event loop.
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        except sqlite3.DatabaseError:
            pass  # not a database: _open finds out and rebuilds it (then they apply)
        return conn

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return self._fresh(self._connect(":memory:"))
        try:
            prepare_sqlite(self.path)  # owner-only before SQLite makes its -wal and -shm
            conn = self._connect(str(self.path))
        except (OSError, sqlite3.Error) as exc:
            return self._in_memory(f"cannot open the cache file ({exc})")
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            state = self._inspect(conn)
        except sqlite3.DatabaseError:
            state = "corrupt"
        if state == "ok":
            return conn
        if state == "empty":
            return self._fresh(conn)
        if state == "old":
            conn.close()
            self._remove_files()
            log.info("cache schema changed: rebuilt %s", self.path.name)
            return self._reopen_fresh()
        conn.close()
        return self._move_aside_and_rebuild(
            "was not an orbit-tui cache" if state == "foreign" else "was damaged"
        )

    @staticmethod
    def _inspect(conn: sqlite3.Connection) -> str:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not names:
            return "empty"
        if "meta" not in names:
            return "foreign"
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("app") != APP_MARK:
            return "foreign"
        if meta.get("schema_version") != str(SCHEMA_VERSION) or not _TABLES <= names:
            return "old"
        return "ok"

    def _fresh(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        if self.path is not None:  # customer data: readable by this user only
            try:
                os.chmod(self.path, 0o600)
            except OSError:
                pass
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("app", APP_MARK), ("schema_version", str(SCHEMA_VERSION))],
        )
        return conn

    def _reopen_fresh(self) -> sqlite3.Connection:
        assert self.path is not None
        try:
            prepare_sqlite(self.path)
            return self._fresh(self._connect(str(self.path)))
        except (OSError, sqlite3.Error) as exc:
            return self._in_memory(f"cannot rebuild the cache file ({exc})")

    def _remove_files(self) -> None:
        assert self.path is not None
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.remove(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def _move_aside_and_rebuild(self, why: str) -> sqlite3.Connection:
        assert self.path is not None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self._clock()))
        aside = Path(f"{self.path}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            tighten(aside)  # a rename keeps the mode an older version gave it
            for suffix in ("-wal", "-shm", "-journal"):
                try:
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
                    tighten(f"{aside}{suffix}")
                except FileNotFoundError:
                    pass
        except OSError as exc:
            return self._in_memory(f"the cache file {why} and could not be moved aside ({exc})")
        self._warn(
            f"The local cache {why}; it was moved aside as {aside.name} and started empty. "
            "Nothing on Orbit was affected."
        )
        return self._reopen_fresh()

    def _in_memory(self, why: str) -> sqlite3.Connection:
        self._warn(f"The local cache is unavailable: {why}. Working without a saved cache.")
        self.path = None
        return self._fresh(self._connect(":memory:"))

    def _warn(self, text: str) -> None:
        log.warning("%s", text)
        self.warnings.append(text)

    def checkpoint(self) -> None:
        """Fold the write-ahead log back into the database file (a passive checkpoint).

        On a second connection and outside the main lock: in WAL mode the main
        connection reads and writes meanwhile, so a read on the UI's loop never waits
        for a checkpoint run by a writer thread. A failure is only logged: the log is
        folded in by the next checkpoint, or by SQLite's own automatic one.
        """
        with self._checkpoint_lock:
            path = self.path
            if path is None or self._closed:
                return
            try:
                if self._checkpointer is None:
                    self._checkpointer = sqlite3.connect(
                        str(path), check_same_thread=False, isolation_level=None, timeout=2
                    )
                self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:
                log.warning("cache checkpoint failed: %s", exc)
                self._drop_checkpointer()

    def _drop_checkpointer(self) -> None:
        if self._checkpointer is not None:
            try:
                self._checkpointer.close()
            except sqlite3.Error:
                pass
            self._checkpointer = None

    def _recover(self) -> None:
        """A query found the database damaged: move it aside and start again."""
        with self._checkpoint_lock:
            self._drop_checkpointer()  # it has the old file open
        try:
            self._conn.close()
        except sqlite3.Error:
            pass
        if self.path is None:
            self._conn = self._fresh(self._connect(":memory:"))
        else:
            self._conn = self._move_aside_and_rebuild("was damaged")
        self._bytes = 0

    def now(self) -> float:
        """The cache's clock (what fetch and access times are measured by)."""
        return self._clock()

    # -- writes deferred until the database is next used --------------------------------
    def defer(self, write: Callable[[], None]) -> None:
        """Queue ``write`` (a store of this cache's own) to run later, by :meth:`settle`.

        It runs before anything else uses the database (every query goes through
        :meth:`_run`, which settles first, and :meth:`close` settles too), so a read
        always finds what was written before it, in the order it was written.
        """
        with self._lock:
            self._deferred.append(write)

    @property
    def has_deferred(self) -> bool:
        return bool(self._deferred)

    def settle(self) -> None:
        """Run the queued writes now, in the calling thread."""
        self._settle_writes()

    def _settle_writes(self) -> None:
        with self._lock:
            while self._deferred:
                writes, self._deferred = self._deferred, []
                for write in writes:
                    try:
                        write()
                    except Exception as exc:  # noqa: BLE001 - a lost cache write is a miss
                        log.warning("cache write failed: %s", exc)

    def _run(self, fn: Callable[[sqlite3.Connection], Any], default: Any = None) -> Any:
        """Run ``fn`` under the lock; a database problem yields ``default``, never a crash.

        Queued writes (:meth:`defer`) run first."""
        with self._lock:
            if self._closed:  # a write behind that was due after the app closed
                return default
            if self._deferred:
                self._settle_writes()
            try:
                return fn(self._conn)
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if "locked" in text or "busy" in text:
                    log.warning("cache busy: %s", exc)
                    return default
                log.warning("cache operation failed: %s", exc)
                self._recover()
                return default
            except sqlite3.DatabaseError as exc:
                log.warning("cache damaged: %s", exc)
                self._recover()
                return default
            except (ValueError, TypeError) as exc:  # an undecodable row: a miss
                log.warning("cache row unreadable: %s", exc)
                return default

    def close(self) -> None:
        with self._lock:
            self._settle_writes()
            self._closed = True
            with self._checkpoint_lock:
                self._drop_checkpointer()
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
