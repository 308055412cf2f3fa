"""Filling the full-text index during a seed: in this process, or beside it in another.

For a small seed the rows go into ``contacts_fts`` on the seeding connection
(:class:`InlineSearchIndex`). For a large one the index is the seed's biggest
single cost (about a third of its CPU), so :class:`ForkedSearchIndex` builds it in
a forked process, into a file of its own, while this process writes the contacts
and their indexes; the finished index (its shadow tables, which are all of an
FTS5 index's state) is then copied into the database in the seed's transaction.
Both produce the same index for the same rows; the seeding connection never
opens ``contacts_fts`` in the forked case, so no FTS5 state cached on it can
disagree with the copied tables.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .store import SEARCH_TABLE

_INSERT = "INSERT INTO contacts_fts(rowid, name, email, phone) VALUES (?,?,?,?)"


class InlineSearchIndex:
    """Rows go straight into the seeding connection's ``contacts_fts``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def begin(self) -> None:
        # merge the search index once at the end instead of while loading
        self.conn.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', 0)")

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(_INSERT, rows)

    def finish(self) -> None:
        """Called inside the seed's transaction, after the last rows."""

    def after_commit(self) -> None:
        self.conn.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')")
        self.conn.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', 4)")

    def close(self) -> None:
        """Nothing to clean up."""


def _build(path: str, receiver: Connection) -> None:
    """The builder process: every batch received goes in; then merge into one segment."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', 0)")
    while True:
        rows = receiver.recv()
        if rows is None:
            break
        conn.executemany(_INSERT, rows)
    conn.execute("COMMIT")
    conn.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', 4)")
    conn.close()


class ForkedSearchIndex:
    """Builds the index in a forked process (fork only while this process runs one thread)."""

    def __init__(self, conn: sqlite3.Connection, db_path: str | Path) -> None:
        self.conn = conn
        self.path = Path(f"{db_path}.search-build")
        self._remove()
        with sqlite3.connect(self.path) as build:  # the same table definition as the database's
            build.execute(SEARCH_TABLE)
        build.close()
        context = multiprocessing.get_context("fork")
        receiver, self.sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_build, args=(str(self.path), receiver), daemon=True)
        self.process.start()
        receiver.close()

    def begin(self) -> None:
        """The builder sets its own merge policy."""

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        self.sender.send(rows)

    def finish(self) -> None:
        """Wait for the builder; mark the index as still to be copied (see :func:`recover`)."""
        self.sender.send(None)
        self.sender.close()
        self.process.join()
        if self.process.exitcode != 0:
            raise RuntimeError(f"building the search index failed (exit code {self.process.exitcode})")
        self.conn.execute("INSERT OR REPLACE INTO sandbox_meta VALUES ('search_index', 'pending')")

    def after_commit(self) -> None:
        """Copy the builder's index tables over the database's (empty) ones, in a transaction of their own.

        Attached only now: attached during the seed's transaction, the build file
        would be locked (or seen at an old snapshot) by it. Should this process die
        before the copy commits, the ``pending`` mark makes the next opening of the
        database build the index again (:func:`recover`).
        """
        self.conn.execute("ATTACH DATABASE ? AS search_build", (str(self.path),))
        try:
            names = [row[0] for row in self.conn.execute(
                "SELECT name FROM search_build.sqlite_master WHERE type = 'table' "
                "AND name LIKE 'contacts!_fts!_%' ESCAPE '!'")]
            if not names:
                raise RuntimeError("the search index build made no tables")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for name in names:
                    self.conn.execute(f"DELETE FROM main.{name}")
                    self.conn.execute(f"INSERT INTO main.{name} SELECT * FROM search_build.{name}")
                self.conn.execute("DELETE FROM sandbox_meta WHERE key = 'search_index'")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        finally:
            self.conn.execute("DETACH DATABASE search_build")
        self.close()

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if not self.sender.closed:
            self.sender.close()
        self._remove()

    def _remove(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def recover(conn: sqlite3.Connection) -> None:
    """Build the full-text index again from the contacts if a seed died before copying it in."""
    row = conn.execute("SELECT value FROM sandbox_meta WHERE key = 'search_index'").fetchone()
    if row is None:
        return
    from .search import name_text, phone_tokens

    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM contacts_fts")
        rows = conn.execute("SELECT seq, first_name, last_name, email, phone FROM contacts").fetchall()
        conn.executemany(_INSERT, [(seq, name_text(first, last), email or "", phone_tokens(phone))
                                   for seq, first, last, email, phone in rows])
        conn.execute("DELETE FROM sandbox_meta WHERE key = 'search_index'")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
