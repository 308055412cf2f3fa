"""SQLite storage for the sandbox: schema, connection, and row conversion.

The ``contacts`` table follows the schema agreed with ``orbit_tui.rules`` (alias
``c``); the sandbox adds a full-text index (``contacts_fts``, rowid = ``seq``), the
lists, memberships, segments, idempotency records and a small key/value table, and
the lookup tables that keep filters fast at a million contacts (tags, opt-outs and
symbol characters: :mod:`.indexes`; segments' stored counts: :mod:`.segment_counts`).

Activity is not stored: the API offers no way to write it, so each seeded contact's
timeline is synthesised deterministically from its ``activity_seed`` (see
``activity.py``). That keeps seeding a million contacts inside its budget.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import indexes, segment_counts

SEARCH_TABLE = """CREATE VIRTUAL TABLE IF NOT EXISTS contacts_fts USING fts5(
    name, email, phone,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3',
    columnsize = 0
)"""
"""The full-text index (rowid = contacts.seq)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    phone TEXT NULL,
    email TEXT NULL,
    first_name TEXT NULL,
    last_name TEXT NULL,
    country_code TEXT NULL,
    lifecycle_stage TEXT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    preferences TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    email_key TEXT NULL,
    activity_seed INTEGER NULL
);
""" + SEARCH_TABLE + """;
CREATE TABLE IF NOT EXISTS lists (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    description TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS list_members (
    list_seq INTEGER NOT NULL,
    contact_seq INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (list_seq, contact_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS list_members_contact ON list_members(contact_seq);
CREATE TABLE IF NOT EXISTS segments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    rules TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (api_key, key, method, path)
);
CREATE TABLE IF NOT EXISTS sandbox_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

CONTACT_INDEXES: dict[str, str] = {
    "contacts_phone": "CREATE UNIQUE INDEX IF NOT EXISTS contacts_phone ON contacts(phone)",
    "contacts_email_key": "CREATE UNIQUE INDEX IF NOT EXISTS contacts_email_key ON contacts(email_key)",
    "contacts_created": "CREATE INDEX IF NOT EXISTS contacts_created ON contacts(created_at)",
    "contacts_stage": "CREATE INDEX IF NOT EXISTS contacts_stage ON contacts(lifecycle_stage)",
    "contacts_country": "CREATE INDEX IF NOT EXISTS contacts_country ON contacts(country_code)",
}
"""Secondary indexes on contacts (kept apart so a bulk seed can build them after the rows)."""

CONTACT_JSON = (
    "json_object('id', c.id, 'phone', c.phone, 'email', c.email, 'first_name', c.first_name, "
    "'last_name', c.last_name, 'country_code', c.country_code, 'lifecycle_stage', c.lifecycle_stage, "
    "'tags', json(c.tags), 'metadata', json(c.metadata), 'preferences', json(c.preferences), "
    "'created_at', c.created_at, 'updated_at', c.updated_at)"
)
"""A contact as JSON text, built by SQLite (a page is then sent without parsing its rows)."""

OPTOUT_JSON = CONTACT_JSON[:-1] + (
    ", 'opted_out_channels', json((SELECT json_group_array(j.key) FROM json_each(c.preferences) j "
    "WHERE j.type = 'false')))"
)
""":data:`CONTACT_JSON` plus the ``opted_out_channels`` of ``GET /contacts/optouts``."""


class RawItems(list):  # type: ignore[type-arg]
    """A list of items that are already JSON text (spliced into the envelope as they are)."""


CONTACT_COLUMNS = (
    "c.seq, c.id, c.phone, c.email, c.first_name, c.last_name, c.country_code, "
    "c.lifecycle_stage, c.tags, c.metadata, c.preferences, c.created_at, c.updated_at"
)


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def email_key(email: str | None) -> str | None:
    """The form of an email used for uniqueness (case-insensitive)."""
    return email.strip().lower() if email else None


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open the database (WAL), create the schema and register rule functions."""
    conn = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(SCHEMA)
    for ddl in CONTACT_INDEXES.values():
        conn.execute(ddl)
    indexes.ensure(conn)
    segment_counts.ensure(conn)
    from .seed_search import recover  # it imports this module

    recover(conn)
    register_rule_functions(conn)
    return conn


def register_rule_functions(conn: sqlite3.Connection) -> None:
    """Register whatever SQL functions ``orbit_tui.rules.to_sql`` needs (if present)."""
    try:
        from orbit_tui import rules
    except ImportError:  # the rules module may not exist yet in a partial checkout
        return
    register = getattr(rules, "register_sqlite_functions", None)
    if register is not None:
        register(conn)


def contact_from_row(row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    """Turn a row selected with :data:`CONTACT_COLUMNS` into the API's contact dict."""
    return {
        "id": row[1],
        "phone": row[2],
        "email": row[3],
        "first_name": row[4],
        "last_name": row[5],
        "country_code": row[6],
        "lifecycle_stage": row[7],
        "tags": json.loads(row[8]),
        "metadata": json.loads(row[9]),
        "preferences": json.loads(row[10]),
        "created_at": row[11],
        "updated_at": row[12],
    }


class TotalCache:
    """Counts remembered until the next write, so walking pages counts once."""

    def __init__(self, store: "Store", size: int = 256) -> None:
        self.store = store
        self.size = size
        self.entries: dict[tuple[str, tuple[Any, ...]], tuple[int, int]] = {}

    def count(self, conn: sqlite3.Connection, sql: str, params: list[Any]) -> int:
        key = (sql, tuple(params))
        hit = self.entries.get(key)
        if hit is not None and hit[0] == self.store.generation:
            return hit[1]
        total = int(conn.execute(sql, params).fetchone()[0])
        if len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = (self.store.generation, total)
        return total


class Store:
    """One SQLite connection shared by the server's handlers, guarded by a lock.

    Handlers run on the event loop thread; the lock also makes direct use from
    other threads (tests, benchmarks) safe.
    """

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = str(db_path)
        self.conn = connect(db_path)
        self.lock = threading.RLock()
        self.generation = 0  # bumped by every write, so caches of counts know when to forget
        self.totals = TotalCache(self)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction: committed on success, rolled back on any exception."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self.generation += 1

    def meta_get(self, key: str) -> str | None:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM sandbox_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def contact_count(self) -> int:
        with self.read() as conn:
            return int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
