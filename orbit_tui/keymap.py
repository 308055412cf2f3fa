"""Every key binding of orbit-tui, by stable id, and how ``[keymap]`` overrides merge in.

Ids are ``<scope>.<action>``. Scopes say where a binding is active:

- ``app``      everywhere
- ``table``    every table screen (contacts, list members, lists, segments, opt-outs…)
- ``contacts`` the contacts screen (a table screen)
- ``detail``   the contact detail screen

Key strings use Textual's names (``ctrl+p``, ``escape``, ``space``); a single printable
character such as ``/`` or ``G`` is also accepted. Several keys for one binding are
separated by commas (``"j,down"``). This module has no Textual dependency, so the command
line (``orbit-tui keys``) and the config loader can use it; the UI builds its ``Binding``
objects from :func:`effective_keymap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_KEYMAP: dict[str, tuple[str, str]] = {
    # anywhere
    "app.back": ("escape", "Leave the input, close the modal, or go back one screen"),
    "app.refresh": ("r", "Refresh from the server, bypassing the cache"),
    "app.command_line": (":", "Command line (:contacts, :lists, :tag +vip, :theme NAME, :q…)"),
    "app.palette": ("ctrl+p", "Command palette"),
    "app.help": ("?", "Every binding of the current screen"),
    "app.quit": ("q", "Quit (outside inputs)"),
    "app.quit_anywhere": ("ctrl+q", "Quit (anywhere)"),
    # every table screen
    "table.search": ("/", "Focus the search box (search as you type)"),
    "table.open": ("enter", "Open the row (contact, list members, segment)"),
    "table.down": ("j", "Move down (arrows work too)"),
    "table.up": ("k", "Move up (arrows work too)"),
    "table.first": ("g,ctrl+home", "First row"),
    "table.last": ("G,ctrl+end", "Last row"),
    "table.mark": ("space", "Mark / unmark the row"),
    "table.mark_all": ("M", "Mark every row matching the search and filters (after a count)"),
    "table.clear_marks": ("U", "Clear all marks"),
    "table.new": ("n", "New"),
    "table.edit": ("e", "Edit"),
    "table.delete": ("ctrl+d", "Delete (asks first)"),
    # contacts screen
    "contacts.filter": ("f", "Open the filter panel"),
    "contacts.tag": ("t", "Edit tags of the marked rows, or of the current one"),
    "contacts.add_to_list": ("l", "Add the marked rows (or the current one) to a list"),
    # contact detail
    "detail.tag": ("t", "Edit the contact's tags"),
    "detail.add_to_list": ("l", "Add the contact to a list"),
    "detail.edit": ("e", "Edit the contact"),
    "detail.delete": ("ctrl+d", "Delete the contact (asks first)"),
    "detail.copy": ("c", "Copy a field (phone, email, id) to the clipboard"),
}

# Which scopes are active at the same time (a key may appear once per context).
CONTEXTS: dict[str, tuple[str, ...]] = {
    "contacts screen": ("app", "table", "contacts"),
    "other table screens": ("app", "table"),
    "contact detail": ("app", "detail"),
}

_CHARACTER_NAMES = {
    " ": "space",
    "/": "slash",
    "?": "question_mark",
    ":": "colon",
    ";": "semicolon",
    ",": "comma",
    ".": "full_stop",
    "+": "plus",
    "-": "minus",
    "=": "equals_sign",
    "!": "exclamation_mark",
    "#": "number_sign",
    "*": "asterisk",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "<": "less_than_sign",
    ">": "greater_than_sign",
    "@": "at",
    "&": "ampersand",
    "|": "vertical_line",
    "\\": "backslash",
    "~": "tilde",
    "'": "apostrophe",
    '"': "quotation_mark",
}


@dataclass(frozen=True)
class Clash:
    """Two bindings that would answer the same key in the same place."""

    key: str
    first: str
    second: str
    context: str

    def __str__(self) -> str:
        return f"{self.key!r} is bound to both {self.first} and {self.second} ({self.context})"


def normalise_key(key: str) -> str:
    """One key (no commas) in a comparable form: ``/`` → ``slash``, ``Ctrl+P`` → ``ctrl+p``."""
    key = key.strip()
    if len(key) == 1:
        return _CHARACTER_NAMES.get(key, key)
    *modifiers, last = key.split("+") if not key.endswith("++") else [*key[:-2].split("+"), "+"]
    last = _CHARACTER_NAMES.get(last, last if len(last) == 1 else last.lower())
    return "+".join([*(m.lower() for m in modifiers), last])


def split_keys(keys: str) -> list[str]:
    """``"g,ctrl+home"`` → ``["g", "ctrl+home"]`` (a lone ``,`` is the comma key)."""
    if keys.strip() == ",":
        return [","]
    return [part.strip() for part in keys.split(",") if part.strip()]


def effective_keymap(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Binding id → key string, defaults with known overrides applied (unknown ids ignored)."""
    keymap = {binding: key for binding, (key, _) in DEFAULT_KEYMAP.items()}
    for binding, key in (overrides or {}).items():
        if binding in keymap:
            keymap[binding] = key
    return keymap


def unknown_ids(overrides: Mapping[str, str]) -> list[str]:
    """Override ids that name no binding (probably typos)."""
    return sorted(binding for binding in overrides if binding not in DEFAULT_KEYMAP)


def find_clashes(keymap: Mapping[str, str]) -> list[Clash]:
    """Keys bound twice within one context (see :data:`CONTEXTS`)."""
    clashes: list[Clash] = []
    seen_pairs: set[tuple[str, str, str]] = set()
    for context, scopes in CONTEXTS.items():
        owner: dict[str, str] = {}
        for binding, keys in keymap.items():
            if binding.split(".", 1)[0] not in scopes:
                continue
            for key in split_keys(keys):
                norm = normalise_key(key)
                if norm in owner and owner[norm] != binding:
                    pair = (norm, owner[norm], binding)
                    if pair not in seen_pairs:
                        seen_pairs.add(pair)
                        clashes.append(Clash(key, owner[norm], binding, context))
                else:
                    owner[norm] = binding
    return clashes


def describe(binding: str) -> str:
    """The human description of a binding id ('' when unknown)."""
    return DEFAULT_KEYMAP.get(binding, ("", ""))[1]
