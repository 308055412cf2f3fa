"""Reading a JSON rule into the AST (with every error's JSON path) and writing it back."""

from __future__ import annotations

import difflib
from typing import Any

from orbit_tui.api.models import CHANNELS
from orbit_tui.rules.grammar import (
    CHANNEL_FIELDS,
    COMBINATORS,
    FIELDS,
    INT_MAX,
    INT_MIN,
    LIST_OPERATORS,
    MAX_DEPTH,
    MAX_ERRORS,
    MAX_KEY,
    MAX_LIST,
    MAX_NODES,
    MAX_STRING,
    METADATA_PREFIX,
    OPERATORS,
    ORDER_OPERATORS,
    PREFERENCES_PREFIX,
    And,
    Clause,
    FieldClause,
    Not,
    Op,
    Or,
    Rule,
    RuleError,
    RuleValidationError,
    Scalar,
    Value,
    field_kind,
    operators_for,
)
from orbit_tui.rules.values import is_finite_number, is_number, parse_timestamp

_FIELD_LIST = ", ".join((*FIELDS, "metadata.<key>", "preferences.<channel>"))
_DATE_HINT = "use YYYY-MM-DD or an ISO 8601 timestamp such as 2026-03-08T12:00:00Z"


class _Invalid(Exception):
    """Raised inside the parser to abandon one part; the error is already recorded."""


