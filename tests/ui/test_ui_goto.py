"""The go-to commands (``:contacts``, ``:lists``, ``:segments``, ``:optouts``, ``:jobs``).

Each go-to screen sits straight on the root contacts screen: ``:contacts`` always gets
back to that root (list and segment members screens are contacts screens too, it must
not stop there), a screen of the same kind is never stacked twice, and ``escape`` from
any go-to screen leads back to the contacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from orbit_tui.bulk import BulkEngine, Journal
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.screens.contact_form import ContactFormScreen
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.screens.detail import ContactDetailScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.list_members import ListMembersScreen, SegmentMembersScreen
from orbit_tui.ui.screens.lists import ListsScreen
from orbit_tui.ui.screens.optouts import OptOutsScreen
from orbit_tui.ui.screens.segments import SegmentsScreen
from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]

SIZE = (120, 40)
KINDS = {"lists": ListsScreen, "segments": SegmentsScreen, "optouts": OptOutsScreen, "jobs": JobsScreen}


def kinds(app: OrbitApp) -> list[str]:
    """The stack above Textual's default screen, by class name."""
    return [type(screen).__name__ for screen in app.screen_stack[1:]]


def ready(app: OrbitApp, kind: type) -> Any:
    def check() -> bool:
        screen = app.screen
        return (type(screen) is kind and bool(getattr(screen, "loaded_once", True))
                and not getattr(screen, "is_loading", False))

    return check


async def typed(pilot: Any, command: str) -> None:
    """Type ``:command`` and enter, as a user does."""
    await pilot.press("colon", *command, "enter")
    await pilot.pause()


def make(make_app: AppFactory, sandbox: SandboxServer, tmp_path: Path) -> OrbitApp:
    app = make_app(sandbox)
    app.runtime.adopt_engine(BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db")))
    return app


async def test_contacts_returns_to_the_root_from_members_screens(
        sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path) -> None:
    app = make(make_app, sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        root = app.contacts_screen
        assert type(root) is ContactsScreen

        for group, members in (("lists", ListMembersScreen), ("segments", SegmentMembersScreen)):
            await typed(pilot, group)
            await wait_for(pilot, ready(app, KINDS[group]), what=group)
            await pilot.press("enter")
            await wait_for(pilot, ready(app, members), what=f"{group} members")
            assert isinstance(app.screen, ContactsScreen)  # why ":contacts" used to stop here
            await typed(pilot, "contacts")
            await wait_for(pilot, lambda: app.screen is root, what=":contacts from members")
            assert kinds(app) == ["ContactsScreen"]

        # From a contact's detail opened on a members screen, too.
        await typed(pilot, "lists")
        await wait_for(pilot, ready(app, ListsScreen), what="lists")
        await pilot.press("enter")
        await wait_for(pilot, ready(app, ListMembersScreen), what="list members")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="detail")
        await typed(pilot, "contacts")
        await wait_for(pilot, lambda: app.screen is root, what=":contacts from a detail")
        assert kinds(app) == ["ContactsScreen"]


async def test_go_to_never_stacks_and_escape_leads_back(
        sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path) -> None:
    app = make(make_app, sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        root = app.contacts_screen

        # Opt-outs from a list's members opens straight on the contacts, not on the members.
        app.run_command("lists")
        await wait_for(pilot, ready(app, ListsScreen), what="lists")
        await pilot.press("enter")
        await wait_for(pilot, ready(app, ListMembersScreen), what="list members")
        app.run_command("optouts")
        await wait_for(pilot, ready(app, OptOutsScreen), what="opt-outs")
        assert kinds(app) == ["ContactsScreen", "OptOutsScreen"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is root, what="escape from opt-outs")

        # Each go-to from another one, then again: one screen of each kind, right on the root.
        chain = ["lists", "segments", "optouts", "jobs", "lists"]
        for before, name in zip(chain, chain[1:]):
            kind = KINDS[name]
            if type(app.screen) is not KINDS[before]:
                app.run_command(before)
                await wait_for(pilot, ready(app, KINDS[before]), what=before)
            app.run_command(name)
            await wait_for(pilot, ready(app, kind), what=name)
            first = app.screen
            app.run_command(name)
            await pilot.pause()
            assert app.screen is first, f":{name} twice opened a second {kind.__name__}"
            assert kinds(app) == ["ContactsScreen", kind.__name__], (before, name)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is root, what="escape from lists")
        assert kinds(app) == ["ContactsScreen"]

        # A go-to screen already open is returned to, with what was opened from it closed.
        app.run_command("segments")
        await wait_for(pilot, ready(app, SegmentsScreen), what="segments")
        segments = app.screen
        await pilot.press("enter")
        await wait_for(pilot, ready(app, SegmentMembersScreen), what="segment members")
        app.run_command("segments")
        await wait_for(pilot, lambda: app.screen is segments, what="back to the same segments")
        assert kinds(app) == ["ContactsScreen", "SegmentsScreen"]


async def test_go_to_keeps_a_form_with_unsaved_changes(
        sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path) -> None:
    app = make(make_app, sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="detail")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")
        form = app.screen
        form.query_one("#field-first_name", Input).value = "Changed"
        app.run_command("lists")
        await pilot.pause()
        assert app.screen is form  # the edit is not thrown away
        assert "ContactFormScreen" in kinds(app)
        form.query_one("#field-first_name", Input).value = form.original.first_name
        app.run_command("lists")
        await wait_for(pilot, ready(app, ListsScreen), what="lists once the form is clean")
        assert kinds(app) == ["ContactsScreen", "ListsScreen"]
