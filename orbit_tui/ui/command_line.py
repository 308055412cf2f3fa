"""The ``:`` command line with completion of command names and theme names.

Completion is Textual's ``Suggester``: the rest of the suggestion shows dimmed after the
cursor and ``right`` (or ``end``) accepts it; ``tab`` accepts it as well here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input

from orbit_tui.ui.screens.modals import CommandLine

COMMANDS: tuple[str, ...] = (
    "contacts", "lists", "segments", "optouts", "jobs", "tag", "theme", "help", "palette",
    "quit", "q",
)


class CommandSuggester(Suggester):
    """Suggest a command name, or after ``theme `` a theme name."""

    def __init__(self, commands: Iterable[str], themes: Callable[[], Iterable[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._commands = tuple(commands)
        self._themes = themes

    async def get_suggestion(self, value: str) -> str | None:
        return suggest(value, self._commands, sorted(self._themes()))


def suggest(value: str, commands: Iterable[str], themes: Iterable[str]) -> str | None:
    """The completed line for ``value`` (``None`` when nothing fits)."""
    prefix = value.lstrip(":")
    lead = value[: len(value) - len(prefix)]
    name, space, argument = prefix.partition(" ")
    if not space:
        if not name:
            return None
        for command in commands:
            if command.startswith(name.lower()) and command != name.lower():
                return lead + command
        return None
    if name.lower() == "theme" and argument:
        for theme in themes:
            if theme.startswith(argument.lower()) and theme != argument:
                return f"{lead}{name} {theme}"
    return None


class CompletingCommandLine(CommandLine):
    """``CommandLine`` whose input completes commands and theme names."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, priority=True, id="command.complete"),
    ]

    def on_mount(self) -> None:
        command_input = self.query_one(Input)
        command_input.suggester = CommandSuggester(COMMANDS, lambda: self.app.available_themes)
        command_input.placeholder = "contacts · lists · segments · optouts · theme NAME · q  (tab completes)"

    def action_complete(self) -> None:
        command_input = self.query_one(Input)
        if command_input._suggestion:
            command_input.value = command_input._suggestion
            command_input.cursor_position = len(command_input.value)
