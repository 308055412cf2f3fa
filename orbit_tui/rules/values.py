"""Value helpers shared by the evaluator and the SQL functions, so both read data alike.

The sandbox keeps tags, metadata and preferences as JSON text and SQLite's JSON reader
decides what the SQL side sees. Where it differs from Python's ``json`` module the Python
side mirrors it here (and says so), so that ``evaluate`` and ``to_sql`` agree exactly:

* a JSON string is read up to its first NUL character (``"a\\u0000b"`` reads as ``"a"``);
* an integer outside 64 bits is read as a float.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

from orbit_tui.rules.grammar import INT_MAX, INT_MIN

_DATE_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_timestamp(text: str) -> str | None:
    """``'YYYY-MM-DD'`` or an ISO 8601 timestamp → ``'YYYY-MM-DDTHH:MM:SSZ'`` (UTC), else None.

    A date alone is midnight UTC; a timestamp without an offset is UTC; fractions of a
    second are dropped (stored timestamps have whole seconds).
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    m = _DATE_RE.fullmatch(text.strip())
    if m is None:
        return None
    try:
        moment = datetime(
            int(m["y"]),
            int(m["mo"]),
            int(m["d"]),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            tzinfo=timezone.utc,
        )
        tz = m["tz"]
        if tz and tz not in ("Z", "z"):
            digits = tz[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
            if hours > 23 or minutes > 59:
                return None
            offset = timedelta(hours=hours, minutes=minutes)
            moment = moment - offset if tz[0] == "+" else moment + offset
    except (ValueError, OverflowError):
        return None
    return format_timestamp(moment)


def format_timestamp(moment: datetime) -> str | None:
    """A datetime as ``'YYYY-MM-DDTHH:MM:SSZ'`` in UTC (naive means UTC); None if unrepresentable."""
    try:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def contact_timestamp(value: object) -> str | None:
    """A contact's created_at/updated_at (datetime or ISO text) normalised, else None."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, str):
        return parse_timestamp(value)
    return None


def icontains(haystack: object, needle: object) -> bool:
    """Case-insensitive substring test (Unicode case folding); False when either is not text."""
    if not isinstance(haystack, str) or not isinstance(needle, str):
        return False
    return needle.casefold() in haystack.casefold()


def json_text(value: str) -> str:
    """A string as SQLite's JSON reader sees it: up to the first NUL."""
    cut = value.find("\x00")
    return value if cut < 0 else value[:cut]


def json_number(value: int | float) -> int | float:
    """A number as SQLite's JSON reader sees it: integers beyond 64 bits become floats."""
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return float(value)
    return value


def is_number(value: object) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value: object) -> bool:
    return is_number(value) and (isinstance(value, int) or math.isfinite(value))  # type: ignore[arg-type]
