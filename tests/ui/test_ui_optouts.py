"""Opt-outs against the real sandbox: channels left, channel filter, search, paging, open."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens import optouts as optouts_module
from orbit_tui.ui.screens.optouts import OptOutsScreen, channels_left

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]


def server_optouts(server: SandboxServer, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        body = httpx.get(f"{server.base_url}/contacts/optouts", params=query,
                         headers={"X-API-Key": server.api_key}).json()
        items.extend(body["data"])
        pagination = body["meta"]["pagination"]
        if not pagination["has_more"]:
            return items
        cursor = pagination["cursor"]


def ready(screen: OptOutsScreen) -> Any:
    return lambda: screen.loaded_once and not screen.is_loading and not screen._loading_more


async def open_optouts(pilot: Any) -> OptOutsScreen:
    app = pilot.app
    await wait_for(pilot, loaded(app), what="contacts")
    app.run_command("optouts")
    await wait_for(pilot, lambda: isinstance(app.screen, OptOutsScreen))
    screen = app.screen
    await wait_for(pilot, ready(screen), what="the opt-outs")
    return screen


async def test_channel_filter_and_search(sandbox: SandboxServer, make_app: AppFactory) -> None:
    everyone = server_optouts(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_optouts(pilot)
        assert [c.id for c in screen.items] == [c["id"] for c in everyone]
        assert all(channels_left(c) for c in screen.items)
        first = screen.items[0]
        assert str(screen.table.get_row_at(0)[3]) == ", ".join(first.opted_out_channels or [])

        await pilot.press("c")  # all → sms
        await wait_for(pilot, lambda: screen.channel == "sms" and ready(screen)())
        sms = server_optouts(sandbox, channel="sms")
        assert [c.id for c in screen.items] == [c["id"] for c in sms]
        assert all("sms" in channels_left(c) for c in screen.items)
        assert len(sms) < len(everyone)
        assert "(sms)" in str(screen.query_one("#records-counts").render())

        name = screen.items[0].first_name or ""
        await pilot.press("slash", *name, "enter")
        await wait_for(pilot, lambda: screen.search_text == name and ready(screen)())
        found = server_optouts(sandbox, channel="sms", search=name)
        assert [c.id for c in screen.items] == [c["id"] for c in found]

        for _ in range(6):  # around to "all channels" again
            await pilot.press("c")
        await wait_for(pilot, lambda: screen.channel is None and ready(screen)())
        assert [c.id for c in screen.items] == [c["id"] for c in server_optouts(sandbox, search=name)]

        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_pages_load_as_the_cursor_nears_the_end(
    sandbox: SandboxServer, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(optouts_module, "PAGE_SIZE", 20)
    everyone = server_optouts(sandbox)
    assert len(everyone) > 40
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_optouts(pilot)
        assert len(screen.items) == 20
        for _ in range(len(everyone)):
            await pilot.press("down")
            if len(screen.items) == len(everyone):
                break
        await wait_for(pilot, lambda: len(screen.items) == len(everyone) and ready(screen)(),
                       what="every page")
        assert [c.id for c in screen.items] == [c["id"] for c in everyone]
