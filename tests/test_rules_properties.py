"""Property tests of the rule grammar: Python and SQLite agree, serialisation round-trips,
and nothing a client can send makes the parser fail in any other way than validation."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from orbit_tui import rules as R
from orbit_tui.api.models import CHANNELS, Contact

SCHEMA = """
CREATE TABLE contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    phone TEXT NULL, email TEXT NULL, first_name TEXT NULL, last_name TEXT NULL,
    country_code TEXT NULL, lifecycle_stage TEXT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    preferences TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
)
"""

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Small pools so that rules and contacts meet often; the odd ones probe case folding
# (ß/SS, dotted İ, titlecase ǅ), NULs (SQLite's JSON reader stops at one), quotes and SQL.
WORDS = [
    "US", "us", "TR", "lead", "Lead", "customer", "", " ", "Ana", "ANA", "ana lima",
    "straße", "STRASSE", "İstanbul", "istanbul", "ǅemal", "a\x00b", "a", "'", '"',
    "'; DROP TABLE contacts; --", "%", "_", "\\", "[bold]x[/bold]", "\u202eevil", "😀",
]
CORE_WORDS = ["US", "lead", "Ana", "straße", "a\x00b", "12"]
CORE_TAGS = ["vip", "VIP", "trial"]
CORE_KEYS = ["plan", "a.b", 'q"k']
TAGS = ["vip", "VIP", "enterprise", "trial", "", "a\x00b", "a", "x y", "'", "%"]
KEYS = ["plan", "seats", "a.b", 'q"k', "$.plan", "[0]", "'", "k\x00", "k", "ключ", " ", "plan "]
STAMPS = [
    "2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-01-01T12:30:00Z",
    "2026-03-08T12:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
]
RULE_DATES = [
    *STAMPS, "2026-01-01", "2026-03-08", "2026-01-01T13:30:00+01:00", "2026-01-01T12:30",
    "2025-12-31T23:59:59.999Z", "2026-01-01 00:00:00-00:30",
]
NUMBERS = st.one_of(
    st.sampled_from([0, 1, 12, 12.0, 0.5]),
    st.sampled_from([-1, 2**53 + 1, 2**63 - 1, -(2**63), -0.0, 1e300, 1e-300]),
    st.integers(-20, 20),
    st.floats(allow_nan=False, allow_infinity=False),
)
WORD = st.one_of(st.sampled_from(CORE_WORDS), st.sampled_from(WORDS))
TAG = st.one_of(st.sampled_from(CORE_TAGS), st.sampled_from(TAGS))
KEY = st.one_of(st.sampled_from(CORE_KEYS), st.sampled_from(KEYS))
SCALARS = st.one_of(WORD, st.booleans(), NUMBERS)
TEXT_FIELDS = list(R.TEXT_FIELDS)

# ---------------------------------------------------------------------------- contacts
STORED_META = st.one_of(
    st.none(),
    SCALARS,
    st.integers(min_value=2**63, max_value=2**70),  # SQLite reads these as floats
    st.lists(WORD, max_size=2),
    st.dictionaries(KEY, st.integers(), max_size=2),
)


CONTACTS = st.fixed_dictionaries(
    {
        **{name: st.one_of(st.none(), WORD) for name in R.TEXT_FIELDS},
        "tags": st.lists(TAG, max_size=4),
        "metadata": st.dictionaries(KEY, STORED_META, min_size=1, max_size=4),
        "preferences": st.dictionaries(st.sampled_from(CHANNELS), st.one_of(st.none(), st.booleans()), max_size=4),
        "created_at": st.sampled_from(STAMPS),
        "updated_at": st.sampled_from(STAMPS),
    }
)


# ---------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Pools:
    """Where rule values come from (defaults, or mixed with what some contacts hold)."""

    word: st.SearchStrategy[Any] = WORD
    tag: st.SearchStrategy[Any] = TAG
    key: st.SearchStrategy[Any] = KEY
    number: st.SearchStrategy[Any] = NUMBERS
    date: st.SearchStrategy[Any] = st.sampled_from(RULE_DATES)


def pools_from(people: list[dict[str, Any]]) -> Pools:
    """Pools biased towards the contacts' own values, so that rules select some of them."""

    def mix(default: st.SearchStrategy[Any], seen: list[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(st.sampled_from(seen), default) if seen else default

    words = [c[f] for c in people for f in TEXT_FIELDS if c[f] is not None]
    meta = [v for c in people for v in c["metadata"].values()]
    words += [v for v in meta if isinstance(v, str)]
    numbers = [v for v in meta if isinstance(v, (int, float)) and not isinstance(v, bool) and -(2**63) <= v < 2**63]
    return Pools(
        word=mix(WORD, words),
        tag=mix(TAG, [t for c in people for t in c["tags"]]),
        key=mix(KEY, [k for c in people for k in c["metadata"]]),
        number=mix(NUMBERS, numbers),
        date=mix(st.sampled_from(RULE_DATES), [c["created_at"] for c in people]),
    )


def values_for(pools: Pools, kind: str, op: str) -> st.SearchStrategy[Any]:
    if op == "$exists":
        return st.booleans()
    if kind in ("text", "tags", "date"):
        one: st.SearchStrategy[Any] = {"text": pools.word, "tags": pools.tag, "date": pools.date}[kind]
    elif kind == "bool":
        one = st.booleans()
    elif op in ("$gt", "$gte", "$lt", "$lte"):
        one = st.one_of(pools.word, pools.number)
    elif op == "$contains":
        one = pools.word
    else:
        one = st.one_of(pools.word, st.booleans(), pools.number)
    if op in ("$in", "$nin"):
        return st.lists(one, max_size=4)
    if op in ("$eq", "$ne"):
        if kind == "tags":  # a tag, or an exact set of tags
            return st.one_of(one, st.lists(one, max_size=3))
        return st.one_of(one, st.none())  # null: the field is missing
    return one


_OPS = {kind: st.lists(st.sampled_from(R.operators_for(f)), min_size=1, max_size=2, unique=True)
        for kind, f in [("text", "email"), ("tags", "tags"), ("date", "created_at"), ("bool", "preferences.sms"),
                        ("any", "metadata.x")]}
FIXED_FIELDS = st.one_of(st.sampled_from(R.FIELDS), st.sampled_from(R.CHANNEL_FIELDS))


@st.composite
def conditions(draw: st.DrawFn, pools: Pools) -> tuple[str, Any]:
    field = draw(FIXED_FIELDS) if draw(st.integers(0, 2)) else "metadata." + draw(pools.key)
    kind = R.field_kind(field)
    ops = draw(_OPS[kind])
    if ops == ["$eq"] and draw(st.booleans()):
        return field, draw(values_for(pools, kind, "$eq"))  # the literal shorthand
    return field, {op: draw(values_for(pools, kind, op)) for op in ops}


def rules(pools: Pools = Pools()) -> st.SearchStrategy[dict[str, Any]]:
    fields = st.lists(conditions(pools), min_size=1, max_size=2).map(dict)

    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        combinator = st.one_of(
            st.tuples(st.just("$and"), st.lists(children, max_size=3)),
            st.tuples(st.just("$or"), st.lists(children, max_size=3)),
            st.tuples(st.just("$not"), children),
        )
        return st.tuples(fields, st.lists(combinator, max_size=2)).map(lambda t: {**t[0], **dict(t[1])})

    return st.recursive(fields, extend, max_leaves=8)


RULES = rules()


def load(conn: sqlite3.Connection, people: list[dict[str, Any]]) -> None:
    for i, c in enumerate(people):
        row = {"id": f"con_{i}", **c}
        for col in ("tags", "metadata", "preferences"):
            row[col] = json.dumps(row[col], allow_nan=False)
        marks = ", ".join("?" * len(row))
        conn.execute(f"INSERT INTO contacts ({', '.join(row)}) VALUES ({marks})", list(row.values()))


def crowd_member(rng: random.Random) -> dict[str, Any]:
    """One contact drawn from the same pools as the rules (plain random: built once)."""
    numbers = [0, 1, 12, 12.0, 0.5, -1, 2**53 + 1, 2**63 - 1, -(2**63), -0.0, 1e300, 1e-300, 3.25, rng.randint(-20, 20)]

    def word() -> str:
        return rng.choice(CORE_WORDS if rng.random() < 0.5 else WORDS)

    def meta() -> Any:
        return rng.choice(
            [None, word(), rng.random() < 0.5, rng.choice(numbers), 2**64 + rng.randint(0, 9), [word()], {"k": 1}]
        )

    keys = [rng.choice(CORE_KEYS if rng.random() < 0.5 else KEYS) for _ in range(rng.randint(0, 4))]
    return {
        **{name: (None if rng.random() < 0.3 else word()) for name in R.TEXT_FIELDS},
        "tags": [rng.choice(CORE_TAGS if rng.random() < 0.5 else TAGS) for _ in range(rng.randint(0, 4))],
        "metadata": {k: meta() for k in keys},
        "preferences": {ch: rng.choice([None, True, False]) for ch in rng.sample(CHANNELS, rng.randint(0, 4))},
        "created_at": rng.choice(STAMPS),
        "updated_at": rng.choice(STAMPS),
    }


class Crowd:
    """A few hundred varied contacts loaded once, in Python and in SQLite."""

    def __init__(self, size: int = 300) -> None:
        rng = random.Random(20261127)
        self.people = [crowd_member(rng) for _ in range(size)]
        self.models = [Contact(id=f"con_{i}", **c) for i, c in enumerate(self.people)]
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(SCHEMA)
        R.register_sqlite_functions(self.conn)
        load(self.conn, self.people)

    def check(self, rule: dict[str, Any]) -> set[str]:
        where, params = R.to_sql(rule, alias="c")
        in_sql = {r[0] for r in self.conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params)}
        match = R.matcher(rule)
        in_python = {f"con_{i}" for i, c in enumerate(self.people) if match(c)}
        assert in_python == in_sql
        assert {m.id for m in self.models if match(m)} == in_python
        return in_python


CROWD = Crowd()


@settings(max_examples=200, deadline=None)
@given(rule=RULES)
def test_evaluate_and_sql_select_the_same_members_of_a_crowd(rule: dict[str, Any]) -> None:
    assert R.validate(rule) == [], rule
    chosen = CROWD.check(rule)
    # Steer towards rules that split the crowd: all-or-nothing answers prove little.
    target(float(min(len(chosen), len(CROWD.people) - len(chosen))), label="split")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(CONTACTS, min_size=3, max_size=12), data=st.data())
