"""Contact operations on the store: list/search, CRUD, tags, preferences, opt-outs."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from .envelope import ApiError, not_found
from . import segment_counts
from .indexes import ANY_CHANNEL, symbol_chars
from .indexes import count_sql as lookup_count_sql
from .search import (Where, add_search, add_tags, decode_cursor, encode_cursor, key_exists, name_text, phone_tokens,
                     position_int, query_hash)
from .store import CONTACT_COLUMNS, RawItems, Store, TotalCache, contact_from_row, email_key, now_iso


@dataclass
class PageResult:
    items: list[dict[str, Any]]
    cursor: str | None
    has_more: bool
    total: int | None

    def pagination(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cursor": self.cursor, "has_more": self.has_more}
        if self.total is not None:
            out["total"] = self.total
        return out


@dataclass
class ContactFilters:
    search: str | None = None
    lifecycle_stage: str | None = None
    country_code: str | None = None
    tags: tuple[str, ...] = ()
    has_phone: bool | None = None
    has_email: bool | None = None
    created_after: str | None = None
    created_before: str | None = None

    def as_params(self) -> dict[str, Any]:
        return {
            "search": self.search, "lifecycle_stage": self.lifecycle_stage, "country_code": self.country_code,
            "tags": ",".join(self.tags), "has_phone": self.has_phone, "has_email": self.has_email,
            "created_after": self.created_after, "created_before": self.created_before,
        }

    def where(self) -> Where:
        where = Where()
        add_search(where, self.search)
        if self.lifecycle_stage:
            where.add("c.lifecycle_stage = ?", self.lifecycle_stage)
        if self.country_code:
            where.add("c.country_code = ?", self.country_code.upper())
        add_tags(where, list(self.tags))
        if self.has_phone is not None:
            where.add("c.phone IS NOT NULL" if self.has_phone else "c.phone IS NULL")
        if self.has_email is not None:
            where.add("c.email IS NOT NULL" if self.has_email else "c.email IS NULL")
        if self.created_after:
            where.add("c.created_at > ?", self.created_after)
        if self.created_before:
            where.add("c.created_at < ?", self.created_before)
        return where


def page_contacts(
    conn: sqlite3.Connection,
    where: Where,
    *,
    kind: str,
    params: dict[str, Any],
    limit: int,
    cursor: str | None,
    totals: TotalCache | None = None,
    as_json: str | None = None,
    known_total: int | None = None,
) -> PageResult:
    """One keyset page of contacts (newest first) matching ``where``.

    With a full-text term the page is read from the FTS index in rowid (= seq)
    order, so a page costs about the same however many contacts match. With
    ``as_json`` (an SQL expression such as :data:`CONTACT_JSON`) the items are
    JSON text made by SQLite, in a :class:`RawItems` list. ``known_total`` (when
    the caller already knows how many match) saves the count.
    """
    qhash = query_hash(kind, params)
    after = position_int(decode_cursor(cursor, qhash))
    clauses = where.copy()
    driver = None if where.fts is not None else _driver(conn, where.keys, totals)
    for key in where.keys:
        if key != driver:
            clauses.add(key_exists(key[0], key[1]), key[2])
    if where.fts is not None:
        source = "contacts_fts f JOIN contacts c ON c.seq = f.rowid"
        clauses.clauses.insert(0, "contacts_fts MATCH ?")
        clauses.params.insert(0, where.fts)
        order = "f.rowid"
    elif driver is not None:
        source = f"{driver[0]} d JOIN contacts c ON c.seq = d.contact_seq"
        clauses.clauses.insert(0, f"d.{driver[1]} = ?")
        clauses.params.insert(0, driver[2])
        order = "d.contact_seq"
    else:
        source, order = "contacts c", "c.seq"
    count_sql, count_params = f"SELECT count(*) FROM {source} WHERE {clauses.sql()}", list(clauses.params)
    if where.fts is not None and not where.clauses and not where.keys:
        count_sql, count_params = "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?", [where.fts]
    keys_only = driver is not None and not where.clauses  # counted from the lookup tables alone
    if after is not None:
        clauses.add(f"{order} < ?", after)
    columns = f"c.seq, {as_json}" if as_json else CONTACT_COLUMNS
    sql = f"SELECT {columns} FROM {source} WHERE {clauses.sql()} ORDER BY {order} DESC LIMIT ?"
    rows = conn.execute(sql, [*clauses.params, limit + 1]).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if known_total is not None:
        total = known_total
    elif keys_only:
        total = _keys_total(conn, where.keys, totals)
    else:
        total = _count(conn, totals, count_sql, count_params)
    next_cursor = encode_cursor([rows[-1][0]], qhash) if has_more and rows else None
    items = RawItems(r[1] for r in rows) if as_json else [contact_from_row(r) for r in rows]
    return PageResult(items, next_cursor, has_more, total)


def _count(conn: sqlite3.Connection, totals: TotalCache | None, sql: str, params: list[Any]) -> int:
    """``count(*)`` of ``sql``: remembered between writes when there is a ``totals`` cache."""
    return totals.count(conn, sql, params) if totals is not None else int(conn.execute(sql, params).fetchone()[0])


def _keys_total(conn: sqlite3.Connection, keys: list[tuple[str, str, str]], totals: TotalCache | None) -> int:
    """How many contacts have every key: one stored count, or the intersection of their contacts.

    The intersection is a merge of the lookup tables' ranges, which come sorted by
    contact (``INTERSECT`` with ``ORDER BY`` makes SQLite merge instead of probing).
    """
    if len(keys) == 1:
        sql, params = lookup_count_sql(*keys[0])
    else:
        parts = [f"SELECT contact_seq FROM {table} WHERE {column} = ?" for table, column, _ in keys]
        sql, params = f"SELECT count(*) FROM ({' INTERSECT '.join(parts)} ORDER BY 1)", [k[2] for k in keys]
    return _count(conn, totals, sql, params)


def _driver(conn: sqlite3.Connection, keys: list[tuple[str, str, str]],
            totals: TotalCache | None) -> tuple[str, str, str] | None:
    """The lookup-table key with the fewest contacts (it drives the page; the others are probed)."""
    if len(keys) <= 1:
        return keys[0] if keys else None

    def size(key: tuple[str, str, str]) -> int:
        return _count(conn, totals, *lookup_count_sql(*key))

    return min(keys, key=size)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _seq_of(conn: sqlite3.Connection, contact_id: str) -> int:
    row = conn.execute("SELECT seq FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    if row is None:
        raise not_found("Contact", contact_id)
    return int(row[0])


def get_contact(conn: sqlite3.Connection, contact_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = ?", (contact_id,)).fetchone()
    if row is None:
        raise not_found("Contact", contact_id)
    return contact_from_row(row)


def _check_unique(conn: sqlite3.Connection, fields: dict[str, Any], exclude_id: str | None = None) -> None:
    if fields.get("phone"):
        row = conn.execute("SELECT id FROM contacts WHERE phone = ?", (fields["phone"],)).fetchone()
        if row is not None and row[0] != exclude_id:
            raise ApiError(409, "CONFLICT", "another contact already has this phone",
                           {"field": "phone", "value": fields["phone"], "existing_id": row[0]})
    if fields.get("email"):
        row = conn.execute("SELECT id FROM contacts WHERE email_key = ?", (email_key(fields["email"]),)).fetchone()
        if row is not None and row[0] != exclude_id:
            raise ApiError(409, "CONFLICT", "another contact already has this email",
                           {"field": "email", "value": fields["email"], "existing_id": row[0]})


def _index(conn: sqlite3.Connection, seq: int, contact: dict[str, Any]) -> None:
    """Write the contact's full-text row and its symbol characters (``contact_chars``)."""
    name = name_text(contact.get("first_name"), contact.get("last_name"))
    email = contact.get("email") or ""
    conn.execute("DELETE FROM contacts_fts WHERE rowid = ?", (seq,))
    conn.execute("INSERT INTO contacts_fts(rowid, name, email, phone) VALUES (?, ?, ?, ?)",
                 (seq, name, email, phone_tokens(contact.get("phone"))))
    conn.execute("DELETE FROM contact_chars WHERE contact_seq = ?", (seq,))
    conn.executemany("INSERT INTO contact_chars (ch, contact_seq) VALUES (?, ?)",
                     [(ch, seq) for ch in sorted(symbol_chars(f"{name} {email}"))])


