"""Pilot tests of the contacts screen against a real sandbox over HTTP."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from orbit_tui.api.client import OrbitClient
from orbit_tui.sandbox import Faults, SandboxServer
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.screens.detail import ContactDetailScreen
from orbit_tui.ui.screens.filters import FilterScreen
from orbit_tui.ui.screens.modals import ConfirmScreen, HelpScreen
from orbit_tui.ui.widgets.contacts_table import MARK_SYMBOL
from orbit_tui.ui.widgets.status_bar import StatusBar

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]


async def server_ids(server: SandboxServer, pages: int = 1, **params: Any) -> list[list[str]]:
    """The ids the server gives for the first ``pages`` pages of a query."""
    out: list[list[str]] = []
    async with OrbitClient(server.base_url, server.api_key) as client:
        cursor = None
        for _ in range(pages):
            page = await client.list_contacts(**params, limit=50, cursor=cursor)
            out.append([c.id for c in page.items])
            cursor = page.cursor
            if not page.has_more:
                break
    return out


async def server_total(server: SandboxServer, **params: Any) -> int:
    async with OrbitClient(server.base_url, server.api_key) as client:
        page = await client.list_contacts(**params, limit=1)
    assert page.total is not None
    return page.total


def screen_of(app: Any) -> ContactsScreen:
    screen = app.contacts_screen
    assert screen is not None
    return screen


def table_ids(app: Any) -> list[str]:
    table = screen_of(app).table
    return [c.id for c in (table.contact_at(i) for i in range(table.row_count)) if c]


async def test_first_page_counts_and_status(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        assert screen.counts_text == "1–50 of 300"
        assert table_ids(app) == (await server_ids(sandbox))[0]
        status = str(screen.query_one(StatusBar).render())
        assert "DEMO" in status and "online" in status


async def test_search_as_you_type_shows_the_last_query(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    # Latency with jitter makes answers come back in any order; only the last
    # query's results may end on screen.
    server = sandbox
    app = make_app(server, search_debounce_s=0.03)
    server.faults.latency_ms, server.faults.jitter_ms = 60, 120
    try:
        await _type_searches(app, server)
    finally:
        server.faults.latency_ms, server.faults.jitter_ms = 0, 0


async def _type_searches(app: Any, server: SandboxServer) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("slash")
        for char in "maria":
            await pilot.press(char)
            await pilot.pause(0.05)  # longer than the debounce: each prefix is searched
        for _ in range(5):
            await pilot.press("backspace")
            await pilot.pause(0.04)
        await pilot.press(*"jo")
        screen = screen_of(app)
        await wait_for(pilot, lambda: screen.query_state.search == "jo", what="query")
        await wait_for(pilot, loaded(app), what="search results")
        expected = (await server_ids(server, search="jo"))[0]
        assert expected, "the seeded data should have a match for 'jo'"
        assert table_ids(app) == expected
        total = await server_total(server, search="jo")
        assert screen.counts_text.endswith(f"of {total:,}")
        await pilot.press("escape")
        assert screen.table.has_focus


async def test_filters_apply_show_and_clear(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("f")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press(*"lead", "tab", *"us")
        # A bad date is refused on its field and nothing is applied.
        app.screen.query_one("#f-after").value = "2025-13-01"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, FilterScreen)
        assert "YYYY-MM-DD" in str(app.screen.query_one("#filter-error").render())
        app.screen.query_one("#f-after").value = ""  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        screen = screen_of(app)
        await wait_for(pilot, lambda: app.screen is screen and loaded(app)(), what="filtered")
        assert screen.query_state.lifecycle_stage == "lead"
        assert screen.query_state.country_code == "US"
        chips = str(screen.query_one("#chips").render())
        assert "stage=lead" in chips and "country=US" in chips
        assert table_ids(app) == (
            await server_ids(sandbox, lifecycle_stage="lead", country_code="US")
        )[0]
        rows = [screen.table.contact_at(i) for i in range(screen.table.row_count)]
        assert rows and all(c and c.lifecycle_stage == "lead" and c.country_code == "US" for c in rows)
        await pilot.press("x")  # drops the last filter: country
        await wait_for(pilot, lambda: screen.query_state.country_code is None and loaded(app)())
        assert screen.query_state.lifecycle_stage == "lead"
        total = await server_total(sandbox, lifecycle_stage="lead")
        assert screen.counts_text.endswith(f"of {total:,}")
        await pilot.press("X")
        await wait_for(pilot, lambda: not screen.query_state.has_filters and loaded(app)())
        assert screen.counts_text == "1–50 of 300"


async def test_paging_to_page_three_and_back_keeps_a_window(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox, max_pages=2)
    pages = await server_ids(sandbox, pages=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        for page_number in (2, 3):  # page down until that page is in (G goes to the end)
            while screen.page_window.last < page_number - 1:
                await pilot.press("pagedown")
                await wait_for(pilot, loaded(app), what=f"page {page_number}")
        assert (screen.page_window.first, screen.page_window.last) == (1, 2)
        assert table_ids(app) == pages[1] + pages[2]
        assert screen.counts_text == "51–150 of 300"
        assert screen.table.row_count == 100  # never more than max_pages pages
        # Back to the top: page 1 comes back (from the cache) in place of the window.
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.page_window.first == 0 and loaded(app)(), what="page 1")
        assert table_ids(app) == pages[0]
        assert screen.counts_text == "1–50 of 300"


async def test_marks_survive_a_new_search(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        first, second = table_ids(app)[:2]
        await pilot.press("space", "space")
        assert app.marks.ids() == [first, second]
        assert "2 marked" in screen.counts_text
        await pilot.press("slash", *"zzqq", "enter")
        await wait_for(pilot, lambda: screen.query_state.search != "" and loaded(app)())
        assert "No contacts match" in screen.message_text
        assert "2 marked" in screen.counts_text
        await pilot.press("slash", "backspace", "enter")
        await wait_for(pilot, lambda: screen.query_state.search == "" and loaded(app)())
        table = screen.table
        assert table.get_cell_at((0, 0)).plain == MARK_SYMBOL
        assert table.get_cell_at((1, 0)).plain == MARK_SYMBOL
        assert table.get_cell_at((2, 0)).plain == ""
        await pilot.press("U")
        assert len(app.marks) == 0
        assert table.get_cell_at((0, 0)).plain == ""


async def test_header_counts_are_shown_whole_as_they_grow_and_shrink(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    """The counts label is repainted in place when its new text fits the room it has
    (no layout of the screen before that frame), and laid out again when it does not:
    either way what the header shows is the whole text, and once the frame is out the
    header settles on the text's own width, whatever came before it."""
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        label = screen.query_one("#counts")

        def shown() -> str:
            return "".join(segment.text for segment in label.render_line(0))

        assert shown().strip() == screen.counts_text == "1–50 of 300"
        email = (await server_ids(sandbox))[0][0]
        async with OrbitClient(sandbox.base_url, sandbox.api_key) as client:
            target = await client.get_contact(email)
        assert target.email
        await pilot.press("slash", *target.email, "enter")
        await wait_for(pilot, lambda: screen.query_state.search != "" and loaded(app)())
        await pilot.pause()
        shorter = screen.counts_text
        assert shorter.endswith("of 1") and len(shorter) < len("1–50 of 300")
        # Painted into the room it had, then settled to its own width (no spare cells
        # left over from the longer text before it).
        assert shown() == shorter
        await pilot.press("space")  # "· 1 marked": wider than the label has been
        await wait_for(pilot, lambda: "1 marked" in screen.counts_text)
        await pilot.pause()
        assert shown().strip() == screen.counts_text
        await pilot.press("U", "slash", *["backspace"] * len(target.email), "enter")
        await wait_for(pilot, lambda: screen.query_state.search == "" and loaded(app)())
        await pilot.pause()
        assert shown().strip() == screen.counts_text == "1–50 of 300"
        # A much shorter text gives the room back too: after a long activity line the
        # search box is as wide as before it.
        search = screen.query_one("#search")
        box = search.region.width
        screen._begin("to the end… row 1,234 of 300,000 · esc stops")
        await pilot.pause()
        assert search.region.width < box - 30
        screen._end()
        await pilot.pause()
        assert search.region.width == box and shown() == screen.counts_text
        # A freshness marker that empties gives its room back: the count goes back to
        # the right edge, with no gap after it.
        freshness = screen.query_one("#freshness")
        screen._set_label("#freshness", Text("cached 12 min · stale"))
        await pilot.pause()
        assert label.region.right < freshness.region.x + freshness.region.width - 10
        screen._set_label("#freshness", Text())
        await pilot.pause()
        assert freshness.region.width <= 1  # its padding only
        assert label.region.right >= screen.size.width - 1


