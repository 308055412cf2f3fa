"""PageCache: the SQLite store under :mod:`orbit_tui.cache` (read that module's docstring).

It keeps raw JSON (what the server sent, as pydantic dumped it):

* ``pages``: one row per list page, keyed by endpoint + scope (the parent id, e.g. the
  list whose members these are) + normalised query + cursor;
* ``entities``: the newest copy of every contact, list and segment seen, whether fetched
  alone or as an item of a page (so a detail view can open instantly from a list);
* ``page_items``: which page holds which item (kind, id → page key), so a write-through
  patch finds every cached page holding a contact with one indexed lookup.

Every row has its fetch time and last access; reads report age and staleness (older than
the TTL, or invalidated by a write-through). Total payload is bounded (default 200 MB):
the least recently used rows go first.

Opening, schema versioning and recovery from damaged files live in
:mod:`orbit_tui.cache_db`; every query here runs through ``CacheDB._run`` and so never
crashes the app.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from orbit_tui.cache_db import CacheDB

DEFAULT_TTL = 300.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHECKPOINT_BYTES = 2 * 1024 * 1024


def cache_file_name(base_url: str, api_key: str) -> str:
    """The cache file of one profile: a hash of base URL and key, never the key itself."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key}".encode()).hexdigest()
    return f"orbit-cache-{digest[:32]}.sqlite3"


def cache_path(cache_dir: str | os.PathLike[str], base_url: str, api_key: str) -> Path:
    return Path(cache_dir) / cache_file_name(base_url, api_key)


