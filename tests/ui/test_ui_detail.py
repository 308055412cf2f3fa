"""Pilot tests of the contact detail screen, its form and dialogs, against a real sandbox.

One sandbox per module: each test works on its own contact so the order does not matter.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, OptionList

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import NotFoundError
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.clipboard import CopyChooser, ManualCopyScreen
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.screens.contact_form import ContactFormScreen
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.screens.detail import ContactDetailScreen
from orbit_tui.ui.screens.list_picker import ListPickerScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.status import ProfileInfo
from orbit_tui.ui.widgets.preferences import PreferencesBar
from orbit_tui.ui.widgets.timeline import Timeline

from conftest import FIXED_NOW, AppFactory, loaded, wait_for  # type: ignore[import-not-found]
from detail_helpers import make_sparse, open_detail, plain, seeded  # type: ignore[import-not-found]

SIZE = (120, 40)


def notes(app: Any) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


@pytest.fixture(scope="module")
def picks(sandbox: SandboxServer) -> dict[str, Any]:
    """Distinct seeded contacts for each test (chosen once per module)."""
    import asyncio

    rows = asyncio.run(seeded(sandbox, 60))
    contacts = [c for c, _ in rows]
    busiest = max(rows, key=lambda row: row[1])
    us = [c for c in contacts if c.country_code == "US" and c.id != busiest[0].id]
    rest = [c for c in contacts if c.id != busiest[0].id and c not in us[:3]]
    return {
        "busiest": busiest[0], "busiest_total": busiest[1],
        "us_edit": us[0], "us_guard": us[1], "us_422": us[2],
        "prefs": rest[5], "lists": rest[6], "copy": rest[7], "delete": rest[8],
        "readonly": rest[9], "other": rest[10],
    }


async def client_for(server: SandboxServer) -> OrbitClient:
    return OrbitClient(server.base_url, server.api_key)


# -- what it shows -----------------------------------------------------------------------------
async def test_fields_chips_metadata_preferences_and_lists(
    sandbox: SandboxServer, make_app: AppFactory, clock: Any, picks: dict[str, Any]
) -> None:
    contact = picks["busiest"]
    app = make_app(sandbox, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        fields = plain(screen.query_one("#fields"))
        assert contact.email in fields
        created = contact.created_at.strftime("%Y-%m-%d %H:%M UTC")
        days = int((FIXED_NOW - contact.created_at.timestamp()) // 86400)
        assert f"{created} ({days} d ago)" in fields or "mo ago" in fields
        title = plain(screen.query_one("#detail-title"))
        assert contact.id in title and contact.display_name in title
        tags = plain(screen.query_one("#tags"))
        assert all(f"[{t}]" in tags for t in contact.tags) or (not contact.tags and "no tags" in tags)
        meta = plain(screen.query_one("#metadata"))
        assert all(key in meta for key in contact.metadata)
        prefs = str(screen.query_one(PreferencesBar).render())
        for channel, value in contact.preferences.items():
            assert f"{'✓' if value else '✗'} {channel}" in prefs
        async with await client_for(sandbox) as client:
            lists = (await client.contact_lists(contact.id)).items
        assert sorted(item.id for item in screen.lists) == sorted(item.id for item in lists)


async def test_phone_is_formatted_with_its_country(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["us_edit"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        fields = plain(screen.query_one("#fields"))
        assert "+1 " in fields and "United States" in fields


async def test_timeline_pages_as_you_scroll_and_filters_by_channel(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact, total = picks["busiest"], picks["busiest_total"]
    assert total > 30, "the seed should give some contact a long timeline"
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        timeline = screen.query_one(Timeline)
        assert len(timeline.items) == timeline.page_size < total
        assert f"{timeline.page_size} of {total}" in timeline.head_text
        stamps = [item.timestamp for item in timeline.items]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        timeline.option_list.focus()
        for _ in range(total // timeline.page_size + 1):
            await pilot.press("end")  # near the end: the next page comes
            await wait_for(pilot, lambda: not timeline.fetching, what="a page")
        await wait_for(pilot, lambda: len(timeline.items) == total and not timeline.fetching,
                       what="every event")
        assert not timeline.has_more
        await pilot.press("f")  # all -> sms
        await wait_for(pilot, lambda: timeline.loaded_once and not timeline.fetching
                       and timeline.channel == "sms", what="sms events")
        async with await client_for(sandbox) as client:
            sms = await client.list_activity(contact.id, channel="sms", limit=100)
        assert [i.message_id for i in timeline.items] == [i.message_id for i in sms.items][
            : len(timeline.items)
        ]
        assert all(item.channel == "sms" for item in timeline.items)
        assert "sms" in timeline.head_text


async def test_event_colours_follow_the_theme(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    """Events are coloured by the theme's ``event-*`` variables, and repainted on a switch."""
    from rich.color import Color
    from rich.style import Style

    def sent_colours(timeline: Timeline) -> set[str]:
        found = set()
        for index, item in enumerate(timeline.items):
            if item.type == "message.sent":
                prompt = timeline.option_list.get_option_at_index(index).prompt
                found |= {Style.parse(str(span.style)).color.get_truecolor().hex
                          for span in prompt.spans[:1]}
        return found

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, picks["busiest"].id)
        timeline = screen.query_one(Timeline)
        assert any(item.type == "message.sent" for item in timeline.items)
        dark = app.get_css_variables()["event-sent"]
        assert sent_colours(timeline) == {Color.parse(dark).get_truecolor().hex}
        app.theme = "orbit-light"
        await pilot.pause()
        light = app.get_css_variables()["event-sent"]
        assert light != dark
        await wait_for(pilot, lambda: sent_colours(timeline) == {Color.parse(light).get_truecolor().hex},
                       what="light event colours")


