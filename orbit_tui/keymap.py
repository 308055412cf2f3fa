"""Every key binding of orbit-tui, by stable id, and how ``[keymap]`` overrides merge in.

Ids are ``<scope>.<action>``, the same ids the UI gives its ``Binding(..., id=...)``, so
Textual's ``App.set_keymap`` applies ``[keymap]`` overrides. Scopes: ``app`` (everywhere),
``contacts`` (the contacts screen), ``table`` (every table), ``detail`` (contact detail),
and one per dialog. A screen that adds bindings adds them here too (a test checks that
every ``Binding`` id in ``orbit_tui/ui`` is listed), and its scope to :data:`CONTEXTS`.

Key strings use Textual's names (``ctrl+p``, ``escape``, ``space``); a single printable
character such as ``/`` or ``G`` is also accepted (:func:`textual_keys` translates it, as
Textual's keymap does not). Several keys for one binding are separated by commas
(``"j,down"``). This module has no Textual dependency, so the command line
(``orbit-tui keys``) and the config loader can use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_KEYMAP: dict[str, tuple[str, str]] = {
    # anywhere
    "app.quit": ("q", "Quit (outside inputs)"),
    "app.quit_anywhere": ("ctrl+q", "Quit (anywhere)"),
    "app.command": (":", "Command line (:contacts, :lists, :tag +vip, :theme NAME, :q…)"),
    "app.palette": ("ctrl+p", "Command palette"),
    "app.help": ("?", "Every binding of the current screen"),
    # the contacts screen
    "contacts.search": ("/", "Focus the search box (search as you type)"),
    "contacts.table": ("escape", "Leave the search box, back to the table"),
    "contacts.open": ("enter", "Open the contact"),
    "contacts.mark": ("space", "Mark / unmark the row"),
    "contacts.mark_all": ("M", "Mark every contact matching the search and filters"),
    "contacts.clear_marks": ("U", "Clear all marks"),
    "contacts.filters": ("f", "Open the filter panel"),
    "contacts.drop_filter": ("x", "Drop the last filter"),
    "contacts.clear_filters": ("X", "Clear all filters"),
    "contacts.tags": ("t", "Edit tags of the marked rows, or of the current one"),
    "contacts.list": ("l", "Add the marked rows (or the current one) to a list"),
    "contacts.new": ("n", "New contact"),
    "contacts.delete": ("ctrl+d", "Delete the marked rows or the current one (asks first)"),
    "contacts.refresh": ("r", "Refresh from the server, bypassing the cache"),
    # every table
    "table.open": ("enter", "Open the row"),
    "table.down": ("down,j", "Move down"),
    "table.up": ("up,k", "Move up"),
    "table.page_down": ("pagedown", "Page down"),
    "table.page_up": ("pageup", "Page up"),
    "table.first": ("g,home,ctrl+home", "First row"),
    "table.last": ("G,end,ctrl+end", "Last row"),
    # the contact detail screen
    "detail.back": ("escape", "Back to the previous screen"),
    "detail.tags": ("t", "Edit the contact's tags"),
    "detail.list": ("l", "Add the contact to a list"),
    "detail.edit": ("e", "Edit the contact"),
    "detail.delete": ("ctrl+d", "Delete the contact (asks first)"),
    "detail.copy": ("c", "Copy a field (phone, email, id) to the clipboard"),
    "detail.refresh": ("r", "Refresh from the server, bypassing the cache"),
    "detail.unlist": ("x", "Remove the contact from the highlighted list"),
    "detail.filter": ("f", "Filter the activity timeline by channel (cycles)"),
    "detail.pref_prev": ("left", "Preferences: previous channel"),
    "detail.pref_next": ("right", "Preferences: next channel"),
    "detail.pref_toggle": ("space,enter", "Preferences: opt the channel in or out"),
    # the contact form and the detail screen's dialogs
    "form.save": ("ctrl+s", "Contact form: save"),
    "form.cancel": ("escape", "Contact form: leave (asks when there are unsaved changes)"),
    "delete.yes": ("y", "Delete confirmation: delete (typed name on LIVE profiles)"),
    "delete.cancel": ("escape", "Delete confirmation: cancel"),
    "count.yes": ("y", "Undo/retry/resume confirmation: go ahead (typed count on LIVE profiles)"),
    "count.cancel": ("escape", "Undo/retry/resume confirmation: cancel"),
    "copy.phone": ("p", "Copy: the phone"),
    "copy.email": ("e", "Copy: the email"),
    "copy.id": ("i", "Copy: the id"),
    "copy.cancel": ("escape", "Copy: cancel"),
    "clip.close": ("escape", "Manual copy: close"),
    "picker.cancel": ("escape", "List picker: cancel"),
    # list members and segment members (the contacts screen, with these replacing two keys)
    "members.back": ("escape", "Members: back to the lists or segments"),
    "members.remove": ("ctrl+d", "Members: remove the marked or current contacts from the list"),
    # the lists, segments and opt-outs screens (record tables)
    "records.back": ("escape", "Back to the previous screen"),
    "records.search": ("slash", "Focus the search box"),
    "records.refresh": ("r", "Refresh from the server, bypassing the cache"),
    "lists.open": ("enter", "Lists: open the members"),
    "lists.new": ("n", "Lists: new list"),
    "lists.edit": ("e", "Lists: rename or describe"),
    "lists.delete": ("ctrl+d", "Lists: delete (members are kept; asks first)"),
    "segments.open": ("enter", "Segments: open the members"),
    "segments.new": ("n", "Segments: new segment (rule builder)"),
    "segments.edit": ("e", "Segments: edit the rules"),
    "segments.delete": ("ctrl+d", "Segments: delete (asks first)"),
    "optouts.open": ("enter", "Opt-outs: open the contact"),
    "optouts.channel": ("c", "Opt-outs: cycle the channel filter"),
    # the rule builder
    "rules.save": ("ctrl+s", "Rule builder: save"),
    "rules.add_condition": ("ctrl+n", "Rule builder: add a condition"),
    "rules.add_group": ("ctrl+g", "Rule builder: add a group"),
    "rules.remove": ("ctrl+r", "Rule builder: remove the row"),
    "rules.indent": ("alt+right", "Rule builder: move the row into a group"),
    "rules.outdent": ("alt+left", "Rule builder: move the row out of its group"),
    "rules.cancel": ("escape", "Rule builder: cancel"),
    # bulk jobs
    "jobs.back": ("escape", "Jobs: back"),
    "jobs.open": ("enter", "Jobs: show the job's progress"),
    "jobs.undo": ("u", "Jobs: undo a finished job"),
    "jobs.retry": ("R", "Jobs: retry the failed items"),
    "jobs.resume": ("p", "Jobs: resume an interrupted job"),
    "jobs.reload": ("r", "Jobs: reload"),
    "progress.escape": ("escape", "Job progress: cancel the job, or go back when it ended"),
    "progress.hide": ("h", "Job progress: hide (the job goes on)"),
    "progress.back": ("b", "Job progress: back"),
    "preview.yes": ("y", "Bulk preview: run"),
    "preview.run": ("enter", "Bulk preview: run"),
    "preview.cancel": ("escape", "Bulk preview: cancel"),
    "tags.complete": ("tab", "Tag editor: complete the tag"),
    "tags.cancel": ("escape", "Tag editor: cancel"),
    "listform.save": ("ctrl+s", "List form: save"),
    "listform.cancel": ("escape", "List form: cancel"),
    # dialogs
    "filters.apply": ("ctrl+s", "Filter panel: apply"),
    "filters.clear": ("ctrl+r", "Filter panel: clear all"),
    "filters.cancel": ("escape", "Filter panel: cancel"),
    "confirm.yes": ("y", "Confirmation: yes"),
    "confirm.no": ("n,escape", "Confirmation: no"),
    "command.cancel": ("escape", "Command line: cancel"),
    "command.complete": ("tab", "Command line: accept the completion"),
    "help.close": ("escape,q,?", "Help: close"),
}

# Which scopes answer keys at the same time; a key may be bound once per context.
# Dialogs are contexts of their own: their bindings deliberately shadow the app's.
CONTEXTS: dict[str, tuple[str, ...]] = {
    "contacts screen": ("app", "contacts", "table"),
    "contact detail": ("app", "detail"),
    "filter panel": ("filters",),
    "confirmation": ("confirm",),
    "command line": ("command",),
    "help": ("help",),
    "contact form": ("form",),
    "delete confirmation": ("delete",),
    "job confirmation": ("count",),
    "copy chooser": ("copy",),
    "list picker": ("picker",),
    "manual copy": ("clip",),
    "list members": ("app", "contacts", "table", "members"),
    "lists screen": ("app", "records", "lists"),
    "segments screen": ("app", "records", "segments"),
    "opt-outs screen": ("app", "records", "optouts"),
    "rule builder": ("app", "rules"),
    "jobs screen": ("app", "jobs"),
    "job progress": ("app", "progress"),
    "bulk preview": ("preview",),
    "tag editor": ("tags",),
    "list form": ("listform",),
}

# Pairs meant to share a key, so no clash: one action bound at two levels (a table and its
# screen), or a screen that replaces a binding of the screen it extends.
SAME_ACTION: frozenset[frozenset[str]] = frozenset(
    {
        frozenset({"table.open", "contacts.open"}),
        frozenset({"contacts.table", "members.back"}),
        frozenset({"contacts.delete", "members.remove"}),
    }
)

_KEY_NAME_REPLACEMENTS = {  # how Textual names single characters
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
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


def character_key(character: str) -> str:
    """A single character as Textual names it: ``/`` → ``slash``, ``?`` → ``question_mark``."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return _KEY_NAME_REPLACEMENTS.get(name, name)


def normalise_key(key: str) -> str:
    """One key (no commas) as Textual matches it: ``/`` → ``slash``, ``Ctrl+P`` → ``ctrl+P``."""
    key = key.strip()
    if len(key) == 1:
        return character_key(key)
    if key.endswith("++"):
        modifiers, last = key[:-2].split("+"), "+"
    else:
        *modifiers, last = key.split("+")
    last = character_key(last) if len(last) == 1 else last.lower()
    return "+".join([*(m.lower() for m in modifiers), last])


def textual_keys(keys: str) -> str:
    """A binding's keys in Textual's form (``"/,ctrl+f"`` → ``"slash,ctrl+f"``)."""
    return ",".join(normalise_key(key) for key in split_keys(keys))


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
                if norm in owner and frozenset({owner[norm], binding}) in SAME_ACTION:
                    continue
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