def create_contact(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    contact = {
        "id": new_id("con"), "phone": fields.get("phone"), "email": fields.get("email"),
        "first_name": fields.get("first_name"), "last_name": fields.get("last_name"),
        "country_code": fields.get("country_code"), "lifecycle_stage": fields.get("lifecycle_stage"),
        "tags": fields.get("tags") or [],
        "metadata": {k: v for k, v in (fields.get("metadata") or {}).items() if v is not None},
        "preferences": fields.get("preferences") or {}, "created_at": stamp, "updated_at": stamp,
    }
    with store.write() as conn:
        version = segment_counts.version(conn)
        _check_unique(conn, contact)
        cur = conn.execute(
            "INSERT INTO contacts (id, phone, email, first_name, last_name, country_code, lifecycle_stage, "
            "tags, metadata, preferences, created_at, updated_at, email_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (contact["id"], contact["phone"], contact["email"], contact["first_name"], contact["last_name"],
             contact["country_code"], contact["lifecycle_stage"], json.dumps(contact["tags"], ensure_ascii=False),
             json.dumps(contact["metadata"], ensure_ascii=False), json.dumps(contact["preferences"]),
             stamp, stamp, email_key(contact["email"] if isinstance(contact["email"], str) else None)),
        )
        _index(conn, int(cur.lastrowid or 0), contact)
        segment_counts.apply(conn, version, None, contact)
    return contact


