"""Lists against the real sandbox: CRUD, members, membership removal and the list picker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from textual.widgets import Input

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.list_members import ListMembersScreen
from orbit_tui.ui.screens.lists import ListFormScreen, ListsScreen
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.screens.modals import ConfirmScreen

try:
    from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]
except ImportError:  # the helpers lived in conftest before
    from conftest import AppFactory, loaded, wait_for  # type: ignore[no-redef]


def api(server: SandboxServer, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"X-API-Key": server.api_key}
    response = httpx.request(method, f"{server.base_url}/{path}", headers=headers, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def server_lists(server: SandboxServer) -> dict[str, dict[str, Any]]:
    data = api(server, "GET", "contacts/lists", params={"limit": 100})["data"]
    return {item["name"]: item for item in data}


async def run_previewed_job(pilot: Any, app: Any) -> None:
    """Confirm a bulk job's preview (y) and wait for it to end on its progress screen."""
    from orbit_tui.ui.screens.bulk_preview import BulkPreviewScreen
    from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen

    await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen) and app.screen.plan is not None,
                   what="the bulk preview")
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen) and not app.screen.running,
                   what="the job's end on its progress screen", timeout=30)


def member_ids(server: SandboxServer, list_id: str) -> set[str]:
    data = api(server, "GET", f"contacts/lists/{list_id}/members", params={"limit": 100})["data"]
    return {item["id"] for item in data}


def lists_ready(app: Any) -> Any:
    return lambda: isinstance(app.screen, ListsScreen) and app.screen.loaded_once and not app.screen.is_loading


async def open_lists(pilot: Any) -> ListsScreen:
    app = pilot.app
    await wait_for(pilot, loaded(app), what="contacts")
    app.run_command("lists")
    await wait_for(pilot, lists_ready(app), what="the lists")
    return app.screen


def row_of(screen: ListsScreen, name: str) -> int:
    return next(i for i, item in enumerate(screen.items) if item.name == name)


async def test_create_rename_and_delete_a_list(sandbox: SandboxServer, make_app: AppFactory) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lists(pilot)
        before = len(screen.items)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ListFormScreen))
        await pilot.press(*"Spring [b]drive", "tab", *"first wave", "ctrl+s")
        await wait_for(pilot, lambda: any(i.name == "Spring [b]drive" for i in screen.items)
                       and not screen.is_loading, what="the new list")
        assert len(screen.items) == before + 1
        created = server_lists(sandbox)["Spring [b]drive"]
        assert created["description"] == "first wave" and created["member_count"] == 0

        screen.table.move_cursor(row=row_of(screen, "Spring [b]drive"))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ListFormScreen))
        name_input = app.screen.query_one("#list-name", Input)
        name_input.value = ""
        await pilot.press(*"Spring drive", "ctrl+s")
        await wait_for(pilot, lambda: any(i.name == "Spring drive" for i in screen.items))
        assert "Spring drive" in server_lists(sandbox)
        assert "Spring [b]drive" not in server_lists(sandbox)

        # An empty name is refused in the form, nothing is sent.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ListFormScreen))
        app.screen.query_one("#list-name", Input).value = "  "
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ListFormScreen)
        await pilot.press("escape")

        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen))
        question = str(app.screen.query_one("#delete-question").render())
        assert "Spring drive" in question and "members are kept" in question
        await pilot.press("escape")  # declined: nothing happens
        assert "Spring drive" in server_lists(sandbox)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: all(i.name != "Spring drive" for i in screen.items))
        assert "Spring drive" not in server_lists(sandbox)


