"""The screens ``:lists``, ``:segments`` and ``:optouts`` open (imported when first used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _lists() -> Any:
    from orbit_tui.ui.screens.lists import ListsScreen

    return ListsScreen()


def _segments() -> Any:
    from orbit_tui.ui.screens.segments import SegmentsScreen

    return SegmentsScreen()


def _optouts() -> Any:
    from orbit_tui.ui.screens.optouts import OptOutsScreen

    return OptOutsScreen()


SCREENS: dict[str, Callable[[], Any]] = {
    "lists": _lists,
    "segments": _segments,
    "optouts": _optouts,
}
