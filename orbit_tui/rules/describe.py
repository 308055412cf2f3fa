"""A short one-line reading of a rule: ``country = US · stage = lead · tags ∋ enterprise``.

The reading is plain text (never markup) and safe to print: control and formatting
characters inside values are shown as escapes, long values are shortened.
"""

from __future__ import annotations

import json
import re
import unicodedata

from orbit_tui.rules.grammar import And, FieldClause, Not, Op, Or, Rule, Scalar, Value, field_kind

SEP = " · "
OR_SEP = " | "
MAX_VALUE = 40
MAX_SET = 8

_LABELS = {
    "country_code": "country",
    "lifecycle_stage": "stage",
    "first_name": "first name",
    "last_name": "last name",
    "created_at": "created",
    "updated_at": "updated",
}
_SYMBOLS = {"$eq": "=", "$ne": "≠", "$gt": ">", "$gte": "≥", "$lt": "<", "$lte": "≤"}
_PLAIN_RE = re.compile(r"[^\s{}(),|·\"'∋∌=≠<>≤≥…]+(?: [^\s{}(),|·\"'∋∌=≠<>≤≥…]+)*")
_KEYWORDS = {"true", "false", "null", "yes", "no", "everyone", "no one"}


def label(field: str) -> str:
    """The short name of a field in a reading (``country_code`` → ``country``)."""
    if field.startswith("preferences."):
        return f"{field.split('.', 1)[1]} pref"
    if field.startswith("metadata."):
        return "metadata." + safe_text(field.split(".", 1)[1])
    return _LABELS.get(field, field)


def safe_text(text: str) -> str:
    """Control/format characters as escapes, so the reading is one inert line."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def value_text(value: Scalar, kind: str = "any") -> str:
    """One value as a reading shows it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        if kind == "bool":
            return "yes" if value else "no"
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if kind == "date" and value.endswith("T00:00:00Z"):
        return value[:10]
    escaped = safe_text(value)
    safe = _shorten(escaped)
    looks_like_other = kind == "any" and _looks_scalar(value)
    plain = escaped == value and _PLAIN_RE.fullmatch(safe) is not None
    if plain and safe.lower() not in _KEYWORDS and not looks_like_other:
        return safe
    return '"' + safe.replace('"', '\\"') + '"'


def _looks_scalar(text: str) -> bool:
    try:
        return not isinstance(json.loads(text), str)
    except ValueError:
        return False


def _set_text(values: Value, kind: str) -> str:
    items = [value_text(v, kind) for v in values]  # type: ignore[union-attr]
    if len(items) > MAX_SET:
        items = items[:MAX_SET] + [f"… {len(items) - MAX_SET} more"]
    return "{" + ", ".join(items) + "}"


def _op_text(field: str, op: Op) -> str:
    kind = field_kind(field)
    name, value = op.op, op.value
    who = label(field)
    if name == "$exists" or (name in ("$eq", "$ne") and value is None):
        has = value if name == "$exists" else name == "$ne"
        return f"has {who}" if has else f"no {who}"
    if kind == "tags":
        if name in ("$eq", "$ne") and value == ():
            return "no tags" if name == "$eq" else "has tags"
        if name in ("$eq", "$ne") and isinstance(value, tuple):
            return f"tags {'=' if name == '$eq' else '≠'} {_set_text(value, kind)}"
        if name in ("$eq", "$contains"):
            return f"tags ∋ {value_text(value, kind)}"  # type: ignore[arg-type]
        if name == "$ne":
            return f"tags ∌ {value_text(value, kind)}"  # type: ignore[arg-type]
        word = "any of" if name == "$in" else "none of"
        return f"tags has {word} {_set_text(value, kind)}"
    if name == "$in":
        return f"{who} in {_set_text(value, kind)}"
    if name == "$nin":
        return f"{who} not in {_set_text(value, kind)}"
    if name == "$contains":
        return f"{who} contains {value_text(value, kind)}"  # type: ignore[arg-type]
    return f"{who} {_SYMBOLS[name]} {value_text(value, kind)}"  # type: ignore[arg-type]


def _parts(rule: Rule) -> list[str]:
    parts: list[str] = []
    for clause in rule.clauses:
        if isinstance(clause, FieldClause):
            parts.extend(_op_text(clause.field, op) for op in clause.ops)
        elif isinstance(clause, And):
            if not clause.rules:
                parts.append("everyone")
            else:
                parts.append("all of (" + SEP.join(_grouped(r) for r in clause.rules) + ")")
        elif isinstance(clause, Or):
            if not clause.rules:
                parts.append("no one")
            else:
                parts.append("any of (" + OR_SEP.join(_grouped(r) for r in clause.rules) + ")")
        elif isinstance(clause, Not):
            parts.append("not (" + describe_rule(clause.rule) + ")")
    return parts


def _grouped(rule: Rule) -> str:
    """A member of a group: bracketed when it has several parts itself."""
    parts = _parts(rule)
    if not parts:
        return "everyone"
    if len(parts) == 1:
        return parts[0]
    return "(" + SEP.join(parts) + ")"


MAX_READING = 400


def describe_rule(rule: Rule) -> str:
    """The reading of a parsed rule; ``everyone`` for the empty rule (at most 400 characters)."""
    reading = SEP.join(_parts(rule)) or "everyone"
    return reading if len(reading) <= MAX_READING else reading[: MAX_READING - 1] + "…"
