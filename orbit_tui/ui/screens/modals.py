"""Small modal screens: confirm, the ``:`` command line, and the ``?`` help."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; ``y``/``enter`` confirm, ``n``/``escape`` decline."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-box { width: 60; max-width: 100%; height: auto; border: round $warning;
                   background: $surface; padding: 1 2; }
    #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    #confirm-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._question = question
        self._yes, self._no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self._question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self._no} (n)", id="confirm-no")
                yield Button(f"{self._yes} (y)", variant="warning", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed, "#confirm-yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no_pressed(self) -> None:
        self.dismiss(False)


class CommandLine(ModalScreen[str | None]):
    """The ``:`` command line at the bottom of the screen."""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: transparent; }
    #command-input { dock: bottom; width: 1fr; border: none; height: 1; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="command.cancel")]

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="contacts · theme NAME · q", id="command-input", compact=True
        )

    def on_mount(self) -> None:
        command_input = self.query_one(Input)
        command_input.cursor_blink = self.app.animation_level != "none"
        command_input.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))


class HelpScreen(ModalScreen[None]):
    """Every binding of the screen it was opened from."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-box { width: 64; max-width: 100%; height: auto; max-height: 90%;
                border: round $accent; background: $surface; padding: 0 1; }
    """

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, title: str, bindings: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._rows = bindings

    def compose(self) -> ComposeResult:
        text = Text()
        width = max((len(key) for key, _ in self._rows), default=4) + 2
        for key, description in self._rows:
            text.append(key.ljust(width), style="bold")
            text.append(description + "\n")
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys · {self._title}"
            box.border_subtitle = "esc to close"
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
