"""The vocabulary of segment rules: fields, operators, limits, the AST and the errors.

Everything else in :mod:`orbit_tui.rules` builds on these names; nothing here parses,
evaluates or renders a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, Union

from orbit_tui.api.models import CHANNELS

FieldKind = Literal["text", "tags", "date", "bool", "any"]

TEXT_FIELDS: tuple[str, ...] = (
    "phone",
    "email",
    "first_name",
    "last_name",
    "country_code",
    "lifecycle_stage",
)
DATE_FIELDS: tuple[str, ...] = ("created_at", "updated_at")
FIELDS: tuple[str, ...] = (*TEXT_FIELDS, "tags", *DATE_FIELDS)
"""The fixed field names; ``metadata.<key>`` and ``preferences.<channel>`` come on top."""

METADATA_PREFIX = "metadata."
PREFERENCES_PREFIX = "preferences."
CHANNEL_FIELDS: tuple[str, ...] = tuple(f"{PREFERENCES_PREFIX}{c}" for c in CHANNELS)

COMBINATORS: tuple[str, ...] = ("$and", "$or", "$not")
OPERATORS: tuple[str, ...] = (
    "$eq",
    "$ne",
    "$in",
    "$nin",
    "$contains",
    "$exists",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
)
LIST_OPERATORS: frozenset[str] = frozenset({"$in", "$nin"})
ORDER_OPERATORS: frozenset[str] = frozenset({"$gt", "$gte", "$lt", "$lte"})

# Operators per kind, in the order a rule builder should offer them.
_OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "text": ("$eq", "$ne", "$contains", "$in", "$nin", "$exists"),
    "tags": ("$contains", "$eq", "$ne", "$in", "$nin", "$exists"),
    "date": ("$gte", "$lt", "$gt", "$lte", "$eq", "$ne", "$in", "$nin", "$exists"),
    "bool": ("$eq", "$ne", "$in", "$nin", "$exists"),
    "any": ("$eq", "$ne", "$in", "$nin", "$contains", "$gt", "$gte", "$lt", "$lte", "$exists"),
}

# Limits that keep validation, evaluation and the SQL total and small.
MAX_DEPTH = 32
"""Rule objects nested deeper than this are rejected."""
MAX_NODES = 2000
"""Rule objects + conditions + list items in one rule."""
MAX_LIST = 500
"""Items in one ``$in``/``$nin``/tag-set list."""
MAX_STRING = 1000
"""Characters in one string value."""
MAX_KEY = 200
"""Characters in one metadata key."""
MAX_ERRORS = 50
"""Validation stops collecting errors after this many."""
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Integers in rules must fit SQLite's 64 bits."""


def field_kind(field: str) -> FieldKind:
    """The kind of value a field holds; raises ``ValueError`` for an unknown field."""
    if field in TEXT_FIELDS:
        return "text"
    if field == "tags":
        return "tags"
    if field in DATE_FIELDS:
        return "date"
    if field in CHANNEL_FIELDS:
        return "bool"
    if field.startswith(METADATA_PREFIX) and len(field) > len(METADATA_PREFIX):
        return "any"
    raise ValueError(f"unknown field {field!r}")


def operators_for(field: str) -> tuple[str, ...]:
    """The operators valid on ``field`` (exactly what validation accepts), builder order."""
    return _OPERATORS_BY_KIND[field_kind(field)]


class RuleError(NamedTuple):
    """One problem in a rule: where (a JSON path such as ``rules.$or[1].tags``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleValidationError(ValueError):
    """A rule that does not follow the grammar; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors: list[RuleError] = list(errors) or [RuleError("rules", "invalid rule")]
        first = self.errors[0]
        more = len(self.errors) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(f"{first.path}: {first.message}{suffix}")


# ---------------------------------------------------------------------------- the AST
# Values inside the AST are JSON scalars, or tuples of them for list operators; dates
# are already normalised to 'YYYY-MM-DDTHH:MM:SSZ'.
Scalar = Union[str, int, float, bool, None]
Value = Union[Scalar, tuple[Scalar, ...]]


@dataclass(frozen=True)
class Op:
    """One operator and its (normalised) value, e.g. ``Op("$in", ("US", "TR"))``."""

    op: str
    value: Value


@dataclass(frozen=True)
class FieldClause:
    """A field and its operators, all of which must hold."""

    field: str
    ops: tuple[Op, ...]


@dataclass(frozen=True)
class And:
    """``{"$and": [rule, ...]}``: every rule holds (true when empty)."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Or:
    """``{"$or": [rule, ...]}``: at least one rule holds (false when empty)."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    """``{"$not": rule}``: the rule does not hold."""

    rule: Rule


Clause = Union[FieldClause, And, Or, Not]


@dataclass(frozen=True)
class Rule:
    """A rule object: every clause (one per key of the JSON object) must hold."""

    clauses: tuple[Clause, ...] = ()
