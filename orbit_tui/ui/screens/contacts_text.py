"""The words the contacts screen shows around its table, built as plain ``Text``.

Pure functions of the screen's state, so they are easy to read and to test: the
"1–50 of 4,230" counts, the cache age/stale/offline marker, the active-filter chips,
and the messages shown in place of the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.safe import format_age, format_count
from orbit_tui.ui.source import PageResult
from orbit_tui.ui.window import PageWindow

CHIPS_PREFIX = "Filters: "


def counts_text(window: PageWindow, marked: int, activity: str = "") -> Text:
    text = Text(no_wrap=True, end="")
    if window.loaded and window.row_count:
        start = window.absolute_start() + 1
        end = window.absolute_start() + window.row_count
        known = window.total if window.total is not None and window.total >= end else None
        total = format_count(known) if known is not None else f"{format_count(end)}+"
        text.append(f"{format_count(start)}–{format_count(end)} of {total}")
    elif window.loaded:
        text.append("0 of 0")
    if marked:
        text.append(f" · {format_count(marked)} marked", style="bold")
    if activity:
        text.append(f" · {activity}", style="italic")
    return text


def freshness_text(results: Iterable[PageResult]) -> Text:
    """Quiet: nothing for fresh pages; "cached 5 min ago · stale"; "○ offline · …"."""
    results = list(results)
    text = Text(no_wrap=True, end="")
    if any(r.offline for r in results):
        ages = [r.age_s for r in results if r.age_s is not None]
        text.append("○ offline", style="bold")
        if ages:
            text.append(f" · cached {format_age(max(ages))} ago")
    elif any(r.from_cache for r in results):
        cached = [r for r in results if r.from_cache]
        ages = [r.age_s for r in cached if r.age_s is not None]
        text.append("cached")
        if ages:
            text.append(f" {format_age(max(ages))} ago")
        if any(r.stale for r in cached):
            text.append(" · stale")
    return text


def chip_label(label: str) -> str:
    return f"[{label} ✕]"


def chips_text(query: ContactQuery, notice: str | None = None) -> Text:
    """The filter chips; ``notice`` (the server ignored a filter) replaces the key hints."""
    text = Text(CHIPS_PREFIX, style="bold", end="", no_wrap=True, overflow="ellipsis")
    for i, (_key, label) in enumerate(query.chips()):
        if i:
            text.append("  ")
        text.append(chip_label(label))
    if notice:
        text.append(f"   {notice}", style="bold")
    else:
        text.append("   x drops the last · X clears all · f edits", style="dim")
    return text


def chip_at(query: ContactQuery, x: int) -> str | None:
    """The filter key of the chip at column ``x`` of :func:`chips_text`, if any."""
    offset = len(CHIPS_PREFIX)
    for key, label in query.chips():
        width = len(chip_label(label))
        if offset <= x < offset + width:
            return key
        offset += width + 2
    return None


def empty_text(query: ContactQuery) -> Text:
    text = Text("No contacts match", style="bold")
    if query.search:
        text.append(" “")
        text.append(query.search)
        text.append("”")
    if query.has_filters:
        text.append(" with these filters")
    text.append(".\n\n", style="bold")
    text.append("Change the search (/), drop a filter (x), or clear them all (X).")
    return text


def error_text(error: BaseException) -> Text:
    text = Text("Could not load contacts\n\n", style="bold red")
    text.append(describe_error(error))
    text.append("\n\nPress r to try again.", style="bold")
    return text
