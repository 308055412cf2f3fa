"""The command palette reaches screens, the current screen's actions, recent contacts,
lists, segments and themes."""

from __future__ import annotations

from typing import Any

from conftest import AppFactory
from textual.command import CommandPalette
from textual.pilot import Pilot
from ui_helpers import loaded, wait_for

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.detail import ContactDetailScreen


def hits(app: Any) -> list[str]:
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def palette(pilot: Pilot[Any], query: str, expect: str) -> None:
    """Open the palette, type ``query``, wait for a hit containing ``expect``, run it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: CommandPalette.is_open(app), what="the palette")
    await pilot.press(*query)
    await wait_for(pilot, lambda: any(expect in h for h in hits(app)), what=f"hit {expect!r}")
    texts = hits(app)
    index = next(i for i, h in enumerate(texts) if expect in h)
    for _ in range(index):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: not CommandPalette.is_open(app), what="the palette to close")


async def test_palette_reaches_screens_themes_lists_and_recent_contacts(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await palette(pilot, "Theme: orbit-light", "Theme: orbit-light")
        assert app.theme == "orbit-light"

        await palette(pilot, "Go to segments", "Go to segments")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SegmentsScreen")
        await palette(pilot, "Go to contacts", "Go to contacts")
        await wait_for(pilot, lambda: app.screen is app.contacts_screen, what="contacts")

        await palette(pilot, "List: ", "List: ")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ListMembersScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.contacts_screen, what="contacts")

        await palette(pilot, "Segment: ", "Segment: ")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SegmentMembersScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.contacts_screen, what="contacts")

        current = app.contacts_screen.table.current
        assert current is not None
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.contacts_screen, what="contacts")
        assert app.recent_contacts[0].id == current.id
        await palette(pilot, "Contact: ", "Contact: ")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        assert app.screen.contact.id == current.id


async def test_palette_runs_an_action_of_the_current_screen(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        await palette(pilot, "filter panel", "Open the filter panel (f)")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FilterScreen",
                       what="the filter panel")
