"""Cursor walks that never end: every walk stops, says why, and keeps answering keys.

Three misbehaving servers (loops.py): cursors alternating A ↔ B; a new cursor every page
with the same contacts; a new cursor and new contacts forever past a total of 5.
"""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any, Callable

import pytest

from hostile_server import HostileServer  # type: ignore[import-not-found]
from loops import KINDS, REASONS  # type: ignore[import-not-found]
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import RunawayPaginationError
from orbit_tui.api.walk import WalkGuard


def loop_server(make: Callable[..., HostileServer], kind: str) -> HostileServer:
    return make([("GET", "/contacts", KINDS[kind]())])


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_iter_contacts_stops_a_runaway_walk(
        hostile_server: Callable[..., HostileServer], kind: str) -> None:
    server = loop_server(hostile_server, kind)
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        seen = 0
        with pytest.raises(RunawayPaginationError) as caught:
            async for _ in client.iter_contacts(page_size=3):
                seen += 1
    message = caught.value.explain()
    assert REASONS[kind] in message
    assert "stopped after" in message
    assert server.total_hits() < 40  # the margin past a total is 100 items
    assert seen <= 105 + 3


def test_guard_catches_alternation_not_only_an_immediate_repeat() -> None:
    guard = WalkGuard(what="contacts")
    guard.feed(["a"], cursor=None, next_cursor="A", has_more=True, total=None)
    guard.feed(["b"], cursor="A", next_cursor="B", has_more=True, total=None)
    with pytest.raises(RunawayPaginationError, match="cursor it had already given"):
        guard.feed(["c"], cursor="B", next_cursor="A", has_more=True, total=None)


def test_guard_lets_a_moved_page_boundary_through() -> None:
    """A contact added during the walk repeats one id across a boundary: that is no loop."""
    guard = WalkGuard()
    guard.feed([f"c{i}" for i in range(100)], cursor=None, next_cursor="1", has_more=True, total=300)
    guard.feed(["c99", *[f"c{i}" for i in range(100, 199)]], cursor="1", next_cursor="2", has_more=True, total=301)
    guard.feed([f"c{i}" for i in range(199, 301)], cursor="2", next_cursor=None, has_more=False, total=301)
    assert guard.items == 302


def test_guard_memory_is_capped() -> None:
    guard = WalkGuard(max_ids=10, max_cursors=5)
    for n in range(50):
        guard.feed([f"c{n}"], cursor=f"k{n}", next_cursor=f"k{n + 1}", has_more=True, total=None)
    assert len(guard._ids) == 10 and len(guard._cursors) == 5


def cli_env(tmp_path: Path, server: HostileServer) -> dict[str, str]:
    return {
        "ORBIT_TUI_CONFIG": str(tmp_path / "config.toml"),
        "ORBIT_TUI_DATA_DIR": str(tmp_path / "data"),
        "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache"),
        "ORBIT_BASE_URL": server.base_url,
        "ORBIT_API_KEY": server.api_key,
    }


from bulk_cli_runner import run_bulk  # noqa: E402,F401  (other hostile tests import it from here)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_bulk_dry_run_on_a_runaway_server_ends_with_a_plain_error(
        hostile_server: Callable[..., HostileServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any, kind: str) -> None:
    server = loop_server(hostile_server, kind)
    code, out, err = run_bulk(monkeypatch, capsys, cli_env(tmp_path, server),
                              "tag", "--add", "x", "--all", "--dry-run")
    assert code == 2, (out, err)
    assert "Orbit kept returning pages past the end" in err
    assert REASONS[kind] in err
    assert "Traceback" not in err
    assert jsonlib.loads(out.splitlines()[-1])["error"]
    assert server.total_hits() < 40  # the margin past a total is 100 items


def alternating_lists() -> Any:
    from hostile_server import json, page_body  # type: ignore[import-not-found]

    nxt = {None: "A", "A": "B", "B": "A"}

    def handler(request: Any) -> Any:
        cursor = request.query_params.get("cursor")
        items = [{"id": f"lst_{cursor}_{i}", "name": f"L{i}"} for i in range(3)]
        return json(page_body(items, nxt.get(cursor, "A"), True))

    return handler


async def test_the_lists_screens_walks_stop_on_a_cursor_loop(
        hostile_server: Callable[..., HostileServer], tmp_path: Path) -> None:
    """The :lists screen and the list picker read every page through the cache, where a
    looping cursor is answered at once: they stop and say why, not at their item cap."""
    from orbit_tui.cache import CachedOrbit, PageCache
    from orbit_tui.ui.screens.list_picker import _all_lists
    from orbit_tui.ui.screens.records import RecordsScreen

    server = hostile_server([("GET", "/contacts/lists", alternating_lists())])
    cache = PageCache(tmp_path / "cache.db", ttl=300)
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        orbit = CachedOrbit(client, cache, page_size=50)
        with pytest.raises(RunawayPaginationError, match="cursor it had already given"):
            await RecordsScreen.read_all(orbit.lists_page, refresh=False, most=10_000)
        with pytest.raises(RunawayPaginationError, match="cursor it had already given"):
            await _all_lists(orbit)
    cache.close()
