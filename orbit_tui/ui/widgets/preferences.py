"""The channel preferences row of the contact detail screen.

Six channels, each opted in (✓), opted out (✗) or not set (·) — symbol and word, not only
colour. ``left``/``right`` pick a channel, ``space``/``enter`` ask to flip it (not set and
opted out become opted in; opted in becomes opted out). The widget does not save: it posts
:class:`PreferencesBar.Toggle` and the screen saves and calls :meth:`set_preferences`.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from orbit_tui.api.models import CHANNELS
from orbit_tui.ui.detail_text import preference_state, preferences_legend, preferences_text


class PreferencesBar(Widget, can_focus=True):
    DEFAULT_CSS = """
    PreferencesBar { height: auto; width: 1fr; }
    PreferencesBar:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("left", "move(-1)", "Channel", show=False, id="detail.pref_prev"),
        Binding("right", "move(1)", "Channel", show=False, id="detail.pref_next"),
        Binding("space,enter", "toggle_preference", "Toggle channel", id="detail.pref_toggle"),
    ]

    class Toggle(Message):
        """The user asked to set ``channel`` to ``value``."""

        def __init__(self, channel: str, value: bool) -> None:
            super().__init__()
            self.channel = channel
            self.value = value

    def __init__(self, preferences: dict[str, bool | None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preferences = dict(preferences)
        self.cursor = 0
        self.saving: str | None = None
        self.read_only = False

    def render(self) -> Text:
        cursor = self.cursor if self.has_focus else None
        text = preferences_text(self.preferences, cursor, self.saving)
        text.append("\n")
        text.append_text(preferences_legend())
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    @property
    def channel(self) -> str:
        return CHANNELS[self.cursor]

    def set_preferences(self, preferences: dict[str, bool | None], saving: str | None = None) -> None:
        self.preferences = dict(preferences)
        self.saving = saving
        self.refresh()

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(CHANNELS)
        self.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_preference" and self.read_only:
            return False  # hidden; the screen explains the refusal
        return True

    def action_toggle_preference(self) -> None:
        if self.saving:
            return
        current = preference_state(self.preferences, self.channel)
        self.post_message(self.Toggle(self.channel, current is not True))