async def test_mark_all_matching_counts_then_marks(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    total = await server_total(sandbox, lifecycle_stage="customer")
    assert total > 50  # more than one page, so marking has to walk the pages
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        screen.set_query(screen.query_state.__class__(lifecycle_stage="customer"))
        await wait_for(pilot, loaded(app), what="filtered")
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        question = str(app.screen.query_one("#confirm-question").render())
        assert f"Mark all {total:,} contacts matching" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.marks) == total, what="all marked")
        assert f"{total:,} marked" in screen.counts_text
        # Declining marks nothing more.
        await pilot.press("U", "M")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.1)
        assert len(app.marks) == 0


async def test_offline_shows_cached_pages(sandbox_factory: Any, make_app: AppFactory, clock: Any) -> None:
    server = sandbox_factory(contacts=60)
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        before = table_ids(app)
        assert screen.freshness_text == ""
        server.stop()
        clock.now += 600  # ten minutes later, the cached copy is stale
        await pilot.press("r")
        await wait_for(pilot, lambda: "offline" in screen.freshness_text, what="offline marker")
        assert table_ids(app) == before
        assert "10 min ago" in screen.freshness_text
        status = str(screen.query_one(StatusBar).render())
        assert "OFFLINE" in status


async def test_errors_are_explained_in_place_and_r_retries(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=60, faults=Faults(error_rate=1.0))
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = screen_of(app)
        await wait_for(pilot, lambda: bool(screen.message_text), what="error message")
        message = screen.message_text
        assert "Could not load contacts" in message
        assert "request id" in message
        assert "Press r to try again" in message
        status = str(screen.query_one(StatusBar).render())
        assert "✖" in status
        server.faults.error_rate = 0
        await pilot.press("r")
        await wait_for(pilot, lambda: loaded(app)() and not screen.message_text, what="retry")
        assert screen.counts_text == "1–50 of 60"


