"""Copying a contact's phone, email or id to the clipboard.

The copy goes through Textual's ``App.copy_to_clipboard``, which writes an OSC 52 escape
sequence: the *local* terminal sets its clipboard, so it works over SSH too. Some
terminals ignore OSC 52 (Apple Terminal, the Linux console) and nothing tells the app;
there, and whenever ``ORBIT_TUI_CLIPBOARD=manual`` is set, the value is shown in a small
dialog, selected, for the user to copy by hand.

``c`` on the detail screen opens :class:`CopyChooser` (``p`` phone, ``e`` email, ``i`` id).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from orbit_tui.api.models import Contact
from orbit_tui.ui.safe import clean

NO_OSC52_TERMINALS = ("Apple_Terminal",)


def supports_osc52(env: Mapping[str, str] | None = None) -> bool:
    """Best guess whether the terminal honours OSC 52 (it cannot be asked)."""
    env = os.environ if env is None else env
    if env.get("ORBIT_TUI_CLIPBOARD", "").lower() == "manual":
        return False
    if env.get("TERM_PROGRAM", "") in NO_OSC52_TERMINALS:
        return False
    return env.get("TERM", "") != "linux"


def copyable_fields(contact: Contact) -> list[tuple[str, str, str]]:
    """(key, label, value) of what can be copied, in chooser order."""
    fields = [("p", "phone", contact.phone), ("e", "email", contact.email), ("i", "id", contact.id)]
    return [(key, label, clean(value)) for key, label, value in fields if value]


def copy_value(app: App[object], label: str, value: str, *,
               env: Mapping[str, str] | None = None) -> bool:
    """Copy ``value``; True when sent by OSC 52, False when the manual dialog was shown."""
    if supports_osc52(env):
        app.copy_to_clipboard(value)
        app.notify(f"Copied {label}: {value}", title="Clipboard", markup=False)
        return True
    app.push_screen(ManualCopyScreen(label, value))
    return False


class CopyChooser(ModalScreen[str | None]):
    """Which field to copy: ``p`` phone, ``e`` email, ``i`` id, or pick with enter."""

    DEFAULT_CSS = """
    CopyChooser { align: center middle; }
    #copy-box { width: 56; max-width: 100%; height: auto; border: round $accent;
                background: $surface; padding: 0 1; }
    #copy-options { height: auto; max-height: 6; border: none; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="copy.cancel"),
        Binding("p", "pick('phone')", "Phone", id="copy.phone"),
        Binding("e", "pick('email')", "Email", id="copy.email"),
        Binding("i", "pick('id')", "Id", id="copy.id"),
    ]

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        self.fields = copyable_fields(contact)

    def compose(self) -> ComposeResult:
        options = []
        for key, label, value in self.fields:
            prompt = Text.assemble((f"{key} ", "bold"), (f"{label:<6}", ""), (f" {value}", "dim"))
            prompt.truncate(50, overflow="ellipsis")
            options.append(Option(prompt, id=label))
        with Vertical(id="copy-box") as box:
            box.border_title = "Copy to clipboard"
            box.border_subtitle = "esc to close"
            yield OptionList(*options, id="copy-options", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_pick(self, label: str) -> None:
        if any(field == label for _, field, _ in self.fields):
            self.dismiss(label)
        else:
            self.notify(f"This contact has no {label}.", severity="warning", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ManualCopyScreen(ModalScreen[None]):
    """The value, selected in a field, for terminals that ignore OSC 52."""

    DEFAULT_CSS = """
    ManualCopyScreen { align: center middle; }
    #manual-box { width: 64; max-width: 100%; height: auto; border: round $accent;
                  background: $surface; padding: 0 1; }
    #manual-note { color: $text-muted; }
    """

    BINDINGS = [Binding("escape", "close", "Close", id="clip.close")]

    def __init__(self, label: str, value: str) -> None:
        super().__init__()
        self.label = label
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="manual-box") as box:
            box.border_title = f"Copy the {self.label}"
            box.border_subtitle = "esc to close"
            yield Static(
                "This terminal may not accept clipboard writes: select the value "
                "and copy it with your terminal.", id="manual-note", markup=False,
            )
            yield Input(self.value, id="manual-value", select_on_focus=True)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self.app.animation_level != "none"
        field.focus()

    def action_close(self) -> None:
        self.dismiss(None)
