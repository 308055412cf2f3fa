"""Pilot tests of paging on the contacts screen against a real sandbox over HTTP:
``G`` to the end of the whole result (and ``escape`` stopping it), ``g`` back to the first
row, and scrolling back up served from the page cache without a request."""

from __future__ import annotations

from typing import Any

from orbit_tui.api.client import OrbitClient
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.contacts import ContactsScreen

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]


async def all_ids(server: SandboxServer) -> list[str]:
    """Every id of the unfiltered result, in the server's order."""
    ids: list[str] = []
    async with OrbitClient(server.base_url, server.api_key) as client:
        async for contact in client.iter_contacts(page_size=100):
            ids.append(contact.id)
    return ids


def screen_of(app: Any) -> ContactsScreen:
    screen = app.contacts_screen
    assert screen is not None
    return screen


def table_ids(screen: ContactsScreen) -> list[str]:
    table = screen.table
    return [c.id for c in (table.contact_at(i) for i in range(table.row_count)) if c]


def requests_sent(app: Any) -> int:
    return int(app.source.orbit.client.requests_sent)


async def test_G_goes_to_the_last_row_of_the_whole_result(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    ids = await all_ids(sandbox)
    assert len(ids) == 300
    app = make_app(sandbox, max_pages=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.page_window.last == 5 and loaded(app)(), what="the end")
        assert table_ids(screen) == ids[200:300]  # the window: the last two pages
        assert screen.table.cursor_row == 99
        assert screen.table.current is not None and screen.table.current.id == ids[-1]
        assert screen.counts_text == "201–300 of 300"
        # Back up from the end: the earlier pages come from the cache, no request.
        sent = requests_sent(app)
        for _ in range(12):
            await pilot.press("pageup")
            await wait_for(pilot, loaded(app))
        assert screen.page_window.first < 4
        assert requests_sent(app) == sent
        start = screen.page_window.absolute_start()
        assert table_ids(screen) == ids[start : start + screen.table.row_count]
        # g: the first row of the result, page 1 from the cache.
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.page_window.first == 0 and loaded(app)(), what="top")
        assert screen.table.cursor_row == 0
        assert table_ids(screen)[:50] == ids[:50]
        assert screen.counts_text.startswith("1–")
        assert requests_sent(app) == sent
        # G again: every page is cached now, so the walk asks nothing of the server.
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.page_window.last == 5 and loaded(app)(), what="end")
        assert screen.table.current is not None and screen.table.current.id == ids[-1]
        assert requests_sent(app) == sent


async def test_escape_stops_the_walk_to_the_end_where_it_got_to(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=300)
    ids = await all_ids(server)
    # Ten rows a page and 150 ms a request: the walk to row 300 takes ~4 s.
    app = make_app(server, page_size=10, max_pages=4)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        server.faults.latency_ms = 150
        await pilot.press("G")
        await wait_for(pilot, lambda: "to the end… row" in screen.counts_text, what="progress")
        assert "of 300 · esc stops" in screen.counts_text
        await wait_for(pilot, lambda: screen.page_window.last >= 3, what="a few pages walked")
        await pilot.press("escape")
        await wait_for(pilot, loaded(app), what="stopped")
        stopped = [str(n.message) for n in app._notifications if "Stopped at row" in str(n.message)]
        assert len(stopped) == 1
        reached = int(stopped[0].rsplit(" ", 1)[-1])
        assert 40 <= reached < 300  # stopped on the way, not at the end
        # The cursor is on the last row reached, the table shows the rows around it
        # (the next page may already be on its way in, as when scrolling).
        window = screen.page_window
        assert screen.table.current is not None and screen.table.current.id == ids[reached - 1]
        start = window.absolute_start()
        assert table_ids(screen) == ids[start : start + screen.table.row_count]
        # Scrolling on from there carries on by cursor.
        server.faults.latency_ms = 0
        await pilot.press("down")
        await wait_for(pilot, lambda: window.absolute_start() + window.row_count > reached and loaded(app)())
        start = window.absolute_start()
        assert table_ids(screen) == ids[start : start + screen.table.row_count]


async def test_G_on_a_result_already_loaded_sends_nothing(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=30)
    app = make_app(server)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        sent = requests_sent(app)
        await pilot.press("G")
        await pilot.pause()
        assert screen.table.cursor_row == 29 and loaded(app)()
        await pilot.press("g")
        await pilot.pause()
        assert screen.table.cursor_row == 0 and loaded(app)()
        assert requests_sent(app) == sent


async def test_scrolling_back_up_reloads_earlier_pages_from_the_cache(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    ids = await all_ids(sandbox)
    app = make_app(sandbox, max_pages=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        while screen.page_window.last < 4:
            await pilot.press("pagedown")
            await wait_for(pilot, loaded(app))
        assert screen.page_window.first >= 3  # pages 1-3 left the table
        sent = requests_sent(app)
        while screen.page_window.first > 0 or screen.table.cursor_row > 0:
            await pilot.press("pageup")
            await wait_for(pilot, loaded(app))
        assert requests_sent(app) == sent  # every earlier page came from the cache
        assert table_ids(screen) == ids[: screen.table.row_count]
        assert screen.table.row_count == 100
        assert screen.counts_text == "1–100 of 300"


async def test_g_during_the_walk_to_the_end_goes_back_to_the_first_row(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=300)
    ids = await all_ids(server)
    # A window of 20 pages: the walk is still within it (first page loaded) when g comes.
    app = make_app(server, page_size=10, max_pages=20)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        server.faults.latency_ms = 150
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.page_window.last >= 5, what="a few pages walked")
        assert screen.page_window.first == 0
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.page_window.first == 0 and loaded(app)(), what="top")
        await pilot.pause(0.5)  # the walk, stopped, does not come back to move the table
        assert loaded(app)()
        assert screen.table.cursor_row == 0
        assert screen.page_window.first == 0 and screen.page_window.last < 20
        assert table_ids(screen) == ids[: screen.table.row_count]
