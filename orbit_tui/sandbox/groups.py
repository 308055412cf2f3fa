"""Lists, memberships and segments on the store."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import segment_counts
from .contacts import PageResult, new_id
from .envelope import ApiError, not_found
from .search import Where, decode_cursor, encode_cursor, position_int, query_hash
from .store import CONTACT_COLUMNS, Store, contact_from_row, now_iso

LIST_COLUMNS = (
    "l.seq, l.id, l.name, l.description, l.created_at, l.updated_at, "
    "(SELECT count(*) FROM list_members m WHERE m.list_seq = l.seq) AS member_count"
)


def _list_from_row(row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    return {"id": row[1], "name": row[2], "description": row[3], "member_count": int(row[6]),
            "created_at": row[4], "updated_at": row[5]}


def _keyset(conn: sqlite3.Connection, table_sql: str, where: Where, *, kind: str, params: dict[str, Any],
            limit: int, cursor: str | None, order_col: str, convert: Any, total_sql: str) -> PageResult:
    qhash = query_hash(kind, params)
    after = position_int(decode_cursor(cursor, qhash))
    clauses = Where(list(where.clauses), list(where.params))
    if after is not None:
        clauses.add(f"{order_col} < ?", after)
    rows = conn.execute(f"{table_sql} WHERE {clauses.sql()} ORDER BY {order_col} DESC LIMIT ?",
                        [*clauses.params, limit + 1]).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    total = int(conn.execute(f"{total_sql} WHERE {where.sql()}", where.params).fetchone()[0])
    next_cursor = encode_cursor([rows[-1][0]], qhash) if has_more and rows else None
    return PageResult([convert(r) for r in rows], next_cursor, has_more, total)


# ---- lists --------------------------------------------------------------------------

def list_lists(store: Store, *, limit: int, cursor: str | None, contact_id: str | None = None) -> PageResult:
    with store.read() as conn:
        where = Where()
        params: dict[str, Any] = {}
        if contact_id is not None:
            row = conn.execute("SELECT seq FROM contacts WHERE id = ?", (contact_id,)).fetchone()
            if row is None:
                raise not_found("Contact", contact_id)
            where.add("l.seq IN (SELECT list_seq FROM list_members WHERE contact_seq = ?)", row[0])
            params["contact"] = contact_id
        return _keyset(conn, f"SELECT {LIST_COLUMNS} FROM lists l", where, kind="lists", params=params,
                       limit=limit, cursor=cursor, order_col="l.seq", convert=_list_from_row,
                       total_sql="SELECT count(*) FROM lists l")


def _list_seq(conn: sqlite3.Connection, list_id: str) -> int:
    row = conn.execute("SELECT seq FROM lists WHERE id = ?", (list_id,)).fetchone()
    if row is None:
        raise not_found("List", list_id)
    return int(row[0])


def get_list(conn: sqlite3.Connection, list_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {LIST_COLUMNS} FROM lists l WHERE l.id = ?", (list_id,)).fetchone()
    if row is None:
        raise not_found("List", list_id)
    return _list_from_row(row)


def create_list(store: Store, name: str, description: str | None) -> dict[str, Any]:
    stamp = now_iso()
    list_id = new_id("lst")
    with store.write() as conn:
        conn.execute("INSERT INTO lists (id, name, description, created_at, updated_at) VALUES (?,?,?,?,?)",
                     (list_id, name, description, stamp, stamp))
        return get_list(conn, list_id)


def update_list(store: Store, list_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    with store.write() as conn:
        current = get_list(conn, list_id)
        name = fields.get("name", current["name"])
        description = fields.get("description", current["description"]) if "description" in fields else current["description"]
        conn.execute("UPDATE lists SET name = ?, description = ?, updated_at = ? WHERE id = ?",
                     (name, description, now_iso(), list_id))
        return get_list(conn, list_id)


def delete_list(store: Store, list_id: str) -> None:
    with store.write() as conn:
        seq = _list_seq(conn, list_id)
        conn.execute("DELETE FROM list_members WHERE list_seq = ?", (seq,))
        conn.execute("DELETE FROM lists WHERE seq = ?", (seq,))


def add_members(store: Store, list_id: str, contact_ids: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {"added": [], "already_member": [], "not_found": []}
    stamp = now_iso()
    with store.write() as conn:
        list_seq = _list_seq(conn, list_id)
        for contact_id in dict.fromkeys(contact_ids):
            row = conn.execute("SELECT seq FROM contacts WHERE id = ?", (contact_id,)).fetchone()
            if row is None:
                result["not_found"].append(contact_id)
                continue
            cur = conn.execute("INSERT OR IGNORE INTO list_members (list_seq, contact_seq, added_at) VALUES (?,?,?)",
                               (list_seq, row[0], stamp))
            result["added" if cur.rowcount else "already_member"].append(contact_id)
    return result


def remove_member(store: Store, list_id: str, contact_id: str) -> None:
    with store.write() as conn:
        list_seq = _list_seq(conn, list_id)
        row = conn.execute("SELECT seq FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            raise not_found("Contact", contact_id)
        cur = conn.execute("DELETE FROM list_members WHERE list_seq = ? AND contact_seq = ?", (list_seq, row[0]))
        if not cur.rowcount:
            raise ApiError(404, "NOT_FOUND", f"contact {contact_id!r} is not a member of list {list_id!r}",
                           {"resource": "membership", "list_id": list_id, "contact_id": contact_id})


def list_member_where(conn: sqlite3.Connection, list_id: str) -> Where:
    seq = _list_seq(conn, list_id)
    where = Where()
    where.add("c.seq IN (SELECT contact_seq FROM list_members WHERE list_seq = ?)", seq)
    return where


# ---- segments -----------------------------------------------------------------------

def _rules_module() -> Any:
    from orbit_tui import rules  # imported late: the rules module is another area's

    return rules


def check_rules(rules: Any, root: str = "rules") -> dict[str, Any]:
    if not isinstance(rules, dict):
        raise ApiError(422, "VALIDATION_ERROR", "rules must be an object", {"field": root, "expected": "object"})
    errors = _rules_module().validate(rules, root=root)
    if errors:
        first = errors[0]
        raise ApiError(422, "VALIDATION_ERROR", f"{first.path}: {first.message}",
                       {"field": first.path, "errors": [{"field": e.path, "message": e.message} for e in errors]})
    return rules


def rules_where(rules: dict[str, Any]) -> Where:
    sql, params = _rules_module().to_sql(rules, alias="c")
    where = Where()
    where.add(f"({sql})", *params)
    return where


def _segment_from_row(conn: sqlite3.Connection, row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    rules = json.loads(row[3])
    return {"id": row[1], "name": row[2], "rules": rules, "contact_count": segment_counts.current(conn, row[0], rules),
            "created_at": row[4], "updated_at": row[5]}


def count_matching(conn: sqlite3.Connection, rules: dict[str, Any]) -> int:
    sql, params = segment_counts.count_sql(rules)
    return int(conn.execute(sql, params).fetchone()[0])


SEGMENT_COLUMNS = "s.seq, s.id, s.name, s.rules, s.created_at, s.updated_at"


def list_segments(store: Store, *, limit: int, cursor: str | None) -> PageResult:
    with store.read() as conn:
        return _keyset(conn, f"SELECT {SEGMENT_COLUMNS} FROM segments s", Where(), kind="segments", params={},
                       limit=limit, cursor=cursor, order_col="s.seq",
                       convert=lambda r: _segment_from_row(conn, r), total_sql="SELECT count(*) FROM segments s")


def get_segment_in(conn: sqlite3.Connection, segment_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {SEGMENT_COLUMNS} FROM segments s WHERE s.id = ?", (segment_id,)).fetchone()
    if row is None:
        raise not_found("Segment", segment_id)
    return _segment_from_row(conn, row)


def get_segment(store: Store, segment_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return get_segment_in(conn, segment_id)


def create_segment(store: Store, name: str, rules: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    segment_id = new_id("seg")
    with store.write() as conn:
        conn.execute("INSERT INTO segments (id, name, rules, created_at, updated_at) VALUES (?,?,?,?,?)",
                     (segment_id, name, json.dumps(rules, ensure_ascii=False), stamp, stamp))
        return get_segment_in(conn, segment_id)


def update_segment(store: Store, segment_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    with store.write() as conn:
        current = get_segment_in(conn, segment_id)
        name = fields.get("name", current["name"])
        rules = fields.get("rules", current["rules"])
        conn.execute("UPDATE segments SET name = ?, rules = ?, updated_at = ? WHERE id = ?",
                     (name, json.dumps(rules, ensure_ascii=False), now_iso(), segment_id))
        return get_segment_in(conn, segment_id)


def delete_segment(store: Store, segment_id: str) -> None:
    with store.write() as conn:
        cur = conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,))
        if not cur.rowcount:
            raise not_found("Segment", segment_id)


def segment_rules(conn: sqlite3.Connection, segment_id: str) -> tuple[int, dict[str, Any]]:
    """The segment's ``seq`` and rules (``seq`` keys its count in :mod:`.segment_counts`)."""
    row = conn.execute("SELECT seq, rules FROM segments WHERE id = ?", (segment_id,)).fetchone()
    if row is None:
        raise not_found("Segment", segment_id)
    return int(row[0]), json.loads(row[1])


def preview(store: Store, rules: dict[str, Any]) -> dict[str, Any]:
    with store.read() as conn:
        where = rules_where(rules)
        rows = conn.execute(f"SELECT {CONTACT_COLUMNS} FROM contacts c WHERE {where.sql()} ORDER BY c.seq DESC LIMIT 10",
                            where.params).fetchall()
        return {"contact_count": count_matching(conn, rules), "sample": [contact_from_row(r) for r in rows]}
