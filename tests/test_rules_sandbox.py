"""Rules against the real sandbox over HTTP: the server's count for a rule (SQL) equals
the client's local evaluation of the same rule over every contact the server returns,
on seeded data that includes the hostile contacts (markup, escapes, SQL, huge text)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit_tui import rules as R
from orbit_tui.rules.grammar import MAX_STRING
from orbit_tui.api.models import CHANNELS, Contact
from orbit_tui.sandbox import SandboxServer


class World:
    def __init__(self, client: httpx.Client, contacts: list[dict[str, Any]]) -> None:
        self.client = client
        self.contacts = contacts
        self.models = [Contact.model_validate(c) for c in contacts]

    def server_count(self, rule: Any) -> tuple[int, list[str]]:
        reply = self.client.post("/contacts/segments/preview", json={"rules": rule})
        assert reply.status_code == 200, reply.text
        data = reply.json()["data"]
        return data["contact_count"], [c["id"] for c in data["sample"]]

    def local(self, rule: Any) -> set[str]:
        match = R.matcher(rule)
        chosen = {c["id"] for c in self.contacts if match(c)}
        assert chosen == {m.id for m in self.models if match(m)}
        return chosen


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db: Path = tmp_path_factory.mktemp("rules-sandbox") / "sandbox.db"
    server = SandboxServer(db, contacts=150, seed=11, hostile=True)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": server.api_key}, timeout=30) as client:
            contacts: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                reply = client.get("/contacts", params=params)
                assert reply.status_code == 200, reply.text
                body = reply.json()
                contacts.extend(body["data"])
                page = body["meta"]["pagination"]
                if not page["has_more"]:
                    break
                cursor = page["cursor"]
            assert len(contacts) > 150  # the hostile ones come on top
            yield World(client, contacts)
    finally:
        server.stop()


def agree(world: World, rule: Any) -> set[str]:
    local = world.local(rule)
    count, sample = world.server_count(rule)
    assert count == len(local), rule
    assert set(sample) <= local
    return local


def values(world: World) -> dict[str, list[Any]]:
    """What the seeded contacts hold, to build rules that select some of them."""
    seen: dict[str, list[Any]] = {"tags": [], "keys": [], "meta": [], "dates": []}
    for c in world.contacts:
        for name in R.TEXT_FIELDS:
            # A rule's text value is at most MAX_STRING characters (the hostile seed has
            # 10,000-character names, which no valid rule can name).
            if c.get(name) is not None and len(str(c[name])) <= MAX_STRING:
                seen.setdefault(name, []).append(c[name])
        seen["tags"].extend(c["tags"])
        for key, value in c["metadata"].items():
            if 0 < len(key) <= 200:
                seen["keys"].append(key)
            if isinstance(value, (str, int, float)) and not (isinstance(value, str) and len(value) > MAX_STRING):
                seen["meta"].append(value)
        seen["dates"].append(c["created_at"])
    return {k: sorted(set(v), key=repr)[:200] for k, v in seen.items()}


def test_hand_written_rules(world: World) -> None:
    evil = next(
        c for c in world.contacts
        if c["email"].startswith("hostile") and "[" in c["first_name"] and len(c["first_name"]) <= 1000
    )
    a_tag = evil["tags"][0]
    key = next(k for k in evil["metadata"] if k not in ("note", "nested"))
    table: list[dict[str, Any]] = [
        {},
        {"country_code": "US"},
        {"country_code": "US", "lifecycle_stage": "lead"},
        {"lifecycle_stage": {"$in": ["customer", "churned"]}},
        {"phone": {"$exists": False}},
        {"email": {"$contains": "HOSTILE"}},
        {"tags": a_tag},
        {"tags": {"$exists": False}},
        {"tags": {"$nin": ["hostile"]}},
        {"first_name": evil["first_name"]},
        {"first_name": {"$contains": evil["first_name"][:5]}},
        {"metadata.note": evil["metadata"]["note"][:1000]},
        {f"metadata.{key}": {"$exists": True}},
        {"metadata.nested": {"$exists": True}},
        {"metadata.nested.deep": {"$exists": True}},  # a key with a dot, not a path
        {"created_at": {"$gte": "2026-01-01"}},
        {"created_at": {"$lt": world.contacts[len(world.contacts) // 2]["created_at"]}},
        {"$or": [{"country_code": "TR"}, {"tags": "hostile"}]},
        {"$not": {"lifecycle_stage": "lead"}},
        *({f"preferences.{ch}": False} for ch in CHANNELS),
        {"preferences.sms": {"$exists": False}},
    ]
    split = 0
    for rule in table:
        chosen = agree(world, rule)
        split += 0 < len(chosen) < len(world.contacts)
    assert split >= len(table) // 2  # the table is not all-or-nothing answers


@pytest.fixture(scope="module")
def seen(world: World) -> dict[str, list[Any]]:
    return values(world)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_rules_count_the_same_on_the_server(world: World, seen: dict[str, list[Any]], data: st.DataObject) -> None:
    def cond() -> tuple[str, Any]:
        field = data.draw(st.sampled_from([*R.FIELDS, *R.CHANNEL_FIELDS, "metadata"]))
        if field == "metadata":
            field = "metadata." + data.draw(st.sampled_from(seen["keys"] or ["plan"]))
        kind = R.field_kind(field)
        op = data.draw(st.sampled_from(R.operators_for(field)))
        pool: st.SearchStrategy[Any]
        if kind == "text":
            pool = st.sampled_from(seen.get(field) or ["x"])
        elif kind == "tags":
            pool = st.sampled_from(seen["tags"])
        elif kind == "date":
            pool = st.sampled_from(seen["dates"])
        elif kind == "bool":
            pool = st.booleans()
        else:
            pool = st.sampled_from(seen["meta"])
        if op == "$exists":
            return field, {op: data.draw(st.booleans())}
        if op in ("$in", "$nin"):
            return field, {op: data.draw(st.lists(pool, max_size=3))}
        if op == "$contains":
            text = data.draw(pool.filter(lambda v: isinstance(v, str)) if kind == "any" else pool)
            return field, {op: text[: data.draw(st.integers(0, 6))]}
        value = data.draw(pool)
        if kind == "any" and op in ("$gt", "$gte", "$lt", "$lte") and isinstance(value, bool):
            value = 1
        return field, {op: value}

    rule: dict[str, Any] = dict(cond() for _ in range(data.draw(st.integers(1, 2))))
    combinator = data.draw(st.sampled_from(["", "$or", "$not"]))
    if combinator == "$or":
        rule = {"$or": [rule, dict([cond()])]}
    elif combinator == "$not":
        rule = {"$not": rule}
    assert R.validate(rule) == [], rule
    agree(world, rule)


def test_the_server_reports_rule_errors_at_their_path(world: World) -> None:
    reply = world.client.post(
        "/contacts/segments/preview", json={"rules": {"$or": [{"country_code": "US"}, {"tags": 5}]}}
    )
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["field"] == "rules.$or[1].tags"
