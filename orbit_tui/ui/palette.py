"""Command palette (``ctrl+p``) providers: screens and actions, recent contacts, lists,
segments and themes.

Each provider builds ``(title, help, callback)`` commands; :class:`_Commands` turns them into
palette hits (fuzzy matched on the title). Lists and segments are read once when the
palette opens (a failed read just leaves them out: the palette must never fail).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from orbit_tui.keymap import describe

Command = tuple[str, str, Callable[[], Any]]

SCREEN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Go to contacts", "contacts", "The contacts table (:contacts)"),
    ("Go to lists", "lists", "Contact lists (:lists)"),
    ("Go to segments", "segments", "Segments (:segments)"),
    ("Go to opt-outs", "optouts", "Contacts opted out of a channel (:optouts)"),
    ("Go to jobs", "jobs", "Bulk jobs (:jobs)"),
)


def _push(app: Any, screen_type: Callable[[Any], Any], item: Any) -> None:
    app.push_screen(screen_type(item))


class _Commands(Provider):
    """A provider over a fixed list of commands built at startup."""

    _commands: list[Command]

    async def startup(self) -> None:
        try:
            self._commands = await self.build()
        except Exception:  # noqa: BLE001 - the palette must open whatever happens
            self._commands = []

    async def build(self) -> list[Command]:
        return []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


class ScreensProvider(_Commands):
    """Every screen (via the ``:`` commands) and every action of the current screen."""

    async def build(self) -> list[Command]:
        app: Any = self.app
        commands: list[Command] = [
            (title, help_text, partial(app.run_command, name))
            for title, name, help_text in SCREEN_COMMANDS
        ]
        commands.append(("New contact", "Create a contact (n)", app.new_contact))
        commands.append(("Command line", "The : command line", app.action_command_line))
        commands.append(("Keys of this screen", "Every binding, grouped (?)", app.action_help))
        commands.extend(self._screen_actions())
        commands.append(("Quit", "Leave orbit-tui (q)", app.quit_safely))
        return commands

    def _screen_actions(self) -> list[Command]:
        app: Any = self.app
        screen = self.screen
        seen: set[tuple[int, str]] = set()
        commands: list[Command] = []
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if binding.system or not binding.id or not binding.description:
                continue
            if binding.id.startswith("app.") or (id(active.node), binding.action) in seen:
                continue
            seen.add((id(active.node), binding.action))
            key = binding.key_display or app.get_key_display(binding)
            title = f"{describe(binding.id) or binding.description} ({key})"
            where = type(screen).__name__.removesuffix("Screen")
            run = partial(app.call_later, app.run_action, binding.action, active.node)
            commands.append((title, f"{where} · {binding.id}", run))
        return commands


class ThemesProvider(_Commands):
    async def build(self) -> list[Command]:
        app: Any = self.app
        current = app.theme
        return [
            (f"Theme: {name}", "current theme" if name == current else "switch and remember",
             partial(app.choose_theme, name))
            for name in sorted(app.available_themes)
        ]


class RecentContactsProvider(_Commands):
    async def build(self) -> list[Command]:
        app: Any = self.app
        commands: list[Command] = []
        for contact in app.recent_contacts:
            label = contact.display_name or contact.id
            detail = " · ".join(x for x in (contact.phone, contact.email, contact.id) if x)
            commands.append((f"Contact: {label}", f"recent · {detail}",
                             partial(app.open_contact, contact)))
        return commands


class ListsProvider(_Commands):
    async def build(self) -> list[Command]:
        app: Any = self.app
        orbit = app.orbit
        if orbit is None:
            return []
        from orbit_tui.ui.screens.list_members import ListMembersScreen

        result = await orbit.lists_page({"limit": 100})
        return [
            (f"List: {item.name}", f"members of the list · {item.id}",
             partial(_push, app, ListMembersScreen, item))
            for item in result.page.items
        ]


class SegmentsProvider(_Commands):
    async def build(self) -> list[Command]:
        app: Any = self.app
        orbit = app.orbit
        if orbit is None:
            return []
        from orbit_tui.ui.screens.list_members import SegmentMembersScreen

        result = await orbit.segments_page({"limit": 100})
        return [
            (f"Segment: {item.name}", f"members of the segment · {item.id}",
             partial(_push, app, SegmentMembersScreen, item))
            for item in result.page.items
        ]


PROVIDERS: tuple[type[Provider], ...] = (
    ScreensProvider,
    RecentContactsProvider,
    ListsProvider,
    SegmentsProvider,
    ThemesProvider,
)
