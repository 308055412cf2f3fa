"""Keys typed in one burst after ``/`` reach the search box, even those already queued
for the table when ``/`` moved focus (a fast typist, or the app busy starting)."""

from __future__ import annotations

import pytest
from textual import events

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.contacts import ContactsScreen

from conftest import AppFactory, loaded, wait_for  # type: ignore[import-not-found]


def burst(app: object, keys: list[tuple[str, str | None]]) -> None:
    """Queue keys on the app at once, as the terminal driver does for a fast typist: the
    app forwards each to the widget focused when it is handled, before the table has
    handled the ``/`` that moves focus."""
    for key, character in keys:
        app.post_message(events.Key(key, character))  # type: ignore[attr-defined]


async def test_a_burst_after_slash_lands_in_the_search_box(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="the first page")
        screen = app.screen
        assert isinstance(screen, ContactsScreen) and screen.table.has_focus
        # "t" and "n" are screen bindings (tags, new contact): inside a word they are text.
        burst(app, [("slash", "/"), ("t", "t"), ("o", "o"), ("n", "n"), ("y", "y"),
                             ("enter", None)])
        await wait_for(pilot, lambda: screen.query_one("#search").value == "tony"
                       and screen.query_state.search == "tony" and not screen.is_loading,
                       what="the search for tony")
        assert app.screen is screen, "no tag editor, form or contact was opened"
        assert screen.table.has_focus  # enter submitted the search and returned to the table


async def test_typing_in_the_search_box_is_unchanged(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="the first page")
        await pilot.press("slash", "a", "n", "n", "a")
        assert app.screen.query_one("#search").value == "anna"


async def test_the_debounce_counts_from_the_key_not_from_when_it_was_handled(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    """A key handled late (a busy loop) must not push the search later still: the
    debounce ends ``search_debounce_s`` after the key was typed (its event's time)."""
    import asyncio

    from orbit_tui.ui.screens.contacts import SearchBox

    app = make_app(sandbox, search_debounce_s=5.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="the first page")
        screen = app.screen
        box = screen.query_one("#search", SearchBox)
        screen.set_focus(box)
        key = events.Key("a", "a")
        key.time = asyncio.get_running_loop().time() - 0.3  # typed 300 ms before it is handled
        box.post_message(key)
        await wait_for(pilot, lambda: screen._debounce is not None, what="the debounce")
        assert screen._debounce.when() == pytest.approx(key.time + 5.0, abs=0.05)  # not +0.3 later
