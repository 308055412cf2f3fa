"""The contacts screen's ``G`` on a server whose cursors never end: it stops and says why,
and ``escape`` and ``q`` are answered while it runs."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any, Callable

from starlette.requests import Request

from hostile_app import build_app, contacts_loaded, notifications, wait_until  # type: ignore[import-not-found]
from hostile_server import HostileServer, contact, json, page_body  # type: ignore[import-not-found]
from loops import alternating  # type: ignore[import-not-found]

SIZE = (100, 30)


async def test_G_on_alternating_cursors_stops_with_a_message_and_answers_escape(
        hostile_server: Callable[..., HostileServer], tmp_path: Path) -> None:
    server = hostile_server([("GET", "/contacts", alternating())])
    app = build_app(server, tmp_path / "cache.db", page_size=3)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "first page")
        screen = app.contacts_screen
        await pilot.press("G")
        await wait_until(pilot, lambda: any("past the end" in n for n in notifications(app)),
                         "the walk to stop")
        said = next(n for n in notifications(app) if "past the end" in n)
        assert "a cursor it had already given came back" in said
        assert not screen._walkers() and contacts_loaded(app)
        assert screen.table.row_count > 0  # the rows reached stay on screen
        assert server.total_hits() < 10
        await pilot.press("escape")
        assert app.is_running
    assert app.return_code in (0, None)


def endless() -> Any:
    """A new cursor and new contacts forever, no total: only the user can stop it."""
    counter = count(0)

    def handler(request: Request) -> Any:
        n = next(counter)
        return json(page_body([contact(n * 3 + i) for i in range(3)], f"cur_{n + 1}", True))

    return handler


async def test_escape_and_q_are_answered_during_an_endless_walk(
        hostile_server: Callable[..., HostileServer], tmp_path: Path) -> None:
    server = hostile_server([("GET", "/contacts", endless())])
    app = build_app(server, tmp_path / "cache.db", page_size=3)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "first page")
        screen = app.contacts_screen
        await pilot.press("G")
        await wait_until(pilot, lambda: screen.page_window.last >= 5, "a few pages walked")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen._walkers() and contacts_loaded(app), "stopped")
        assert any("Stopped at row" in n for n in notifications(app))
        await pilot.press("G")
        await wait_until(pilot, lambda: screen.page_window.last >= 12, "walking again")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "quit")
