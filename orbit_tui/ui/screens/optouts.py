"""``:optouts`` — contacts who left at least one channel, filtered by channel, searchable.

``c`` cycles the channel filter (all → sms → whatsapp → …), or pick it in the selector;
``/`` searches; ``enter`` opens the contact, where the preferences can be changed.
Pages load as the cursor nears the end (up to :data:`MAX_ROWS` rows at a time).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Select

from orbit_tui.api.models import CHANNELS, Contact
from orbit_tui.ui.safe import format_count, format_phone
from orbit_tui.ui.screens.records import RecordsScreen, cell

PAGE_SIZE = 100
MAX_ROWS = 2000
ALL = "all"


def channels_left(contact: Contact) -> list[str]:
    """The channels the contact opted out of (from the answer, else its preferences)."""
    if contact.opted_out_channels is not None:
        return [str(c) for c in contact.opted_out_channels]
    return [c for c, v in contact.preferences.items() if v is False]


class OptOutsScreen(RecordsScreen[Contact]):
    DEFAULT_CSS = """
    OptOutsScreen #optouts-channel { width: 20; height: 1; }
    OptOutsScreen #optouts-channel > SelectCurrent { border: none; height: 1; padding: 0 1; }
    """

    TITLE_TEXT = "Opt-outs"
    SEARCHABLE = True
    SEARCH_PLACEHOLDER = "/ search name, phone, email"
    COLUMNS = (
        ("name", "Name", 24),
        ("phone", "Phone", 17),
        ("email", "Email", 26),
        ("channels", "Channels left", 24),
    )
    EMPTY_TEXT = "No opted-out contacts match."

    BINDINGS = [
        Binding("enter", "open", "Open contact", show=False, id="optouts.open"),
        Binding("c", "cycle_channel", "Channel", id="optouts.channel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.channel: str | None = None
        self._cursor: str | None = None
        self._has_more = False
        self._total: int | None = None
        self._loading_more = False

    def mounted(self) -> None:
        self._size_columns()

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        """Phone and channels keep their width; name and email share the rest."""
        spare = max(20, self.size.width - 17 - 20 - 2 * 4 - 2)
        widths = {"name": spare * 2 // 5, "phone": 17, "email": spare - spare * 2 // 5,
                  "channels": 20}
        table = self.table
        for key, width in widths.items():
            column = table.columns.get(key)  # type: ignore[call-overload]
            if column is not None:
                column.width = width
                column.auto_width = False
        table.refresh()

    def compose_head_extra(self) -> ComposeResult:
        options = [("all channels", ALL), *((c, c) for c in CHANNELS)]
        yield Select(options, value=ALL, allow_blank=False, id="optouts-channel", compact=True)

    def _query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"limit": PAGE_SIZE}
        if self.channel:
            query["channel"] = self.channel
        if self.search_text:
            query["search"] = self.search_text
        return query

    async def fetch(self, refresh: bool) -> list[Contact]:
        result = await self.orbit.optouts_page(self._query(), None, refresh=refresh)
        page = result.page
        self._cursor = page.cursor if page.has_more else None
        self._has_more = bool(page.has_more and page.cursor)
        self._total = page.total
        return list(page.items)

    def cells(self, item: Contact) -> list[Text]:
        left = channels_left(item)
        return [
            cell(item.display_name),
            cell(format_phone(item.phone, item.country_code)),
            cell(item.email or ""),
            cell(", ".join(left), "bold"),
        ]

    def counts_line(self) -> str:
        shown = len(self.items)
        total = self._total
        what = f" ({self.channel})" if self.channel else ""
        if total is not None and total != shown:
            return f"{format_count(shown)} of {format_count(total)} opted out{what}"
        return f"{format_count(shown)} opted out{what}"

    # -- channel filter -------------------------------------------------------------------
    def set_channel(self, channel: str | None) -> None:
        if channel == self.channel:
            return
        self.channel = channel
        select = self.query_one("#optouts-channel", Select)
        if select.value != (channel or ALL):
            select.value = channel or ALL
        self.reload()

    def action_cycle_channel(self) -> None:
        order: list[str | None] = [None, *CHANNELS]
        self.set_channel(order[(order.index(self.channel) + 1) % len(order)])

    @on(Select.Changed, "#optouts-channel")
    def _channel_changed(self, event: Select.Changed) -> None:
        value = event.value
        self.set_channel(None if value in (ALL, Select.BLANK) else str(value))

    # -- paging ---------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#records-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if (
            self._has_more
            and not self._loading_more
            and not self.is_loading
            and event.cursor_row >= len(self.items) - 10
            and len(self.items) < MAX_ROWS
        ):
            self._loading_more = True
            self._paint_counts("loading more…")
            self._load_more(self._generation, self._cursor)

    @work(group="optouts-more", exclusive=True, exit_on_error=False)
    async def _load_more(self, generation: int, cursor: str | None) -> None:
        try:
            result = await self.orbit.optouts_page(self._query(), cursor)
        except Exception as error:  # noqa: BLE001
            self._loading_more = False
            self._paint_counts("")
            self.orbit_app.report_error(error)
            return
        self._loading_more = False
        if generation != self._generation:
            return
        page = result.page
        self._cursor = page.cursor if page.has_more else None
        self._has_more = bool(page.has_more and page.cursor)
        known = {c.id for c in self.items}
        for item in page.items:
            if item.id in known:
                continue
            known.add(item.id)
            self.items.append(item)
            self.table.add_row(*self.cells(item), key=self.item_key(item))
        self._paint_counts("")

    # -- open -----------------------------------------------------------------------------
    def action_open(self) -> None:
        item = self.current
        if item is not None:
            self.orbit_app.open_contact(item)
