"""Segment rules: the one implementation of the grammar of the Orbit contract.

It parses and validates a JSON rule (every error with its JSON path, such as
``rules.$or[1].tags``), evaluates it against a contact, reads it out in words, and
translates it to SQL for the sandbox. ``evaluate`` and ``to_sql`` agree on every valid
rule (property-tested).

Grammar
-------
A rule object maps a field to a condition; every key must hold (AND); ``{}`` matches
everyone. A condition is a literal (equality) or an object of operators, all of which
must hold. ``{"$and": [rule, …]}`` (empty: true), ``{"$or": [rule, …]}`` (empty: false)
and ``{"$not": rule}`` may appear at any level, beside fields.

Fields and their kinds (:func:`field_kind`, :func:`operators_for`):

* text — ``phone``, ``email``, ``first_name``, ``last_name``, ``country_code``,
  ``lifecycle_stage``: ``$eq $ne $contains $in $nin $exists`` with text values.
  Equality is exact (case-sensitive); ``$contains`` is a case-insensitive substring
  (Unicode case folding, also in SQL through :func:`register_sqlite_functions`);
  ``$contains: ""`` holds for any present value.
* tags — ``tags``: a literal or ``$eq`` tag means "has this tag" (as ``$contains``); a
  literal or ``$eq`` list means "has exactly this set" (order and repeats ignored; ``[]``
  means no tags). ``$in`` has any of the tags, ``$nin`` none of them, ``$exists`` true has
  at least one tag. Tags match exactly (case-sensitive). ``null`` is not a tag.
* date — ``created_at``, ``updated_at``: ``$gt $gte $lt $lte $eq $ne $in $nin $exists``
  with ``YYYY-MM-DD`` (midnight UTC) or ISO 8601 timestamps (no offset means UTC). Values
  are normalised to ``YYYY-MM-DDTHH:MM:SSZ`` and compared to the second; anything else is a
  validation error. A date alone is an instant: ``{"created_at": "2026-03-08"}`` means
  exactly midnight, a whole day is ``{"$gte": "2026-03-08", "$lt": "2026-03-09"}``. The SQL
  compares the stored text, which the sandbox keeps in that same normalised form.
* bool — ``preferences.<channel>`` (sms whatsapp email rcs viber voice):
  ``$eq $ne $in $nin $exists`` with true/false. A channel never set is neither true nor
  false: ``{"preferences.sms": false}`` does not match it, ``$exists: false`` does.
* any — ``metadata.<key>`` (the key is everything after the first dot; dots, quotes and
  anything else are part of it): every operator. Values are JSON scalars compared with
  their type: a number never equals or orders against text (``"1"`` is not ``1``), true is
  not 1. ``$gt``… compare numbers with numbers and text with text (code-point order, so ISO
  dates stored the same way order correctly). ``$contains`` looks inside text values only.
  Arrays and objects stored in metadata match only ``$exists``.

Missing values: a missing (or null) field fails every positive operator and satisfies its
negation: ``$ne`` and ``$nin`` hold on a missing field; ``{"field": null}`` (``$eq: null``)
means missing, ``$ne: null`` present — the same as ``$exists`` false/true. Null is not
allowed inside ``$in``/``$nin`` lists nor with ordering operators.

Limits keep validation total and cheap: nesting depth :data:`MAX_DEPTH`, total parts
:data:`MAX_NODES`, list length :data:`MAX_LIST`, text length :data:`MAX_STRING`, integers
within 64 bits. :func:`validate` never raises; :func:`describe` never raises (an invalid
rule reads as ``invalid rule: …``).

For the rule builder: :func:`field_kind`, :func:`operators_for` (exactly the operators
validation accepts, in the order to offer them), :func:`field_label` (the short name a
reading uses), :func:`parse`/:func:`serialise` (the canonical JSON: a lone ``$eq`` is
written as a literal, dates normalised), :func:`validate_json`/:func:`parse_json` for the
JSON editor (syntax errors with line and column, duplicate keys refused). :func:`matcher`
filters many contacts with one parsed rule (the local estimate). :func:`describe` is one
printable line of at most 400 characters: control and format characters in values are
escapes, never raw.

The SQL side reads the JSON columns with SQLite's JSON functions; the Python side mirrors
the two places where those read data differently from Python (a NUL ends a string;
integers beyond 64 bits are floats), see :mod:`orbit_tui.rules.values`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orbit_tui.rules.describe import safe_text
from orbit_tui.rules.describe import describe_rule
from orbit_tui.rules.describe import label as field_label
from orbit_tui.rules.evaluate import ContactView, holds
from orbit_tui.rules.grammar import (
    CHANNEL_FIELDS,
    COMBINATORS,
    DATE_FIELDS,
    FIELDS,
    MAX_DEPTH,
    MAX_LIST,
    MAX_NODES,
    MAX_STRING,
    METADATA_PREFIX,
    OPERATORS,
    PREFERENCES_PREFIX,
    TEXT_FIELDS,
    And,
    Clause,
    FieldClause,
    FieldKind,
    Not,
    Op,
    Or,
    Rule,
    RuleError,
    RuleValidationError,
    field_kind,
    operators_for,
)
from orbit_tui.rules.parsing import parse, serialise, validate
from orbit_tui.rules.sql import register_sqlite_functions, rule_sql

__all__ = [
    "CHANNEL_FIELDS",
    "COMBINATORS",
    "DATE_FIELDS",
    "FIELDS",
    "MAX_DEPTH",
    "MAX_LIST",
    "MAX_NODES",
    "MAX_STRING",
    "METADATA_PREFIX",
    "OPERATORS",
    "PREFERENCES_PREFIX",
    "TEXT_FIELDS",
    "And",
    "Clause",
    "FieldClause",
    "FieldKind",
    "Not",
    "Op",
    "Or",
    "Rule",
    "RuleError",
    "RuleValidationError",
    "describe",
    "evaluate",
    "field_kind",
    "field_label",
    "matcher",
    "operators_for",
    "parse",
    "parse_json",
    "register_sqlite_functions",
    "serialise",
    "to_sql",
    "validate",
    "validate_json",
]


def evaluate(rules: Rule | Mapping[str, Any], contact: object) -> bool:
    """Whether ``contact`` (a ``Contact`` or an API-shaped mapping) matches ``rules``.

    Raises :class:`RuleValidationError` when ``rules`` is an invalid dict.
    """
    return holds(parse(rules), ContactView(contact))


def matcher(rules: Rule | Mapping[str, Any]) -> Any:
    """A one-argument predicate for filtering many contacts with one parsed rule."""
    rule = parse(rules)
    return lambda contact: holds(rule, ContactView(contact))


def to_sql(rules: Rule | Mapping[str, Any], alias: str = "c") -> tuple[str, list[Any]]:
    """A WHERE fragment over the ``contacts`` table (as ``alias``) and its parameters.

    Use on a connection prepared with :func:`register_sqlite_functions`. A ``Rule`` is
    checked again (it may have been built by hand): only valid rules reach the SQL.
    """
    return rule_sql(_checked(rules), alias)


def describe(rules: Rule | Mapping[str, Any]) -> str:
    """A one-line reading such as ``country = US · stage = lead · tags ∋ enterprise``.

    Never raises: a rule that does not parse reads as ``invalid rule: <first problem>``.
    """
    try:
        rule = _checked(rules)
    except RuleValidationError as exc:
        return "invalid rule: " + _one_line(str(exc))
    return describe_rule(rule)


def _checked(rules: Rule | Mapping[str, Any]) -> Rule:
    """The parsed rule; a ``Rule`` goes through its JSON form so a hand-built one is validated."""
    if isinstance(rules, Rule):
        try:
            return parse(serialise(rules))
        except (TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, RuleValidationError):
                raise
            raise RuleValidationError([RuleError("rules", "not a rule built by the grammar")]) from None
    return parse(rules)


def _one_line(text: str) -> str:
    flat = safe_text(text)
    return flat if len(flat) <= 120 else flat[:119] + "…"


# ---------------------------------------------------------------------------- JSON text
MAX_JSON_TEXT = 1_000_000
"""Characters of rule JSON :func:`parse_json` reads."""


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def _load(text: str, root: str) -> tuple[Any, list[RuleError]]:
    if not isinstance(text, str):
        return None, [RuleError(root, "expected JSON text")]
    if len(text) > MAX_JSON_TEXT:
        return None, [RuleError(root, f"more than {MAX_JSON_TEXT} characters of JSON")]
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant), []
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return None, [RuleError(root, f"not valid JSON: {exc.msg} at {where}")]
    except _Duplicate as exc:
        return None, [RuleError(root, f"key {safe_text(repr(exc.key))} appears twice in one object")]
    except _Constant as exc:
        return None, [RuleError(root, f"not valid JSON: {exc.name} is not a JSON number")]
    except RecursionError:
        return None, [RuleError(root, "JSON nested too deeply")]


def validate_json(text: str, root: str = "rules") -> list[RuleError]:
    """Like :func:`validate` for JSON text (the rule builder's editor); never raises.

    Syntax errors name the line and column; a key given twice in one object is an error
    (``json.loads`` would silently keep the last one).
    """
    value, errors = _load(text, root)
    return errors or validate(value, root)


def parse_json(text: str, root: str = "rules") -> Rule:
    """Like :func:`parse` for JSON text; raises :class:`RuleValidationError`."""
    value, errors = _load(text, root)
    if errors:
        raise RuleValidationError(errors)
    return parse(value, root)

