"""Zero-width and bidi characters are removed for display by every helper that uses clean().

``orbit_tui.ui.safe`` removes the zero-width characters (U+200B-U+200D, U+2060-U+2064,
U+FEFF) the same way as the bidi overrides, isolates and marks: they are invisible, can
make two different values look alike and terminals disagree on their width. Each text
helper a screen builds its rows from is checked here with a value carrying all of them;
the screens themselves are checked in test_rel_hostile_ui (``assert_harmless``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from rich.console import Console

from orbit_tui.api.errors import NotFoundError
from orbit_tui.api.models import ActivityItem, Contact, ContactList
from orbit_tui.ui import detail_text, errors, safe
from orbit_tui.ui.contact_edit import values_from
from orbit_tui.ui.screens.lists import list_label
from orbit_tui.ui.screens.records import cell
from orbit_tui.ui.widgets.contacts_table import cell_values
from rel_helpers import CONTROL, INVISIBLE  # type: ignore[import-not-found]

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\u2061", "\u2064", "\ufeff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"]
EVIL = "Ev" + "".join(ZERO_WIDTH) + "il" + "".join(BIDI) + "Name\x1b[2J"
SHOWN = "EvilName"
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)

CONTACT = Contact(
    id="con_" + EVIL, first_name=EVIL, last_name=EVIL, email=f"x{EVIL}@example.com", phone="+1415555" + EVIL,
    country_code="U\u200bS", lifecycle_stage=EVIL, tags=[EVIL, "vip\u200d"],
    metadata={EVIL: EVIL, "n": [EVIL, 1]}, created_at=NOW, updated_at=NOW,
)


def plain(value: Any) -> str:
    """What a renderable, a Text or a string shows, as plain text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, tuple, list)):
        parts = value.values() if isinstance(value, dict) else value
        return "\n".join(plain(part) for part in parts)
    console = Console(file=io.StringIO(), width=400, color_system=None, legacy_windows=False)
    console.print(value)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


HELPERS: dict[str, Callable[[], Any]] = {
    "safe.clean": lambda: safe.clean(EVIL),
    "safe.literal": lambda: safe.literal(EVIL),
    "safe.fit": lambda: safe.fit(EVIL, 200),
    "safe.format_phone": lambda: safe.format_phone("+1" + "\u200b" + "4155552671\u202e", None),
    "contacts_table.cell_values": lambda: cell_values(CONTACT, marked=False),
    "records.cell": lambda: cell(EVIL),
    "lists.list_label": lambda: list_label(ContactList(id="lst_1", name=EVIL, member_count=3)),
    "detail_text.title_text": lambda: detail_text.title_text(CONTACT),
    "detail_text.tags_text": lambda: detail_text.tags_text(CONTACT.tags),
    "detail_text.metadata_table": lambda: detail_text.metadata_table(CONTACT.metadata),
    "detail_text.fields_table": lambda: detail_text.fields_table(CONTACT, NOW.timestamp()),
    "detail_text.phone_text": lambda: detail_text.phone_text(CONTACT.phone, CONTACT.country_code),
    "detail_text.event_text": lambda: detail_text.event_text(
        ActivityItem(type="message.sent", channel=EVIL, message_id=EVIL, timestamp=NOW, summary=EVIL),
        NOW.timestamp()),
    "errors.describe_error": lambda: errors.describe_error(NotFoundError(EVIL, request_id="req_" + EVIL)),
    "errors.one_line": lambda: errors.one_line(NotFoundError(EVIL, request_id="req_" + EVIL)),
    "errors.describe_error (other)": lambda: errors.describe_error(RuntimeError(EVIL)),
    "contact_edit.values_from": lambda: values_from(CONTACT).__dict__,
}


@pytest.mark.parametrize("name", list(HELPERS))
def test_every_helper_removes_zero_width_and_bidi(name: str) -> None:
    shown = plain(HELPERS[name]())
    assert not INVISIBLE.findall(shown), f"{name}: {sorted(set(INVISIBLE.findall(shown)))}"
    assert not CONTROL.findall(shown.replace("\n", "")), name
    if "phone" not in name:  # (letters in a phone read as a vanity number)
        assert SHOWN in shown, f"{name} lost the visible text: {shown!r}"


@pytest.mark.parametrize("char", ZERO_WIDTH + BIDI)
def test_clean_removes_each_invisible_character_alike(char: str) -> None:
    assert safe.clean(f"a{char}b") == "ab"
    assert safe.literal(f"a{char}b").cell_len == 2


def test_clean_keeps_visible_text_and_breaks_lines_into_spaces() -> None:
    assert safe.clean("李小龍 🚀 Zoë") == "李小龍 🚀 Zoë"
    # Joined emoji fall apart into their visible parts, which every terminal draws alike.
    assert safe.clean("👩\u200d💻") == "👩💻"
    assert safe.clean("a\u2028b\u2029c\r\nd\te") == "a b c d e"
    assert safe.clean("zero\u200bwidth\u200djoiner") == "zerowidthjoiner"
