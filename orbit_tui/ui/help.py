"""The ``?`` help: the current screen's bindings, grouped by purpose.

The group comes from the binding id's prefix (``contacts.search`` → "Contacts",
``table.down`` → "Moving in the table"); a prefix without a label here is shown
capitalised, so a new screen's bindings are grouped without touching this file.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from orbit_tui.ui.screens.modals import HelpScreen

GROUP_LABELS: dict[str, str] = {
    "app": "Anywhere",
    "contacts": "Contacts",
    "table": "Moving in the table",
    "detail": "Contact detail",
    "records": "This list of records",
    "lists": "Lists",
    "segments": "Segments",
    "members": "Members",
    "optouts": "Opt-outs",
    "rules": "Rule builder",
    "form": "Contact form",
    "listform": "List form",
    "filters": "Filter panel",
    "jobs": "Jobs",
}

HelpGroups = list[tuple[str, list[tuple[str, str]]]]


def group_label(binding_id: str) -> str:
    scope = binding_id.split(".", 1)[0]
    return GROUP_LABELS.get(scope, scope.replace("_", " ").capitalize())


def help_groups(app: Any, screen: Any) -> HelpGroups:
    """(group, [(keys, description)]) for every app binding active on ``screen``.

    The screen's own groups come first, then its widgets', "Anywhere" (the app's) last;
    keys of one binding are joined.
    """
    rows: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    rank: dict[str, int] = {}
    for _key, active in screen.active_bindings.items():
        binding = active.binding
        description = binding.description or binding.action
        if not description or binding.system or not binding.id:
            continue  # only the app's own bindings (they all carry an id)
        label = binding.key_display or app.get_key_display(binding)
        group, keys, _ = rows.setdefault(
            (id(active.node), binding.action), (group_label(binding.id), [], description)
        )
        if label not in keys:
            keys.append(label)
        level = 0 if active.node is screen else 2 if active.node is app else 1
        rank[group] = min(rank.get(group, level), level)
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, keys, description in rows.values():
        groups.setdefault(group, []).append((" / ".join(keys), description))
    return sorted(groups.items(), key=lambda item: rank[item[0]])


class GroupedHelpScreen(HelpScreen):
    """``HelpScreen`` with a heading per group."""

    def __init__(self, title: str, groups: HelpGroups) -> None:
        super().__init__(title, [row for _, rows in groups for row in rows])
        self._groups = groups

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self._rows), default=4) + 2
        text = Text()
        for index, (group, rows) in enumerate(self._groups):
            if index:
                text.append("\n")
            text.append(f"{group}\n", style="bold underline")
            for key, description in rows:
                text.append("  " + key.ljust(width), style="bold")
                text.append(description + "\n")
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys · {self._title}"
            box.border_subtitle = "esc to close"
            yield Static(text)
