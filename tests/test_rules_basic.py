"""Examples of the rule grammar's semantics, each checked in Python and in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from orbit_tui import rules as R
from orbit_tui.api.models import Contact

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

ANA = {
    "id": "con_ana",
    "phone": "+14155552671",
    "email": "ana@Acme.example",
    "first_name": "Ana",
    "last_name": "Lima",
    "country_code": "US",
    "lifecycle_stage": "lead",
    "tags": ["enterprise", "vip"],
    "metadata": {"plan": "gold", "seats": 12, "beta": True, "a.b": "dotted", 'q"k': "quoted"},
    "preferences": {"sms": True, "email": False},
    "created_at": "2026-01-15T10:00:00Z",
    "updated_at": "2026-02-01T00:00:00Z",
}
BOB = {
    "id": "con_bob",
    "phone": None,
    "email": "bob@example.org",
    "first_name": "Bob",
    "last_name": None,
    "country_code": "TR",
    "lifecycle_stage": "customer",
    "tags": [],
    "metadata": {"plan": "silver", "seats": "12"},
    "preferences": {},
    "created_at": "2025-12-31T23:59:59Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
PEOPLE = {"ana": ANA, "bob": BOB}


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(SCHEMA)
    R.register_sqlite_functions(conn)
    for c in PEOPLE.values():
        row = dict(c)
        for col in ("tags", "metadata", "preferences"):
            row[col] = json.dumps(row[col])
        cols = ", ".join(row)
        conn.execute(f"INSERT INTO contacts ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    yield conn
    conn.close()


def select(conn: sqlite3.Connection, rule: dict[str, Any]) -> set[str]:
    where, params = R.to_sql(rule)
    rows = conn.execute(f"SELECT id FROM contacts AS c WHERE {where}", params).fetchall()
    return {r[0] for r in rows}


CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"ana", "bob"}),
    ({"country_code": "US", "lifecycle_stage": "lead", "tags": {"$contains": "enterprise"}}, {"ana"}),
    ({"country_code": "us"}, set()),  # equality is exact
    ({"email": {"$contains": "ACME"}}, {"ana"}),  # substring ignores case
    ({"phone": {"$ne": "+14155552671"}}, {"bob"}),  # $ne holds on a missing field
    ({"phone": None}, {"bob"}),
    ({"phone": {"$exists": True}}, {"ana"}),
    ({"last_name": {"$nin": ["Lima"]}}, {"bob"}),
    ({"last_name": {"$in": ["Lima", "Smith"]}}, {"ana"}),
    ({"tags": "vip"}, {"ana"}),
    ({"tags": ["vip", "enterprise"]}, {"ana"}),  # exactly this set, any order
    ({"tags": ["vip"]}, set()),
    ({"tags": []}, {"bob"}),
    ({"tags": {"$exists": False}}, {"bob"}),
    ({"tags": {"$nin": ["vip"]}}, {"bob"}),
    ({"created_at": {"$gte": "2026-01-01"}}, {"ana"}),
    ({"created_at": {"$lt": "2026-01-01T01:00:00+01:00"}}, {"bob"}),  # before 2026-01-01T00:00Z
    ({"updated_at": "2026-01-01"}, {"bob"}),
    ({"preferences.sms": True}, {"ana"}),
    ({"preferences.email": False}, {"ana"}),
    ({"preferences.sms": {"$ne": True}}, {"bob"}),
    ({"preferences.email": {"$exists": False}}, {"bob"}),  # never set: neither true nor false
    ({"metadata.seats": 12}, {"ana"}),  # a number is not the text "12"
    ({"metadata.seats": "12"}, {"bob"}),
    ({"metadata.seats": {"$gt": 10}}, {"ana"}),
    ({"metadata.seats": {"$gt": "1"}}, {"bob"}),
    ({"metadata.beta": True}, {"ana"}),
    ({"metadata.beta": 1}, set()),  # true is not 1
    ({"metadata.plan": {"$in": ["gold", "silver"]}}, {"ana", "bob"}),
    ({"metadata.a.b": "dotted"}, {"ana"}),
    ({'metadata.q"k': "quoted"}, {"ana"}),
    ({"metadata.nothing": {"$exists": False}}, {"ana", "bob"}),
    ({"$or": [{"country_code": "TR"}, {"tags": "vip"}]}, {"ana", "bob"}),
    ({"$or": []}, set()),
    ({"$and": []}, {"ana", "bob"}),
    ({"$not": {"country_code": "US"}}, {"bob"}),
    ({"$not": {"phone": "+14155552671"}}, {"bob"}),  # NOT over a missing field stays true
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[json.dumps(c[0]) for c in CASES])
def test_examples_in_python_and_sql(db: sqlite3.Connection, rule: dict[str, Any], expected: set[str]) -> None:
    assert R.validate(rule) == []
    in_python = {name for name, c in PEOPLE.items() if R.evaluate(rule, c)}
    assert in_python == expected
    assert select(db, rule) == {f"con_{n}" for n in expected}


def test_evaluate_accepts_the_contact_model() -> None:
    model = Contact.model_validate(ANA)
    assert R.evaluate({"created_at": {"$gte": "2026-01-15T10:00:00Z"}}, model)
    assert R.evaluate({"metadata.seats": {"$lte": 12.0}}, model)
    naive = Contact(id="con_x", email="x@example.org", created_at=datetime(2026, 1, 1, 12, 0, 0))
    aware = Contact(id="con_y", email="y@example.org", created_at=datetime(2026, 1, 1, 12, tzinfo=timezone.utc))
    rule = {"created_at": "2026-01-01T12:00:00Z"}
    assert R.evaluate(rule, naive) and R.evaluate(rule, aware)


def test_parse_normalises_dates_and_serialises_canonically() -> None:
    rule = R.parse({"created_at": {"$gte": "2026-03-08", "$lt": "2026-03-09T01:30:00.250+01:30"}})
    assert R.serialise(rule) == {"created_at": {"$gte": "2026-03-08T00:00:00Z", "$lt": "2026-03-09T00:00:00Z"}}
    assert R.serialise(R.parse({"country_code": {"$eq": "US"}})) == {"country_code": "US"}


def test_invalid_rule_raises_with_paths() -> None:
    with pytest.raises(R.RuleValidationError) as info:
        R.parse({"$or": [{"country_code": "US"}, {"tags": 5}]})
    assert info.value.errors == [R.RuleError("rules.$or[1].tags", "expected a tag or a list of tags")]
    assert str(info.value).startswith("rules.$or[1].tags: ")
    with pytest.raises(R.RuleValidationError):
        R.evaluate({"nope": 1}, ANA)


def test_field_kinds_and_operators() -> None:
    assert R.field_kind("email") == "text"
    assert R.field_kind("tags") == "tags"
    assert R.field_kind("created_at") == "date"
    assert R.field_kind("preferences.viber") == "bool"
    assert R.field_kind("metadata.anything.at.all") == "any"
    with pytest.raises(ValueError):
        R.field_kind("preferences.fax")
    assert "$contains" in R.operators_for("tags")
    assert "$gt" not in R.operators_for("country_code")
    assert "$gte" in R.operators_for("updated_at")
    assert set(R.operators_for("metadata.x")) == set(R.OPERATORS)


def test_to_sql_rejects_a_bad_alias() -> None:
    with pytest.raises(ValueError):
        R.to_sql({}, alias="c; DROP TABLE contacts")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("2026-03-08", "2026-03-08T00:00:00Z"),
        ("2026-03-08T12:00:00Z", "2026-03-08T12:00:00Z"),
        ("2026-03-08t12:00z", "2026-03-08T12:00:00Z"),
        ("2026-03-08 12:00:59.999999", "2026-03-08T12:00:59Z"),
        ("2026-03-08T12:00:00+05:30", "2026-03-08T06:30:00Z"),
        ("2026-03-08T01:00:00-0200", "2026-03-08T03:00:00Z"),
        ("2026-03-08T23:30:00-01", "2026-03-09T00:30:00Z"),
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("2025-02-29", None),
        ("2026-03-08T24:00:00Z", None),
        ("2026-03-08T12:00:00+24:00", None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("9999-12-31T23:00:00-02:00", None),  # after year 9999 in UTC
        ("20260308", None),
        ("2026-W10", None),
        ("8 March 2026", None),
        ("", None),
    ],
)
def test_rule_dates_are_normalised_or_refused(text: str, normalised: str | None) -> None:
    errors = R.validate({"created_at": {"$gte": text}})
    if normalised is None:
        assert [e.path for e in errors] == ["rules.created_at.$gte"]
    else:
        assert errors == []
        assert R.serialise(R.parse({"created_at": {"$gte": text}})) == {"created_at": {"$gte": normalised}}


def test_json_strings_are_read_up_to_a_nul_like_sqlite_does(db: sqlite3.Connection) -> None:
    # SQLite's JSON reader stops a string at NUL; evaluate mirrors it so both sides agree.
    contact = {"id": "con_nul", "tags": ["vip\x00hidden"], "metadata": {"k\x00x": "gold\x00silver"}}
    assert R.evaluate({"tags": "vip"}, contact)
    assert not R.evaluate({"tags": "vip\x00hidden"}, contact)
    assert R.evaluate({"metadata.k": "gold"}, contact)
    assert not R.evaluate({"metadata.k": {"$contains": "silver"}}, contact)
    row = ("con_nul", json.dumps(contact["tags"]), json.dumps(contact["metadata"]))
    db.execute("INSERT INTO contacts (id, tags, metadata, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x')", row)
    try:
        assert "con_nul" in select(db, {"tags": "vip"})
        assert "con_nul" in select(db, {"metadata.k": "gold"})
        assert "con_nul" not in select(db, {"metadata.k": {"$contains": "silver"}})
    finally:
        db.execute("DELETE FROM contacts WHERE id = 'con_nul'")


def test_integers_beyond_64_bits_in_metadata_compare_as_floats() -> None:
    contact = {"metadata": {"big": 2**64 + 1}}
    assert R.evaluate({"metadata.big": float(2**64)}, contact)  # as SQLite reads it
    assert R.evaluate({"metadata.big": {"$gt": 2**63 - 1}}, contact)


def test_matcher_filters_many_contacts_with_one_parse() -> None:
    match = R.matcher({"tags": "vip"})
    assert [c["id"] for c in PEOPLE.values() if match(c)] == ["con_ana"]
    with pytest.raises(R.RuleValidationError):
        R.matcher({"tags": 1})
