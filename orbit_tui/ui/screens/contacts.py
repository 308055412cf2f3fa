"""The contacts screen: search as you type, filters, a paged table, marking.

Loading rules:

- every load carries the generation of the query it was made for; a result for an older
  generation is thrown away, and a new search cancels the previous load (exclusive
  worker group), so results never arrive out of order;
- a page comes from the source at once (cache when present) and, when it came from the
  cache, is revalidated in the background and quietly replaced if it changed;
- the table keeps a sliding window of pages (see :mod:`orbit_tui.ui.window` and
  :mod:`orbit_tui.ui.screens.contacts_paging`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Click, Key
from textual.timer import Timer
from textual.widgets import Input, Static

from orbit_tui.api.models import Contact
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.screens.contacts_text import (
    chip_at,
    chips_text,
    counts_text,
    empty_text,
    error_text,
    freshness_text,
)
from orbit_tui.ui.screens.contacts_paging import PagingScreen
from orbit_tui.ui.screens.filters import FilterScreen
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.source import ContactSource, PageResult
from orbit_tui.ui.widgets.contacts_table import ContactsTable
from orbit_tui.ui.widgets.footer import QuietFooter
from orbit_tui.ui.widgets.status_bar import StatusBar
from orbit_tui.ui.window import PageWindow

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp

QUIET_LOAD_S = 0.15
"""A first page that takes longer than this shows "searching…"/"loading…"."""
FIRST_PAINT_SETTLE_S = 0.15
"""After the first page's frame, what can wait (revalidating it, the demo's sandbox,
the bulk journal) waits this long more, so the frame reaches the terminal first."""
LABEL_SLACK = 8
"""Spare cells a header label may keep (see ``ContactsScreen._set_label``)."""
DEMO_HINT = "Demo data on a local sandbox · connect your account: orbit-tui config init"


class SearchBox(Input):
    """The search input; it remembers when its last key was typed (the key's own time,
    taken as the terminal's bytes were read), so the debounce counts from the key."""

    last_key_time: float = -1e9

    async def _on_key(self, event: Key) -> None:  # Input's own handler runs after this
        self.last_key_time = event.time


class ContactsScreen(PagingScreen):
    # The table has focus from the first frame: Textual would otherwise focus the
    # search box first (the first focusable widget), and a "/" typed during start-up
    # would land in it as text instead of meaning "search".
    AUTO_FOCUS = "#contacts"

    DEFAULT_CSS = """
    ContactsScreen #search-row { height: 1; }
    ContactsScreen #search { width: 1fr; border: none; height: 1; padding: 0 1; }
    ContactsScreen #counts { width: auto; padding: 0 1; text-align: right; }
    ContactsScreen #freshness {
        width: auto; padding: 0 1 0 0; color: $text-muted; text-align: right;
    }
    ContactsScreen #chips { height: 1; padding: 0 1; color: $text-muted; display: none; }
    ContactsScreen #chips.active { display: block; }
    ContactsScreen #contacts { height: 1fr; }
    ContactsScreen #message { height: 1fr; padding: 1 2; display: none; }
    ContactsScreen.show-message #message { display: block; }
    ContactsScreen.show-message #contacts { display: none; }
    ContactsScreen #demo-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="contacts.search"),
        Binding(
            "escape",
            "focus_table",
            "Back to table / stop marking",
            show=False,
            id="contacts.table",
        ),
        Binding("f", "filters", "Filters", id="contacts.filters"),
        Binding("x", "drop_filter", "Drop filter", show=False, id="contacts.drop_filter"),
        Binding("X", "clear_filters", "Clear filters", show=False, id="contacts.clear_filters"),
        Binding("space", "toggle_mark", "Mark", id="contacts.mark"),
        Binding("M", "mark_all", "Mark all", id="contacts.mark_all"),
        Binding("U", "clear_marks", "Unmark all", show=False, id="contacts.clear_marks"),
        Binding("enter", "open", "Open", show=False, id="contacts.open"),
        Binding("t", "edit_tags", "Tags", show=False, id="contacts.tags"),
        Binding("l", "add_to_list", "List", show=False, id="contacts.list"),
        Binding("n", "new_contact", "New", show=False, id="contacts.new"),
        Binding("ctrl+d", "delete_contact", "Delete", show=False, id="contacts.delete"),
        Binding("r", "refresh", "Refresh", id="contacts.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = ContactQuery()
        self.page_window = PageWindow()
        self.generation = 0
        self.loaded_once = False
        self.is_loading = False
        self.is_paging = False
        self._debounce: asyncio.TimerHandle | None = None
        self._freshness: dict[int, PageResult] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._activity = ""
        self._settling = False
        self._dropped_told = 0
        self._listeners: list[Callable[[], None]] = []
        self._told_first_page = False
        self._labels: dict[str, Text] = {}
        self._activity_timer: Timer | None = None

    @property
    def orbit_app(self) -> OrbitApp:
        return orbit_app(self)

    @property
    def source(self) -> ContactSource:
        """Where this screen's pages come from: the app's contacts (members screens read
        their own endpoint)."""
        return self.orbit_app.source

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.orbit_app
        yield StatusBar(app.status, id="status")
        with Horizontal(id="search-row"):
            yield SearchBox(placeholder="/ search name, phone, email", id="search", compact=True)
            yield Static("", id="counts", markup=False)
            yield Static("", id="freshness", markup=False)
        yield Static("", id="chips", markup=False)
        yield ContactsTable(lambda cid: cid in app.marks, id="contacts")
        yield Static("", id="message", markup=False)
        if app.status.profile.demo:
            yield Static(DEMO_HINT, id="demo-hint", markup=False)
        yield QuietFooter(compact=True)

    def on_mount(self) -> None:
        app = self.orbit_app
        self.page_window = PageWindow(page_size=app.page_size, max_pages=app.max_pages)
        search = self.query_one("#search", Input)
        search.cursor_blink = app.animation_level != "none"
        self._unsubscribe = app.marks.subscribe(self._marks_changed)
        self.query_one(ContactsTable).focus()
        self.load_first()

    def on_unmount(self) -> None:
        self._cancel_debounce()
        if self._unsubscribe:
            self._unsubscribe()

    @property
    def table(self) -> ContactsTable:
        return self.query_one(ContactsTable)

    # -- search ---------------------------------------------------------------------
    def action_focus_search(self) -> None:
        # At once, not through the message queue as ``Widget.focus`` does: keys typed
        # right after ``/`` may already be queued (a busy moment), and must reach the
        # search box, not the table (where enter would open a contact).
        self.set_focus(self.query_one("#search", Input))

    def action_focus_table(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.set_focus(self.table)
            self.stop_jump()  # escape always stops a walk to the end
        else:
            self.stop_marking()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        """Search ``search_debounce_s`` after the last key (counted from the key).

        An event-loop timer, not a Textual one: a Textual timer starts counting only
        once its task first runs, after the frame that paints the key, so the search
        left tens of milliseconds late on a busy loop.
        """
        self._cancel_debounce()
        loop = asyncio.get_running_loop()
        debounce = self.orbit_app.search_debounce_s
        since_key = loop.time() - getattr(event.input, "last_key_time", -1e9)
        if 0 <= since_key < debounce:  # a key typed just now: count from the key itself
            debounce -= since_key
        self._debounce = loop.call_later(debounce, self._debounced_search, event.value)

    def _cancel_debounce(self) -> None:
        if self._debounce is not None:
            self._debounce.cancel()
            self._debounce = None

    def _debounced_search(self, text: str) -> None:
        self._debounce = None
        if not self.is_attached:
            return
        try:
            self._search_now(text)
        except Exception as error:  # noqa: BLE001 - outside Textual's handlers: say it
            self.orbit_app.report_error(error)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._cancel_debounce()
        self._search_now(event.value)
        self.set_focus(self.table)

    def _search_now(self, text: str) -> None:
        query = self.query_state.with_search(text)
        if query != self.query_state or not self.loaded_once:
            self.set_query(query)

    def set_query(self, query: ContactQuery, *, refresh: bool = False) -> None:
        self.query_state = query
        self.ignored_filter = None  # judged again on the new query's rows
        self._show_chips()
        self.load_first(refresh=refresh)

    # -- filters --------------------------------------------------------------------
    def action_filters(self) -> None:
        def done(query: ContactQuery | None) -> None:
            if query is not None and query != self.query_state:
                self.set_query(query)

        self.app.push_screen(FilterScreen(self.query_state), done)

    def action_drop_filter(self) -> None:
        chips = self.query_state.chips()
        if chips:
            self.set_query(self.query_state.without(chips[-1][0]))

    def action_clear_filters(self) -> None:
        if self.query_state.has_filters:
            self.set_query(self.query_state.without_filters())

    def _show_chips(self) -> None:
        widget = self.query_one("#chips", Static)
        widget.set_class(self.query_state.has_filters, "active")
        notice = self.ignored_filter.notice() if self.ignored_filter else None
        self._set_label(
            "#chips", chips_text(self.query_state, notice) if self.query_state.has_filters else Text()
        )

    @on(Click, "#chips")
    def _chip_clicked(self, event: Click) -> None:
        key = chip_at(self.query_state, event.x - 1)  # the widget has one cell of padding
        if key is not None:
            self.set_query(self.query_state.without(key))

    # -- loading --------------------------------------------------------------------
    def _begin(self, activity: str, *, quiet_for: float = 0.0) -> None:
        """Say what is loading; after ``quiet_for`` seconds only if it still is then.

        A search answered within ``quiet_for`` then costs no repaint of the header
        for "searching…" and another for its end (each a layout of the screen).
        """
        self._activity = activity
        if self._activity_timer is not None:
            self._activity_timer.stop()
            self._activity_timer = None
        if quiet_for > 0:
            self._activity_timer = self.set_timer(quiet_for, self._paint_counts)
        else:
            self._paint_counts()

    def _end(self) -> None:
        self._begin("")

    def load_first(self, *, refresh: bool = False) -> None:
        self.generation += 1
        self.is_loading = True
        self.workers.cancel_group(self, "contacts-page")
        self.workers.cancel_group(self, "contacts-revalidate")
        self.is_paging = False
        self._begin(
            "searching…" if self.query_state.search else "loading…", quiet_for=QUIET_LOAD_S
        )
        self._load_first(self.generation, self.query_state, refresh)

    @work(group="contacts-load", exclusive=True, exit_on_error=False)
    async def _load_first(self, generation: int, query: ContactQuery, refresh: bool) -> None:
        app = self.orbit_app
        try:
            result = await self.source.contacts_page(
                query, None, limit=app.page_size, refresh=refresh
            )
        except Exception as error:  # noqa: BLE001 - every failure is shown, none crashes
            if generation == self.generation:
                self.is_loading = False
                self._end()
                self._show_error(error)
                self._first_page_painted()
            return
        if generation != self.generation:
            return
        first = not self.loaded_once
        self.is_loading = False
        self.loaded_once = True
        self.page_window.reset(result.page)
        self._freshness = {0: result}
        self._end()
        if not result.page.items:
            self._show_empty()
        else:
            self._hide_message()
            self.table.show(self.page_window.contacts())
        self._paint_freshness()
        self._notify_loaded()
        if result.from_cache and not result.offline:
            # Paint the cached page first, then ask the server (at start-up, once the
            # first frame has had time to reach the terminal).
            self._after_paint(first, self._revalidate_first, generation, query)
        if first:
            self._first_page_painted()

    def _after_paint(self, first: bool, callback: Callable[..., None], *args: object) -> None:
        if first:
            self.call_after_refresh(self.set_timer, FIRST_PAINT_SETTLE_S, lambda: callback(*args))
        else:
            self.call_after_refresh(callback, *args)

    def _revalidate_first(self, generation: int, query: ContactQuery) -> None:
        if generation == self.generation and not self.is_loading:
            self._revalidate(generation, query, 0, None)

    def _first_page_painted(self) -> None:
        """Tell the app once, after the first page's frame: deferred start-up work waits."""
        if not self._told_first_page:
            self._told_first_page = True
            self._after_paint(True, self.orbit_app.first_page_shown)

    # -- messages in place of the table ------------------------------------------------
    def _show_message(self, text: Text) -> None:
        self.query_one("#message", Static).update(text)
        self.add_class("show-message")

    def _hide_message(self) -> None:
        self.remove_class("show-message")

    @property
    def message_text(self) -> str:
        if not self.has_class("show-message"):
            return ""
        return str(self.query_one("#message", Static).render())

    def _show_empty(self) -> None:
        self.table.show([])
        self._show_message(empty_text(self.query_state))

    def _show_error(self, error: BaseException) -> None:
        self.orbit_app.report_error(error)
        self._show_message(error_text(error))

    # -- header ---------------------------------------------------------------------
    def _paint_counts(self) -> None:
        text = counts_text(self.page_window, len(self.orbit_app.marks), self._activity)
        self._set_label("#counts", text)

    def _paint_freshness(self) -> None:
        self._set_label("#freshness", freshness_text(self._freshness.values()))

    def _set_label(self, selector: str, text: Text) -> None:
        """Repaint a header label only if its text changed; lay out only if it must.

        The labels are ``width: auto``, right-aligned. A text that fits the room the
        label already has, leaving at most ``LABEL_SLACK`` cells spare, is painted into
        it without a layout of the screen (the costliest part of a frame: a search's
        answer would otherwise pay for one each time its count is a digit or two
        longer or shorter); the label keeps its width, the spare cells on its left,
        until the next layout. A wider text, a much shorter one (the end of a long
        "to the end… row …" line: the search box gets its room back), a label that
        empties (no gap at the right edge) and a label not laid out yet lay out.
        """
        old = self._labels.get(selector)
        if old is not None and old == text:
            return
        self._labels[selector] = text
        widget = self.query_one(selector, Static)
        room = widget.content_size.width if widget.region.width else -1
        emptied = not text.cell_len and old is not None and old.cell_len > 0
        fits = 0 <= room - text.cell_len <= LABEL_SLACK
        layout = old is None or emptied or not fits
        widget.update(text, layout=layout)
        if not layout and room != text.cell_len and not self._settling:
            # Painted into a room a little too wide: once that frame is out, lay the
            # header out to the text's own width, so what the screen settles on
            # depends on its texts alone, never on the order they came in.
            self._settling = True
            self.call_after_refresh(self._settle_labels)

    def _settle_labels(self) -> None:
        self._settling = False
        for selector, text in self._labels.items():
            widget = self.query_one(selector, Static)
            if widget.region.width and widget.content_size.width != text.cell_len:
                widget.refresh(layout=True)

    @property
    def counts_text(self) -> str:
        return str(self.query_one("#counts", Static).render())

    @property
    def freshness_text(self) -> str:
        return str(self.query_one("#freshness", Static).render())

    def on_loaded(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after each page load (used by the smoke run)."""
        self._listeners.append(callback)

    def _notify_loaded(self) -> None:
        self._check_filters()
        self._check_unreadable()
        for callback in list(self._listeners):
            callback()

    def _check_unreadable(self) -> None:
        """Say (once per increase) that pages held contacts without any readable id."""
        dropped = sum(result.page.unreadable for result in self._freshness.values())
        if dropped > self._dropped_told:
            self.notify(
                f"Orbit sent {dropped:,} contact(s) without a readable id: they are not shown, "
                "and no change can reach them.",
                title="Unreadable contacts", severity="warning", timeout=15, markup=False,
            )
        self._dropped_told = dropped

    # -- table events ---------------------------------------------------------------
    @on(ContactsTable.Highlighted, "#contacts")
    def _row_highlighted(self, event: ContactsTable.Highlighted) -> None:
        self._maybe_page(event.cursor_row)

    @on(ContactsTable.Selected, "#contacts")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        contact = self.table.current
        if contact is not None:
            self.orbit_app.open_contact(contact)

    # -- marks ----------------------------------------------------------------------
    def _marks_changed(self) -> None:
        self.table.refresh_marks()
        self._paint_counts()

    # -- other actions --------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load_first(refresh=True)

    def action_coming_soon(self, what: str) -> None:
        self.notify(f"Coming soon: {what}", title="Not yet")

    def current_contact(self) -> Contact | None:
        return self.table.current

    def action_edit_tags(self) -> None:
        """``t``: the tag editor for the marked contacts, or the current one."""
        from orbit_tui.ui.screens.tag_editor import edit_tags, targets

        app = self.orbit_app
        ids = targets(app, self.current_contact())
        edit_tags(app, ids, self.page_window.contacts())

    def action_add_to_list(self) -> None:
        """``l``: add the marked contacts, or the current one, to a list (picker)."""
        from orbit_tui.ui.screens.list_picker import add_to_list

        current = self.current_contact()
        marked = self.orbit_app.marks.ids()
        add_to_list(self.orbit_app, marked or ([current.id] if current else []))

    # -- create / delete (the detail area's form and confirmation) -----------------------
    def action_new_contact(self) -> None:
        self.orbit_app.new_contact()

    def action_delete_contact(self) -> None:
        from orbit_tui.ui.screens.contacts_delete import delete_current

        delete_current(self)

    def forget_contact(self, contact_id: str) -> None:
        """Take a deleted contact out of the loaded pages and the table."""
        removed = False
        for items in self.page_window.pages.values():
            kept = [c for c in items if c.id != contact_id]
            removed = removed or len(kept) != len(items)
            items[:] = kept
        if not removed:
            return
        if self.page_window.total is not None:
            self.page_window.total = max(0, self.page_window.total - 1)
        rows = self.page_window.contacts()
        if rows:
            self.table.show(rows, cursor_row=min(self.table.cursor_row, len(rows) - 1))
        else:
            self._show_empty()
        self._paint_counts()

    def contact_changed(self, contact: Contact, *, created: bool = False) -> None:
        """A contact was edited (replace its row) or created (reload from the top)."""
        if created:
            self.load_first()
        elif self.page_window.replace_contact(contact):
            self.table.replace_contact(contact)
