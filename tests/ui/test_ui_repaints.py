"""The contacts screen repaints only what changed: footer, header labels, status bar.

Behaviour, not timing: the footer keeps its key widgets when focus moves and comes
back (Textual's Footer rebuilt them on every focus change and screen resume), the
header labels are not rewritten with the same text, and they still follow every change.
"""

from __future__ import annotations

from textual.widgets import Footer

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.contacts import ContactsScreen

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]


def footer_labels(footer: Footer) -> str:
    return " ".join(str(getattr(key, "description", "")) for key in footer.children)


async def test_footer_keeps_its_keys_across_a_visit_to_a_contact_and_follows_focus(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        footer = screen.query_one(Footer)
        await wait_for(pilot, lambda: bool(footer.children), what="footer keys")
        keys = list(footer.children)
        assert "Search" in footer_labels(footer) and "Filters" in footer_labels(footer)

        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not screen, what="detail")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back")
        await pilot.pause()
        assert list(footer.children) == keys  # the same widgets: not recomposed

        # In the search box the single-letter keys are the box's: the footer follows.
        await pilot.press("slash")
        await wait_for(pilot, lambda: screen.query_one("#search").has_focus, what="search")
        await wait_for(pilot, lambda: "Filters" not in footer_labels(footer), what="footer")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Filters" in footer_labels(footer), what="footer back")


async def test_header_labels_follow_changes_without_rewriting_the_same_text(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        total = screen.page_window.total
        assert screen.counts_text.startswith("1–50 of ")

        counts = screen.query_one("#counts")
        writes: list[object] = []
        real_update = counts.update  # type: ignore[attr-defined]

        def spy(*args: object, **kwargs: object) -> None:
            writes.append(args)
            real_update(*args, **kwargs)

        counts.update = spy  # type: ignore[attr-defined]
        screen._paint_counts()
        assert writes == []  # same text: not written again

        await pilot.press("space")  # mark the current row: the counter says so
        await wait_for(pilot, lambda: "1 marked" in screen.counts_text, what="marked")
        assert len(writes) == 1
        await pilot.press("U")
        await wait_for(pilot, lambda: "marked" not in screen.counts_text, what="unmarked")
        assert screen.page_window.total == total
