"""Start-up checks of the ``[keymap]`` overrides: clashes, unknown ids, swallowed keys.

Textual's ``App.set_keymap`` applies the overrides by binding id; these notices tell the
user at start what will not work as they meant (``orbit-tui keys`` prints the same).
"""

from __future__ import annotations

from collections.abc import Mapping

from orbit_tui.keymap import effective_keymap, find_clashes, normalise_key, split_keys, unknown_ids

SWALLOWED_KEYS: frozenset[str] = frozenset({"ctrl+enter", "ctrl+space", "ctrl+shift+enter",
                                            "shift+enter", "ctrl+tab", "ctrl+shift+tab"})
"""Keys many terminals never send (or send as something else): never the only key."""


def swallowed_only(keys: str) -> bool:
    """True when every key of ``keys`` is one terminals commonly swallow."""
    parts = [normalise_key(key) for key in split_keys(keys)]
    return bool(parts) and all(part in SWALLOWED_KEYS for part in parts)


def keymap_notices(overrides: Mapping[str, str]) -> list[str]:
    """What to tell the user about their ``[keymap]`` at start (empty when all is well)."""
    notices: list[str] = []
    for binding in unknown_ids(overrides):
        notices.append(f"[keymap] {binding}: no such binding (see `orbit-tui keys`); ignored")
    for clash in find_clashes(effective_keymap(overrides)):
        notices.append(f"[keymap] clash: {clash}")
    for binding, keys in overrides.items():
        if swallowed_only(keys):
            notices.append(
                f"[keymap] {binding} = {keys!r}: many terminals never send that key; "
                f"add a plain one too, e.g. \"{keys},f5\""
            )
    return notices
