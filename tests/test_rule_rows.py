"""The rule builder's row model: rows ↔ rules, paths of errors, editing operations."""

from __future__ import annotations

from typing import Any

import pytest

from orbit_tui import rules as grammar
from orbit_tui.ui.rule_rows import (
    Row,
    indent,
    insert_condition,
    insert_group,
    outdent,
    remove_row,
    row_for_path,
    rows_to_rules,
    rules_to_rows,
)

CASES: list[dict[str, Any]] = [
    {},
    {"country_code": "US", "lifecycle_stage": "lead", "tags": {"$contains": "enterprise"}},
    {
        "$or": [
            {"country_code": "US"},
            {"$not": {"tags": "vip"}},
            {"created_at": {"$gte": "2026-01-01", "$lt": "2026-02-01"}},
        ]
    },
    {"$and": [{"tags": "a"}, {"tags": "b"}]},
    {"metadata.plan": {"$in": ["1", 2, "x"]}, "preferences.sms": False, "tags": ["a"]},
    {
        "$or": [
            {"$or": [{"phone": {"$exists": True}}, {"first_name": {"$contains": "an"}}]},
            {"$and": [{"$not": {"country_code": {"$in": ["US", "GB"]}}}, {"tags": {"$nin": ["x", "y"]}}]},
        ]
    },
    {"metadata.note": "42", "metadata.n": 42, "metadata.flag": True, "email": {"$contains": "a,b"}},
]

CONTACTS: list[dict[str, Any]] = [
    {"id": "c1", "country_code": "US", "lifecycle_stage": "lead", "tags": ["enterprise", "a"],
     "phone": "+14155550100", "first_name": "Dana", "created_at": "2026-01-05T10:00:00Z",
     "metadata": {"plan": 2, "note": "42", "n": 42, "flag": True}, "preferences": {"sms": False},
     "email": "a,b@example.com"},
    {"id": "c2", "country_code": "GB", "lifecycle_stage": "customer", "tags": ["vip", "b", "a"],
     "created_at": "2025-12-31T23:59:59Z", "metadata": {"plan": "1"}, "preferences": {"sms": True}},
    {"id": "c3", "country_code": "DE", "tags": [], "first_name": "Jan", "metadata": {},
     "preferences": {}, "created_at": "2026-01-31T00:00:00Z"},
]


@pytest.mark.parametrize("rules", CASES)
def test_rules_to_rows_and_back_keeps_the_meaning(rules: dict[str, Any]) -> None:
    rows = rules_to_rows(rules)
    built = rows_to_rules(rows)
    assert grammar.validate(built.rules) == []
    for contact in CONTACTS:
        assert grammar.evaluate(built.rules, contact) == grammar.evaluate(rules, contact)
    # A second trip changes nothing: the editor does not drift.
    again = rows_to_rules(rules_to_rows(built.rules))
    assert again.rules == built.rules


def test_flat_rules_come_back_exactly() -> None:
    rules = {"country_code": "US", "lifecycle_stage": "lead", "tags": {"$contains": "enterprise"}}
    assert rows_to_rules(rules_to_rows(rules)).rules == rules


def test_values_are_typed_by_field_kind() -> None:
    rows = [
        Row("cond", 0, "preferences.sms", "$eq", "false"),
        Row("cond", 0, "metadata.n", "$gt", "5"),
        Row("cond", 0, "metadata.s", "$eq", '"5"'),
        Row("cond", 0, "country_code", "$in", "US, GB ,"),
        Row("cond", 0, "first_name", "$eq", "5"),
        Row("cond", 0, "phone", "$exists", ""),
        Row("cond", 0, "tags", "$eq", "[a, b]"),
    ]
    assert rows_to_rules(rows).rules == {
        "preferences.sms": False,
        "metadata.n": {"$gt": 5},
        "metadata.s": "5",
        "country_code": {"$in": ["US", "GB"]},
        "first_name": "5",
        "phone": {"$exists": True},
        "tags": ["a", "b"],
    }


