"""The rule builder's model: editable rows ↔ the rules dict of the contract.

Pure code (no Textual) so it can be tested on its own. The builder edits a flat list of
rows, each with a ``depth`` (its indentation):

- a **group** row (``kind`` ``all``, ``any`` or ``not``) owns the rows after it that are
  deeper than it, up to the next row at its depth or shallower;
- a **condition** row (``kind`` ``cond``) is ``field · operator · value``, the value as
  the agent typed it (text; converted by the field's kind when the rules are built).

The top level is an implicit all-of group at depth 0. A ``not`` group means "none of":
``{"$not": {all of its rows}}``.

:func:`rows_to_rules` builds the rules dict and, for every row, the JSON path of the part
it produced (``rules.$or[1]``…), so validation errors — ours or the server's
``details.field`` — can be put back on the row they name (:func:`row_for_path`).
:func:`rules_to_rows` goes the other way (after the rules parse), for the JSON editor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from orbit_tui import rules as grammar
from orbit_tui.ui.safe import BIDI_CONTROLS, ZERO_WIDTH

RowKind = Literal["cond", "all", "any", "not"]
GROUP_KINDS: tuple[str, ...] = ("all", "any", "not")
GROUP_LABELS: dict[str, str] = {"all": "all of", "any": "any of", "not": "none of"}
MAX_ROW_DEPTH = 8


@dataclass
class Row:
    kind: RowKind = "cond"
    depth: int = 0
    field: str = ""
    op: str = "$eq"
    value: str = ""

    @property
    def is_group(self) -> bool:
        return self.kind != "cond"


@dataclass
class Built:
    """The rules built from rows, and the JSON path each row produced."""

    rules: dict[str, Any]
    paths: list[str] = field(default_factory=list)
    """``paths[i]`` is the path of row ``i`` (empty for a row that produced nothing)."""


# ------------------------------------------------------------------------ tree helpers
@dataclass
class _Node:
    index: int  # row index, -1 for the root
    row: Row
    children: list[_Node] = field(default_factory=list)


def _tree(rows: list[Row]) -> _Node:
    root = _Node(-1, Row(kind="all", depth=-1))
    stack = [root]
    for i, row in enumerate(rows):
        while len(stack) > 1 and stack[-1].row.depth >= row.depth:
            stack.pop()
        # A row deeper than its parent allows (after a removed group) hangs on the
        # deepest open group: the tree never loses a row.
        node = _Node(i, row)
        stack[-1].children.append(node)
        if row.is_group:
            stack.append(node)
    return root


def normalise_depths(rows: list[Row]) -> list[Row]:
    """The same rows with depths made consistent (children exactly one deeper)."""
    out: list[Row] = []

    def walk(node: _Node, depth: int) -> None:
        for child in node.children:
            child.row.depth = depth
            out.append(child.row)
            if child.row.is_group:
                walk(child, depth + 1)

    walk(_tree(rows), 0)
    return out


# ------------------------------------------------------------------------ values
def _is_plain(text: str) -> bool:
    """Would ``text`` read back as the same string in a comma list?"""
    return "," not in text and text == text.strip() and not text.startswith(("[", '"'))


def _scalar(kind: str, text: str) -> Any:
    text = text.strip()
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return False
        return text
    if kind == "any":
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if value is None or isinstance(value, (str, int, float, bool)) else text
    return text


def _list(kind: str, text: str) -> Any:
    text = text.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            inner = text[1:-1] if text.endswith("]") else text[1:]
            return [_scalar(kind, part) for part in inner.split(",") if part.strip()]
    return [_scalar(kind, part) for part in text.split(",") if part.strip()]


def value_of(row: Row) -> Any:
    """The JSON value of a condition row's typed text, by its field kind and operator."""
    try:
        kind = grammar.field_kind(row.field.strip())
    except ValueError:
        kind = "any"
    if row.op == "$exists":
        lowered = row.value.strip().lower()
        if lowered in ("", "true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        return row.value
    if row.op in ("$in", "$nin"):
        return _list(kind, row.value)
    if kind == "tags" and row.op in ("$eq", "$ne") and row.value.strip().startswith("["):
        return _list(kind, row.value)
    return _scalar(kind, row.value)


def text_of(kind: str, op: str, value: Any) -> str:
    """The text a value is shown as in a row (the inverse of :func:`value_of`)."""
    if isinstance(value, list):
        items = [text_of(kind, "$eq", v) for v in value]
        plain = all(isinstance(v, str) and _is_plain(v) and v for v in value) or (
            kind == "any" and all(not isinstance(v, str) for v in value)
        )
        if op in ("$in", "$nin") and plain and value:
            return ", ".join(items)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if kind == "any":
        # A string that would read back as a number, true or null is quoted.
        try:
            json.loads(text)
            looks_json = True
        except ValueError:
            looks_json = False
        if looks_json or text.startswith('"') or text != text.strip():
            return json.dumps(text, ensure_ascii=False)
    return text


# ------------------------------------------------------------------------ rows -> rules
def rows_to_rules(rows: list[Row]) -> Built:
    """The rules dict for ``rows`` and each row's JSON path (never raises)."""
    rows = normalise_depths([Row(r.kind, r.depth, r.field, r.op, r.value) for r in rows])
    paths = [""] * len(rows)
    root = _tree(rows)
    rules = _all_of(root.children, "rules", paths)
    return Built(rules=rules, paths=paths)


def _cond_part(row: Row) -> dict[str, Any]:
    name = row.field.strip()
    value = value_of(row)
    if row.op == "$eq" and not isinstance(value, dict):
        return {name: value}
    return {name: {row.op: value}}


def _part(node: _Node, paths: list[str], path: str) -> dict[str, Any]:
    """The rule object for one node placed at ``path`` (sets the paths of its rows)."""
    row = node.row
    if row.kind == "cond":
        paths[node.index] = f"{path}.{row.field.strip()}"
        return _cond_part(row)
    if row.kind == "all":
        paths[node.index] = path
        return _all_of(node.children, path, paths)
    if row.kind == "any":
        paths[node.index] = f"{path}.$or"
        return {"$or": [_part(c, paths, f"{path}.$or[{i}]") for i, c in enumerate(node.children)]}
    paths[node.index] = f"{path}.$not"
    return {"$not": _all_of(node.children, f"{path}.$not", paths)}


def _all_of(children: list[_Node], path: str, paths: list[str]) -> dict[str, Any]:
    """Merge the children into one object when no key repeats; else ``$and`` of each."""
    merged: dict[str, Any] = {}
    trial = list(paths)
    ok = True
    for child in children:
        part = _part(child, trial, path)
        for key, value in part.items():
            if key in merged:
                if _mergeable(merged[key], value) and child.row.kind == "cond":
                    merged[key] = {**_as_ops(merged[key]), **_as_ops(value)}
                    continue
                ok = False
            merged[key] = value
        if not ok:
            break
    if ok:
        paths[:] = trial
        return merged
    parts = [_part(c, paths, f"{path}.$and[{i}]") for i, c in enumerate(children)]
    return {"$and": parts}


def _as_ops(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {"$eq": value}


def _mergeable(a: Any, b: Any) -> bool:
    """Two conditions on one field merge when their operators differ."""
    if a is None or b is None:
        return False
    ops_a, ops_b = _as_ops(a), _as_ops(b)
    return not (set(ops_a) & set(ops_b))


def row_for_path(paths: list[str], error_path: str) -> int | None:
    """The row whose part the error path names (the longest matching prefix)."""
    best: int | None = None
    best_len = -1
    for i, path in enumerate(paths):
        if not path:
            continue
        if error_path == path or error_path.startswith(path + ".") or error_path.startswith(path + "["):
            if len(path) > best_len:
                best, best_len = i, len(path)
    return best


# ------------------------------------------------------------------------ rules -> rows
def rules_to_rows(rules: dict[str, Any]) -> list[Row]:
    """Rows for a valid rules dict (raises ``RuleValidationError`` for an invalid one)."""
    canonical = grammar.serialise(grammar.parse(rules))
    rows: list[Row] = []
    _object_rows(canonical, 0, rows)
    return rows


def _object_rows(obj: dict[str, Any], depth: int, out: list[Row]) -> None:
    for key, value in obj.items():
        if key == "$and":
            for item in value:
                if len(item) <= 1 or all(not k.startswith("$") for k in item):
                    _object_rows(item, depth, out)
                else:
                    out.append(Row(kind="all", depth=depth))
                    _object_rows(item, depth + 1, out)
        elif key == "$or":
            out.append(Row(kind="any", depth=depth))
            for item in value:
                inner: list[Row] = []
                _object_rows(item, depth + 2, inner)
                top = [r for r in inner if r.depth == depth + 2]
                if len(top) == 1:
                    for r in inner:
                        r.depth -= 1
                    out.extend(inner)
                else:
                    out.append(Row(kind="all", depth=depth + 1))
                    out.extend(inner)
        elif key == "$not":
            out.append(Row(kind="not", depth=depth))
            _object_rows(value, depth + 1, out)
        else:
            out.extend(_field_rows(key, value, depth))


def _field_rows(name: str, condition: Any, depth: int) -> list[Row]:
    try:
        kind = grammar.field_kind(name)
    except ValueError:
        kind = "any"
    if isinstance(condition, dict):
        rows = []
        for op, value in condition.items():
            rows.append(_cond_row(name, kind, op, value, depth))
        return rows
    return [_cond_row(name, kind, "$eq", condition, depth)]


def _cond_row(name: str, kind: str, op: str, value: Any, depth: int) -> Row:
    if value is None and op in ("$eq", "$ne"):
        return Row("cond", depth, name, "$exists", "false" if op == "$eq" else "true")
    if kind == "tags" and op in ("$eq", "$ne") and isinstance(value, list):
        return Row("cond", depth, name, op, json.dumps(value, ensure_ascii=False))
    return Row("cond", depth, name, op, text_of(kind, op, value))


def rules_json(rules: dict[str, Any]) -> str:
    """The rules as the JSON editor shows them (indented, keys in their order).

    Control, bidi and zero-width characters are written as ``\\uXXXX`` escapes: the
    same JSON, but nothing in a stored value can drive the terminal or hide itself.
    """
    text = json.dumps(rules, indent=2, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_UNSAFE_IN_JSON = re.compile(f"[\\x7f-\\x9f\\u2028\\u2029{BIDI_CONTROLS}{ZERO_WIDTH}]")
"""json.dumps already escapes C0 controls; these it leaves as they are."""


# ------------------------------------------------------------------------ editing
def group_end(rows: list[Row], index: int) -> int:
    """Index just after the last row that belongs to the group at ``index``."""
    depth = rows[index].depth
    end = index + 1
    while end < len(rows) and rows[end].depth > depth:
        end += 1
    return end


def insert_condition(rows: list[Row], at: int | None, row: Row | None = None) -> int:
    """Insert a condition after row ``at`` (inside it when it is a group); returns its index."""
    new = row or Row(kind="cond", field="", op="$eq", value="")
    if at is None or not rows:
        new.depth = 0
        rows.append(new)
        return len(rows) - 1
    current = rows[at]
    if current.is_group:
        new.depth = min(current.depth + 1, MAX_ROW_DEPTH)
        rows.insert(at + 1, new)
        return at + 1
    new.depth = current.depth
    rows.insert(at + 1, new)
    return at + 1


def insert_group(rows: list[Row], at: int | None, kind: RowKind = "any") -> int:
    """Insert a group holding one empty condition after ``at``; returns the condition's index."""
    if at is None or not rows:
        depth, where = 0, len(rows)
    elif rows[at].is_group:
        depth, where = min(rows[at].depth + 1, MAX_ROW_DEPTH - 1), at + 1
    else:
        depth, where = rows[at].depth, at + 1
    rows.insert(where, Row(kind=kind, depth=depth))
    rows.insert(where + 1, Row(kind="cond", depth=depth + 1))
    return where + 1


def remove_row(rows: list[Row], index: int) -> int | None:
    """Remove a row (a group with all it holds); returns the row to focus next."""
    end = group_end(rows, index) if rows[index].is_group else index + 1
    del rows[index:end]
    if not rows:
        return None
    return min(index, len(rows) - 1) if index < len(rows) else len(rows) - 1


def indent(rows: list[Row], index: int) -> bool:
    """Move a row (and what it holds) one level deeper, into the group before it."""
    if index == 0:
        return False
    above = rows[index - 1]
    limit = above.depth + 1 if above.is_group else above.depth
    row = rows[index]
    if row.depth + 1 > limit or row.depth + 1 > MAX_ROW_DEPTH:
        return False
    end = group_end(rows, index) if row.is_group else index + 1
    for r in rows[index:end]:
        r.depth += 1
    return True


def outdent(rows: list[Row], index: int) -> bool:
    """Move a row (and what it holds) one level up, out of its group."""
    row = rows[index]
    if row.depth == 0:
        return False
    end = group_end(rows, index) if row.is_group else index + 1
    # Rows after it in the same group would otherwise fall under it: only the last
    # member of a group (or a group's last subtree) can leave cleanly, so move it there.
    block = rows[index:end]
    parent_end = end
    while parent_end < len(rows) and rows[parent_end].depth >= row.depth:
        parent_end += 1
    del rows[index:end]
    insert_at = parent_end - len(block)
    for r in block:
        r.depth -= 1
    rows[insert_at:insert_at] = block
    return True
