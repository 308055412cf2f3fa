"""Validation of rules: the JSON path and words of each error, the limits that keep
validation total, and metadata keys or values that try to break out of the SQL."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbit_tui import rules as R

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

# (rule, path of the first error, words the message contains)
BAD: list[tuple[Any, str, str]] = [
    ([], "rules", "expected a rule object"),
    (None, "rules", "expected a rule object"),
    ("country_code = US", "rules", "expected a rule object"),
    ({"foo": 1}, "rules.foo", "unknown field 'foo'"),
    ({"contry_code": "US"}, "rules.contry_code", "did you mean country_code?"),
    ({"$or": {"country_code": "US"}}, "rules.$or", "list of rule objects"),
    ({"$or": [{"country_code": "US"}, 1]}, "rules.$or[1]", "expected a rule object"),
    ({"$or": [{"country_code": "US"}, {"tags": 5}]}, "rules.$or[1].tags", "a tag or a list of tags"),
    ({"$and": [{"$or": [{"$not": {"x": 1}}]}]}, "rules.$and[0].$or[0].$not.x", "unknown field"),
    ({"$not": []}, "rules.$not", "expected a rule object"),
    ({"$nor": []}, "rules.$nor", "unknown combinator"),
    ({"$eq": "US"}, "rules.$eq", "operators go inside a field"),
    ({"country_code": {"$in": "US"}}, "rules.country_code.$in", "takes a list"),
    ({"country_code": {"$in": ["US", 5]}}, "rules.country_code.$in[1]", "expected text"),
    ({"country_code": {"$gt": "A"}}, "rules.country_code.$gt", "does not apply to country_code"),
    ({"country_code": {"$foo": 1}}, "rules.country_code.$foo", "unknown operator"),
    ({"email": {"$contians": "x"}}, "rules.email.$contians", "did you mean $contains?"),
    ({"email": {}}, "rules.email", "at least one operator"),
    ({"email": {"$not": {"$eq": "x"}}}, "rules.email.$not", "goes around fields"),
    ({"email": {"$exists": 1}}, "rules.email.$exists", "true or false"),
    ({"email": {"$in": [None]}}, "rules.email.$in[0]", "null is not allowed"),
    ({"phone": ["+1", "+2"]}, "rules.phone", "use $in"),
    ({"email": "x" * 1001}, "rules.email", "longer than 1000"),
    ({"email": "\ud800"}, "rules.email", "invalid characters"),
    ({1: 2}, "rules", "keys must be text"),
    ({"email": {1: 2}}, "rules.email", "operator names must be text"),
    ({"created_at": {"$gte": "2026-02-30"}}, "rules.created_at.$gte", "not a date"),
    ({"created_at": "yesterday"}, "rules.created_at", "not a date"),
    ({"created_at": 1767225600}, "rules.created_at", "not a date"),
    ({"updated_at": {"$in": ["2026-01-01", "2026-13-01"]}}, "rules.updated_at.$in[1]", "not a date"),
    ({"created_at": {"$contains": "2026"}}, "rules.created_at.$contains", "does not apply"),
    ({"preferences.sms": "yes"}, "rules.preferences.sms", "true or false"),
    ({"preferences.sms": {"$gt": False}}, "rules.preferences.sms.$gt", "does not apply"),
    ({"preferences.fax": True}, "rules.preferences.fax", "unknown channel 'fax'"),
    ({"preferences": {"sms": True}}, "rules.preferences", "name a channel"),
    ({"metadata": {"plan": "gold"}}, "rules.metadata", "name a metadata key"),
    ({"metadata.": 1}, "rules.metadata.", "name a metadata key"),
    ({"metadata.x": [1]}, "rules.metadata.x", "use $in"),
    ({"metadata.x": {"a": 1}}, "rules.metadata.x.a", "unknown operator"),
    ({"metadata.x": {"$gt": True}}, "rules.metadata.x.$gt", "number or text"),
    ({"metadata.x": {"$lte": None}}, "rules.metadata.x.$lte", "number or text"),
    ({"metadata.x": float("nan")}, "rules.metadata.x", "finite number"),
    ({"metadata.x": float("inf")}, "rules.metadata.x", "finite number"),
    ({"metadata.x": 2**64}, "rules.metadata.x", "64 bits"),
    ({"metadata.x": {"$contains": 5}}, "rules.metadata.x.$contains", "text to look for"),
    ({"metadata." + "k" * 201: 1}, "rules.metadata." + "k" * 201, "longer than 200"),
    ({"tags": None}, "rules.tags", "a tag or a list of tags"),
    ({"tags": {"$contains": ["a"]}}, "rules.tags.$contains", "expected a single value"),
    ({"tags": {"$contains": 1}}, "rules.tags.$contains", "expected a tag"),
    ({"tags": {"$gt": "a"}}, "rules.tags.$gt", "does not apply to tags"),
    ({"tags": ["a", 1]}, "rules.tags[1]", "expected a tag"),
]


@pytest.mark.parametrize(("rule", "path", "words"), BAD, ids=[b[1] + " " + b[2] for b in BAD])
def test_error_path_and_message(rule: Any, path: str, words: str) -> None:
    errors = R.validate(rule)
    assert errors, "should be invalid"
    assert errors[0].path == path
    assert words in errors[0].message
    with pytest.raises(R.RuleValidationError) as info:
        R.parse(rule)
    assert info.value.errors == errors
    assert str(info.value).startswith(f"{path}: ")


def test_every_problem_is_reported_with_its_own_path() -> None:
    rule = {
        "country_code": {"$in": "US"},
        "$or": [{"tags": 5}, {"email": "ok@example.org"}, {"nope": 1}],
        "created_at": {"$gte": "soon", "$lt": "2026-01-01"},
    }
    paths = [e.path for e in R.validate(rule)]
    assert paths == ["rules.country_code.$in", "rules.$or[0].tags", "rules.$or[2].nope", "rules.created_at.$gte"]
    assert "and 3 more" in str(R.RuleValidationError(R.validate(rule)))


def test_the_root_of_paths_can_be_chosen() -> None:
    assert R.validate({"$or": [{"x": 1}]}, root="body.rules")[0].path == "body.rules.$or[0].x"


def test_validation_error_is_a_value_error() -> None:
    assert issubclass(R.RuleValidationError, ValueError)
    with pytest.raises(ValueError):
        R.parse({"x": 1})


# ---------------------------------------------------------------------------- limits
def nested_not(depth: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"country_code": "US"}
    for _ in range(depth):
        rule = {"$not": rule}
    return rule


def db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(SCHEMA)
    R.register_sqlite_functions(conn)
    conn.execute(
        "INSERT INTO contacts (id, country_code, tags, metadata, created_at, updated_at)"
        " VALUES ('con_1', 'US', '[\"vip\"]', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [json.dumps({"plan": "gold"})],
    )
    return conn


def matches(conn: sqlite3.Connection, rule: Any) -> bool:
    where, params = R.to_sql(rule)
    return bool(conn.execute(f"SELECT COUNT(*) FROM contacts AS c WHERE {where}", params).fetchone()[0])


def test_nesting_up_to_the_limit_works_in_python_and_sql() -> None:
    deepest = nested_not(R.MAX_DEPTH)
    assert R.validate(deepest) == []
    conn = db()
    contact = {"id": "con_1", "country_code": "US"}
    assert matches(conn, deepest) == R.evaluate(deepest, contact) == (R.MAX_DEPTH % 2 == 0)
    assert "not (not (" in R.describe(deepest)


def test_nesting_beyond_the_limit_is_refused_without_recursing() -> None:
    errors = R.validate(nested_not(R.MAX_DEPTH + 1))
    assert len(errors) == 1 and "deeper than" in errors[0].message
    assert errors[0].path == "rules" + ".$not" * (R.MAX_DEPTH + 1)
    # Far deeper than Python's recursion limit: still a plain validation error.
    huge: dict[str, Any] = {}
    for _ in range(50_000):
        huge = {"$and": [huge]}
    assert "deeper than" in R.validate(huge)[0].message
    deep_list: list[Any] = []
    for _ in range(50_000):
        deep_list = [deep_list]
    assert R.validate({"email": deep_list})[0].message.startswith("expected a single value")


def test_a_wide_or_stays_within_sqlite_limits() -> None:
    wide = {"$or": [{"metadata.plan": f"p{i}"} for i in range(R.MAX_LIST - 1)] + [{"metadata.plan": "gold"}]}
    assert R.validate(wide) == []
    conn = db()
    assert matches(conn, wide) is True
    assert R.validate({"$or": [{"email": "x"}] * (R.MAX_LIST + 1)})[0].message.startswith("more than")


def test_too_many_parts_is_one_error() -> None:
    big = {"$and": [{"$or": [{"email": f"{i}-{j}"} for j in range(400)]} for i in range(10)]}
    errors = R.validate(big)
    assert [e.message for e in errors] == [f"rule too large (more than {R.MAX_NODES} parts)"]


def test_errors_are_capped() -> None:
    rule = {"$or": [{f"bad{i}": 1} for i in range(400)]}
    errors = R.validate(rule)
    assert len(errors) == 50
    assert errors[-1].path == "rules.$or[49].bad49"


# ---------------------------------------------------------------------------- injection
HOSTILE_KEYS = [
    "'); DROP TABLE contacts; --",
    '") OR 1=1 --',
    "a.b",
    'a"b',
    "a'b",
    "a\\b",
    "$.plan",
    "$[0]",
    "*",
    "plan\x00",
    "[bold]plan[/bold]",
    "\u202eplan",
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_metadata_keys_are_parameters_only(key: str) -> None:
    conn = db()
    metadata = {key: "gold' OR '1'='1", "plan": "gold"}
    conn.execute(
        "INSERT INTO contacts (id, metadata, created_at, updated_at) VALUES ('con_2', ?, 'x', 'x')",
        [json.dumps(metadata)],
    )
    people = {"con_1": {"metadata": {"plan": "gold"}}, "con_2": {"metadata": metadata}}
    for cond in ("gold' OR '1'='1", {"$contains": "' or '1'"}, {"$exists": True}, {"$ne": "x"}, {"$in": ["gold"]}):
        rule = {f"metadata.{key}": cond}
        assert R.validate(rule) == []
        where, params = R.to_sql(rule)
        assert key not in where and "gold" not in where and "OR '1'" not in where
        ids = {r[0] for r in conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params)}
        expected = {name for name, contact in people.items() if R.evaluate(rule, contact)}
        assert ids == expected, (key, cond)
    assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 2
    # The exact key, not a JSON path: "a.b" is not the nested key b of a.
    assert not R.evaluate({"metadata.a.b": "x"}, {"metadata": {"a": {"b": "x"}}})


def test_a_key_that_is_a_json_path_does_not_reach_other_keys() -> None:
    conn = db()
    assert matches(conn, {"metadata.plan": "gold"})
    for key in ("$.plan", '"plan"', "plan ", "PLAN", "$"):
        assert not matches(conn, {f"metadata.{key}": "gold"})
        assert not R.evaluate({f"metadata.{key}": "gold"}, {"metadata": {"plan": "gold"}})


def test_hostile_values_are_parameters_only() -> None:
    conn = db()
    evil = "US' OR 1=1; DROP TABLE contacts; --"
    for rule in (
        {"country_code": evil},
        {"country_code": {"$in": [evil]}},
        {"email": {"$contains": evil}},
        {"tags": evil},
        {"tags": [evil]},
        {"created_at": {"$gte": "2026-01-01"}, "last_name": {"$nin": [evil]}},
    ):
        where, params = R.to_sql(rule)
        assert "DROP" not in where and evil in params
        conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params).fetchall()
    assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 1


@pytest.mark.parametrize("alias", ["", "c.x", "c;", "1c", "c --", "c AS d"])
def test_the_alias_must_be_an_identifier(alias: str) -> None:
    with pytest.raises(ValueError):
        R.to_sql({"country_code": "US"}, alias=alias)


def test_another_alias_is_used_throughout() -> None:
    where, _ = R.to_sql({"country_code": "US", "tags": "vip", "metadata.plan": "gold", "preferences.sms": True}, "ct")
    assert "ct.country_code" in where and "ct.tags" in where and "ct.metadata" in where
    assert "c." not in where.replace("ct.", "")


def test_a_hand_built_rule_is_checked_before_it_reaches_sql() -> None:
    wrong_op = R.Rule((R.FieldClause("email", (R.Op("$gt", "x"),)),))
    with pytest.raises(R.RuleValidationError):
        R.to_sql(wrong_op)
    assert R.describe(wrong_op).startswith("invalid rule: rules.email.$gt")
    junk = R.Rule(("junk",))  # type: ignore[arg-type]
    with pytest.raises(R.RuleValidationError):
        R.to_sql(junk)
    assert R.describe(junk).startswith("invalid rule")
    fine = R.Rule((R.FieldClause("created_at", (R.Op("$gte", "2026-01-01"),)),))
    where, params = R.to_sql(fine)
    assert params == ["2026-01-01T00:00:00Z"]  # normalised on the way


# ---------------------------------------------------------------------------- JSON text
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"country_code": "US",}', "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 23"),
        ('{"tags": "vip"', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"country_code": "US", "country_code": "TR"}', "key 'country_code' appears twice"),
        ('{"$or": [{"tags": "a", "tags": "b"}]}', "key 'tags' appears twice"),
        ('{"metadata.x": NaN}', "NaN is not a JSON number"),
        ('{"metadata.x": -Infinity}', "-Infinity is not a JSON number"),
        ("[" * 100_000, "nested too deeply"),
        (" " * (1_000_001), "more than 1000000 characters"),
    ],
)
def test_json_text_errors(text: str, words: str) -> None:
    errors = R.validate_json(text)
    assert len(errors) == 1 and errors[0].path == "rules"
    assert words in errors[0].message
    with pytest.raises(R.RuleValidationError):
        R.parse_json(text)


def test_json_text_that_parses() -> None:
    text = '{"country_code": "US", "$or": [{"tags": "vip"}, {"created_at": {"$gte": "2026-01-01"}}]}'
    assert R.validate_json(text) == []
    assert R.parse_json(text) == R.parse(json.loads(text))
    assert R.validate_json('{"$or": [{"tags": 5}]}')[0].path == "rules.$or[0].tags"


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=40), st.from_regex(r'\{"[a-z_.$]{0,12}": ?[\[\]{}"a-z0-9:, .$-]{0,30}\}')))
def test_any_text_either_parses_or_is_a_validation_error(text: str) -> None:
    errors = R.validate_json(text)
    try:
        R.parse_json(text)
    except R.RuleValidationError as exc:
        assert exc.errors == errors
    else:
        assert errors == []
