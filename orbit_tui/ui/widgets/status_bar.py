"""The one-line status bar every screen shows.

Left to right: the key-kind badge (``● LIVE`` reversed red, unmistakable; TEST; DEMO),
the profile name, ``READ-ONLY`` when mutations are refused, online/offline, requests in
flight, and the last error in one line. Every badge carries words or a symbol, not only a
colour, so it still reads in a 16-colour or monochrome terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.widgets import Static

from orbit_tui.ui.safe import clean
from orbit_tui.ui.status import AppStatus

# Explicit RGB (not ANSI names, which themes remap): still red/yellow/cyan once a
# 16-colour terminal downgrades them, and the words carry the meaning without colour.
BADGES: dict[str, tuple[str, str]] = {
    "LIVE": (" ● LIVE ", "bold #ffffff on #d70000"),
    "TEST": (" ◆ TEST ", "bold #000000 on #ffd700"),
    "DEMO": (" ◇ DEMO ", "bold #000000 on #5fd7ff"),
    "UNKNOWN": (" ● ? KEY ", "bold #ffffff on #d70000"),  # not provably a test key: LIVE's look
}


def render_status(
    status: AppStatus, width: int = 120, badge_styles: Mapping[str, Any] | None = None
) -> Text:
    """``badge_styles`` (kind → style) come from the theme's ``badge-*`` variables."""
    profile = status.profile
    label, style = BADGES.get(profile.kind, BADGES["UNKNOWN"])
    themed = badge_styles or {}
    style = themed.get(profile.kind) or (themed.get("LIVE", style) if profile.live else style)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(label, style=style)
    text.append(" ")
    text.append(clean(profile.name), style="bold")
    if profile.read_only:
        text.append(" ")
        text.append(" READ-ONLY ", style="bold reverse")
    text.append("  ")
    if status.online:
        text.append("● online", style="#00af00")
    else:
        text.append("○ OFFLINE", style="bold #ff5f5f")
    if status.in_flight:
        text.append(f"  ⇅ {status.in_flight}", style="bold")
    if status.job:
        text.append(f"  ⚙ {status.job}", style="bold")
    if status.last_error:
        text.append("  ✖ ", style="bold #ff5f5f")
        remaining = max(10, width - text.cell_len)
        error = Text(clean(status.last_error), style="#ff5f5f")
        error.truncate(remaining, overflow="ellipsis")
        text.append_text(error)
    return text


class StatusBar(Static):
    """Subscribes to the app's ``AppStatus`` and repaints when it changes."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, status: AppStatus, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._status = status
        self._shown: Text | None = None
        self._unsubscribe = status.subscribe(self._repaint)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._repaint())
        self._repaint()

    def on_resize(self) -> None:
        self._repaint()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _repaint(self) -> None:
        from orbit_tui.ui.themes import badge_styles

        styles = badge_styles(self.app.get_css_variables()) if self.is_attached else None
        text = render_status(self._status, self.size.width or 120, styles)
        if text == self._shown:
            return  # e.g. the in-flight count went 1 → 0 → 1 within one step
        self._shown = text
        # One line, 1fr wide: what it says never changes its size, so no layout.
        self.update(text, layout=False)
