"""The activity timeline of one contact: newest first, paged by cursor as you scroll.

Each event shows its type and channel by colour *and* symbol (→ sent, ✓ delivered,
◉ opened, ✗ failed, ← received, ✎ note, ☎ call), absolute and relative time, message id
and summary (literal, cut to a few hundred characters). ``f`` cycles a channel filter
(all → sms → … → voice → all), asked of the server. The next page is fetched when the
highlight comes within a few rows of the end. An empty timeline says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from orbit_tui.api.models import CHANNELS, ActivityItem
from orbit_tui.ui.detail_text import event_colours, event_text
from orbit_tui.ui.errors import describe_error

PAGE_SIZE = 25
NEAR_END = 5
COMPACT_BELOW = 56
"""Narrower than this, each event puts its time on a line of its own."""


class Timeline(Vertical):
    DEFAULT_CSS = """
    Timeline { height: 1fr; }
    Timeline #timeline-head { height: 1; padding: 0 1; background: $panel; }
    /* A stable gutter: the width summaries wrap at must not change when the
       scrollbar appears after the first page, or lines shift under the reader. */
    Timeline #timeline-list { height: 1fr; border: none; padding: 0;
                              scrollbar-gutter: stable; }
    Timeline #timeline-empty { height: auto; padding: 1 2; color: $text-muted; display: none; }
    Timeline.empty #timeline-empty { display: block; }
    Timeline.empty #timeline-list { display: none; }
    """

    def __init__(self, contact_id: str, orbit: Any, now: Callable[[], float], *,
                 page_size: int = PAGE_SIZE, id: str | None = None) -> None:
        super().__init__(id=id)
        self.contact_id = contact_id
        self.orbit = orbit
        self.now = now
        self.page_size = page_size
        self.channel: str | None = None
        self.items: list[ActivityItem] = []
        self.cursor: str | None = None
        self.has_more = False
        self.total: int | None = None
        self.fetching = False
        self.loaded_once = False
        self.error = ""
        self._generation = 0
        self._compact_shown = False
        self._colours: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-head", markup=False)
        yield OptionList(id="timeline-list", markup=False)
        yield Static("", id="timeline-empty", markup=False)

    def on_mount(self) -> None:
        self._colours = event_colours(self.app.get_css_variables())
        self.watch(self.app, "theme", self._theme_changed, init=False)
        self.load()

    def _theme_changed(self) -> None:
        """Event colours follow the theme's ``event-*`` variables."""
        self._colours = event_colours(self.app.get_css_variables())
        if self.items:
            self._rebuild()

    def _option(self, item: ActivityItem, now: float, compact: bool) -> Option:
        return Option(event_text(item, now, compact=compact, colours=self._colours))

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#timeline-list", OptionList)

    # -- loading ----------------------------------------------------------------------
    def _query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"limit": self.page_size}
        if self.channel:
            query["channel"] = self.channel
        return query

    def load(self, *, refresh: bool = False) -> None:
        """Start over from the newest event (for the current filter)."""
        self._generation += 1
        self.items, self.cursor, self.has_more, self.total = [], None, False, None
        self.option_list.clear_options()
        self.fetching, self.error = True, ""
        self._paint()
        self.run_worker(self._fetch(self._generation, None, refresh), group="timeline",
                        exclusive=True, exit_on_error=False)

    def load_more(self) -> None:
        if self.fetching or not self.has_more or not self.cursor:
            return
        self.fetching = True
        self._paint()
        self.run_worker(self._fetch(self._generation, self.cursor, False), group="timeline-more",
                        exit_on_error=False)

    async def _fetch(self, generation: int, cursor: str | None, refresh: bool) -> None:
        try:
            result = await self.orbit.activity_page(self.contact_id, self._query(), cursor,
                                                    refresh=refresh)
        except Exception as error:  # noqa: BLE001 - shown in place, never fatal
            if generation == self._generation:
                self.fetching, self.error = False, describe_error(error)
                self._paint()
            return
        if generation != self._generation:
            return
        page = result.page
        self.items.extend(page.items)
        self.cursor, self.has_more = page.cursor, page.has_more
        if page.total is not None:
            self.total = page.total
        now = self.now()
        compact = self.compact
        self.option_list.add_options(
            self._option(item, now, compact) for item in page.items
        )
        if cursor is None and page.items:
            self.option_list.highlighted = 0
            self.option_list.scroll_home(animate=False, immediate=True)
        self.fetching, self.loaded_once = False, True
        self._compact_shown = compact
        self.call_after_refresh(self._fit_width)
        self._paint()
        highlighted = self.option_list.highlighted
        if highlighted is not None:
            self._maybe_more(highlighted)

    # -- width ------------------------------------------------------------------------
    @property
    def compact(self) -> bool:
        # Before the first layout, guess from the screen (the fields column takes ~44).
        width = self.size.width or (self.app.size.width - 44)
        return width < COMPACT_BELOW

    def on_resize(self) -> None:
        self._fit_width()

    def _fit_width(self) -> None:
        if self.size.width and self.compact != self._compact_shown and self.items:
            self._rebuild()

    def _rebuild(self) -> None:
        options = self.option_list
        highlighted = options.highlighted
        now, compact = self.now(), self.compact
        options.clear_options()
        options.add_options(self._option(item, now, compact) for item in self.items)
        if highlighted is not None and self.items:
            options.highlighted = min(highlighted, len(self.items) - 1)
            self.call_after_refresh(options.scroll_to_highlight)
        self._compact_shown = compact

    # -- filter -----------------------------------------------------------------------
    def cycle_channel(self) -> None:
        order: list[str | None] = [None, *CHANNELS]
        self.channel = order[(order.index(self.channel) + 1) % len(order)]
        self.load()

    def set_channel(self, channel: str | None) -> None:
        self.channel = channel
        self.load()

    # -- painting -----------------------------------------------------------------------
    @property
    def head_text(self) -> str:
        return str(self.query_one("#timeline-head", Static).render())

    @property
    def empty_text(self) -> str:
        if not self.has_class("empty"):
            return ""
        return str(self.query_one("#timeline-empty", Static).render())

    def _paint(self) -> None:
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append("Activity", style="bold")
        head.append(f" · {self.channel or 'all'}")
        if self.total is not None:
            head.append(f" · {len(self.items)} of {self.total}")
        elif self.items:
            head.append(f" · {len(self.items)}{'+' if self.has_more else ''}")
        if self.fetching:
            head.append(" · loading…", style="italic")
        head.append("  (f filter)", style="dim")
        self.query_one("#timeline-head", Static).update(head)
        empty = self.query_one("#timeline-empty", Static)
        if self.error:
            empty.update(Text(self.error, style="#ff5f5f"))
            self.set_class(True, "empty")
        elif self.loaded_once and not self.fetching and not self.items:
            where = f" on {self.channel}" if self.channel else ""
            empty.update(f"No activity{where} for this contact yet.")
            self.set_class(True, "empty")
        else:
            self.set_class(False, "empty")

    # -- paging as you scroll ---------------------------------------------------------------
    def _maybe_more(self, index: int) -> None:
        if index >= len(self.items) - NEAR_END:
            self.load_more()

    @on(OptionList.OptionHighlighted, "#timeline-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._maybe_more(event.option_index)
