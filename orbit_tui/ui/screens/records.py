"""A small table screen for lists, segments and opt-outs.

The shared shape: the status bar, a header line (title, an optional search box, counts),
a ``DataTable`` of rows built from cleaned plain strings (never markup), a message in
place of the table when it is empty or failed, and the footer. Subclasses say how to
fetch their rows (``fetch``), what the columns are and how an item becomes cells.
Loading runs in an exclusive worker; a failure is shown in words, never raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from orbit_tui.ui.context import orbit_app
from orbit_tui.api.walk import WalkGuard
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit
    from orbit_tui.gate import Gate
    from orbit_tui.ui.app import OrbitApp

T = TypeVar("T")


def cell(value: object, style: str = "") -> Text:
    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis", end="")


def notify_error(screen: Screen[Any], error: BaseException, title: str) -> None:
    orbit_app(screen).report_error(error)
    screen.notify(describe_error(error), title=title, severity="error", markup=False, timeout=10)


class RecordsScreen(Screen[None], Generic[T]):
    DEFAULT_CSS = """
    RecordsScreen #records-head { height: 1; }
    RecordsScreen #records-title { width: auto; padding: 0 1; text-style: bold; }
    RecordsScreen #records-search { width: 1fr; border: none; height: 1; padding: 0 1; }
    RecordsScreen #records-spacer { width: 1fr; }
    RecordsScreen #records-counts { width: auto; padding: 0 1; color: $text-muted; }
    RecordsScreen #records-table { height: 1fr; }
    RecordsScreen #records-message { height: 1fr; padding: 1 2; display: none; }
    RecordsScreen.show-message #records-message { display: block; }
    RecordsScreen.show-message #records-table { display: none; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="records.back"),
        Binding("slash", "focus_search", "Search", show=False, id="records.search"),
        Binding("r", "refresh", "Refresh", id="records.refresh"),
    ]

    TITLE_TEXT: ClassVar[str] = ""
    SEARCHABLE: ClassVar[bool] = False
    SEARCH_PLACEHOLDER: ClassVar[str] = "/ search"
    COLUMNS: ClassVar[Sequence[tuple[str, str, int | None]]] = ()
    """(key, label, width or None for automatic)."""
    EMPTY_TEXT: ClassVar[str] = "Nothing here yet."

    def __init__(self) -> None:
        super().__init__()
        self.items: list[T] = []
        self.loaded_once = False
        self.is_loading = False
        self.search_text = ""
        self._debounce: Timer | None = None
        self._generation = 0

    @property
    def orbit_app(self) -> OrbitApp:
        return orbit_app(self)

    @property
    def orbit(self) -> CachedOrbit:
        """Reads (through the page cache)."""
        return orbit_app(self).orbit

    @property
    def gate(self) -> Gate:
        """Changes."""
        return orbit_app(self).gate

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(self.orbit_app.status, id="status")
        with Horizontal(id="records-head"):
            yield Static(self.title_text(), id="records-title", markup=False)
            if self.SEARCHABLE:
                yield Input(placeholder=self.SEARCH_PLACEHOLDER, id="records-search", compact=True)
            else:
                yield Static("", id="records-spacer")
            yield from self.compose_head_extra()
            yield Static("", id="records-counts", markup=False)
        table: DataTable[Any] = DataTable(id="records-table", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="records-message", markup=False)
        yield Footer(compact=True)

    def compose_head_extra(self) -> ComposeResult:
        return iter(())

    def title_text(self) -> str:
        return self.TITLE_TEXT

    def on_mount(self) -> None:
        table = self.table
        for key, label, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)
        if self.SEARCHABLE:
            self.query_one("#records-search", Input).cursor_blink = (
                self.app.animation_level != "none"
            )
        table.focus()
        self.mounted()
        self.reload()

    def mounted(self) -> None:
        """Subclass hook after the columns exist (``on_mount`` must not be overridden:
        Textual calls every class's handler)."""

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#records-table", DataTable)

    # -- subclass hooks ------------------------------------------------------------------
    async def fetch(self, refresh: bool) -> list[T]:
        raise NotImplementedError

    @staticmethod
    async def read_all(read: Any, *, refresh: bool, most: int) -> list[T]:
        """Every page of a facade read (``orbit.lists_page`` …), up to ``most`` items."""
        items: list[T] = []
        cursor: str | None = None
        guard = WalkGuard()  # a server whose cursors never end stops, and says so
        while len(items) < most:
            page = (await read({"limit": 100}, cursor, refresh=refresh)).page
            guard.feed((str(getattr(i, "id", i)) for i in page.items), cursor=cursor,
                       next_cursor=page.cursor, has_more=page.has_more, total=page.total)
            items.extend(page.items)
            if not page.has_more or not page.cursor:
                break
            cursor = page.cursor
        return items

    def item_key(self, item: T) -> str:
        identified: Any = item  # every record (list, segment, contact) has an id
        return str(identified.id)

    def cells(self, item: T) -> list[Text]:
        raise NotImplementedError

    def counts_line(self) -> str:
        return format_count(len(self.items))

    # -- loading ---------------------------------------------------------------------
    def reload(self, *, refresh: bool = False) -> None:
        self._generation += 1
        self.is_loading = True
        self._paint_counts("loading…")
        self._load(self._generation, refresh)

    @work(group="records-load", exclusive=True, exit_on_error=False)
    async def _load(self, generation: int, refresh: bool) -> None:
        try:
            items = await self.fetch(refresh)
        except Exception as error:  # noqa: BLE001 - shown, never raised
            if generation == self._generation:
                self.is_loading = False
                self.orbit_app.report_error(error)
                self._paint_counts("")
                self._show_message(Text(describe_error(error)))
            return
        if generation != self._generation:
            return
        self.is_loading = False
        self.loaded_once = True
        self.show(items)

    def show(self, items: list[T], *, keep_key: str | None = None) -> None:
        table = self.table
        current = keep_key if keep_key is not None else self.current_key
        row = table.cursor_row
        self.items = list(items)
        table.clear()
        for item in self.items:
            table.add_row(*self.cells(item), key=self.item_key(item))
        if not self.items:
            self._show_message(Text(self.EMPTY_TEXT))
        else:
            self.remove_class("show-message")
            target = next(
                (i for i, item in enumerate(self.items) if self.item_key(item) == current), None
            )
            table.move_cursor(row=target if target is not None else min(row, len(self.items) - 1))
        self._paint_counts("")

    def _show_message(self, text: Text) -> None:
        self.query_one("#records-message", Static).update(text)
        self.add_class("show-message")

    @property
    def message_text(self) -> str:
        if not self.has_class("show-message"):
            return ""
        return str(self.query_one("#records-message", Static).render())

    def _paint_counts(self, activity: str) -> None:
        text = self.counts_line() if self.loaded_once else ""
        if activity:
            text = f"{text} · {activity}" if text else activity
        self.query_one("#records-counts", Static).update(text)

    # -- the current row ----------------------------------------------------------------
    @property
    def current_key(self) -> str | None:
        if not self.items:
            return None
        row = self.table.cursor_row
        if 0 <= row < len(self.items):
            return self.item_key(self.items[row])
        return None

    @property
    def current(self) -> T | None:
        row = self.table.cursor_row
        if 0 <= row < len(self.items):
            return self.items[row]
        return None

    # -- search ----------------------------------------------------------------------
    def action_focus_search(self) -> None:
        if self.SEARCHABLE:
            self.query_one("#records-search", Input).focus()

    def action_back(self) -> None:
        if self.SEARCHABLE and self.query_one("#records-search", Input).has_focus:
            self.table.focus()
            return
        self.app.pop_screen()

    @on(Input.Changed, "#records-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        text = event.value
        self._debounce = self.set_timer(
            self.orbit_app.search_debounce_s, lambda: self._search_now(text)
        )

    @on(Input.Submitted, "#records-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._search_now(event.value)
        self.table.focus()

    def _search_now(self, text: str) -> None:
        text = text.strip()
        if text != self.search_text:
            self.search_text = text
            self.reload()

    @on(DataTable.RowSelected, "#records-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        pass

    def action_refresh(self) -> None:
        self.reload(refresh=True)

