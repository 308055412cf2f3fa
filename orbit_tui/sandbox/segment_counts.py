"""Segments' ``contact_count``, kept current without counting a million rows per request.

Each segment's count is stored in ``segment_counts`` with the value of a write
counter (``contacts_version``, bumped by a trigger on every insert, update and
delete of a contact, whoever makes it) at which it was true; deleting a segment or
changing its rules drops its count (triggers on ``segments`` too). Every contact write
the API makes passes the contact as it was and as it is to :func:`apply`, which
evaluates each segment's rules on both with the one rule evaluator
(``orbit_tui.rules.evaluate``, which agrees with its SQL by property test) and
moves the counts by the difference, in the same transaction. A count whose
version is not the current one (a write this code did not see, a database from
before this table, a new segment) is counted again in SQL when it is read, so a
count is never stale.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from typing import Any, Mapping

TABLES = """
CREATE TABLE IF NOT EXISTS segment_counts (
    segment_seq INTEGER PRIMARY KEY,
    contact_count INTEGER NOT NULL,
    at_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT OR IGNORE INTO contacts_version VALUES (1, 0);
"""

_BUMP = "UPDATE contacts_version SET n = n + 1 WHERE id = 1;"
TRIGGERS: dict[str, str] = {
    f"contacts_version_{event.lower()}":
        f"CREATE TRIGGER IF NOT EXISTS contacts_version_{event.lower()} AFTER {event} ON contacts BEGIN {_BUMP} END"
    for event in ("INSERT", "UPDATE", "DELETE")
}
# A segment deleted, or its rules changed: its stored count means nothing any more.
TRIGGERS["segment_counts_forget_deleted"] = (
    "CREATE TRIGGER IF NOT EXISTS segment_counts_forget_deleted AFTER DELETE ON segments "
    "BEGIN DELETE FROM segment_counts WHERE segment_seq = OLD.seq; END")
TRIGGERS["segment_counts_forget_new_rules"] = (
    "CREATE TRIGGER IF NOT EXISTS segment_counts_forget_new_rules AFTER UPDATE OF rules ON segments "
    "WHEN OLD.rules IS NOT NEW.rules BEGIN DELETE FROM segment_counts WHERE segment_seq = NEW.seq; END")


def _rules() -> Any:
    from orbit_tui import rules  # the rules module is another area's; imported when needed

    return rules


@functools.lru_cache(maxsize=256)
def _matcher(rules_text: str) -> Any:
    """The parsed rules of a stored segment: parsed once, not on every contact write."""
    return _rules().matcher(json.loads(rules_text))


def version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT n FROM contacts_version WHERE id = 1").fetchone()
    return int(row[0]) if row is not None else 0


def count_sql(rules: Mapping[str, Any]) -> tuple[str, list[Any]]:
    sql, params = _rules().to_sql(dict(rules), alias="c")
    return f"SELECT count(*) FROM contacts c WHERE ({sql})", list(params)


def store_all(conn: sqlite3.Connection) -> None:
    """Count every segment in one pass over the contacts (used after a bulk seed)."""
    segments = conn.execute("SELECT seq, rules FROM segments ORDER BY seq").fetchall()
    if not segments:
        return
    sums: list[str] = []
    params: list[Any] = []
    for _, rules in segments:
        sql, values = _rules().to_sql(json.loads(rules), alias="c")
        sums.append(f"total(CASE WHEN ({sql}) THEN 1 ELSE 0 END)")
        params.extend(values)
    counts = conn.execute(f"SELECT {', '.join(sums)} FROM contacts c", params).fetchone()
    now = version(conn)
    conn.executemany("INSERT OR REPLACE INTO segment_counts VALUES (?, ?, ?)",
                     [(seq, int(count), now) for (seq, _), count in zip(segments, counts, strict=False)])


def current(conn: sqlite3.Connection, segment_seq: int, rules: Mapping[str, Any]) -> int:
    """The segment's count now: the stored one when it is up to date, else counted again and stored."""
    now = version(conn)
    row = conn.execute("SELECT contact_count, at_version FROM segment_counts WHERE segment_seq = ?",
                       (segment_seq,)).fetchone()
    if row is not None and int(row[1]) == now:
        return int(row[0])
    sql, params = count_sql(rules)
    count = int(conn.execute(sql, params).fetchone()[0])
    conn.execute("INSERT OR REPLACE INTO segment_counts VALUES (?, ?, ?)", (segment_seq, count, now))
    return count


def apply(conn: sqlite3.Connection, before_version: int, before: Mapping[str, Any] | None,
          after: Mapping[str, Any] | None) -> None:
    """Move the counts by one contact's change (``None``: did not exist), made since ``before_version``.

    Call inside the write's transaction, after the write. A count that was not
    current at ``before_version`` is left alone: it is counted again when read.
    """
    now = version(conn)
    rows = conn.execute("SELECT s.seq, s.rules, n.contact_count FROM segments s JOIN segment_counts n "
                        "ON n.segment_seq = s.seq WHERE n.at_version = ?", (before_version,)).fetchall()
    for seq, rules_text, count in rows:
        matches = _matcher(rules_text)
        delta = (1 if after is not None and matches(after) else 0) - \
            (1 if before is not None and matches(before) else 0)
        conn.execute("UPDATE segment_counts SET contact_count = ?, at_version = ? WHERE segment_seq = ?",
                     (count + delta, now, seq))



def ensure(conn: sqlite3.Connection) -> None:
    conn.executescript(TABLES)
    create_triggers(conn)


def create_triggers(conn: sqlite3.Connection) -> None:
    for ddl in TRIGGERS.values():
        conn.execute(ddl)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
