"""Tag and opt-out lookup tables and stored segment counts stay current through every kind of write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orbit_tui import rules as rules_module
from orbit_tui.sandbox import SandboxServer, seed_database

from sandbox_helpers import all_items, client_for

RULES = [
    {"tags": {"$contains": "vip"}},
    {"$or": [{"lifecycle_stage": "churned"}, {"preferences.sms": False}]},
    {"tags": {"$in": ["beta", "trial"]}, "lifecycle_stage": {"$ne": "lead"}},
    {"metadata.plan": {"$in": ["pro", "enterprise"]}, "country_code": {"$nin": ["US"]}},
    {"$not": {"tags": {"$exists": True}}},
]


@pytest.fixture
def server(sandbox_factory) -> SandboxServer:  # type: ignore[no-untyped-def]
    return sandbox_factory(contacts=250, seed=3)


@pytest.fixture
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    with client_for(server) as client:
        yield client


def _check_everything(api: httpx.Client) -> None:
    """Every filtered total and segment count equals what the full contact list says now."""
    everyone = all_items(api, "/contacts")
    ids = {c["id"] for c in everyone}
    for tags in (["vip"], ["newsletter"], ["vip", "enterprise"], ["campaign-150"], ["fresh-tag"]):
        expected = {c["id"] for c in everyone if set(tags) <= set(c["tags"])}
        page = api.get("/contacts", params={"tags": ",".join(tags), "limit": 100}).json()
        assert page["meta"]["pagination"]["total"] == len(expected), tags
        assert {c["id"] for c in all_items(api, "/contacts", tags=",".join(tags))} == expected, tags
    for channel in (None, "sms", "email", "voice"):
        expected = {c["id"] for c in everyone
                    if any(v is False and (channel is None or k == channel) for k, v in c["preferences"].items())}
        params = {"channel": channel} if channel else {}
        found = all_items(api, "/contacts/optouts", **params)
        assert {c["id"] for c in found} == expected, channel
        first = api.get("/contacts/optouts", params={**params, "limit": 5}).json()
        assert first["meta"]["pagination"]["total"] == len(expected), channel
        assert all(sorted(c["opted_out_channels"]) == sorted(k for k, v in c["preferences"].items() if v is False)
                   for c in found)
    for segment in all_items(api, "/contacts/segments"):
        expected = {c["id"] for c in everyone if rules_module.evaluate(segment["rules"], c)}
        assert segment["contact_count"] == len(expected), segment["name"]
        assert api.get(f"/contacts/segments/{segment['id']}").json()["data"]["contact_count"] == len(expected)
        members = all_items(api, f"/contacts/segments/{segment['id']}/members")
        assert {c["id"] for c in members} == expected and expected <= ids
        page = api.get(f"/contacts/segments/{segment['id']}/members", params={"limit": 3}).json()
        assert page["meta"]["pagination"]["total"] == len(expected)


def test_totals_and_counts_stay_current_through_writes(api: httpx.Client) -> None:
    for number, rules in enumerate(RULES):
        assert api.post("/contacts/segments", json={"name": f"probe {number}", "rules": rules}).status_code == 201
    _check_everything(api)
    everyone = all_items(api, "/contacts")
    vip = next(c for c in everyone if "vip" in c["tags"])
    plain = next(c for c in everyone if "vip" not in c["tags"] and c["tags"])
    untagged = next(c for c in everyone if not c["tags"])
    api.post(f"/contacts/{plain['id']}/tags", json={"tags": ["vip", "fresh-tag", "enterprise"]})
    api.delete(f"/contacts/{vip['id']}/tags/vip")
    api.put(f"/contacts/{untagged['id']}", json={"tags": ["beta"], "lifecycle_stage": "churned",
                                                 "metadata": {"plan": "pro"}})
    api.put(f"/contacts/{plain['id']}/preferences", json={"preferences": {"sms": False, "voice": False}})
    opted = next(c for c in everyone if c["preferences"].get("email") is False)
    api.put(f"/contacts/{opted['id']}/preferences", json={"preferences": {"email": True}})
    api.post("/contacts", json={"email": "new.vip@example.com", "tags": ["vip", "fresh-tag"],
                                "preferences": {"whatsapp": False}, "lifecycle_stage": "churned"})
    api.delete(f"/contacts/{everyone[7]['id']}")
    api.delete(f"/contacts/{vip['id']}")
    _check_everything(api)


def test_changing_a_segments_rules_changes_its_count(api: httpx.Client) -> None:
    created = api.post("/contacts/segments", json={"name": "churned", "rules": {"lifecycle_stage": "churned"}})
    segment = created.json()["data"]
    churned = api.get("/contacts", params={"lifecycle_stage": "churned"}).json()["meta"]["pagination"]["total"]
    leads = api.get("/contacts", params={"lifecycle_stage": "lead"}).json()["meta"]["pagination"]["total"]
    assert segment["contact_count"] == churned != leads
    changed = api.put(f"/contacts/segments/{segment['id']}", json={"rules": {"lifecycle_stage": "lead"}})
    assert changed.json()["data"]["contact_count"] == leads
    renamed = api.put(f"/contacts/segments/{segment['id']}", json={"name": "leads"})
    assert renamed.json()["data"]["contact_count"] == leads


def test_a_write_from_another_connection_is_counted(server: SandboxServer, api: httpx.Client) -> None:
    """Counts are stored with the write counter they were true at; a write the server did not see is recounted."""
    segment = api.post("/contacts/segments", json={"name": "lost", "rules": {"lifecycle_stage": "lost"}}).json()
    assert segment["data"]["contact_count"] == 0
    with sqlite3.connect(server.db_path) as conn:
        conn.execute("UPDATE contacts SET lifecycle_stage = 'lost', tags = '[\"outside\"]' "
                     "WHERE seq IN (SELECT seq FROM contacts ORDER BY seq LIMIT 3)")
    assert api.get(f"/contacts/segments/{segment['data']['id']}").json()["data"]["contact_count"] == 3
    assert api.get("/contacts", params={"tags": "outside"}).json()["meta"]["pagination"]["total"] == 3
    _check_everything(api)


def test_a_database_from_before_the_lookup_tables_is_indexed_when_opened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    seed_database(db, contacts=120, seed=9)
    with sqlite3.connect(db) as conn:
        expected = conn.execute("SELECT count(*) FROM contacts c, json_each(c.tags) j WHERE j.value = 'vip'").fetchone()
        for name in ("contact_tags", "contact_optouts", "segment_counts"):
            conn.execute(f"DROP TABLE {name}")
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DELETE FROM sandbox_meta WHERE key = 'contact_index'")
    with SandboxServer(db) as server, client_for(server) as api:
        assert api.get("/contacts", params={"tags": "vip"}).json()["meta"]["pagination"]["total"] == expected[0]
        _check_everything(api)


def _substring_matches(everyone: list[dict], text: str) -> set[str]:
    needle = text.strip().lower()
    return {c["id"] for c in everyone
            if needle in f"{c['first_name'] or ''} {c['last_name'] or ''}".lower() or needle in (c["email"] or "").lower()}


def test_emoji_and_symbol_searches_match_like_a_substring_scan(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=60, seed=4, hostile=True)
    with client_for(server) as api:
        rocket = api.post("/contacts", json={"email": "r@example.com", "first_name": "Ana 🚀", "last_name": "x"})
        both = api.post("/contacts", json={"email": "b@example.com", "first_name": "🔥🚀", "last_name": "Lee"})
        later = api.post("/contacts", json={"email": "l@example.com", "first_name": "Plain"}).json()["data"]
        api.put(f"/contacts/{later['id']}", json={"last_name": "✨ star"})
        everyone = all_items(api, "/contacts")
        for text in ("🚀", "🔥🚀", "🚀🔥", "✨", "👩‍💻", "🚀🔥💯", "\u202e", "\u200b", "™", " 🚀 ", "@", "'", "%", "_"):
            expected = _substring_matches(everyone, text)
            assert {c["id"] for c in all_items(api, "/contacts", search=text)} == expected, repr(text)
            total = api.get("/contacts", params={"search": text, "limit": 1}).json()["meta"]["pagination"]["total"]
            assert total == len(expected), repr(text)
        assert {rocket.json()["data"]["id"], both.json()["data"]["id"]} <= {c["id"] for c in all_items(api, "/contacts", search="🚀")}
        api.put(f"/contacts/{rocket.json()['data']['id']}", json={"first_name": "Ana"})
        api.delete(f"/contacts/{both.json()['data']['id']}")
        assert [c["id"] for c in all_items(api, "/contacts", search="🚀") if c["email"] in ("r@example.com", "b@example.com")] == []
        assert [c["id"] for c in all_items(api, "/contacts", search="✨")] == [later["id"]]
