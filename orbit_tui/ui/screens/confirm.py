"""Confirmations that a slip of the finger cannot give on a LIVE profile.

``DeleteConfirmScreen`` names what will be destroyed. On a TEST or DEMO profile ``y`` (or
the button) confirms. On a LIVE profile a slip of the finger must not delete a real
customer: the user types the thing's name (or the word ``delete``) and presses enter.
``escape`` always cancels. Reusable for any deletion.

``CountConfirmScreen`` confirms a bulk change started from the journal (undo, retry,
resume) the way a new bulk job is confirmed in its preview: ``y`` on TEST or DEMO; on
LIVE the number of contacts it touches (or ``yes``) typed, then enter.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from orbit_tui.policy import typed_count_confirms
from orbit_tui.ui.safe import clean


def typed_confirms(typed: str, name: str) -> bool:
    """Whether ``typed`` confirms deleting ``name`` (the name, or ``delete``, any case)."""
    answer = " ".join(typed.split()).casefold()
    return bool(answer) and answer in ("delete", " ".join(clean(name).split()).casefold())


class TypedConfirmScreen(ModalScreen[bool]):
    """What both confirmations share: on a LIVE profile only the typed answer confirms
    (``y`` is switched off, the confirm button waits for a right answer); elsewhere ``y``
    or the button does. ``escape`` or the other button cancels. Subclasses name their
    widgets ``#<PREFIX>-typed``, ``#<PREFIX>-yes`` and ``#<PREFIX>-no``."""

    PREFIX = ""
    MISMATCH = ""
    """Said when enter is pressed on a typed answer that does not confirm."""
    FOCUS_OFF_LIVE = "no"
    """The button focused when no typing is asked for (``yes`` or ``no``)."""

    live: bool

    def confirms(self, typed: str) -> bool:
        raise NotImplementedError

    def _widget(self, suffix: str) -> str:
        return f"#{self.PREFIX}-{suffix}"

    def on_mount(self) -> None:
        if self.live:
            typed = self.query_one(self._widget("typed"), Input)
            typed.cursor_blink = self.app.animation_level != "none"
            typed.focus()
        else:
            self.query_one(self._widget(self.FOCUS_OFF_LIVE), Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and self.live:
            return False  # on LIVE only the typed answer confirms
        return True

    def action_confirm(self) -> None:
        if not self.live:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.query_one(self._widget("yes"), Button).disabled = not self.confirms(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.confirms(event.value):
            self.dismiss(True)
        else:
            self.notify(self.MISMATCH, severity="warning", markup=False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.PREFIX}-no":
            self.dismiss(False)
        elif event.button.id == f"{self.PREFIX}-yes" and (
                not self.live or self.confirms(self.query_one(self._widget("typed"), Input).value)):
            self.dismiss(True)


class DeleteConfirmScreen(TypedConfirmScreen):
    PREFIX = "delete"
    MISMATCH = "Type the name exactly, or the word delete."

    DEFAULT_CSS = """
    DeleteConfirmScreen { align: center middle; }
    #delete-box { width: 64; max-width: 100%; height: auto; border: round $error;
                  background: $surface; padding: 1 2; }
    #delete-hint { color: $text-muted; margin-top: 1; }
    #delete-typed { margin-top: 1; }
    #delete-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    #delete-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delete.cancel"),
        Binding("y", "confirm", "Delete", id="delete.yes"),
    ]

    def __init__(self, what: str, name: str, ident: str, *, live: bool,
                 consequence: str = "") -> None:
        super().__init__()
        self.what = what
        self.name_to_type = clean(name)[:120] or ident
        self.ident = ident
        self.live = live
        self.consequence = consequence

    def compose(self) -> ComposeResult:
        question = Text()
        question.append(f"Delete {self.what} ")
        question.append(self.name_to_type, style="bold")
        question.append(f" ({clean(self.ident)})?")
        if self.consequence:
            question.append(f"\n{self.consequence}")
        question.append("\nThis cannot be undone.", style="bold")
        with Vertical(id="delete-box") as box:
            box.border_title = "● LIVE data" if self.live else "Delete"
            yield Static(question, id="delete-question")
            if self.live:
                yield Static(
                    Text("This profile uses a LIVE key. Type the name (or the word "
                         "delete) and press enter to confirm."),
                    id="delete-hint",
                )
                yield Input(placeholder="name or delete", id="delete-typed")
            with Horizontal(id="delete-buttons"):
                yield Button("Cancel (esc)", id="delete-no")
                label = "Delete" if self.live else "Delete (y)"
                yield Button(label, variant="error", id="delete-yes", disabled=self.live)

    def confirms(self, typed: str) -> bool:
        return typed_confirms(typed, self.name_to_type)


class CountConfirmScreen(TypedConfirmScreen):
    """Confirm a bulk change of ``total`` contacts; typed on a LIVE profile."""

    PREFIX = "count"
    MISMATCH = "Type the number of contacts exactly."
    FOCUS_OFF_LIVE = "yes"

    DEFAULT_CSS = """
    CountConfirmScreen { align: center middle; }
    #count-box { width: 64; max-width: 100%; height: auto; border: round $warning;
                 background: $surface; padding: 1 2; }
    CountConfirmScreen.live #count-box { border: round $error; }
    #count-hint { color: $text-muted; margin-top: 1; }
    #count-typed { margin-top: 1; }
    #count-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    #count-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="count.cancel"),
        Binding("y", "confirm", "Yes", id="count.yes"),
    ]

    def __init__(self, question: str, total: int, *, live: bool, yes: str = "Go ahead") -> None:
        super().__init__()
        self.question = question
        self.total = total
        self.live = live
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="count-box") as box:
            box.border_title = "● LIVE data — bulk change" if self.live else "Bulk change"
            yield Static(Text(clean(self.question)), id="count-question")
            if self.live:
                yield Static(
                    Text(f"This profile's key is treated as LIVE: real customers' contacts "
                         f"change. Type {self.total} (the number of contacts), then enter."),
                    id="count-hint",
                )
                yield Input(placeholder="number of contacts", id="count-typed")
            with Horizontal(id="count-buttons"):
                yield Button("Cancel (esc)", id="count-no")
                label = self.yes if self.live else f"{self.yes} (y)"
                yield Button(label, variant="warning", id="count-yes", disabled=self.live)

    def on_mount(self) -> None:  # TypedConfirmScreen's runs too, and focuses
        self.set_class(self.live, "live")

    def confirms(self, typed: str) -> bool:
        return typed_count_confirms(typed, self.total)
