"""A key that is not provably a test key looks and is confirmed like a LIVE one."""

from __future__ import annotations

from typing import Any

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.status import AppStatus, ProfileInfo
from orbit_tui.ui.widgets.status_bar import BADGES, render_status
from ui_helpers import loaded, wait_for


def test_an_unknown_key_wears_the_live_badge_colours() -> None:
    text = render_status(AppStatus(profile=ProfileInfo(name="acme", kind="UNKNOWN")), width=80)
    assert "? KEY" in text.plain
    live_style = BADGES["LIVE"][1]
    assert text.spans[0].style == BADGES["UNKNOWN"][1] == live_style
    themed = {"LIVE": "bold white on red"}
    text = render_status(AppStatus(profile=ProfileInfo(kind="UNKNOWN")), badge_styles=themed)
    assert text.spans[0].style == "bold white on red"


async def test_deleting_with_an_unknown_key_asks_for_the_typed_confirmation(
    sandbox: SandboxServer, make_app: Any
) -> None:
    app = make_app(sandbox, profile=ProfileInfo(name="acme", kind="UNKNOWN"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen), what="the question")
        assert app.screen.live
        await pilot.press("y")  # y alone does not delete on a key treated as live
        assert isinstance(app.screen, DeleteConfirmScreen)
