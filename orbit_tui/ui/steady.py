"""Hold text cursors steady, for screenshots: a blink follows the wall clock."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea


def steady_cursors(app: Any) -> None:
    """Stop every text cursor of every screen of ``app`` blinking, shown steadily."""
    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
            widget._cursor_visible = True
        for area in screen.query(TextArea):
            area.cursor_blink = False
