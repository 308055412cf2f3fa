"""Pure parts of the contact detail: form checks, texts, the typed LIVE confirmation, OSC 52."""

from __future__ import annotations

from datetime import datetime, timezone

from orbit_tui.api.models import ActivityItem, Contact
from orbit_tui.ui.clipboard import copyable_fields, supports_osc52
from orbit_tui.ui.contact_edit import (
    FormValues,
    check_form,
    form_field_for,
    is_dirty,
    parse_metadata,
    stage_suggestions,
    values_from,
)
from orbit_tui.ui.detail_text import event_text, phone_text, relative, tags_text, when
from orbit_tui.ui.screens.confirm import typed_confirms

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc).timestamp()
CONTACT = Contact(id="con_1", phone="+12015550123", email="a@example.com", country_code="US",
                  metadata={"ltv": 319.54, "plan": "starter", "code": "007"})


def test_a_national_phone_becomes_e164_for_the_country() -> None:
    payload, errors = check_form(FormValues(phone="030 901820", country_code="de"), None)
    assert errors == {} and payload == {"phone": "+4930901820", "country_code": "DE"}
    payload, _ = check_form(values_from(CONTACT).with_(phone="(415) 555-2671"), CONTACT)
    assert payload == {"phone": "+14155552671"}


def test_each_field_error_is_named() -> None:
    _, errors = check_form(values_from(CONTACT).with_(
        phone="12", email="x@", country_code="Germny", metadata="a = 1\nbroken"), CONTACT)
    assert set(errors) == {"phone", "email", "country_code", "metadata"}
    assert "did you mean DE (Germany)" in errors["country_code"]
    _, errors = check_form(FormValues(first_name="Only"), None)
    assert errors == {"phone": "A contact needs a phone or an email"}
    _, errors = check_form(values_from(CONTACT).with_(phone="", email=""), CONTACT)
    assert "phone or an email" in errors["phone"]


def test_metadata_lines_keep_types_and_removed_keys_send_null() -> None:
    values = values_from(CONTACT).with_(metadata="code = 007\nltv = 319.54\nnew = 5\nflag = true")
    payload, errors = check_form(values, CONTACT)
    assert errors == {}
    assert payload == {"metadata": {"new": 5, "flag": True, "plan": None}}  # "007" stays a string
    assert parse_metadata("a = 1\na = 2", {})[1].startswith("Line 2")


def test_dirty_and_unchanged() -> None:
    original = values_from(CONTACT)
    assert not is_dirty(original, original)
    assert is_dirty(original.with_(first_name="x"), original)
    assert check_form(original, CONTACT) == ({}, {})


def test_server_fields_map_to_form_fields() -> None:
    assert form_field_for("metadata.some key") == "metadata"
    assert form_field_for("phone") == "phone"
    assert form_field_for("tags[0]") is None and form_field_for(None) is None
    assert stage_suggestions(["vip-lead", "lead"])[:2] == ["vip-lead", "lead"]


def test_times_are_absolute_and_relative_to_the_given_clock() -> None:
    created = datetime(2026, 2, 25, 8, 24, tzinfo=timezone.utc)
    assert when(created, NOW) == "2026-02-25 08:24 UTC (3 d ago)"
    assert relative(datetime(2026, 3, 6, tzinfo=timezone.utc), NOW) == "in 5 d"
    assert when(None, NOW) == "—"


def test_hostile_values_show_literally() -> None:
    evil = "[bold]x[/] [@click=app.quit]q[/] \x1b[2J\x1b]52;c;AAAA\x07\u202eevil"
    item = ActivityItem(type="message.failed", channel="sms", summary=evil + "y" * 10_000,
                        message_id="msg_1", timestamp="2026-02-28T00:00:00Z")
    text = event_text(item, NOW)
    assert "[bold]x[/]" in text.plain and "\x1b" not in text.plain and "\u202e" not in text.plain
    assert text.plain.startswith("✗ failed") and len(text.plain) < 500
    assert "[@click=app.quit]" in tags_text([evil]).plain
    assert "⚠" in phone_text("not a phone", "US").plain
    assert "United States" in phone_text("+12015550123", None).plain


def test_live_confirmation_takes_the_name_or_delete() -> None:
    assert typed_confirms("delete", "Ana Lima") and typed_confirms(" ana  lima ", "Ana Lima")
    assert not typed_confirms("y", "Ana Lima") and not typed_confirms("", "Ana Lima")


def test_osc52_guess_and_copyable_fields() -> None:
    assert supports_osc52({"TERM": "xterm-256color"})
    assert not supports_osc52({"TERM_PROGRAM": "Apple_Terminal"})
    assert not supports_osc52({"ORBIT_TUI_CLIPBOARD": "manual", "TERM": "xterm"})
    sparse = Contact(id="con_2", email="e@example.com")
    assert [label for _, label, _ in copyable_fields(sparse)] == ["email", "id"]
