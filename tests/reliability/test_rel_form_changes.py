"""The contact form shows cleaned values and sends only what the user edited.

Values from the server are cleaned for display (no escapes, controls, bidi or zero-width
characters), so what the form shows can differ from what is stored. A field counts as
edited only when its text differs from the cleaned text it was shown with: an untouched
hostile field is neither checked nor sent (no silent rewrite), an edited one is.
"""

from __future__ import annotations

from datetime import datetime, timezone

from orbit_tui.api.models import Contact
from orbit_tui.ui.contact_edit import check_form, is_dirty, parse_metadata, values_from

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
RAW_KEY = "note\x1b[31m\u200b"

HOSTILE = Contact(
    id="con_hostile",
    first_name="Clear\x1b[2Jscreen\u200b",
    last_name="Bell\x07ring\u202e",
    email="evil\u200b@example.com",  # not a valid address once the server let it in
    phone="+1415555267\u200b1",
    country_code="us",
    lifecycle_stage="lead\x1b]52;c;ZXZpbA==\x07",
    metadata={RAW_KEY: "bidi\u202eeviL", "note": "plain twin", "plain": "x\u200by", "n": 5,
              "multi": "a\nb", "list": ["\x1b]0;t\x07", 1]},
    created_at=NOW,
    updated_at=NOW,
)


def test_the_form_shows_cleaned_values() -> None:
    shown = values_from(HOSTILE)
    assert (shown.first_name, shown.last_name, shown.lifecycle_stage) == ("Clearscreen", "Bellring", "lead")
    assert shown.email == "evil@example.com" and shown.phone == "+14155552671"
    lines = shown.metadata.splitlines()
    assert lines.count("note = bidieviL") == 1 and "note = plain twin" in lines
    assert "multi = a b" in lines and "plain = xy" in lines
    assert all("\x1b" not in line and "\u200b" not in line for line in lines)


def test_untouched_hostile_fields_are_neither_checked_nor_sent() -> None:
    shown = values_from(HOSTILE)
    assert not is_dirty(shown, shown)
    assert check_form(shown, HOSTILE) == ({}, {})
    # Spaces around a value are not an edit either.
    assert check_form(shown.with_(first_name=" Clearscreen "), HOSTILE) == ({}, {})


def test_only_the_edited_fields_are_sent() -> None:
    shown = values_from(HOSTILE)
    payload, errors = check_form(shown.with_(last_name="Ring"), HOSTILE)
    assert errors == {} and payload == {"last_name": "Ring"}
    payload, errors = check_form(shown.with_(first_name="Clear screen", lifecycle_stage="customer"), HOSTILE)
    assert errors == {} and payload == {"first_name": "Clear screen", "lifecycle_stage": "customer"}
    # An edited field is checked: the cleaned email, retyped wrong, is refused.
    _, errors = check_form(shown.with_(email="not an email"), HOSTILE)
    assert set(errors) == {"email"}
    payload, errors = check_form(shown.with_(country_code="DE"), HOSTILE)
    assert errors == {} and payload == {"country_code": "DE"}


def test_metadata_lines_map_back_to_the_stored_keys() -> None:
    shown = values_from(HOSTILE)
    # Edit the value shown under the hostile key: the stored (raw) key is updated.
    text = shown.metadata.replace("note = bidieviL", "note = fixed")
    payload, errors = check_form(shown.with_(metadata=text), HOSTILE)
    assert errors == {} and payload == {"metadata": {RAW_KEY: "fixed"}}
    # Edit its plain twin instead: only that one changes.
    text = shown.metadata.replace("note = plain twin", "note = fixed")
    assert check_form(shown.with_(metadata=text), HOSTILE)[0] == {"metadata": {"note": "fixed"}}
    # Delete the hostile line: the raw key is removed, nothing else.
    text = "\n".join(line for line in shown.metadata.splitlines() if line != "note = bidieviL")
    assert check_form(shown.with_(metadata=text), HOSTILE)[0] == {"metadata": {RAW_KEY: None}}
    # Lines moved around are still untouched; a new key is added as typed.
    lines = shown.metadata.splitlines()
    text = "\n".join([*reversed(lines), "added = 7"])
    assert check_form(shown.with_(metadata=text), HOSTILE)[0] == {"metadata": {"added": 7}}
    # Writing a shown key a second time is still a duplicate.
    result, error = parse_metadata(shown.metadata + "\nplain = again", dict(HOSTILE.metadata))
    assert result == {} and "appears twice" in error