async def test_expired_cursor_is_explained(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        screen.page_window.cursors[1] = "cur_bm90LWEtY3Vyc29y"
        await pilot.press("G")
        await wait_for(pilot, lambda: bool(screen.message_text), what="cursor error")
        assert "page position expired" in screen.message_text
        await pilot.press("r")
        await wait_for(pilot, lambda: loaded(app)() and not screen.message_text, what="retry")


async def test_open_help_command_line_and_coming_soon(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = screen_of(app)
        current = screen.table.current
        await pilot.press("enter")
        assert isinstance(app.screen, ContactDetailScreen)
        assert current is not None and app.screen.contact.id == current.id
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("t")  # the tag editor (tests/ui/test_ui_tags.py) opens and closes
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TagEditorScreen", what="tags")
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("colon", *"frobnicate", "enter")
        await pilot.pause()
        assert any("Unknown command :frobnicate" in n.message for n in app._notifications)
        await pilot.press("colon", *"theme textual-light", "enter")
        await pilot.pause()
        assert app.theme == "textual-light"
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert app.return_code == 0


async def test_hostile_values_are_shown_literally(sandbox_factory: Any, make_app: AppFactory) -> None:
    server = sandbox_factory(contacts=80, hostile=True)
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        table = screen_of(app).table
        for row in range(table.row_count):
            for cell in table.get_row_at(row):
                assert not any(ch in cell.plain for ch in "\x1b\x07\x00\x9b")
                assert not cell.spans  # no markup was interpreted


async def test_cached_page_shows_at_once_then_revalidates(
    sandbox_factory: Any, make_app: AppFactory, clock: Any
) -> None:
    server = sandbox_factory(contacts=60)
    first_app = make_app(server)
    async with first_app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(first_app), what="first page")
        top = screen_of(first_app).table.contact_at(0)
    assert top is not None
    async with OrbitClient(server.base_url, server.api_key) as client:
        await client.update_contact(top.id, {"first_name": "Renamed", "last_name": "Since"})
    clock.now += 90
    # A new app on the same cache: the old page at once, marked as cached...
    app = make_app(server)
    server.faults.latency_ms = 2000  # the revalidation is in flight while we look
    async with app.run_test(size=(120, 40)) as pilot:
        screen = screen_of(app)
        await wait_for(pilot, lambda: screen.loaded_once, what="cached page")
        assert screen.table.contact_at(0).display_name == top.display_name  # type: ignore[union-attr]
        assert "cached 1 min ago" in screen.freshness_text
        # ...then the server's answer replaces it quietly.
        await wait_for(
            pilot,
            lambda: screen.table.contact_at(0).display_name == "Renamed Since",  # type: ignore[union-attr]
            what="revalidated row",
        )
        assert screen.freshness_text == ""


async def test_escape_stops_mark_all(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        sandbox.faults.latency_ms = 500
        try:
            await pilot.press("y")
            await pilot.pause(0.1)
            await pilot.press("escape")
            await wait_for(
                pilot,
                lambda: any("Stopped marking" in n.message for n in app._notifications),
                what="stopped",
            )
        finally:
            sandbox.faults.latency_ms = 0
        assert len(app.marks) < 300
        await pilot.pause(0.6)
        assert len(app.marks) < 300  # nothing keeps marking in the background
