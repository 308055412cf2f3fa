"""A simple picker of lists (type to narrow, enter to pick, escape to cancel).

Used by ``l`` on the contact detail screen to add the contact to a list.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from orbit_tui.api.models import ContactList
from orbit_tui.ui.safe import clean, format_count


class ListPickerScreen(ModalScreen[ContactList | None]):
    DEFAULT_CSS = """
    ListPickerScreen { align: center middle; }
    #picker-box { width: 64; max-width: 100%; height: auto; max-height: 80%;
                  border: round $accent; background: $surface; padding: 0 1; }
    #picker-filter { margin-bottom: 1; }
    #picker-options { height: auto; max-height: 14; border: none; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, lists: Sequence[ContactList], *, title: str = "Add to list",
                 exclude: set[str] | None = None) -> None:
        super().__init__()
        excluded = exclude or set()
        self.lists = [item for item in lists if item.id not in excluded]
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "type to narrow · enter pick · esc cancel"
            field = Input(placeholder="list name", id="picker-filter", compact=True)
            field.cursor_blink = self.app.animation_level != "none"
            yield field
            yield OptionList(id="picker-options", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, text: str) -> None:
        needle = text.strip().casefold()
        options = self.query_one(OptionList)
        options.clear_options()
        for item in self.lists:
            name = clean(item.name) or item.id
            if needle and needle not in name.casefold():
                continue
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(name[:60])
            prompt.append(f"  {format_count(item.member_count)} members", style="dim")
            options.add_option(Option(prompt, id=item.id))
        if options.option_count:
            options.highlighted = 0
        else:
            options.add_option(Option(Text("no list matches", style="dim"), disabled=True))

    @on(Input.Changed, "#picker-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        option = options.highlighted_option
        if option is not None and option.id:
            self._pick(option.id)

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._pick(event.option.id)

    def _pick(self, list_id: str) -> None:
        for item in self.lists:
            if item.id == list_id:
                self.dismiss(item)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)
