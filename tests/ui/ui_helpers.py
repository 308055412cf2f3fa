"""Helpers for the UI tests: wait for the app to reach a state, know when a page is in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from orbit_tui.ui.app import OrbitApp

AppFactory = Callable[..., OrbitApp]


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], bool], *, timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until ``predicate()`` holds (fails the test after ``timeout``)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}; screen {pilot.app.screen!r}, focused {pilot.app.focused!r}")
        await pilot.pause(0.02)
    await pilot.pause()


def loaded(app: OrbitApp) -> Callable[[], bool]:
    def check() -> bool:
        screen = app.contacts_screen
        return bool(
            screen is not None
            and screen.loaded_once
            and not screen.is_loading
            and not screen.is_paging
            and not screen._activity
        )

    return check


def settle(app: OrbitApp) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """``run_before`` for snapshots: wait until the first page is shown."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, loaded(app), what="the first page")

    return run_before