def _save(conn: sqlite3.Connection, seq: int, contact: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE contacts SET phone=?, email=?, first_name=?, last_name=?, country_code=?, lifecycle_stage=?, "
        "tags=?, metadata=?, preferences=?, updated_at=?, email_key=? WHERE seq=?",
        (contact["phone"], contact["email"], contact["first_name"], contact["last_name"], contact["country_code"],
         contact["lifecycle_stage"], json.dumps(contact["tags"], ensure_ascii=False),
         json.dumps(contact["metadata"], ensure_ascii=False), json.dumps(contact["preferences"]),
         contact["updated_at"], email_key(contact["email"]), seq),
    )


def update_contact(store: Store, contact_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    with store.write() as conn:
        version = segment_counts.version(conn)
        seq = _seq_of(conn, contact_id)
        contact = get_contact(conn, contact_id)
        before = dict(contact)
        for name, value in fields.items():
            if name == "metadata":
                merged = dict(contact["metadata"])
                for key, item in value.items():
                    if item is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = item
                contact["metadata"] = merged
            elif name == "preferences":
                contact["preferences"] = {**contact["preferences"], **value}
            else:
                contact[name] = value
        if not contact.get("phone") and not contact.get("email"):
            raise ApiError(422, "MISSING_REQUIRED_FIELD", "a contact needs a phone or an email",
                           {"field": "phone", "required_one_of": ["phone", "email"]})
        _check_unique(conn, contact, exclude_id=contact_id)
        contact["updated_at"] = now_iso()
        _save(conn, seq, contact)
        _index(conn, seq, contact)
        segment_counts.apply(conn, version, before, contact)
    return contact


def delete_contact(store: Store, contact_id: str) -> None:
    with store.write() as conn:
        version = segment_counts.version(conn)
        seq = _seq_of(conn, contact_id)
        before = get_contact(conn, contact_id)
        conn.execute("DELETE FROM contacts WHERE seq = ?", (seq,))
        conn.execute("DELETE FROM contacts_fts WHERE rowid = ?", (seq,))
        conn.execute("DELETE FROM list_members WHERE contact_seq = ?", (seq,))
        segment_counts.apply(conn, version, before, None)


def _patch(conn: sqlite3.Connection, contact: dict[str, Any], column: str, value: Any) -> None:
    """Set one JSON column (tags or preferences) and ``updated_at``; move segment counts with it."""
    version = segment_counts.version(conn)
    after = {**contact, column: value, "updated_at": now_iso()}
    conn.execute(f"UPDATE contacts SET {column} = ?, updated_at = ? WHERE id = ?",
                 (json.dumps(value, ensure_ascii=False), after["updated_at"], contact["id"]))
    segment_counts.apply(conn, version, contact, after)


def add_tags_to(store: Store, contact_id: str, tags: list[str]) -> dict[str, Any]:
    with store.write() as conn:
        contact = get_contact(conn, contact_id)
        merged = list(contact["tags"])
        merged.extend(tag for tag in dict.fromkeys(tags) if tag not in merged)
        if len(merged) != len(contact["tags"]):
            _patch(conn, contact, "tags", merged)
    return {"id": contact_id, "tags": merged}


def remove_tag_from(store: Store, contact_id: str, tag: str) -> dict[str, Any]:
    with store.write() as conn:
        contact = get_contact(conn, contact_id)
        remaining = [t for t in contact["tags"] if t != tag]
        if len(remaining) != len(contact["tags"]):
            _patch(conn, contact, "tags", remaining)
    return {"id": contact_id, "tags": remaining}


def set_preferences(store: Store, contact_id: str, prefs: dict[str, bool]) -> dict[str, Any]:
    with store.write() as conn:
        contact = get_contact(conn, contact_id)
        merged = {**contact["preferences"], **prefs}
        _patch(conn, contact, "preferences", merged)
    return {"id": contact_id, "preferences": merged}


def optouts_where(channel: str | None) -> Where:
    """Contacts opted out of ``channel`` (of any channel when None), from ``contact_optouts``."""
    where = Where()
    where.add_key("contact_optouts", "channel", channel or ANY_CHANNEL)
    return where
