"""A minimal, read-only view of one contact.

A placeholder until the full detail screen (editing, preferences, lists, activity)
lands: it shows the contact's fields literally and goes back with ``escape``.
"""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from orbit_tui.api.models import CHANNELS, Contact
from orbit_tui.ui.safe import clean, format_phone, literal
from orbit_tui.ui.status import AppStatus
from orbit_tui.ui.widgets.status_bar import StatusBar


def contact_fields(contact: Contact) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()

    def row(label: str, value: object) -> None:
        table.add_row(label, literal(value) if not isinstance(value, Text) else value)

    row("Name", contact.display_name)
    row("Id", contact.id)
    row("Phone", format_phone(contact.phone, contact.country_code))
    row("Email", contact.email)
    row("Country", contact.country_code)
    row("Stage", contact.lifecycle_stage)
    row("Tags", ", ".join(clean(t) for t in contact.tags) or "—")
    created = contact.created_at.strftime("%Y-%m-%d %H:%M UTC") if contact.created_at else ""
    updated = contact.updated_at.strftime("%Y-%m-%d %H:%M UTC") if contact.updated_at else ""
    row("Created", created)
    row("Updated", updated)
    prefs = []
    for channel in CHANNELS:
        value = contact.preferences.get(channel)
        prefs.append(f"{channel} {'✓' if value else ('✗' if value is False else '·')}")
    row("Preferences", "  ".join(prefs))
    for key, value in sorted(contact.metadata.items()):
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        row(f"meta.{clean(key)}", shown)
    return table


class ContactDetailScreen(Screen[None]):
    DEFAULT_CSS = """
    ContactDetailScreen #detail-body { padding: 1 2; }
    ContactDetailScreen #detail-note { color: $text-muted; padding: 0 2; }
    """

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="detail.back")]

    def __init__(self, contact: Contact, status: AppStatus) -> None:
        super().__init__()
        self.contact = contact
        self._status = status

    def compose(self) -> ComposeResult:
        yield StatusBar(self._status)
        with VerticalScroll(id="detail-body"):
            yield Static(contact_fields(self.contact))
        yield Static(
            "A simple read-only view: editing, preferences, lists and activity come later.",
            id="detail-note",
            markup=False,
        )
        yield Footer()