async def test_members_open_search_remove_one_and_bulk_remove(
    sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path
) -> None:
    contacts = api(sandbox, "GET", "contacts", params={"limit": 8})["data"]
    ids = [c["id"] for c in contacts]
    created = api(sandbox, "POST", "contacts/lists", json={"name": "Members test"})["data"]
    api(sandbox, "POST", f"contacts/lists/{created['id']}/members", json={"contact_ids": ids})
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lists(pilot)
        screen.table.move_cursor(row=row_of(screen, "Members test"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListMembersScreen))
        members = app.screen
        await wait_for(pilot, lambda: members.loaded_once and not members.is_loading)
        assert {c.id for c in members.page_window.contacts()} == set(ids)

        # Search narrows the members.
        first = members.page_window.contacts()[0]
        await pilot.press("slash", *first.email or first.id[:6], "enter")
        await wait_for(pilot, lambda: not members.is_loading and members.page_window.row_count >= 1
                       and all(c.id == first.id for c in members.page_window.contacts()))
        await pilot.press("slash", "ctrl+u", "enter")
        await wait_for(pilot, lambda: not members.is_loading and members.page_window.row_count == len(ids))

        # Remove the current one.
        current = members.table.current
        assert current is not None
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: current.id not in member_ids(sandbox, created["id"]))
        await wait_for(pilot, lambda: not members.is_loading and members.page_window.row_count == len(ids) - 1)

        # Mark three and remove them through a bulk job.
        for _ in range(3):
            await pilot.press("space")
        marked = app.marks.ids()
        assert len(marked) == 3
        await pilot.press("ctrl+d")
        # Like every bulk job, and with no question before it: the preview (which asks),
        # then the progress screen (back with b).
        await run_previewed_job(pilot, app)
        left = set(ids) - {current.id} - set(marked)
        await wait_for(pilot, lambda: member_ids(sandbox, created["id"]) == left, what="bulk removal")
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is members, what="back to the members")
        await wait_for(pilot, lambda: not members.is_loading and members.page_window.row_count == len(left))
        jobs = app.runtime.engine().list_jobs()
        assert jobs and jobs[0].op.kind == "list_remove" and jobs[0].counts.changed == 3

        # Enter opens the contact; escape goes back to the members, then to the lists.
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is members)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ListsScreen))


async def test_l_adds_the_current_contact_to_a_list_found_by_a_fuzzy_name(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    from orbit_tui.ui.screens.list_picker import ListPickerScreen

    target = api(sandbox, "POST", "contacts/lists", json={"name": "Quarterly newsletter"})["data"]
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        contact = app.contacts_screen.current_contact()
        assert contact is not None
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPickerScreen), what="the picker")
        picker = app.screen
        await pilot.press(*"quartrly newslet")  # a typo: still found, first
        await pilot.pause(0.05)
        assert picker.option_ids[0] == target["id"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: contact.id in member_ids(sandbox, target["id"]), what="added")


async def test_l_creates_a_list_from_the_picker_and_adds_the_marked(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    from orbit_tui.ui.screens.list_picker import CREATE_ID, ListPickerScreen

    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        for _ in range(3):
            await pilot.press("space")
        marked = app.marks.ids()
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPickerScreen), what="the picker")
        picker = app.screen
        await pilot.press(*"Zq brand new list")
        await pilot.pause(0.05)
        assert picker.option_ids[0] == CREATE_ID
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Zq brand new list" in server_lists(sandbox), what="created")
        list_id = server_lists(sandbox)["Zq brand new list"]["id"]
        await wait_for(pilot, lambda: member_ids(sandbox, list_id) == set(marked), what="added")


async def test_l_with_many_marked_runs_a_bulk_job(
    sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path
) -> None:
    from orbit_tui.ui.screens.list_picker import ListPickerScreen

    target = api(sandbox, "POST", "contacts/lists", json={"name": "Bulk add target"})["data"]
    ids = [c["id"] for c in api(sandbox, "GET", "contacts", params={"limit": 100})["data"]]
    more = api(sandbox, "GET", "contacts", params={"limit": 100, "search": "a"})["data"]
    ids = list(dict.fromkeys(ids + [c["id"] for c in more]))
    assert len(ids) > 100
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        app.marks.add_many(ids)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPickerScreen), what="the picker")
        await pilot.press(*"Bulk add target", "enter")
        await run_previewed_job(pilot, app)  # the preview is the only question
        await wait_for(pilot, lambda: server_lists(sandbox)["Bulk add target"]["member_count"] == len(ids),
                       what="every marked contact added")
        await wait_for(pilot, lambda: bool(app.runtime.engine().list_jobs()))
        job = app.runtime.engine().list_jobs()[0]
        assert job.op.kind == "list_add" and job.op.list_id == target["id"]
