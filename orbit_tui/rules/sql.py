"""Translating a rule into a parameterised SQLite WHERE fragment over the sandbox schema.

Every fragment evaluates to 0 or 1, never NULL, so ``NOT`` behaves as in Python. Every
value, metadata key and channel is a bound parameter: no part of a rule is ever spliced
into the SQL text. JSON columns are read with ``json_each``, whose reading of strings and
big integers :mod:`orbit_tui.rules.values` mirrors on the Python side. Case-insensitive
substring matching needs the Python function that :func:`register_sqlite_functions`
installs (SQLite's ``lower()`` folds ASCII only).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from orbit_tui.rules.grammar import And, FieldClause, Not, Op, Or, Rule, field_kind
from orbit_tui.rules.values import icontains, is_number

Fragment = tuple[str, list[Any]]

_ALIAS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CMP_SQL = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_NUMBER = "_j.type IN ('integer', 'real')"
TRUE: Fragment = ("1", [])
FALSE: Fragment = ("0", [])


def register_sqlite_functions(conn: sqlite3.Connection) -> None:
    """Install the SQL functions :func:`to_sql` fragments call (once per connection)."""

    def orbit_icontains(haystack: object, needle: object) -> int:
        return 1 if icontains(haystack, needle) else 0

    conn.create_function("orbit_icontains", 2, orbit_icontains, deterministic=True)


def rule_sql(rule: Rule, alias: str = "c") -> Fragment:
    """The WHERE fragment (with its parameters, in order) for a parsed rule."""
    if not _ALIAS_RE.fullmatch(alias):
        raise ValueError(f"not a table alias: {alias!r}")
    return _rule(rule, alias)


def _rule(rule: Rule, a: str) -> Fragment:
    parts: list[Fragment] = []
    for clause in rule.clauses:
        if isinstance(clause, FieldClause):
            parts.extend(_op(clause.field, op, a) for op in clause.ops)
        elif isinstance(clause, And):
            parts.append(_join([_rule(r, a) for r in clause.rules], "AND"))
        elif isinstance(clause, Or):
            parts.append(_join([_rule(r, a) for r in clause.rules], "OR"))
        elif isinstance(clause, Not):
            parts.append(_not(_rule(clause.rule, a)))
    return _join(parts, "AND")


def _join(parts: list[Fragment], word: str) -> Fragment:
    """A balanced tree of AND/OR (SQLite limits expression depth, not width)."""
    if not parts:
        return TRUE if word == "AND" else FALSE
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    left, right = _join(parts[:mid], word), _join(parts[mid:], word)
    return f"({left[0]} {word} {right[0]})", left[1] + right[1]


def _not(fragment: Fragment) -> Fragment:
    return f"(NOT {fragment[0]})", fragment[1]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _op(field: str, op: Op, a: str) -> Fragment:
    kind = field_kind(field)
    if kind in ("text", "date"):
        return _scalar(f"{a}.{field}", op)
    if kind == "tags":
        return _tags(f"{a}.tags", op)
    column, key = field.split(".", 1)
    if kind == "bool":
        return _preference(f"{a}.{column}", key, op)
    return _metadata(f"{a}.{column}", key, op)


# ---------------------------------------------------------------- text and date columns
def _scalar(col: str, op: Op) -> Fragment:
    name, value = op.op, op.value
    if name == "$eq":
        return f"({col} IS ?)", [value]
    if name == "$ne":
        return f"({col} IS NOT ?)", [value]
    if name == "$exists":
        return (f"({col} IS NOT NULL)" if value else f"({col} IS NULL)"), []
    if name in ("$in", "$nin"):
        items = list(value)  # type: ignore[arg-type]
        if not items:
            return FALSE if name == "$in" else TRUE
        inside = f"({col} IS NOT NULL AND {col} IN ({_marks(len(items))}))", items
        return inside if name == "$in" else _not(inside)
    if name == "$contains":
        return f"orbit_icontains({col}, ?)", [value]
    return f"({col} IS NOT NULL AND {col} {_CMP_SQL[name]} ?)", [value]


# ---------------------------------------------------------------- tags (JSON array)
def _tag_exists(col: str, where: str, params: list[Any]) -> Fragment:
    sql = f"EXISTS (SELECT 1 FROM json_each({col}) AS _t WHERE _t.type = 'text'{where})"
    return sql, params


def _tags(col: str, op: Op) -> Fragment:
    name, value = op.op, op.value
    if name == "$exists":
        found = _tag_exists(col, "", [])
        return found if value else _not(found)
    if name in ("$eq", "$ne") and isinstance(value, tuple):
        wanted = list(dict.fromkeys(value))
        if not wanted:
            same = _not(_tag_exists(col, "", []))
        else:
            marks = _marks(len(wanted))
            extra = _not(_tag_exists(col, f" AND _t.value NOT IN ({marks})", wanted))
            count = (
                f"((SELECT COUNT(DISTINCT _t.value) FROM json_each({col}) AS _t"
                f" WHERE _t.type = 'text' AND _t.value IN ({marks})) = ?)"
            )
            same = f"({extra[0]} AND {count})", extra[1] + wanted + [len(wanted)]
        return same if name == "$eq" else _not(same)
    if name in ("$eq", "$contains", "$ne"):
        has = _tag_exists(col, " AND _t.value = ?", [value])
        return has if name != "$ne" else _not(has)
    items = list(value)  # type: ignore[arg-type]
    if not items:
        return FALSE if name == "$in" else TRUE
    any_of = _tag_exists(col, f" AND _t.value IN ({_marks(len(items))})", items)
    return any_of if name == "$in" else _not(any_of)


# ---------------------------------------------------------------- JSON object entries
def _entry_exists(col: str, key: str, pred: Fragment) -> Fragment:
    sql = f"EXISTS (SELECT 1 FROM json_each({col}) AS _j WHERE _j.key = ? AND {pred[0]})"
    return sql, [key, *pred[1]]


def _preference(col: str, channel: str, op: Op) -> Fragment:
    name, value = op.op, op.value
    if name == "$exists" or (name in ("$eq", "$ne") and value is None):
        present = _entry_exists(col, channel, ("_j.type IN ('true', 'false')", []))
        wants_present = value if name == "$exists" else name == "$ne"
        return present if wants_present else _not(present)
    values = [value] if name in ("$eq", "$ne") else list(value)  # type: ignore[arg-type]
    types = sorted({"true" if v else "false" for v in values})
    if not types:
        return FALSE if name == "$in" else TRUE
    quoted = ", ".join(f"'{t}'" for t in types)  # fixed words, not user data
    found = _entry_exists(col, channel, (f"_j.type IN ({quoted})", []))
    return found if name in ("$eq", "$in") else _not(found)


def _json_equal_any(values: list[Any]) -> Fragment | None:
    """A predicate on one json_each row: it equals one of ``values`` (JSON-typed)."""
    texts = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if is_number(v)]
    bools = sorted({"true" if v else "false" for v in values if isinstance(v, bool)})
    parts: list[Fragment] = []
    if texts:
        parts.append((f"(_j.type = 'text' AND _j.atom IN ({_marks(len(texts))}))", texts))
    if numbers:
        parts.append((f"({_NUMBER} AND _j.atom IN ({_marks(len(numbers))}))", numbers))
    if bools:
        parts.append((f"_j.type IN ({', '.join(repr(b) for b in bools)})", []))
    return _join(parts, "OR") if parts else None


def _metadata(col: str, key: str, op: Op) -> Fragment:
    name, value = op.op, op.value
    present = _entry_exists(col, key, ("_j.type != 'null'", []))
    if name == "$exists":
        return present if value else _not(present)
    if name in ("$eq", "$ne") and value is None:
        return _not(present) if name == "$eq" else present
    if name in ("$eq", "$ne", "$in", "$nin"):
        values = [value] if name in ("$eq", "$ne") else list(value)  # type: ignore[arg-type]
        pred = _json_equal_any(values)
        found = FALSE if pred is None else _entry_exists(col, key, pred)
        if name in ("$eq", "$in"):
            return found
        return TRUE if pred is None else _not(found)
    if name == "$contains":
        return _entry_exists(col, key, ("(_j.type = 'text' AND orbit_icontains(_j.atom, ?))", [value]))
    typed = "_j.type = 'text'" if isinstance(value, str) else _NUMBER
    return _entry_exists(col, key, (f"({typed} AND _j.atom {_CMP_SQL[name]} ?)", [value]))
