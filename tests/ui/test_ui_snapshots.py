"""Snapshots of the contacts screen at 80×24 and 120×40 (seeded sandbox, fixed clock).

Update them with ``pytest tests/ui/test_ui_snapshots.py --snapshot-update`` and look at
the SVGs under ``tests/ui/__snapshots__`` before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from orbit_tui.sandbox import SandboxServer

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


def quiet(app: Any) -> Callable[[], bool]:
    """Loaded, and no request still in flight (the status bar shows the count)."""
    is_loaded = loaded(app)
    return lambda: is_loaded() and app.status.in_flight == 0


def steps(app: Any, *actions: Callable[[Pilot[Any]], Awaitable[None]]) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        for action in actions:
            await action(pilot)
        await wait_for(pilot, quiet(app), what="settled")

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_first_screen(
    snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app(sandbox)
    assert snap_compare(app, terminal_size=size, run_before=steps(app))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_search(
    snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app(sandbox)

    async def search(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"jo")
        screen = app.contacts_screen
        await wait_for(pilot, lambda: screen.query_state.search == "jo", what="query")

    assert snap_compare(app, terminal_size=size, run_before=steps(app, search))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_filters_open(
    snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app(sandbox)

    async def open_filters(pilot: Pilot[Any]) -> None:
        await pilot.press("f", *"lead", "tab", *"US")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=steps(app, open_filters))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_rows_marked(
    snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app(sandbox)

    async def mark(pilot: Pilot[Any]) -> None:
        await pilot.press("space", "space", "j", "space")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=steps(app, mark))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_offline(
    snap_compare: Any,
    sandbox_factory: Any,
    make_app: AppFactory,
    clock: Any,
    size: tuple[int, int],
) -> None:
    server = sandbox_factory(contacts=60)
    app = make_app(server)

    async def go_offline(pilot: Pilot[Any]) -> None:
        server.stop()
        clock.now += 600
        await pilot.press("r")
        screen = app.contacts_screen
        await wait_for(pilot, lambda: "offline" in screen.freshness_text, what="offline")

    assert snap_compare(app, terminal_size=size, run_before=steps(app, go_offline))
