"""Lookup tables kept beside ``contacts`` so filters stay fast at a million rows.

- ``contact_tags (tag, contact_seq)``: one row per tag a contact carries; the
  ``tags`` filter and its count read it instead of parsing every contact's JSON.
- ``contact_optouts (channel, contact_seq)``: one row per channel a contact is
  opted out of (its preference is JSON ``false``), plus a row with channel ``*``
  when it is opted out of at least one; ``GET /contacts/optouts`` reads it.
- ``contact_chars (ch, contact_seq)``: the non-ASCII characters of a contact's
  name and email that are neither word characters nor spaces (emoji, symbols,
  invisible controls): a search made only of such characters (which the
  full-text index drops) is answered from the contacts that have them all,
  instead of a substring scan of every contact. Written with the search index
  (``contacts._index``, the seed); removed by the delete trigger.

``key_counts (tbl, value, n)`` holds how many rows each tag and each opt-out channel
has in those two tables (kept by triggers on them), so a one-key filter's total is
one lookup.

SQL triggers on ``contacts`` keep the tag and opt-out tables in step with every insert, update
and delete in the same transaction, whoever writes (the API, the seed, a test
with its own connection), so they are never stale. A database made before these
tables existed is indexed once when it is opened (:func:`ensure`). A bulk seed
drops the triggers, writes its rows, fills the tables in one pass each
(:func:`rebuild`) and puts the triggers back (:func:`create_triggers`).
"""

from __future__ import annotations

import re
import sqlite3

INDEX_VERSION = "3"

TABLES = """
CREATE TABLE IF NOT EXISTS contact_tags (
    tag TEXT NOT NULL,
    contact_seq INTEGER NOT NULL,
    PRIMARY KEY (tag, contact_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_counts (
    tbl TEXT NOT NULL,
    value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tbl, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contact_chars (
    ch TEXT NOT NULL,
    contact_seq INTEGER NOT NULL,
    PRIMARY KEY (ch, contact_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_chars_contact ON contact_chars(contact_seq);
CREATE TABLE IF NOT EXISTS contact_optouts (
    channel TEXT NOT NULL,
    contact_seq INTEGER NOT NULL,
    PRIMARY KEY (channel, contact_seq)
) WITHOUT ROWID;
"""

_SYMBOL = re.compile(r"[^\w\s\x00-\x7f]")


def symbol_chars(text: str) -> set[str]:
    """The characters of ``text`` that ``contact_chars`` indexes: non-ASCII, not word, not space."""
    return set() if text.isascii() else set(_SYMBOL.findall(text))


ANY_CHANNEL = "*"
"""The ``contact_optouts`` channel marking a contact opted out of at least one channel."""

_TAG_ROWS = "SELECT value, {seq} FROM json_each({tags}) WHERE type = 'text'"
_OPTOUT_ROWS = (
    "SELECT key, {seq} FROM json_each({prefs}) WHERE type = 'false' "
    "UNION ALL SELECT '*', {seq} WHERE EXISTS (SELECT 1 FROM json_each({prefs}) WHERE type = 'false')"
)
_DROP_TAGS = ("DELETE FROM contact_tags WHERE contact_seq = OLD.seq AND tag IN "
              "(SELECT value FROM json_each(OLD.tags) WHERE type = 'text');")
_DROP_OPTOUTS = ("DELETE FROM contact_optouts WHERE contact_seq = OLD.seq AND channel IN "
                 "(SELECT key FROM json_each(OLD.preferences) UNION ALL SELECT '*');")
_ADD_TAGS = "INSERT OR IGNORE INTO contact_tags (tag, contact_seq) " + \
    _TAG_ROWS.format(seq="NEW.seq", tags="NEW.tags") + ";"
_ADD_OPTOUTS = "INSERT OR IGNORE INTO contact_optouts (channel, contact_seq) " + \
    _OPTOUT_ROWS.format(seq="NEW.seq", prefs="NEW.preferences") + ";"

TRIGGERS: dict[str, str] = {
    "contacts_index_insert":
        f"CREATE TRIGGER IF NOT EXISTS contacts_index_insert AFTER INSERT ON contacts BEGIN "
        f"{_ADD_TAGS} {_ADD_OPTOUTS} END",
    "contacts_index_tags":
        f"CREATE TRIGGER IF NOT EXISTS contacts_index_tags AFTER UPDATE OF tags ON contacts "
        f"WHEN OLD.tags IS NOT NEW.tags BEGIN {_DROP_TAGS} {_ADD_TAGS} END",
    "contacts_index_preferences":
        f"CREATE TRIGGER IF NOT EXISTS contacts_index_preferences AFTER UPDATE OF preferences ON contacts "
        f"WHEN OLD.preferences IS NOT NEW.preferences BEGIN {_DROP_OPTOUTS} {_ADD_OPTOUTS} END",
    "contacts_index_delete":
        f"CREATE TRIGGER IF NOT EXISTS contacts_index_delete AFTER DELETE ON contacts BEGIN "
        f"{_DROP_TAGS} {_DROP_OPTOUTS} DELETE FROM contact_chars WHERE contact_seq = OLD.seq; END",
}