async def test_an_empty_timeline_says_so(sandbox: SandboxServer, make_app: AppFactory) -> None:
    sparse = await make_sparse(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, sparse.id)
        assert "No activity" in screen.query_one(Timeline).empty_text
        assert "in no list" in str(screen.query_one("#lists", OptionList).get_option_at_index(0).prompt)


# -- preferences and lists -------------------------------------------------------------------------
async def test_toggling_a_preference_saves_it(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["prefs"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        bar = screen.query_one(PreferencesBar)
        bar.focus()
        await pilot.press("right")  # whatsapp
        before = contact.preferences.get("whatsapp")
        await pilot.press("space")
        expected = before is not True
        await wait_for(pilot, lambda: bar.saving is None
                       and bar.preferences.get("whatsapp") is expected, what="saved")
        async with await client_for(sandbox) as client:
            stored = await client.get_contact(contact.id)
        assert stored.preferences["whatsapp"] is expected
        assert app.orbit.peek_contact(contact.id).value.preferences["whatsapp"] is expected
        assert ("opted in to" if expected else "opted out of") + " whatsapp" in notes(app)


async def test_add_to_a_list_and_remove_from_it(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["lists"]
    async with await client_for(sandbox) as client:
        target = await client.create_list("Detail test list")
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPickerScreen), what="picker")
        await pilot.press(*"Detail test", "enter")
        await wait_for(pilot, lambda: any(i.id == target.id for i in screen.lists), what="added")
        async with await client_for(sandbox) as client:
            ids = [i.id for i in (await client.contact_lists(contact.id)).items]
        assert target.id in ids
        options = screen.query_one("#lists", OptionList)
        options.focus()
        options.highlighted = [i.id for i in screen.lists].index(target.id)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="ask")
        await pilot.press("y")
        await wait_for(pilot, lambda: all(i.id != target.id for i in screen.lists), what="gone")
        async with await client_for(sandbox) as client:
            ids = [i.id for i in (await client.contact_lists(contact.id)).items]
        assert target.id not in ids


# -- the form ----------------------------------------------------------------------------------
async def open_form(pilot: Any, contact_id: str) -> ContactFormScreen:
    await open_detail(pilot, contact_id)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ContactFormScreen), what="form")
    return pilot.app.screen  # type: ignore[no-any-return]


async def test_local_errors_show_on_their_fields_and_nothing_is_sent(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["us_guard"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, contact.id)
        form.set_value("phone", "12")
        form.set_value("email", "someone@")
        form.set_value("country_code", "Germany")
        form.set_value("metadata", "plan = gold\nno equals sign here")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a valid phone number" in form.error_for("phone")
        assert "email" in form.error_for("email").lower()
        assert "DE (Germany)" in form.error_for("country_code")
        assert "Line 2" in form.error_for("metadata")
        assert isinstance(app.screen, ContactFormScreen)
        assert form.query_one("#field-phone").has_class("-invalid")
        form.set_value("country_code", "")
        form.set_value("phone", "")
        form.set_value("email", "")
        form.set_value("metadata", form.original.metadata)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "phone or an email" in form.error_for("phone")
    async with await client_for(sandbox) as client:
        stored = await client.get_contact(contact.id)
    assert stored.updated_at == contact.updated_at


async def test_edit_normalises_a_national_phone_and_changes_metadata(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["us_edit"]
    keys = sorted(contact.metadata)
    removed, changed = keys[0], keys[1]
    lines = [f"{k} = {v if isinstance(v, str) else v}" for k, v in sorted(contact.metadata.items())
             if k != removed]
    lines = [f"{changed} = updated" if line.startswith(f"{changed} =") else line for line in lines]
    lines.append("favourite_colour = teal")
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, contact.id)
        form.set_value("phone", "(415) 555-2671")
        form.set_value("last_name", "Edited")
        form.set_value("lifecycle_stage", "customer")
        form.set_value("metadata", "\n".join(lines))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="saved")
        assert "+1 415-555-2671" in plain(app.screen.query_one("#fields"))
    async with await client_for(sandbox) as client:
        stored = await client.get_contact(contact.id)
    assert stored.phone == "+14155552671"
    assert stored.last_name == "Edited" and stored.lifecycle_stage == "customer"
    assert removed not in stored.metadata
    assert stored.metadata[changed] == "updated"
    assert stored.metadata["favourite_colour"] == "teal"
    untouched = [k for k in keys if k not in (removed, changed)]
    assert all(stored.metadata[k] == contact.metadata[k] for k in untouched)  # types kept


