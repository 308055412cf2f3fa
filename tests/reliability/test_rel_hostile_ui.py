"""Hostile server data on every screen: shown literally, no action runs, no escape is written.

The sandbox is seeded hostile (markup, ANSI/OSC escapes, bidi, zero-width, CJK, emoji,
10,000-character strings) and the tests add what the seed lacks (``ESC[2J``, OSC 52,
C1 controls, BEL) to contacts, a list, a segment and tags through the API. Each screen is
rendered the way Textual writes it to the terminal and checked by ``assert_harmless``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.contact_edit import TEXT_FIELDS
from orbit_tui.ui.safe import clean
from rel_helpers import (CONTROL, EXTRA_HOSTILE, INVISIBLE, ZERO_WIDTH_NAME, api,  # type: ignore[import-not-found]
                         assert_harmless, build_app, contacts_loaded, wait_until)

SIZE = (120, 40)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("hostile") / "sandbox.db"
    server = SandboxServer(db, contacts=10, seed=7, hostile=True)
    server.start()
    try:
        url, key = server.base_url, server.api_key
        ids = []
        for number, value in enumerate(EXTRA_HOSTILE):
            made = api(url, key, "POST", "contacts", json={
                "first_name": value, "last_name": value, "email": f"evil{number}@example.com",
                "lifecycle_stage": "lead", "metadata": {value: value, "x": value},
            })
            api(url, key, "POST", f"contacts/{made['id']}/tags", json={"tags": [value[:60], "evil"]})
            ids.append(made["id"])
        big = api(url, key, "POST", "contacts", json={"first_name": "Long" + "W" * 9_996,
                                                      "last_name": "界" * 3000, "email": "long@example.com"})
        ids.append(big["id"])
        listing = api(url, key, "POST", "contacts/lists",
                      json={"name": "[@click=app.quit]L\x1b[2Jist\x1b]52;c;QUFBQQ==\x07\u200b\u202e",
                            "description": "[bold]desc\x9b2J"})
        api(url, key, "POST", f"contacts/lists/{listing['id']}/members", json={"contact_ids": ids})
        api(url, key, "POST", "contacts/segments",
            json={"name": "[link=https://evil.example]Seg\x1b[31m[/link]\ufeff\u2060", "rules": {"tags": {"$in": ["evil"]}}})
        yield {"server": server, "ids": ids, "list_id": listing["id"]}
    finally:
        server.stop()


def names_in_table(app: Any) -> str:
    table = app.screen.table
    return "\n".join(" ".join(cell.plain for cell in table.get_row_at(row)) for row in range(table.row_count))


async def test_contacts_search_and_detail_show_hostile_values_harmlessly(
        hostile: dict[str, Any], tmp_path: Path) -> None:
    server: SandboxServer = hostile["server"]
    app = build_app(server, tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")
        dump = assert_harmless(app, "contacts")
        header = next((line for line in dump.lines if "Name" in line and "Email" in line), None)
        assert header is not None, "the table header is gone"
        assert len(dump.lines) == SIZE[1]
        status = app.screen.query_one("StatusBar")
        assert status.region.height == 1 and "DEMO" in dump.lines[status.region.y].upper()

        # Search for a contact whose name is markup: the brackets show literally.
        await pilot.press("slash", *"Quit", "enter")
        await wait_until(pilot, lambda: contacts_loaded(app) and "Quit" in names_in_table(app), "search")
        dump = assert_harmless(app, "search")
        assert "[@click=app.quit]Qu" in dump.text
        assert "[@click=app.quit]Quit me[/]" in names_in_table(app)
        await pilot.click("#contacts", offset=(20, 1))  # clicking the markup runs nothing
        await pilot.pause()
        assert_harmless(app, "after a click on the row")

        # Every hostile contact's detail, with its timeline; the 10,000-char one too.
        for contact_id in hostile["ids"]:
            result = await app.orbit.contact(contact_id)
            app.open_contact(result.value)
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "detail")
            screen = app.screen
            await wait_until(pilot, lambda: screen.lists_loaded and app.status.in_flight == 0, "detail loaded")
            dump = assert_harmless(app, f"detail {contact_id}")
            assert len(dump.lines) == SIZE[1]
            assert all(len(line) <= SIZE[0] for line in dump.lines)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.contacts_screen, "back")



def form_values(form: Any) -> dict[str, str]:
    from textual.widgets import Input, TextArea

    values = {name: form.query_one(f"#field-{name}", Input).value for name in TEXT_FIELDS}
    values["metadata"] = form.query_one("#field-metadata", TextArea).text
    return values


async def open_form(app: Any, pilot: Any, contact_id: str) -> Any:
    result = await app.orbit.contact(contact_id, refresh=True)
    app.open_contact(result.value)
    await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "detail")
    await pilot.press("e")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactFormScreen", "edit form")
    return app.screen


async def test_edit_form_shows_hostile_values_harmlessly(hostile: dict[str, Any], tmp_path: Path) -> None:
    app = build_app(hostile["server"], tmp_path / "cache.db")
    zero_width = hostile["ids"][EXTRA_HOSTILE.index(ZERO_WIDTH_NAME)]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")
        # OSC 52 + BEL, C1 controls, zero-width and bidi in names, tags and metadata (ESC[2J
        # is in the form of the next test).
        for contact_id in (hostile["ids"][1], hostile["ids"][2], zero_width):
            raw = api(hostile["server"].base_url, hostile["server"].api_key, "GET", f"contacts/{contact_id}")
            form = await open_form(app, pilot, contact_id)
            dump = assert_harmless(app, f"edit form {contact_id}")
            shown = form_values(form)
            for name in TEXT_FIELDS:
                assert shown[name] == clean(raw[name]), name
                assert not CONTROL.search(shown[name]) and not INVISIBLE.search(shown[name])
            assert not CONTROL.search(shown["metadata"].replace("\n", "")) and not INVISIBLE.search(shown["metadata"])
            if contact_id == zero_width:
                assert "ZeroWidthJoinerBomRtlIso" in dump.text
            assert not form.dirty
            await pilot.press("escape")  # nothing edited: leaves without asking
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "detail again")
            assert_harmless(app, "after the edit form")
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.contacts_screen, "contacts again")


HOSTILE_CONTACT = {
    "first_name": "Clear\x1b[2Jscreen\u200b",
    "last_name": "Bell\x07ring\u202e",
    "email": "form-evil@example.com",
    "lifecycle_stage": "lead\x1b]52;c;ZXZpbA==\x07\u200d",
    "metadata": {"note\x1b[31m\u200b": "bidi\u202eeviL", "plain": "x\u200by", "n": 5, "multi": "a\nb\tc",
                 "list": ["\x1b]0;t\x07", 1]},
}


async def test_saving_the_form_sends_only_what_the_user_edited(hostile: dict[str, Any], tmp_path: Path) -> None:
    """Cleaning for display never rewrites data: untouched hostile fields stay as stored."""
    server: SandboxServer = hostile["server"]
    url, key = server.base_url, server.api_key
    made = api(url, key, "POST", "contacts", json=HOSTILE_CONTACT)
    before = api(url, key, "GET", f"contacts/{made['id']}")
    assert before["first_name"] == HOSTILE_CONTACT["first_name"]  # the server keeps it raw
    app = build_app(server, tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")

        # Open and save without touching anything: nothing is sent.
        form = await open_form(app, pilot, made["id"])
        assert_harmless(app, "edit form with ESC[2J, BEL, OSC 52")
        assert form_values(form)["first_name"] == "Clearscreen"
        assert form_values(form)["lifecycle_stage"] == "lead"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "saved")
        assert api(url, key, "GET", f"contacts/{made['id']}") == before

        # Edit the last name and one metadata value: only those reach the server.
        form = await open_form(app, pilot, made["id"])
        from textual.widgets import Input, TextArea

        form.query_one("#field-last_name", Input).value = "Edited"
        area = form.query_one("#field-metadata", TextArea)
        assert "plain = xy" in area.text
        area.text = area.text.replace("plain = xy", "plain = edited")
        await pilot.pause()
        assert form.dirty
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "saved")
        assert_harmless(app, "detail after saving")
    after = api(url, key, "GET", f"contacts/{made['id']}")
    assert after["last_name"] == "Edited"
    assert after["metadata"]["plain"] == "edited"
    for name in ("first_name", "email", "lifecycle_stage", "phone", "country_code", "tags"):
        assert after[name] == before[name], name
    assert {k: v for k, v in after["metadata"].items() if k != "plain"} == \
        {k: v for k, v in before["metadata"].items() if k != "plain"}


async def test_seeded_hostile_rows_show_markup_literally(hostile: dict[str, Any], tmp_path: Path) -> None:
    app = build_app(hostile["server"], tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")
        await pilot.press("slash", *"hostile", "enter")
        await wait_until(pilot, lambda: contacts_loaded(app) and app.screen.table.row_count > 10, "search")
        seen = ""
        for _ in range(6):  # page through every hostile row
            seen += assert_harmless(app, "hostile rows").text
            await pilot.press("pagedown")
            await pilot.pause()
        assert "[bold red]" in seen and "[link=" in seen
        assert "李小龍" in seen and "🚀" in seen


async def test_lists_members_segments_optouts_tags_and_jobs(hostile: dict[str, Any], tmp_path: Path) -> None:
    app = build_app(hostile["server"], tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")

        app.run_command("lists")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ListsScreen"
                         and app.screen.loaded_once and not app.screen.is_loading, "lists")
        dump = assert_harmless(app, "lists")
        assert "[@click=app.quit]L" in dump.text
        row = next(i for i, item in enumerate(app.screen.items) if item.id == hostile["list_id"])
        app.screen.table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ListMembersScreen"
                         and contacts_loaded(app) is not None and app.screen.loaded_once
                         and not app.screen.is_loading, "list members")
        dump = assert_harmless(app, "list members")
        assert "Clear" in dump.text

        app.run_command("segments")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SegmentsScreen"
                         and app.screen.loaded_once and not app.screen.is_loading, "segments")
        dump = assert_harmless(app, "segments")
        assert "[link=" in dump.text
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SegmentMembersScreen"
                         and app.screen.loaded_once and not app.screen.is_loading, "segment members")
        assert_harmless(app, "segment members")

        app.run_command("optouts")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "OptOutsScreen"
                         and app.screen.loaded_once and not app.screen.is_loading, "opt-outs")
        assert_harmless(app, "opt-outs")

        app.run_command("contacts")
        await wait_until(pilot, lambda: app.screen is app.contacts_screen, "contacts again")
        app.marks.add_many(hostile["ids"][:4])
        await pilot.press("t")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TagEditorScreen", "tag editor")
        await pilot.pause(0.3)
        assert_harmless(app, "tag editor")
        await pilot.press("escape")
        await pilot.pause()

        app.run_command("jobs")
        await pilot.pause(0.2)
        assert_harmless(app, "jobs")
    assert app.return_code == 0 or app.return_code is None


@pytest.mark.parametrize("group", ["lists", "segments"])
async def test_list_and_segment_edit_forms_show_hostile_names_harmlessly(
        hostile: dict[str, Any], tmp_path: Path, group: str) -> None:
    app = build_app(hostile["server"], tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")
        app.run_command(group)
        await wait_until(pilot, lambda: type(app.screen).__name__ in ("ListsScreen", "SegmentsScreen")
                         and app.screen.loaded_once and not app.screen.is_loading, group)
        screen = app.screen
        row = next(i for i, item in enumerate(screen.items) if "evil.example" in item.name or "\x1b[2J" in item.name)
        screen.table.move_cursor(row=row)
        await pilot.press("e")
        await wait_until(pilot, lambda: app.screen is not screen, "the edit form")
        await pilot.pause(0.2)
        assert_harmless(app, f"{group} edit form")


@pytest.mark.parametrize("group", ["lists", "segments"])
async def test_saving_an_untouched_hostile_name_keeps_it_and_an_edit_is_sent_clean(
        hostile: dict[str, Any], tmp_path: Path, group: str) -> None:
    """The forms show cleaned names; saving without touching the name must not rewrite it
    (no silent data change), while a name the user edits is sent as typed."""
    server: SandboxServer = hostile["server"]
    path = "contacts/lists" if group == "lists" else "contacts/segments"

    items = api(server.base_url, server.api_key, "GET", path, params={"limit": 100})
    wanted = next(item["id"] for item in items
                  if "evil.example" in item["name"] or "\x1b[2J" in item["name"])

    def stored() -> dict[str, Any]:
        items = api(server.base_url, server.api_key, "GET", path, params={"limit": 100})
        return next(item for item in items if item["id"] == wanted)

    before = stored()
    app = build_app(server, tmp_path / "cache.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "contacts")

        async def open_form() -> Any:
            app.run_command(group)
            await wait_until(pilot, lambda: type(app.screen).__name__ in ("ListsScreen", "SegmentsScreen")
                             and app.screen.loaded_once and not app.screen.is_loading, group)
            screen = app.screen
            screen.table.move_cursor(row=next(i for i, item in enumerate(screen.items)
                                              if item.id == before["id"]))
            await pilot.press("e")
            await wait_until(pilot, lambda: app.screen is not screen, "the edit form")
            await pilot.pause(0.2)
            return screen

        screen = await open_form()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, "the form to close")
        await pilot.pause(0.3)
        after = stored()
        assert after["name"] == before["name"]
        if group == "lists":
            assert after["description"] == before["description"]
        else:
            assert after["rules"] == before["rules"]

        await open_form()
        name_input = app.screen.query_one("#list-name" if group == "lists" else "#rb-name")
        assert name_input.value == clean(before["name"])
        name_input.value = name_input.value + " v2"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: stored()["name"] != before["name"], "the new name")
        assert stored()["name"] == (clean(before["name"]) + " v2").strip()