def test_evaluate_and_sql_select_the_same_random_contacts(people: list[dict[str, Any]], data: st.DataObject) -> None:
    rule = data.draw(rules(pools_from(people)), label="rule")
    chosen = check_agreement(rule, people)
    target(float(min(len(chosen), len(people) - len(chosen))), label="split")


def check_agreement(rule: dict[str, Any], people: list[dict[str, Any]]) -> set[str]:
    assert R.validate(rule) == [], rule
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(SCHEMA)
        R.register_sqlite_functions(conn)
        load(conn, people)
        where, params = R.to_sql(rule, alias="c")
        in_sql = {r[0] for r in conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params)}
    finally:
        conn.close()
    in_python = {f"con_{i}" for i, c in enumerate(people) if R.evaluate(rule, c)}
    assert in_python == in_sql
    as_models = {f"con_{i}" for i, c in enumerate(people) if R.evaluate(rule, Contact(id="x", **c))}
    assert as_models == in_python
    return in_python


@FAST
@given(rule=RULES)
def test_parse_serialise_parse_is_the_identity(rule: dict[str, Any]) -> None:
    parsed = R.parse(rule)
    written = R.serialise(parsed)
    again = R.parse(written)
    assert again == parsed
    # Dataclass equality says True == 1; the JSON text does not.
    assert json.dumps(R.serialise(again), sort_keys=True) == json.dumps(written, sort_keys=True)
    json.dumps(written, allow_nan=False)  # JSON-able as it stands
    assert isinstance(R.describe(parsed), str) and "\n" not in R.describe(parsed)


# ---------------------------------------------------------------------------- any JSON
KEYISH = st.one_of(
    st.sampled_from([*R.FIELDS, *R.CHANNEL_FIELDS, *R.OPERATORS, *R.COMBINATORS, "metadata.", "metadata.x",
                     "preferences.fax", "metadata", "$where"]),
    st.text(max_size=6),
)
JSON = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
        st.sampled_from(RULE_DATES + ["2026-02-30", "2026-13-01", "yesterday"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYISH, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON)
def test_any_json_either_parses_or_is_a_validation_error(value: Any) -> None:
    errors = R.validate(value)
    assert all(isinstance(e, R.RuleError) and e.path.startswith("rules") for e in errors)
    try:
        rule = R.parse(value)
    except R.RuleValidationError as exc:
        assert errors and exc.errors == errors
        assert R.describe(value).startswith("invalid rule: ")
        return
    assert errors == []
    R.evaluate(rule, {"id": "con_1"})
    where, params = R.to_sql(rule)
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(SCHEMA)
        R.register_sqlite_functions(conn)
        conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params).fetchall()
    finally:
        conn.close()
    assert R.describe(rule)