class _Reader:
    def __init__(self) -> None:
        self.errors: list[RuleError] = []
        self.failures = 0
        self.nodes = 0
        self.too_big = False

    # ------------------------------------------------------------------ bookkeeping
    def fail(self, path: str, message: str) -> _Invalid:
        self.failures += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RuleError(path, message))
        return _Invalid()

    def count(self, path: str, n: int = 1) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            if not self.too_big:
                self.too_big = True
                raise self.fail(path, f"rule too large (more than {MAX_NODES} parts)")
            raise _Invalid()

    # ------------------------------------------------------------------ rule objects
    def rule(self, obj: object, path: str, depth: int) -> Rule:
        if depth > MAX_DEPTH:
            raise self.fail(path, f"rules nested deeper than {MAX_DEPTH} levels")
        if not isinstance(obj, dict):
            raise self.fail(path, 'expected a rule object such as {"country_code": "US"}')
        self.count(path)
        clauses: list[Clause] = []
        broken = False
        for key, cond in obj.items():
            if self.too_big:
                raise _Invalid()
            try:
                clauses.append(self.clause(key, cond, path, depth))
            except _Invalid:
                broken = True
        if broken:
            raise _Invalid()
        return Rule(tuple(clauses))

    def clause(self, key: object, cond: object, path: str, depth: int) -> Clause:
        if not isinstance(key, str):
            raise self.fail(path, f"keys must be text, not {type(key).__name__}")
        kpath = f"{path}.{key}"
        if key in ("$and", "$or"):
            if not isinstance(cond, list):
                raise self.fail(kpath, "expected a list of rule objects")
            if len(cond) > MAX_LIST:
                raise self.fail(kpath, f"more than {MAX_LIST} rules in one group")
            rules: list[Rule] = []
            broken = False
            for i, item in enumerate(cond):
                if self.too_big:
                    raise _Invalid()
                try:
                    rules.append(self.rule(item, f"{kpath}[{i}]", depth + 1))
                except _Invalid:
                    broken = True
            if broken:
                raise _Invalid()
            return And(tuple(rules)) if key == "$and" else Or(tuple(rules))
        if key == "$not":
            return Not(self.rule(cond, kpath, depth + 1))
        if key.startswith("$"):
            hint = " (operators go inside a field)" if key in OPERATORS else ""
            raise self.fail(kpath, f"unknown combinator {key!r}: use $and, $or or $not{hint}")
        return self.field(key, cond, kpath)

    # ------------------------------------------------------------------ fields
    def field(self, name: str, cond: object, path: str) -> FieldClause:
        kind = self.kind(name, path)
        if isinstance(cond, dict):
            if not cond:
                raise self.fail(path, 'give at least one operator, e.g. {"$eq": …}')
            ops: list[Op] = []
            broken = False
            for op, value in cond.items():
                try:
                    ops.append(self.op(name, kind, op, value, path))
                except _Invalid:
                    broken = True
            if broken:
                raise _Invalid()
            return FieldClause(name, tuple(ops))
        self.count(path)
        return FieldClause(name, (Op("$eq", self.value(kind, "$eq", cond, path)),))

    def kind(self, name: str, path: str) -> str:
        kind: str
        try:
            kind = field_kind(name)
        except ValueError:
            kind = ""
        if kind == "any":
            key = name[len(METADATA_PREFIX) :]
            if len(key) > MAX_KEY:
                raise self.fail(path, f"metadata key longer than {MAX_KEY} characters")
            if _bad_text(key):
                raise self.fail(path, "metadata key contains invalid characters")
        if kind:
            return kind
        if name in ("metadata", METADATA_PREFIX):
            raise self.fail(path, "name a metadata key: metadata.<key>")
        if name in ("preferences", PREFERENCES_PREFIX):
            raise self.fail(path, "name a channel: preferences.<channel>")
        if name.startswith(PREFERENCES_PREFIX):
            channel = name[len(PREFERENCES_PREFIX) :]
            raise self.fail(path, f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})")
        close = difflib.get_close_matches(name, [*FIELDS, *CHANNEL_FIELDS], n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}? " if close else ""
        raise self.fail(path, f"unknown field {name!r} ({hint}fields: {_FIELD_LIST})")

    def op(self, name: str, kind: str, op: object, value: object, path: str) -> Op:
        if not isinstance(op, str):
            raise self.fail(path, f"operator names must be text, not {type(op).__name__}")
        opath = f"{path}.{op}"
        if op in COMBINATORS:
            raise self.fail(opath, f"{op} goes around fields, not inside one")
        if op not in OPERATORS:
            close = difflib.get_close_matches(op, OPERATORS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            raise self.fail(opath, f"unknown operator {op!r} ({hint}operators: {', '.join(OPERATORS)})")
        allowed = operators_for(name)
        if op not in allowed:
            raise self.fail(
                opath, f"{op} does not apply to {name} ({_KIND_WORDS[kind]}); use {', '.join(allowed)}"
            )
        self.count(opath)
        return Op(op, self.value(kind, op, value, opath))

    # ------------------------------------------------------------------ values
    def value(self, kind: str, op: str, value: object, path: str) -> Value:
        if op == "$exists":
            if not isinstance(value, bool):
                raise self.fail(path, "expected true or false")
            return value
        if op in LIST_OPERATORS or (kind == "tags" and op in ("$eq", "$ne") and isinstance(value, list)):
            return self.items(kind, op, value, path)
        if isinstance(value, list):
            raise self.fail(path, "expected a single value (use $in or $nin for a list)")
        if kind == "tags":
            if not isinstance(value, str):
                what = "a tag or a list of tags" if op in ("$eq", "$ne") else "a tag"
                raise self.fail(path, f"expected {what}")
            return self.text(value, path)
        if op == "$contains":
            if not isinstance(value, str):
                raise self.fail(path, "expected text to look for")
            return self.text(value, path)
        if op in ORDER_OPERATORS:
            if kind == "any" and (value is None or isinstance(value, bool)):
                raise self.fail(path, "expected a number or text to compare with")
        elif value is None:
            return None  # $eq / $ne null: the field is missing / present
        return self.scalar(kind, value, path)

    def items(self, kind: str, op: str, value: object, path: str) -> tuple[Scalar, ...]:
        if not isinstance(value, list):
            raise self.fail(path, f"{op} takes a list of values")
        if len(value) > MAX_LIST:
            raise self.fail(path, f"more than {MAX_LIST} values in one list")
        self.count(path, len(value))
        out: list[Scalar] = []
        broken = False
        for i, item in enumerate(value):
            try:
                if item is None:
                    raise self.fail(f"{path}[{i}]", "null is not allowed in a list (use $exists)")
                out.append(self.scalar(kind, item, f"{path}[{i}]"))
            except _Invalid:
                broken = True
        if broken:
            raise _Invalid()
        return tuple(out)

    def scalar(self, kind: str, value: object, path: str) -> Scalar:
        if kind in ("text", "tags"):
            if not isinstance(value, str):
                raise self.fail(path, "expected a tag" if kind == "tags" else "expected text")
            return self.text(value, path)
        if kind == "date":
            stamp = parse_timestamp(value) if isinstance(value, str) else None
            if stamp is None:
                raise self.fail(path, f"not a date: {_DATE_HINT}")
            return stamp
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.fail(path, "expected true or false")
            return value
        # metadata: any JSON scalar
        if isinstance(value, str):
            return self.text(value, path)
        if isinstance(value, bool):
            return value
        if is_number(value):
            if not is_finite_number(value):
                raise self.fail(path, "expected a finite number")
            if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
                raise self.fail(path, "number too large (integers must fit in 64 bits)")
            return value  # type: ignore[return-value]
        raise self.fail(path, "expected text, a number, true or false")

    def text(self, value: str, path: str) -> str:
        if len(value) > MAX_STRING:
            raise self.fail(path, f"text longer than {MAX_STRING} characters")
        if _bad_text(value):
            raise self.fail(path, "text contains invalid characters (unpaired surrogates)")
        return value


_KIND_WORDS = {
    "text": "a text field",
    "tags": "the tag list",
    "date": "a date field",
    "bool": "a channel preference, true or false",
    "any": "a metadata value",
}


def _bad_text(value: str) -> bool:
    """Text that cannot be stored or sent as UTF-8 (lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# ---------------------------------------------------------------------------- public API
def validate(rules: object, root: str = "rules") -> list[RuleError]:
    """Every problem in ``rules`` with its JSON path under ``root``; empty when valid. Never raises."""
    reader = _Reader()
    try:
        reader.rule(rules, root, 0)
    except _Invalid:
        pass
    return reader.errors


def parse(rules: object, root: str = "rules") -> Rule:
    """The AST of a JSON rule; raises :class:`RuleValidationError` listing every problem."""
    if isinstance(rules, Rule):
        return rules
    reader = _Reader()
    try:
        return reader.rule(rules, root, 0)
    except _Invalid:
        raise RuleValidationError(reader.errors) from None


def serialise(rule: Rule) -> dict[str, Any]:
    """The canonical JSON-able form of a rule: ``parse(serialise(r)) == r``.

    A field with a single ``$eq`` is written as a literal (``{"country_code": "US"}``);
    anything else as an operator object. Dates come out normalised.
    """
    keys = [_clause_key(c) for c in rule.clauses]
    if len(set(keys)) != len(keys):  # only possible for a hand-built AST
        return {"$and": [serialise(Rule((c,))) for c in rule.clauses]}
    return {key: _clause_value(c) for key, c in zip(keys, rule.clauses, strict=False)}


def _clause_key(clause: Clause) -> str:
    if isinstance(clause, FieldClause):
        return clause.field
    if isinstance(clause, And):
        return "$and"
    if isinstance(clause, Or):
        return "$or"
    return "$not"


def _clause_value(clause: Clause) -> Any:
    if isinstance(clause, FieldClause):
        if len(clause.ops) == 1 and clause.ops[0].op == "$eq":
            return _json_value(clause.ops[0].value)
        out: dict[str, Any] = {}
        for op in clause.ops:
            out[op.op] = _json_value(op.value)
        return out
    if isinstance(clause, (And, Or)):
        return [serialise(r) for r in clause.rules]
    return serialise(clause.rule)


def _json_value(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value
