"""The one-line reading of rules shown in the segments table and the rule builder."""

from __future__ import annotations

from typing import Any

import pytest

from orbit_tui import rules as R

READINGS: list[tuple[dict[str, Any], str]] = [
    ({}, "everyone"),
    (
        {"country_code": "US", "lifecycle_stage": "lead", "tags": {"$contains": "enterprise"}},
        "country = US · stage = lead · tags ∋ enterprise",
    ),
    ({"tags": "vip"}, "tags ∋ vip"),
    ({"tags": {"$ne": "vip"}}, "tags ∌ vip"),
    ({"tags": ["a", "b"]}, "tags = {a, b}"),
    ({"tags": []}, "no tags"),
    ({"tags": {"$exists": True}}, "has tags"),
    ({"tags": {"$in": ["a", "b"], "$nin": ["c"]}}, "tags has any of {a, b} · tags has none of {c}"),
    (
        {"$or": [{"country_code": "US"}, {"country_code": "TR", "lifecycle_stage": "lead"}]},
        "any of (country = US | (country = TR · stage = lead))",
    ),
    ({"$and": [{"country_code": "US"}, {"$or": [{"tags": "a"}, {"tags": "b"}]}]},
     "all of (country = US · any of (tags ∋ a | tags ∋ b))"),
    ({"$not": {"tags": "vip"}}, "not (tags ∋ vip)"),
    ({"$not": {"country_code": "US", "tags": "vip"}}, "not (country = US · tags ∋ vip)"),
    ({"$and": []}, "everyone"),
    ({"$or": []}, "no one"),
    ({"created_at": {"$gte": "2026-01-01"}}, "created ≥ 2026-01-01"),
    (
        {"created_at": {"$gte": "2026-01-01", "$lt": "2026-02-01T12:00:00+02:00"}},
        "created ≥ 2026-01-01 · created < 2026-02-01T10:00:00Z",
    ),
    ({"updated_at": {"$lte": "2026-03-08T12:00:00Z"}}, "updated ≤ 2026-03-08T12:00:00Z"),
    ({"metadata.plan": {"$in": ["gold", "silver"]}}, "metadata.plan in {gold, silver}"),
    ({"metadata.seats": {"$gt": 10}}, "metadata.seats > 10"),
    ({"metadata.seats": {"$ne": 1.5}}, "metadata.seats ≠ 1.5"),
    ({"metadata.code": "10"}, 'metadata.code = "10"'),  # text, not the number 10
    ({"metadata.flag": True}, "metadata.flag = true"),
    ({"metadata.flag": "true"}, 'metadata.flag = "true"'),
    ({"metadata.note": "two words"}, "metadata.note = two words"),
    ({"metadata.note": ""}, 'metadata.note = ""'),
    ({"metadata.a.b": {"$exists": False}}, "no metadata.a.b"),
    ({"preferences.sms": False}, "sms pref = no"),
    ({"preferences.whatsapp": {"$ne": True}}, "whatsapp pref ≠ yes"),
    ({"preferences.email": {"$exists": False}}, "no email pref"),
    ({"email": None}, "no email"),
    ({"phone": {"$ne": None}}, "has phone"),
    ({"email": {"$contains": "acme"}}, "email contains acme"),
    ({"first_name": "Ana", "last_name": {"$ne": "Lima"}}, "first name = Ana · last name ≠ Lima"),
    ({"lifecycle_stage": {"$nin": ["churned"]}}, "stage not in {churned}"),
    ({"last_name": 'Ünal · "q"'}, 'last name = "Ünal · \\"q\\""'),
    ({"first_name": "x" * 80}, '"' + "x" * 39 + '…"'),
    ({"metadata.n": {"$in": list(range(10))}}, "metadata.n in {0, 1, 2, 3, 4, 5, 6, 7, … 2 more}"),
]


@pytest.mark.parametrize(("rule", "reading"), READINGS, ids=[r[1] for r in READINGS])
def test_reading(rule: dict[str, Any], reading: str) -> None:
    got = R.describe(rule)
    if reading.startswith('"'):
        assert got.endswith(reading)
    else:
        assert got == reading
    assert R.describe(R.parse(rule)) == got


@pytest.mark.parametrize(
    "text",
    ["a\nb", "tab\there", "\x1b[31mred", "\u202eevil", "zero\u200bwidth", "bell\x07", "\x00"],
)
def test_control_and_format_characters_are_shown_as_escapes(text: str) -> None:
    got = R.describe({"metadata.note": text, f"metadata.{text}": 1})
    assert got.isprintable()
    assert "\\u" in got
    assert '"' in got  # an escaped value is quoted so it cannot pass for plain text


def test_an_invalid_rule_reads_as_invalid_and_never_raises() -> None:
    assert R.describe({"nope": 1}).startswith("invalid rule: rules.nope: unknown field")
    assert R.describe([1, 2]).startswith("invalid rule: rules: ")  # type: ignore[arg-type]
    long = R.describe({"$or": [{"x" * 500: 1}]})
    assert len(long) < 160 and "\n" not in long


def test_every_operator_on_every_kind_reads_without_error() -> None:
    samples = {"text": "x", "tags": "x", "date": "2026-01-01", "bool": True, "any": 1}
    for field in (*R.FIELDS, *R.CHANNEL_FIELDS, "metadata.k"):
        kind = R.field_kind(field)
        for op in R.operators_for(field):
            value: Any = samples[kind]
            if op in ("$in", "$nin"):
                value = [value]
            elif op == "$exists":
                value = True
            elif op == "$contains" and kind == "any":
                value = "x"
            reading = R.describe({field: {op: value}})
            assert reading and not reading.startswith("invalid"), (field, op)


def test_a_long_reading_is_cut_to_one_short_line() -> None:
    reading = R.describe({"$or": [{"email": f"person{i}@example.org"} for i in range(200)]})
    assert len(reading) == 400 and reading.endswith("…")


def test_an_invalid_rule_with_hostile_keys_reads_safely() -> None:
    reading = R.describe({"\u202efoo\n\x1b[31m": 1})
    assert reading.startswith("invalid rule: ") and reading.isprintable()