def normalise_query(query: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop empty values, trim strings, sort lists (tags: all must match, order is moot)."""
    out: dict[str, Any] = {}
    for key, value in (query or {}).items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if isinstance(value, str):
            value = value.strip()
            if key == "tags":
                value = sorted({t.strip() for t in value.split(",") if t.strip()})
        elif isinstance(value, (list, tuple, set, frozenset)):
            value = sorted({str(v).strip() for v in value if str(v).strip()})
        if value == "" or value == []:
            continue
        out[str(key)] = value
    return dict(sorted(out.items()))


def query_key(query: Mapping[str, Any] | None) -> str:
    return json.dumps(normalise_query(query), sort_keys=True, separators=(",", ":"), default=str)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Hit:
    """A cached value (raw JSON) with its fetch time, age and staleness."""

    value: Any
    fetched_at: float
    age_s: float
    stale: bool


class PageCache(CacheDB):
    """SQLite-backed store of pages and entities (see the module docstring)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        ttl: float = DEFAULT_TTL,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(path, clock=clock)
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._bytes = self._measure()
        self._written = 0  # bytes written since the last checkpoint (roughly)

    # -- freshness ----------------------------------------------------------------
    def _hit(self, body: str, fetched_at: float, invalid: int) -> Hit:
        age = max(0.0, self._clock() - fetched_at)
        return Hit(json.loads(body), fetched_at, age, bool(invalid) or age > self.ttl)

    @staticmethod
    def page_key(endpoint: str, scope: str, query: Mapping[str, Any] | None, cursor: str | None) -> str:
        return "\x1f".join((endpoint, scope, query_key(query), cursor or ""))

    # -- pages ----------------------------------------------------------------------
    def get_page(
        self, endpoint: str, scope: str, query: Mapping[str, Any] | None, cursor: str | None
    ) -> Hit | None:
        key = self.page_key(endpoint, scope, query, cursor)

        def run(conn: sqlite3.Connection) -> Hit | None:
            row = conn.execute(
                "SELECT body, fetched_at, invalid FROM pages WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE pages SET accessed_at = ? WHERE key = ?", (self._clock(), key))
            return self._hit(*row)

        return self._run(run)

    def put_page(
        self,
        endpoint: str,
        scope: str,
        query: Mapping[str, Any] | None,
        cursor: str | None,
        page: Mapping[str, Any],
        item_kind: str | None,
        *,
        checkpoint: bool = True,
        fetched_at: float | None = None,
    ) -> None:
        """Store a page (``{"items": [...], "cursor", "has_more", "total", ...}``).

        Each item is dumped to JSON once: the same text is its entity row and its part
        of the page's body. The items' entity rows go in with one statement, not one
        per item; this runs on every page fetched, in the path of a search's answer.
        """
        key = self.page_key(endpoint, scope, query, cursor)
        raw_items = page.get("items", [])
        items = [i for i in raw_items if isinstance(i, dict) and i.get("id")]
        texts = [_dumps(i) for i in items]
        rest = {k: v for k, v in page.items() if k != "items"}
        if item_kind and len(items) == len(raw_items):
            head = _dumps(rest)[1:]  # '"cursor":…}' or '}' when there is nothing else
            body = '{"items":[' + ",".join(texts) + "]" + ("," if head != "}" else "") + head
        else:
            body = _dumps(page)
        now = self._clock() if fetched_at is None else fetched_at

        def run(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("BEGIN")
                self._delete_pages(conn, [key])
                conn.execute(
                    "INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                    (key, endpoint, scope, query_key(query), cursor or "", body, now, now, len(body)),
                )
                self._bytes += len(body)
                if item_kind and items:
                    ids = [str(i["id"]) for i in items]
                    conn.executemany(
                        "INSERT OR IGNORE INTO page_items VALUES (?, ?, ?)",
                        [(item_kind, ident, key) for ident in ids],
                    )
                    self._put_entities(conn, item_kind, list(zip(ids, texts, strict=False)), now)

        self._run(run)
        self._written += 2 * len(body)  # the page, and its items as entities
        self._maybe_evict()
        if checkpoint:
            self._maybe_checkpoint()

    def settle(self) -> None:
        """Run the queued writes (see ``CacheDB.defer``), then checkpoint if due: call
        it from a writer thread. A read that settles them does not checkpoint (a
        checkpoint may take tens of milliseconds, and reads run on the UI's loop)."""
        super().settle()
        self._maybe_checkpoint()

    def _delete_pages(self, conn: sqlite3.Connection, keys: Iterable[str]) -> None:
        for key in keys:
            row = conn.execute("SELECT size FROM pages WHERE key = ?", (key,)).fetchone()
            if row is not None:
                self._bytes -= row[0]
                conn.execute("DELETE FROM pages WHERE key = ?", (key,))
            conn.execute("DELETE FROM page_items WHERE page_key = ?", (key,))

    def drop_pages(self, endpoint: str, scope: str | None = None) -> None:
        """Forget every cached page of an endpoint (of one scope, when given)."""

        def run(conn: sqlite3.Connection) -> None:
            sql, args = "SELECT key FROM pages WHERE endpoint = ?", [endpoint]
            if scope is not None:
                sql, args = sql + " AND scope = ?", args + [scope]
            keys = [r[0] for r in conn.execute(sql, args).fetchall()]
            with conn:
                conn.execute("BEGIN")
                self._delete_pages(conn, keys)

        self._run(run)

    def invalidate_pages(self, endpoint: str, scope: str | None = None) -> None:
        """Mark pages stale (still shown at once, but revalidated)."""
        sql, args = "UPDATE pages SET invalid = 1 WHERE endpoint = ?", [endpoint]
        if scope is not None:
            sql, args = sql + " AND scope = ?", args + [scope]
        self._run(lambda conn: conn.execute(sql, args))

    def invalidate_item(self, kind: str, ident: str) -> None:
        """Mark an entity and every page holding it stale (changed elsewhere, e.g. in bulk)."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE entities SET invalid = 1 WHERE kind = ? AND id = ?", (kind, ident))
            conn.execute(
                "UPDATE pages SET invalid = 1 WHERE key IN "
                "(SELECT page_key FROM page_items WHERE kind = ? AND item_id = ?)",
                (kind, ident),
            )

        self._run(run)

    def invalidate_all(self) -> None:
        """Mark everything stale: still shown at once, all revalidated."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE pages SET invalid = 1")
            conn.execute("UPDATE entities SET invalid = 1")

        self._run(run)

    # -- entities -------------------------------------------------------------------
    def _put_entity(
        self, conn: sqlite3.Connection, kind: str, ident: str, body: Mapping[str, Any], now: float
    ) -> None:
        self._put_entities(conn, kind, [(ident, _dumps(body))], now)

    def _put_entities(
        self, conn: sqlite3.Connection, kind: str, rows: list[tuple[str, str]], now: float
    ) -> None:
        """Write entities given as (id, JSON text); the byte count follows the sizes
        of the rows they replace. Batches stay far under SQLite's parameter limit."""
        for start in range(0, len(rows), 500):
            batch = dict(rows[start:start + 500])  # a repeated id: its last copy wins
            marks = ",".join("?" * len(batch))
            for (size,) in conn.execute(
                f"SELECT size FROM entities WHERE kind = ? AND id IN ({marks})",
                (kind, *batch),
            ):
                self._bytes -= size
            conn.executemany(
                "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?, 0, ?)",
                [(kind, ident, text, now, now, len(text)) for ident, text in batch.items()],
            )
            self._bytes += sum(len(text) for text in batch.values())

    def put_entity(self, kind: str, ident: str, body: Mapping[str, Any]) -> None:
        self._run(lambda conn: self._put_entity(conn, kind, ident, body, self._clock()))
        self._written += 1024
        self._maybe_evict()
        self._maybe_checkpoint()

    def get_entity(self, kind: str, ident: str) -> Hit | None:
        def run(conn: sqlite3.Connection) -> Hit | None:
            row = conn.execute(
                "SELECT body, fetched_at, invalid FROM entities WHERE kind = ? AND id = ?",
                (kind, ident),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE entities SET accessed_at = ? WHERE kind = ? AND id = ?",
                (self._clock(), kind, ident),
            )
            return self._hit(*row)

        return self._run(run)

    def patch_item(
        self,
        kind: str,
        ident: str,
        patch: Callable[[dict[str, Any]], dict[str, Any] | None],
        *,
        endpoint: str | None = None,
        scope: str | None = None,
        entity: bool = True,
        invalidate: Callable[[str, str, str], bool] | None = None,
    ) -> int:
        """Apply ``patch`` to the cached entity and to every cached page holding it.

        ``patch`` gets a copy of the item and returns the new item, or None to remove it
        (the entity is then dropped and the item taken out of every page). ``endpoint`` /
        ``scope`` restrict which pages are touched (``entity=False`` leaves the entity).
        ``invalidate(endpoint, scope, query_json)`` says which patched pages to mark stale
        (removals always are: the cursors behind them shifted). Returns pages touched.
        """

        def run(conn: sqlite3.Connection) -> int:
            touched = 0
            with conn:
                conn.execute("BEGIN")
                if entity:
                    row = conn.execute(
                        "SELECT body, fetched_at FROM entities WHERE kind = ? AND id = ?",
                        (kind, ident),
                    ).fetchone()
                    if row is not None:
                        new = patch(json.loads(row[0]))
                        if new is None:
                            self._drop_entity(conn, kind, ident)
                        else:
                            self._put_entity(conn, kind, ident, new, row[1])
                keys = [
                    r[0]
                    for r in conn.execute(
                        "SELECT page_key FROM page_items WHERE kind = ? AND item_id = ?",
                        (kind, ident),
                    ).fetchall()
                ]
                for key in keys:
                    row = conn.execute(
                        "SELECT body, endpoint, scope, query, size FROM pages WHERE key = ?",
                        (key,),
                    ).fetchone()
                    if row is None:
                        conn.execute("DELETE FROM page_items WHERE page_key = ?", (key,))
                        continue
                    body, p_endpoint, p_scope, p_query, size = row
                    if (endpoint is not None and p_endpoint != endpoint) or (
                        scope is not None and p_scope != scope
                    ):
                        continue
                    page = json.loads(body)
                    items, removed = [], False
                    for item in page.get("items", []):
                        if isinstance(item, dict) and str(item.get("id")) == ident:
                            new = patch(dict(item))
                            if new is None:
                                removed = True
                                continue
                            item = new
                        items.append(item)
                    page["items"] = items
                    if removed:
                        if isinstance(page.get("total"), int):
                            page["total"] = max(0, page["total"] - 1)
                        conn.execute(
                            "DELETE FROM page_items WHERE kind = ? AND item_id = ? AND page_key = ?",
                            (kind, ident, key),
                        )
                    stale = removed or bool(invalidate and invalidate(p_endpoint, p_scope, p_query))
                    text = _dumps(page)
                    conn.execute(
                        "UPDATE pages SET body = ?, size = ?, invalid = MAX(invalid, ?) WHERE key = ?",
                        (text, len(text), int(stale), key),
                    )
                    self._bytes += len(text) - size
                    touched += 1
            return touched

        return self._run(run, 0)

    def _drop_entity(self, conn: sqlite3.Connection, kind: str, ident: str) -> None:
        row = conn.execute(
            "SELECT size FROM entities WHERE kind = ? AND id = ?", (kind, ident)
        ).fetchone()
        if row is not None:
            self._bytes -= row[0]
            conn.execute("DELETE FROM entities WHERE kind = ? AND id = ?", (kind, ident))

    def drop_entity(self, kind: str, ident: str) -> None:
        self._run(lambda conn: self._drop_entity(conn, kind, ident))

    # -- derived knowledge (autocomplete, local estimates) ------------------------
    def entities(self, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Cached entities of a kind, most recently used first."""
        sql = "SELECT body FROM entities WHERE kind = ? ORDER BY accessed_at DESC"
        args: list[Any] = [kind]
        if limit is not None:
            sql, args = sql + " LIMIT ?", args + [limit]
        return self._run(
            lambda conn: [json.loads(r[0]) for r in conn.execute(sql, args).fetchall()], []
        )

    _RECENT_CONTACTS = (
        "(SELECT body FROM entities WHERE kind = 'contact' ORDER BY accessed_at DESC LIMIT ?)"
    )

    def known_tags(self, scan: int = 20_000) -> list[str]:
        """Tags on the ``scan`` most recently used cached contacts, most used first."""
        sql = (
            f"SELECT j.value, COUNT(*) AS n FROM {self._RECENT_CONTACTS} e, "
            "json_each(e.body, '$.tags') j WHERE json_valid(e.body) AND j.type = 'text' "
            "GROUP BY j.value ORDER BY n DESC, j.value"
        )
        return self._run(lambda conn: [r[0] for r in conn.execute(sql, (scan,)).fetchall()], [])

    def known_stages(self, scan: int = 20_000) -> list[str]:
        """Lifecycle stages on the ``scan`` most recently used cached contacts."""
        sql = (
            "SELECT json_extract(e.body, '$.lifecycle_stage') AS s, COUNT(*) AS n "
            f"FROM {self._RECENT_CONTACTS} e WHERE json_valid(e.body) AND s IS NOT NULL "
            "AND s != '' GROUP BY s ORDER BY n DESC, s"
        )
        return self._run(lambda conn: [str(r[0]) for r in conn.execute(sql, (scan,)).fetchall()], [])

    # -- size -------------------------------------------------------------------------
    def _measure(self) -> int:
        sql = "SELECT (SELECT COALESCE(SUM(size), 0) FROM pages) + (SELECT COALESCE(SUM(size), 0) FROM entities)"
        return int(self._run(lambda conn: conn.execute(sql).fetchone()[0], 0) or 0)

    @property
    def size_bytes(self) -> int:
        """Bytes of cached payload (the bound applies to this)."""
        return self._bytes

    def _maybe_checkpoint(self) -> None:
        """Copy the write-ahead log into the database now and then, in the writer's own
        thread (see ``CacheDB._connect``): never on a read. It takes tens of
        milliseconds, on a connection of its own (``CacheDB.checkpoint``), so the
        UI's reads are not held up by it meanwhile."""
        if self._written >= CHECKPOINT_BYTES and self.path is not None:
            self._written = 0
            self.checkpoint()

    def _maybe_evict(self) -> None:
        if self._bytes > self.max_bytes:
            self.evict(int(self.max_bytes * 0.9))

    def evict(self, target: int) -> int:
        """Drop least recently used rows until the payload is at most ``target`` bytes."""

        def run(conn: sqlite3.Connection) -> int:
            dropped = 0
            while self._bytes > target:
                rows = conn.execute(
                    "SELECT 'p', key, '', accessed_at FROM pages "
                    "UNION ALL SELECT 'e', kind, id, accessed_at FROM entities "
                    "ORDER BY accessed_at LIMIT 200"
                ).fetchall()
                if not rows:
                    self._bytes = 0
                    break
                with conn:
                    conn.execute("BEGIN")
                    for table, a, b, _ in rows:
                        if self._bytes <= target:
                            break
                        if table == "p":
                            self._delete_pages(conn, [a])
                        else:
                            self._drop_entity(conn, a, b)
                        dropped += 1
            conn.execute("PRAGMA incremental_vacuum")
            return dropped

        return self._run(run, 0)
