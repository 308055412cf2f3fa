"""The contact detail screen: who the customer is, how to reach them, what happened.

Left: the fields (phone formatted with its country, email, country, stage, created and
updated times absolute and relative), tags as chips, metadata, the six channel
preferences (toggled with space, saved at once with ``PUT …/preferences``) and the lists
the contact belongs to (``l`` add, ``x`` remove the highlighted one). Right: the activity
timeline (see :mod:`orbit_tui.ui.widgets.timeline`), ``f`` filters it by channel.

``e`` edits, ``ctrl+d`` deletes (asks first, naming the contact), ``c`` copies a field,
``r`` refreshes. Everything goes through the app's ``CachedOrbit`` so cached pages follow.
The actions that change data live in :mod:`orbit_tui.ui.screens.detail_actions`; in
read-only mode they are hidden from the footer and refused with an explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from orbit_tui.api.models import Contact, ContactList
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.detail_text import fields_table, metadata_table, tags_text, title_text
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.screens.detail_actions import MUTATIONS, DetailActions
from orbit_tui.ui.status import AppStatus
from orbit_tui.ui.widgets.preferences import PreferencesBar
from orbit_tui.ui.widgets.status_bar import StatusBar
from orbit_tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit

READ_ONLY_REASON = (
    "This profile is read-only: nothing can be changed from here. "
    "Use a profile without read_only to edit, delete or change preferences."
)


class ContactDetailScreen(DetailActions):
    DEFAULT_CSS = """
    ContactDetailScreen #detail-title { height: 1; padding: 0 1; background: $panel; }
    ContactDetailScreen #detail-main { height: 1fr; }
    ContactDetailScreen #detail-left { width: 1fr; max-width: 60; min-width: 42; padding: 0 1; }
    ContactDetailScreen #detail-left { scrollbar-size-vertical: 1; }
    ContactDetailScreen #timeline { width: 1fr; border-left: vkey $panel-lighten-2; }
    ContactDetailScreen .section { margin-top: 1; color: $text-muted; text-style: bold; }
    ContactDetailScreen #lists { height: auto; max-height: 8; border: none; padding: 0; }
    ContactDetailScreen #lists:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("t", "edit_tags", "Tags", id="detail.tags"),
        Binding("ctrl+d", "delete", "Delete", id="detail.delete"),
        Binding("l", "add_to_list", "List", id="detail.list"),
        Binding("x", "remove_from_list", "Remove from list", show=False, id="detail.unlist"),
        Binding("c", "copy", "Copy", id="detail.copy"),
        Binding("f", "filter_timeline", "Filter", id="detail.filter"),
        Binding("r", "refresh", "Refresh", id="detail.refresh"),
    ]

    def __init__(self, contact: Contact, status: AppStatus) -> None:
        super().__init__()
        self.contact = contact
        self._status = status
        self.lists: list[ContactList] = []
        self.lists_loaded = False

    # -- the app's parts --------------------------------------------------------------
    @property
    def orbit(self) -> CachedOrbit:
        return orbit_app(self).orbit

    @property
    def now(self) -> Callable[[], float]:
        return orbit_app(self).clock

    @property
    def read_only(self) -> bool:
        return orbit_app(self).gate.read_only

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(self._status)
        yield Static(title_text(self.contact), id="detail-title", markup=False)
        with Horizontal(id="detail-main"):
            with VerticalScroll(id="detail-left"):
                yield Static("", id="fields", markup=False)
                yield Static("Tags", classes="section", markup=False)
                yield Static("", id="tags", markup=False)
                yield Static("Metadata", classes="section", markup=False)
                yield Static("", id="metadata", markup=False)
                yield Static("Preferences", classes="section", markup=False)
                yield PreferencesBar(self.contact.preferences, id="prefs")
                yield Static("Lists", id="lists-title", classes="section", markup=False)
                yield OptionList(id="lists", markup=False)
            yield Timeline(self.contact.id, self.orbit, self.now, id="timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(PreferencesBar).read_only = self.read_only
        self.show_contact(self.contact)
        self.query_one("#timeline-list").focus()
        self.load_contact(refresh=False)
        self.load_lists()

    def show_contact(self, contact: Contact) -> None:
        self.contact = contact
        self.query_one("#detail-title", Static).update(title_text(contact))
        self.query_one("#fields", Static).update(fields_table(contact, self.now()))
        self.query_one("#tags", Static).update(tags_text(contact.tags))
        self.query_one("#metadata", Static).update(metadata_table(contact.metadata))
        self.query_one(PreferencesBar).set_preferences(contact.preferences)

    # -- loading ------------------------------------------------------------------------
    def load_contact(self, *, refresh: bool) -> None:
        self.run_worker(self._load_contact(refresh), group="detail-contact", exclusive=True,
                        exit_on_error=False)

    async def _load_contact(self, refresh: bool) -> None:
        try:
            result = await self.orbit.contact(self.contact.id, refresh=refresh)
        except Exception as error:  # noqa: BLE001 - keep what is shown, say why
            self.report(error)
            return
        if result.value != self.contact:
            self.show_contact(result.value)

    def load_lists(self, *, refresh: bool = False) -> None:
        self.run_worker(self._load_lists(refresh), group="detail-lists", exclusive=True,
                        exit_on_error=False)

    async def _load_lists(self, refresh: bool) -> None:
        try:
            result = await self.orbit.contact_lists_page(self.contact.id, refresh=refresh)
        except Exception as error:  # noqa: BLE001
            self.query_one("#lists-title", Static).update("Lists (could not load)")
            self.report(error)
            return
        self.lists = list(result.page.items)
        self.lists_loaded = True
        self._paint_lists()

    def _paint_lists(self) -> None:
        title = f"Lists · {format_count(len(self.lists))}"
        if not self.read_only:
            title += "  (l add · x remove)"
        self.query_one("#lists-title", Static).update(title)
        options = self.query_one("#lists", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for item in self.lists:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(clean(item.name)[:80] or item.id)
            options.add_option(Option(prompt, id=item.id))
        if not self.lists:
            options.add_option(Option(Text("in no list", style="dim"), disabled=True))
        elif highlighted is not None:
            options.highlighted = min(highlighted, len(self.lists) - 1)

    def report(self, error: BaseException) -> None:
        orbit_app(self).report_error(error)
        self.notify(describe_error(error), severity="error", timeout=8, markup=False)

    # -- read-only ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATIONS and self.read_only:
            return False  # hidden from the footer; on_key explains the refusal
        return True

    def on_key(self, event: events.Key) -> None:
        if not self.read_only:
            return
        for node in (self.focused, self):
            if node is None:
                continue
            for binding in node._bindings.key_to_bindings.get(event.key, ()):
                if binding.action in MUTATIONS:
                    event.stop()
                    self.refuse()
                    return

    def refuse(self) -> None:
        self.notify(READ_ONLY_REASON, title="Read-only", severity="warning", markup=False)

    # -- simple actions ---------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load_contact(refresh=True)
        self.load_lists(refresh=True)
        self.query_one(Timeline).load(refresh=True)

    def action_filter_timeline(self) -> None:
        self.query_one(Timeline).cycle_channel()

    @on(PreferencesBar.Toggle)
    def _toggle(self, event: PreferencesBar.Toggle) -> None:
        if self.read_only:
            self.refuse()
            return
        self.save_preference(event.channel, event.value)
