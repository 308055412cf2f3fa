"""A Footer that rebuilds its keys only when the keys it shows change.

Textual's ``Footer`` recomposes (unmounts and mounts a widget per key, restyles them,
lays the screen out again) every time the screen's bindings are refreshed: on every
focus change and every time a screen is resumed. On the contacts screen that happened
on each search (``/`` focuses the search box, ``enter`` the table) and on each return
from a contact, for a footer that looked the same before and after. This one compares
what it would show with what it shows, and recomposes only when they differ.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

    def _signature(self, screen: Screen[Any]) -> tuple[object, ...]:
        """What compose would show: each shown key, its label, state and tooltip."""
        app = self.app
        keys: list[object] = []
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items():
            if binding.show or key == app.COMMAND_PALETTE_BINDING:
                keys.append((
                    binding.key, app.get_key_display(binding), binding.description,
                    binding.action, binding.group, enabled, tooltip,
                ))
        return (self.show_command_palette, self.compact, tuple(keys))

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = self._signature(screen)
            if shown == self._shown and self._bindings_ready:
                return
            self._shown = shown
        super().bindings_changed(screen)
