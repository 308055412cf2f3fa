"""Turning server data into text that is safe and pleasant to show.

Everything a server sends (names, tags, metadata, error messages) is shown literally:
it becomes a ``rich.text.Text`` built from a plain string, never a markup string, and
every control character or terminal escape sequence is removed first so a hostile
value cannot move the cursor, change colours or rewrite the title bar.

Invisible formatting characters are removed for display too, all alike: the bidi
overrides, embeddings, isolates and marks (which can make a line read backwards) and
the zero-width characters (U+200B space, U+200C non-joiner, U+200D joiner, U+2060 word
joiner, U+2061-U+2064 invisible operators, U+FEFF byte-order mark), which can make two
different values look the same and which terminals disagree on the width of (an emoji
joined by U+200D is one glyph in some and two in others, breaking column alignment).
Removing them changes what is *shown*, never what is stored: the contact form only
sends a field the user actually edited.
"""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import date, datetime, timezone

import phonenumbers
from rich.text import Text

# ESC-introduced sequences (CSI, OSC, DCS/APC/PM/SOS with their terminators, and the
# two-byte forms), then any remaining C0/C1 control, the bidi controls that can visually
# reorder a line, and the zero-width characters (see the module docstring).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]",  # 8-bit CSI
    re.DOTALL,
)
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff"
_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{ZERO_WIDTH}]")
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")  # line breaks of any kind

# The phone library compiles its metadata's patterns through ``re.compile``, whose own
# cache holds 512 patterns: numbers from many countries (and Textual's and Rich's own
# patterns) pushed them out, and each was compiled again. Kept, formatting a number
# from a country seen before costs about a fifth less.
phonenumbers.enable_pattern_cache()


def clean(value: object) -> str:
    """A one-line, control-free string for ``value`` (``None`` becomes ``""``)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text  # the usual case, and nothing to remove (controls are unprintable)
    text = _ESCAPES.sub("", text)
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    return _CONTROLS.sub("", text)


def literal(value: object, style: str = "") -> Text:
    """A ``Text`` showing ``value`` exactly as written (after :func:`clean`)."""
    return Text(clean(value), style=style, end="", no_wrap=True)


def fit(value: object, width: int, style: str = "") -> Text:
    """:func:`literal`, cut to ``width`` cells with an ellipsis when longer."""
    text = literal(value, style)
    if width > 0 and text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    return text


@lru_cache(maxsize=16384)
def format_phone(phone: str | None, country: str | None = None) -> str:
    """A phone number formatted for reading (``+1 415-555-2671``).

    E.164 numbers are formatted in the international style; anything the phone
    library cannot parse is shown as given (cleaned), never dropped. Remembered:
    parsing is most of the cost of drawing a page of rows, and pages come back.
    """
    if not phone:
        return ""
    raw = clean(phone)
    try:
        region = None if raw.startswith("+") else (country or None)
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_count(value: int) -> str:
    """``4230`` → ``"4,230"``."""
    return f"{value:,}"


def format_date(value: datetime | date | None) -> str:
    """A date as ``YYYY-MM-DD`` in UTC (empty when unknown)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def format_age(seconds: float | None) -> str:
    """A short, human age: ``"just now"``, ``"42 s"``, ``"5 min"``, ``"3 h"``, ``"2 d"``."""
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    if seconds < 5:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
