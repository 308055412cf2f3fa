"""Evaluating a rule against one contact, in Python (the client's local estimate and
the reference the SQL translation is tested against)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from orbit_tui.rules.grammar import And, FieldClause, Not, Op, Or, Rule, Scalar, field_kind
from orbit_tui.rules.values import (
    contact_timestamp,
    icontains,
    is_number,
    json_number,
    json_text,
)

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


class ContactView:
    """What a rule can see of a contact (a ``Contact`` model or an API-shaped mapping)."""

    __slots__ = ("_source", "_cache")

    def __init__(self, contact: object) -> None:
        self._source = contact
        self._cache: dict[str, Any] = {}

    def _raw(self, name: str) -> Any:
        src = self._source
        if isinstance(src, Mapping):
            return src.get(name)
        return getattr(src, name, None)

    def text(self, name: str) -> str | None:
        value = self._raw(name)
        return value if isinstance(value, str) else None

    def date(self, name: str) -> str | None:
        if name not in self._cache:
            self._cache[name] = contact_timestamp(self._raw(name))
        return self._cache[name]  # type: ignore[no-any-return]

    def tags(self) -> list[str]:
        if "tags" not in self._cache:
            raw = self._raw("tags")
            items = raw if isinstance(raw, (list, tuple)) else []
            self._cache["tags"] = [json_text(t) for t in items if isinstance(t, str)]
        return self._cache["tags"]  # type: ignore[no-any-return]

    def entries(self, column: str, key: str) -> Iterator[Any]:
        """Values stored under ``key`` in a JSON-object column, read as SQLite reads them."""
        raw = self._raw(column)
        if not isinstance(raw, Mapping):
            return
        for k, v in raw.items():
            if isinstance(k, str) and json_text(k) == key:
                yield v


# ------------------------------------------------------------------------- JSON values
def _json_type(value: Any) -> str:
    """SQLite's json_each type names, with integer/real folded into 'number'."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    return "other"


def _json_equals(stored: Any, wanted: Scalar) -> bool:
    kind = _json_type(stored)
    if isinstance(wanted, bool):
        return kind == ("true" if wanted else "false")
    if isinstance(wanted, str):
        return kind == "text" and json_text(stored) == wanted
    if is_number(wanted):
        return kind == "number" and json_number(stored) == wanted
    return False


def _json_holds(stored: Any, op: Op) -> bool:
    """One metadata value against one operator (for the positive operators)."""
    value = op.value
    if op.op == "$eq":
        return _json_equals(stored, value)  # type: ignore[arg-type]
    if op.op == "$in":
        return any(_json_equals(stored, v) for v in value)  # type: ignore[union-attr]
    if op.op == "$contains":
        return _json_type(stored) == "text" and icontains(json_text(stored), value)
    if op.op == "$exists":
        return _json_type(stored) != "null"
    compare = _COMPARE[op.op]
    kind = _json_type(stored)
    if isinstance(value, str):
        return kind == "text" and compare(json_text(stored), value)
    return kind == "number" and compare(json_number(stored), value)


def _metadata(view: ContactView, key: str, op: Op) -> bool:
    # $ne / $nin / $exists false / $eq null are negations of "some stored value matches".
    if op.op == "$ne":
        return not _metadata(view, key, Op("$eq", op.value))
    if op.op == "$nin":
        return not _metadata(view, key, Op("$in", op.value))
    if op.op == "$exists" and op.value is False:
        return not _metadata(view, key, Op("$exists", True))
    if op.op == "$eq" and op.value is None:
        return not _metadata(view, key, Op("$exists", True))
    return any(_json_holds(v, op) for v in view.entries("metadata", key))


def _bool_field(view: ContactView, channel: str, op: Op) -> bool:
    entries = [v for v in view.entries("preferences", channel) if isinstance(v, bool)]
    value = op.value
    if op.op == "$eq":
        return not entries if value is None else value in entries
    if op.op == "$ne":
        return bool(entries) if value is None else value not in entries
    if op.op == "$in":
        return any(v in entries for v in value)  # type: ignore[union-attr]
    if op.op == "$nin":
        return not any(v in entries for v in value)  # type: ignore[union-attr]
    return bool(entries) == value  # $exists


def _scalar_field(current: str | None, op: Op) -> bool:
    """Text and date fields: one value or missing (None)."""
    value = op.value
    name = op.op
    if name == "$eq":
        return current == value if current is not None else value is None
    if name == "$ne":
        return not _scalar_field(current, Op("$eq", value))
    if name == "$exists":
        return (current is not None) == value
    if current is None:
        return name == "$nin"
    if name == "$in":
        return current in value  # type: ignore[operator]
    if name == "$nin":
        return current not in value  # type: ignore[operator]
    if name == "$contains":
        return icontains(current, value)
    return _COMPARE[name](current, value)


def _tags_field(tags: list[str], op: Op) -> bool:
    value = op.value
    name = op.op
    if name in ("$eq", "$ne"):
        if isinstance(value, tuple):
            same = set(tags) == set(value)
        else:
            same = value in tags
        return same if name == "$eq" else not same
    if name == "$contains":
        return value in tags
    if name == "$in":
        return any(t in value for t in tags)  # type: ignore[operator]
    if name == "$nin":
        return not any(t in value for t in tags)  # type: ignore[operator]
    return bool(tags) == value  # $exists


def _field(clause: FieldClause, view: ContactView) -> bool:
    name = clause.field
    kind = field_kind(name)
    for op in clause.ops:
        if kind == "text":
            ok = _scalar_field(view.text(name), op)
        elif kind == "date":
            ok = _scalar_field(view.date(name), op)
        elif kind == "tags":
            ok = _tags_field(view.tags(), op)
        elif kind == "bool":
            ok = _bool_field(view, name.split(".", 1)[1], op)
        else:
            ok = _metadata(view, name.split(".", 1)[1], op)
        if not ok:
            return False
    return True


def holds(rule: Rule, view: ContactView) -> bool:
    """Whether a parsed rule holds for the contact seen through ``view``."""
    for clause in rule.clauses:
        if isinstance(clause, FieldClause):
            ok = _field(clause, view)
        elif isinstance(clause, And):
            ok = all(holds(r, view) for r in clause.rules)
        elif isinstance(clause, Or):
            ok = any(holds(r, view) for r in clause.rules)
        elif isinstance(clause, Not):
            ok = not holds(clause.rule, view)
        else:  # pragma: no cover - the AST has no other clause
            raise TypeError(f"not a clause: {clause!r}")
        if not ok:
            return False
    return True
