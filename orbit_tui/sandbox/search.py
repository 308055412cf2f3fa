"""Full-text search and cursor pagination over contacts.

Search text is never handed to FTS5 as syntax: it is cut into word tokens here and
rebuilt as quoted prefix terms (``"jan"* "doe"*``), so quotes, ``*``, ``OR``,
``NEAR(`` or unbalanced parentheses are just words (or nothing). Phones are indexed
as their E.164 digits, national significant number and national-format digit
groups, so ``415 555``, ``(415) 555-2671`` and ``+1 415 555 2671`` all find
``+14155552671``. Text with no word characters (only emoji or punctuation) falls
back to a substring match on names and email; when it holds emoji or other non-ASCII
symbols, only contacts indexed in ``contact_chars`` as having all of them are matched.

Cursors are opaque tokens ``cur_<base64url(json)>`` holding the last ``seq`` seen,
a hash of the query they belong to and the time they were issued; a cursor that
does not decode, belongs to another query or is older than 24 h is
400 ``INVALID_CURSOR``. Pages are keyset pages on ``seq`` (newest first), so
inserts and deletes between pages never duplicate or skip rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from .envelope import ApiError
from .indexes import symbol_chars

CURSOR_TTL_SECONDS = 24 * 3600
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_TERMS = 8


def phone_tokens(phone: str | None) -> str:
    """The text indexed for a phone: E.164 digits, national number, national groups."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    parts = [digits]
    try:
        parsed = phonenumbers.parse(phone, None)
        national = str(parsed.national_number)
        if national != digits:
            parts.append(national)
        formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        parts.extend(re.findall(r"\d+", formatted))
    except phonenumbers.NumberParseException:
        pass
    return " ".join(dict.fromkeys(parts))


def name_text(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression for user text, or None when it has no words."""
    tokens = [t.replace("_", " ").strip() for t in _WORD.findall(text)]
    tokens = [t for t in tokens if t][:_MAX_TERMS]
    if not tokens:
        return None
    terms = " ".join(f'"{t}"*' for t in tokens)
    digit_tokens = [t for t in tokens if t.isdigit()]
    if len(digit_tokens) >= 2 and len(digit_tokens) == len(tokens):
        joined = "".join(digit_tokens)
        return f'({terms}) OR "{joined}"*'
    return terms


def like_pattern(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Where:
    """A WHERE clause under construction (``c`` is the contacts alias)."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    fts: str | None = None  # an FTS5 MATCH expression; pages are then driven by the index
    # (table, column, value) rows of a lookup table (``contact_seq`` = c.seq) every match must have;
    # without a full-text term, pages are driven by the most selective of them
    keys: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def add_key(self, table: str, column: str, value: str) -> None:
        if (table, column, value) not in self.keys:
            self.keys.append((table, column, value))

    def copy(self) -> "Where":
        return Where(list(self.clauses), list(self.params), self.fts, list(self.keys))

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def key_exists(table: str, column: str, seq: str = "c.seq") -> str:
    """The clause (one parameter: the value) that contact ``seq`` has that row in a lookup table."""
    return f"EXISTS (SELECT 1 FROM {table} k WHERE k.{column} = ? AND k.contact_seq = {seq})"


def add_search(where: Where, text: str | None) -> None:
    """Restrict ``where`` to contacts matching the search text (nothing when blank)."""
    if text is None or not text.strip():
        return
    query = fts_query(text)
    if query is not None and where.fts is None:
        where.fts = query
    elif query is not None:
        where.add("c.seq IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)", query)
    else:
        # no words: a substring match on names and email, over only the contacts that
        # have every emoji/symbol of the text (contact_chars) when it has any
        for ch in sorted(symbol_chars(text)):
            where.add_key("contact_chars", "ch", ch)
        pattern = like_pattern(text)
        where.add(
            "(coalesce(c.first_name,'') || ' ' || coalesce(c.last_name,'') LIKE ? ESCAPE '\\' "
            "OR coalesce(c.email,'') LIKE ? ESCAPE '\\')",
            pattern,
            pattern,
        )


def add_tags(where: Where, tags: list[str]) -> None:
    """Contacts carrying every tag (read from the ``contact_tags`` lookup table)."""
    for tag in tags:
        where.add_key("contact_tags", "tag", tag)


# ---- cursors -----------------------------------------------------------------------

def query_hash(kind: str, params: dict[str, Any]) -> str:
    canonical = json.dumps([kind, sorted((k, str(v)) for k, v in params.items() if v not in (None, ""))])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(position: list[Any], qhash: str) -> str:
    raw = json.dumps({"p": position, "h": qhash, "t": int(time.time())}, separators=(",", ":"))
    return "cur_" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, qhash: str) -> list[Any] | None:
    """The position a cursor points after, or None for the first page."""
    if token is None or token == "":
        return None
    bad = ApiError(400, "INVALID_CURSOR", "the cursor is not valid for this query; start again from the first page",
                   {"field": "cursor"})
    if not token.startswith("cur_") or len(token) > 512:
        raise bad
    body = token[4:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(raw)
        position = data["p"]
        issued = int(data["t"])
        owner = data["h"]
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if not isinstance(position, list) or owner != qhash:
        raise bad
    if time.time() - issued > CURSOR_TTL_SECONDS:
        raise ApiError(400, "INVALID_CURSOR", "the cursor has expired; start again from the first page",
                       {"field": "cursor", "reason": "expired"})
    return position


def position_int(position: list[Any] | None, index: int = 0) -> int | None:
    if position is None:
        return None
    try:
        value = position[index]
    except IndexError:
        raise ApiError(400, "INVALID_CURSOR", "the cursor is not valid", {"field": "cursor"}) from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "INVALID_CURSOR", "the cursor is not valid", {"field": "cursor"})
    return value