async def test_a_server_422_lands_on_the_field_it_names(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["us_422"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, contact.id)
        form.set_value("first_name", "A" * 10_001)  # only the server knows the limit
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(form.error_for("first_name")), what="422")
        assert "10000" in form.error_for("first_name")
        assert isinstance(app.screen, ContactFormScreen)


async def test_a_duplicate_email_409_lands_on_the_email_field(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact, other = picks["us_422"], picks["other"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, contact.id)
        form.set_value("email", other.email)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(form.error_for("email")), what="409")
        assert "Another contact already has this email" in form.error_for("email")


async def test_escape_with_unsaved_changes_asks_first(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["us_guard"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, contact.id)
        await pilot.press("escape")  # nothing changed: leaves at once
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="left")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")
        await pilot.press(*"zz")  # typed into the first name
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="kept")
        assert app.screen.values().first_name.endswith("zz")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="gone")
    async with await client_for(sandbox) as client:
        stored = await client.get_contact(contact.id)
    assert stored.first_name == contact.first_name


async def test_n_on_contacts_creates_a_contact_and_opens_it(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")
        form = app.screen
        form.set_value("first_name", "Nadia")
        form.set_value("country_code", "de")
        form.set_value("phone", "030 901820")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="opened")
        created = app.screen.contact
    assert created.phone == "+4930901820" and created.country_code == "DE"
    async with await client_for(sandbox) as client:
        assert (await client.get_contact(created.id)).first_name == "Nadia"


# -- delete ----------------------------------------------------------------------------------------
async def test_delete_from_detail_removes_it_everywhere(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["delete"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, contact.id)
        table = app.contacts_screen.table
        assert any(table.contact_at(i).id == contact.id for i in range(table.row_count))
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen), what="ask")
        assert contact.display_name in plain(app.screen.query_one("#delete-question"))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen), what="back")
        assert all(table.contact_at(i).id != contact.id for i in range(table.row_count))
        assert app.orbit.peek_contact(contact.id) is None
        assert screen.contact.id == contact.id
    async with await client_for(sandbox) as client:
        with pytest.raises(NotFoundError):
            await client.get_contact(contact.id)


async def test_live_delete_needs_the_name_typed(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=20)
    app = make_app(server, profile=ProfileInfo(name="prod", kind="LIVE"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        victim = screen.table.current
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen), what="ask")
        await pilot.press("y", "enter")  # "y" is typed, not a confirmation
        await pilot.pause()
        assert isinstance(app.screen, DeleteConfirmScreen)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"delete", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen)
                       and all(screen.table.contact_at(i).id != victim.id
                               for i in range(screen.table.row_count)), what="deleted")
        assert screen.page_window.total == 19


async def test_ctrl_d_with_marked_rows_points_to_bulk_jobs(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("space", "ctrl+d")
        await pilot.pause()
        assert "bulk delete comes with the bulk jobs screen" in notes(app)
        assert isinstance(app.screen, ContactsScreen)


# -- copy, read-only ------------------------------------------------------------------------------
async def test_copy_phone_email_or_id(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contact = picks["copy"]
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    monkeypatch.delenv("ORBIT_TUI_CLIPBOARD", raising=False)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, contact.id)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CopyChooser), what="chooser")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="copied")
        assert app.clipboard == contact.email
        assert f"Copied email: {contact.email}" in notes(app)
        await pilot.press("c", "i")
        await pilot.pause()
        assert app.clipboard == contact.id
        monkeypatch.setenv("ORBIT_TUI_CLIPBOARD", "manual")
        await pilot.press("c", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualCopyScreen), what="fallback")
        assert app.screen.query_one(Input).value == contact.phone
        assert app.clipboard == contact.id  # nothing sent
        await pilot.press("escape")


async def test_read_only_hides_and_refuses_every_change(
    sandbox: SandboxServer, make_app: AppFactory, picks: dict[str, Any]
) -> None:
    contact = picks["readonly"]
    app = make_app(sandbox, profile=ProfileInfo(name="audit", kind="LIVE", read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ContactFormScreen)
        assert "read-only" in notes(app)
        screen = await open_detail(pilot, contact.id)
        shown = {b.binding.action for b in screen.active_bindings.values()
                 if screen.check_action(b.binding.action, ()) }
        assert not shown & {"edit", "delete", "add_to_list"}
        footer_actions = {b.binding.action for b in app.screen.active_bindings.values()
                          if b.enabled}
        assert "edit" not in footer_actions and "copy" in footer_actions
        app._notifications.clear()
        for key in ("e", "ctrl+d", "l"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
        assert notes(app).count("read-only") >= 3
        app._notifications.clear()
        screen.query_one(PreferencesBar).focus()
        await pilot.press("space")
        await pilot.pause()
        assert "read-only" in notes(app)
    async with await client_for(sandbox) as client:
        stored = await client.get_contact(contact.id)
    assert stored.preferences == contact.preferences
