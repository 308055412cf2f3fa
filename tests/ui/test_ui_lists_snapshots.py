"""Snapshots of the lists, list members, segments, rule builder and opt-outs screens.

80×24 and 120×40, seeded sandbox (its own per module), fixed clock, no animation. Update
with ``pytest tests/ui/test_ui_lists_snapshots.py --snapshot-update`` and look at the SVGs
under ``tests/ui/__snapshots__`` before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.list_members import ListMembersScreen
from orbit_tui.ui.screens.optouts import OptOutsScreen
from orbit_tui.ui.screens.records import RecordsScreen
from orbit_tui.ui.screens.rule_builder import RuleBuilderScreen

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.status.in_flight == 0, what="no request in flight")
    await pilot.pause(0.1)
    await wait_for(pilot, lambda: app.status.in_flight == 0, what="still none")


def open_command(app: Any, command: str, *then: Callable[[Pilot[Any]], Awaitable[None]]) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, loaded(app), what="contacts")
        app.run_command(command)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, RecordsScreen) and app.screen.loaded_once
            and not app.screen.is_loading,
            what=command,
        )
        for action in then:
            await action(pilot)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_lists(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                        size: tuple[int, int]) -> None:
    app = make_app(sandbox)
    assert snap_compare(app, terminal_size=size, run_before=open_command(app, "lists"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_list_members(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                               size: tuple[int, int]) -> None:
    app = make_app(sandbox)

    async def members(pilot: Pilot[Any]) -> None:
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListMembersScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.loaded_once and not screen.is_loading)
        await pilot.press("space", "space")

    assert snap_compare(app, terminal_size=size, run_before=open_command(app, "lists", members))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_segments(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                           size: tuple[int, int]) -> None:
    app = make_app(sandbox)
    assert snap_compare(app, terminal_size=size, run_before=open_command(app, "segments"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_rule_builder(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                               size: tuple[int, int]) -> None:
    app = make_app(sandbox)

    async def builder(pilot: Pilot[Any]) -> None:
        # "Churned or SMS opt-out" (an any-of group), plus a new group holding a bad date.
        screen = app.screen
        row = next(i for i, s in enumerate(screen.items) if s.name.startswith("Churned"))
        screen.table.move_cursor(row=row)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RuleBuilderScreen))
        rb = app.screen
        await wait_for(pilot, lambda: bool(rb.server_text), what="the first count")
        await pilot.press("ctrl+g", *"created_at", "tab", "tab", *"2026-02-30")
        await wait_for(pilot, lambda: bool(rb.row_errors()), what="the date error")

    assert snap_compare(app, terminal_size=size,
                        run_before=open_command(app, "segments", builder))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_optouts(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                          size: tuple[int, int]) -> None:
    app = make_app(sandbox)

    async def sms(pilot: Pilot[Any]) -> None:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, OptOutsScreen)
        await wait_for(pilot, lambda: screen.channel == "sms" and not screen.is_loading)

    assert snap_compare(app, terminal_size=size, run_before=open_command(app, "optouts", sms))