COUNTED = {"contact_tags": "tag", "contact_optouts": "channel"}
"""The lookup tables whose rows per value ``key_counts`` counts (table -> value column)."""

COUNT_TRIGGERS: dict[str, str] = {}
for _table, _column in COUNTED.items():
    COUNT_TRIGGERS[f"{_table}_count_insert"] = (
        f"CREATE TRIGGER IF NOT EXISTS {_table}_count_insert AFTER INSERT ON {_table} BEGIN "
        f"INSERT INTO key_counts (tbl, value, n) VALUES ('{_table}', NEW.{_column}, 1) "
        f"ON CONFLICT (tbl, value) DO UPDATE SET n = n + 1; END")
    COUNT_TRIGGERS[f"{_table}_count_delete"] = (
        f"CREATE TRIGGER IF NOT EXISTS {_table}_count_delete AFTER DELETE ON {_table} BEGIN "
        f"UPDATE key_counts SET n = n - 1 WHERE tbl = '{_table}' AND value = OLD.{_column}; END")


def create_triggers(conn: sqlite3.Connection) -> None:
    for ddl in (*TRIGGERS.values(), *COUNT_TRIGGERS.values()):
        conn.execute(ddl)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in (*TRIGGERS, *COUNT_TRIGGERS):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def count_sql(table: str, column: str, value: str) -> tuple[str, list[str]]:
    """How many contacts have ``value`` in a lookup table: one row of ``key_counts`` when it is counted."""
    if COUNTED.get(table) == column:
        return "SELECT coalesce((SELECT n FROM key_counts WHERE tbl = ? AND value = ?), 0)", [table, value]
    return f"SELECT count(*) FROM {table} d WHERE d.{column} = ?", [value]


def rebuild(conn: sqlite3.Connection) -> None:
    """Fill the tables from ``contacts`` in one pass each (rows come in ``seq`` order: appends only)."""
    for name in COUNT_TRIGGERS:  # counted once at the end instead of per row
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("contact_tags", "contact_optouts", "contact_chars", "key_counts"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT OR IGNORE INTO contact_tags (tag, contact_seq) SELECT j.value, c.seq "
                 "FROM contacts c, json_each(c.tags) j WHERE j.type = 'text'")
    conn.execute("INSERT OR IGNORE INTO contact_optouts (channel, contact_seq) SELECT j.key, c.seq "
                 "FROM contacts c, json_each(c.preferences) j WHERE j.type = 'false'")
    # the JSON text of an opted-out contact's preferences holds the word false (a cheap first test)
    conn.execute("INSERT OR IGNORE INTO contact_optouts (channel, contact_seq) SELECT '*', c.seq FROM contacts c "
                 "WHERE c.preferences LIKE '%false%' AND EXISTS "
                 "(SELECT 1 FROM json_each(c.preferences) j WHERE j.type = 'false')")
    # names and emails in plain ASCII (most) have no characters to index
    rows = conn.execute("SELECT seq, coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || "
                        "coalesce(email, '') AS text FROM contacts WHERE length(CAST(text AS BLOB)) != length(text)")
    conn.executemany("INSERT OR IGNORE INTO contact_chars (ch, contact_seq) VALUES (?, ?)",
                     [(ch, seq) for seq, text in rows for ch in symbol_chars(text)])
    for table, column in COUNTED.items():
        conn.execute(f"INSERT INTO key_counts (tbl, value, n) SELECT '{table}', {column}, count(*) FROM {table} "
                     f"GROUP BY {column}")
    for ddl in COUNT_TRIGGERS.values():
        conn.execute(ddl)
    conn.execute("INSERT OR REPLACE INTO sandbox_meta VALUES ('contact_index', ?)", (INDEX_VERSION,))


def ensure(conn: sqlite3.Connection) -> None:
    """Create the tables and triggers; index a database's existing contacts once."""
    conn.executescript(TABLES)
    row = conn.execute("SELECT value FROM sandbox_meta WHERE key = 'contact_index'").fetchone()
    if row is not None and row[0] == INDEX_VERSION:
        create_triggers(conn)
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM sandbox_meta WHERE key = 'contact_index'").fetchone()
        if row is None or row[0] != INDEX_VERSION:
            rebuild(conn)
        create_triggers(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
