"""A read-only profile changes nothing from any screen: each change key says why and
nothing but reads reaches the server (recorded on the sandbox's side)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orbit_tui.bulk import Operation, Target
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.list_members import ListMembersScreen
from orbit_tui.ui.screens.lists import ListFormScreen, ListsScreen
from orbit_tui.ui.screens.rule_builder import RuleBuilderScreen
from orbit_tui.ui.screens.segments import SegmentsScreen
from orbit_tui.ui.status import ProfileInfo
from ui_helpers import loaded, wait_for


@pytest.fixture
def recorded(sandbox_factory: Callable[..., SandboxServer]) -> tuple[SandboxServer, list[tuple[str, str]]]:
    seen: list[tuple[str, str]] = []
    server = sandbox_factory(contacts=60, on_request=lambda m, r, p: seen.append((m, r)))
    return server, seen


def writes(seen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [s for s in seen if s[0] != "GET" and s[1] != "/contacts/segments/preview"]


def read_only_notes(app: Any) -> int:
    return sum("read-only" in str(n.message) for n in app._notifications)


async def press_refused(pilot: Any, app: Any, key: str, screen: Any) -> None:
    before = read_only_notes(app)
    await pilot.press(key)
    await wait_for(pilot, lambda: read_only_notes(app) > before, what=f"{key} refused")
    assert app.screen is screen, key


async def test_no_screen_can_change_anything(recorded: Any, make_app: Any) -> None:
    server, seen = recorded
    app = make_app(server, profile=ProfileInfo(name="audit", kind="LIVE", read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        contacts = app.screen
        for key in ("n", "t", "l", "ctrl+d"):
            await press_refused(pilot, app, key, contacts)

        app.run_command("lists")
        await wait_for(pilot, lambda: isinstance(app.screen, ListsScreen) and app.screen.loaded_once,
                       what="lists")
        lists = app.screen
        for key in ("n", "e", "ctrl+d"):
            await press_refused(pilot, app, key, lists)
        assert not isinstance(app.screen, ListFormScreen)

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListMembersScreen)
                       and app.screen.loaded_once, what="members")
        await press_refused(pilot, app, "ctrl+d", app.screen)
        await pilot.press("escape")

        app.run_command("segments")
        await wait_for(pilot, lambda: isinstance(app.screen, SegmentsScreen) and app.screen.loaded_once,
                       what="segments")
        segments = app.screen
        for key in ("n", "ctrl+d"):
            await press_refused(pilot, app, key, segments)
        await pilot.press("e")  # the rules can be looked at; saving them is refused
        await wait_for(pilot, lambda: isinstance(app.screen, RuleBuilderScreen), what="builder")
        builder = app.screen
        before = read_only_notes(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: read_only_notes(app) > before, what="save refused")
        assert app.screen is builder
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is segments, what="back to segments")

        # A job made before (journalled as another session would have): view only.
        engine = app.runtime.engine()
        contact_id = app.contacts_screen.page_window.contacts()[0].id
        plan = await engine.plan(Target.explicit([contact_id]), Operation.tags(add=["ro"]))
        engine.journal.create_job(plan, base_url=engine.base_url, account=engine.account)
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                       what="jobs")
        for key in ("p", "R", "u"):
            await press_refused(pilot, app, key, app.screen)
    assert writes(seen) == []
