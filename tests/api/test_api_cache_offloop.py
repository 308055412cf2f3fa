"""The page cache's writes stay off the UI's event loop and never fsync per page.

Scrolling a long result writes a page (and its 50 contacts) per step, and every search
writes its answer. These writes used to run on the event loop and stall painting; then
in a worker thread, awaited, which still delayed each answer by the write. They are now
written behind the answer: queued, and written in a worker thread ``WRITE_BEHIND_S``
later; any use of the cache before then writes them first, so a read after
``contacts_page`` returns still finds the page, in order, with the time it was fetched.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orbit_tui.api import OrbitClient
from orbit_tui.cache import CachedOrbit, PageCache
from orbit_tui.cache_facade import WRITE_BEHIND_S
from orbit_tui.cache_store import CHECKPOINT_BYTES
from orbit_tui.sandbox import SandboxServer


async def test_fetched_pages_are_written_behind_in_a_worker_thread(
    sandbox_factory: Callable[..., SandboxServer],
    make_client: Callable[..., OrbitClient],
    tmp_path: Path,
) -> None:
    server = sandbox_factory(contacts=30)
    cache = PageCache(tmp_path / "cache.sqlite3")
    orbit = CachedOrbit(make_client(server.base_url, server.api_key), cache, page_size=10)
    writers: list[threading.Thread] = []
    put_page = cache.put_page

    def spy(*args: Any, **kwargs: Any) -> None:
        writers.append(threading.current_thread())
        put_page(*args, **kwargs)

    cache.put_page = spy  # type: ignore[method-assign]
    first = await orbit.contacts_page()
    assert writers == []  # the answer came first; the write waits behind it
    for _ in range(100):
        if writers:
            break
        await asyncio.sleep(WRITE_BEHIND_S / 4)
    assert len(writers) == 1 and writers[0] is not threading.main_thread()

    second = await orbit.contacts_page(cursor=first.page.cursor)
    assert len(writers) == 1
    # Read before its write was due: the read writes it first, and is a cache hit.
    sent = orbit.client.requests_sent
    again = await orbit.contacts_page(cursor=first.page.cursor)
    assert len(writers) == 2
    assert again.from_cache and orbit.client.requests_sent == sent
    assert [c.id for c in again.page.items] == [c.id for c in second.page.items]
    peeked = orbit.peek_contacts_page(cursor=None)
    assert peeked is not None and [c.id for c in peeked.page.items] == [
        c.id for c in first.page.items
    ]
    # A write still queued when the cache closes is not lost.
    third = await orbit.contacts_page(cursor=second.page.cursor)
    cache.close()
    await asyncio.sleep(WRITE_BEHIND_S * 2)  # the writer wakes to a closed cache: harmless
    assert [p.name for p in tmp_path.iterdir() if "corrupt" in p.name] == []
    reopened = PageCache(tmp_path / "cache.sqlite3")
    hit = reopened.get_page("contacts", "", {"limit": 10}, second.page.cursor)
    assert hit is not None and [c["id"] for c in hit.value["items"]] == [
        c.id for c in third.page.items
    ]
    reopened.close()


def test_commits_do_not_flush_to_disk_and_writers_checkpoint(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "cache.sqlite3")
    conn = cache._conn
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 1000
    item = {"id": "con_1", "first_name": "A" * 2000}
    body = {"items": [item], "cursor": None, "has_more": False}
    # Enough writes to pass the checkpoint threshold: the writer folds the log back into
    # the database file (a copy of the file alone, without its log, holds the pages).
    for n in range(CHECKPOINT_BYTES // 4000 + 10):
        cache.put_page("contacts", "", {"n": n}, None, body, "contact")
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(tmp_path / "cache.sqlite3", copy)
    pages = sqlite3.connect(copy).execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    assert pages >= CHECKPOINT_BYTES // 4000 // 2
    cache.close()


def test_reads_go_on_while_a_writer_checkpoints(tmp_path: Path) -> None:
    """A checkpoint (tens of milliseconds) runs on a connection of its own, outside the
    cache's lock: a read on the UI's loop does not wait for it."""
    cache = PageCache(tmp_path / "cache.sqlite3")
    cache.put_page("contacts", "", {}, None, {"items": [{"id": "con_1"}]}, "contact")
    started, release = threading.Event(), threading.Event()

    class HeldCheckpoint:
        def execute(self, sql: str) -> Any:
            started.set()
            release.wait(10)
            return sqlite3.connect(":memory:").execute("SELECT 1")

        def close(self) -> None:
            pass

    cache._checkpointer = HeldCheckpoint()  # type: ignore[assignment]
    writer = threading.Thread(target=cache.checkpoint)
    writer.start()
    try:
        assert started.wait(10)
        read: list[object] = []
        reader = threading.Thread(target=lambda: read.append(cache.get_page("contacts", "", {}, None)))
        reader.start()
        reader.join(10)
        assert read and read[0] is not None, "the read waited for the checkpoint"
    finally:
        release.set()
        writer.join(10)
    cache.close()