def test_nested_groups_build_or_and_not_with_paths() -> None:
    rows = [
        Row("cond", 0, "country_code", "$eq", "US"),
        Row("any", 0),
        Row("cond", 1, "tags", "$contains", "vip"),
        Row("all", 1),
        Row("cond", 2, "lifecycle_stage", "$eq", "lead"),
        Row("not", 2),
        Row("cond", 3, "email", "$exists", "true"),
    ]
    built = rows_to_rules(rows)
    assert built.rules == {
        "country_code": "US",
        "$or": [
            {"tags": {"$contains": "vip"}},
            {"lifecycle_stage": "lead", "$not": {"email": {"$exists": True}}},
        ],
    }
    assert built.paths == [
        "rules.country_code",
        "rules.$or",
        "rules.$or[0].tags",
        "rules.$or[1]",
        "rules.$or[1].lifecycle_stage",
        "rules.$or[1].$not",
        "rules.$or[1].$not.email",
    ]
    assert row_for_path(built.paths, "rules.$or[1].$not.email.$exists") == 6
    assert row_for_path(built.paths, "rules.$or[0].tags") == 2
    assert row_for_path(built.paths, "rules.$or") == 1
    assert row_for_path(built.paths, "rules.$or[3]") == 1
    assert row_for_path(built.paths, "name") is None


def test_invalid_rows_give_errors_that_land_on_their_row() -> None:
    rows = [
        Row("cond", 0, "country_code", "$eq", "US"),
        Row("any", 0),
        Row("cond", 1, "tags", "$eq", "x"),
        Row("cond", 1, "created_at", "$gte", "yesterday"),
        Row("cond", 1, "nonsense", "$eq", "1"),
    ]
    built = rows_to_rules(rows)
    errors = grammar.validate(built.rules)
    landed = {row_for_path(built.paths, e.path) for e in errors}
    assert landed == {3, 4}


def test_same_field_twice_merges_or_falls_back_to_and() -> None:
    merged = rows_to_rules([
        Row("cond", 0, "created_at", "$gte", "2026-01-01"),
        Row("cond", 0, "created_at", "$lt", "2026-02-01"),
    ])
    assert merged.rules == {"created_at": {"$gte": "2026-01-01", "$lt": "2026-02-01"}}
    assert merged.paths == ["rules.created_at", "rules.created_at"]
    both = rows_to_rules([Row("cond", 0, "tags", "$contains", "a"), Row("cond", 0, "tags", "$contains", "b")])
    assert both.rules == {"$and": [{"tags": {"$contains": "a"}}, {"tags": {"$contains": "b"}}]}
    assert both.paths == ["rules.$and[0].tags", "rules.$and[1].tags"]


def test_editing_builds_two_levels_of_groups() -> None:
    rows: list[Row] = []
    first = insert_condition(rows, None)
    rows[first].field, rows[first].value = "country_code", "US"
    cond = insert_group(rows, first, "any")
    assert rows[cond - 1].kind == "any" and rows[cond].depth == 1
    rows[cond].field, rows[cond].value = "tags", "vip"
    inner = insert_group(rows, cond, "not")
    assert rows[inner].depth == 2
    rows[inner].field, rows[inner].op, rows[inner].value = "lifecycle_stage", "$eq", "churned"
    assert rows_to_rules(rows).rules == {
        "country_code": "US",
        "$or": [{"tags": "vip"}, {"$not": {"lifecycle_stage": "churned"}}],
    }
    # Leave the inner group: the row after it joins the any-of group.
    after = insert_condition(rows, inner)
    assert outdent(rows, after)
    rows[after].field, rows[after].value = "email", "a@b.c"
    assert rows_to_rules(rows).rules["$or"][-1] == {"email": "a@b.c"}
    assert indent(rows, after)
    assert rows_to_rules(rows).rules["$or"][-1] == {
        "$not": {"lifecycle_stage": "churned", "email": "a@b.c"}
    }
    assert not indent(rows, 0)


def test_remove_a_group_removes_what_it_holds() -> None:
    rows = rules_to_rows({"country_code": "US", "$or": [{"tags": "a"}, {"tags": "b"}]})
    group = next(i for i, r in enumerate(rows) if r.kind == "any")
    remove_row(rows, group)
    assert rows_to_rules(rows).rules == {"country_code": "US"}
    remove_row(rows, 0)
    assert rows == [] and rows_to_rules(rows).rules == {}


def test_outdent_moves_a_middle_row_after_its_group() -> None:
    rows = [Row("any", 0), Row("cond", 1, "tags", "$eq", "a"), Row("cond", 1, "tags", "$eq", "b")]
    assert outdent(rows, 1)
    assert [(r.kind, r.depth, r.value) for r in rows] == [
        ("any", 0, ""), ("cond", 1, "b"), ("cond", 0, "a")
    ]
