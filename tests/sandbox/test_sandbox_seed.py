"""Seed data: deterministic, realistic, valid; hostile data served intact; server lifecycle."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections import Counter
from pathlib import Path

import httpx
import phonenumbers
import pycountry
import pytest
from email_validator import validate_email

from orbit_tui.api.models import ACTIVITY_TYPES
from orbit_tui.sandbox import DEMO_API_KEY, SandboxServer, seed_database
from orbit_tui.sandbox.activity import event_count, events_for
from orbit_tui.sandbox.seed_pools import HOSTILE_STRINGS

from sandbox_helpers import client_for


def _dump(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        contacts = conn.execute("SELECT * FROM contacts ORDER BY seq").fetchall()
        lists = conn.execute("SELECT id, name FROM lists ORDER BY seq").fetchall()
        members = conn.execute("SELECT * FROM list_members ORDER BY 1, 2").fetchall()
        segments = conn.execute("SELECT id, name, rules FROM segments ORDER BY seq").fetchall()
        lookups = [row for table in ("contact_tags", "contact_optouts", "contact_chars", "segment_counts")
                   for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()]
        search = conn.execute("SELECT rowid, name, email, phone FROM contacts_fts ORDER BY rowid").fetchall()
        conn.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')")  # raises when corrupt
        found = [conn.execute("SELECT group_concat(rowid) FROM contacts_fts WHERE contacts_fts MATCH ?", (q,)).fetchone()
                 for q in ('"a"*', '"ma"*', '"gmail"', '"com"', '"1"*', '"44"*')]
    return contacts + lists + members + segments + lookups + search + found


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seed") / "a.db"
    seed_database(db, contacts=800, seed=11)
    return db


def test_same_seed_same_data_other_seed_other_data(seeded: Path, tmp_path: Path) -> None:
    again = tmp_path / "b.db"
    seed_database(again, contacts=800, seed=11)
    assert _dump(again) == _dump(seeded)
    other = tmp_path / "c.db"
    seed_database(other, contacts=800, seed=12)
    assert _dump(other) != _dump(seeded)


def test_seeded_contacts_are_valid_and_varied(seeded: Path) -> None:
    with sqlite3.connect(seeded) as conn:
        rows = conn.execute("SELECT phone, email, country_code, lifecycle_stage, tags, metadata, preferences, "
                            "activity_seed FROM contacts").fetchall()
        lists = conn.execute("SELECT (SELECT count(*) FROM list_members m WHERE m.list_seq = l.seq) FROM lists l")
        list_sizes = [r[0] for r in lists.fetchall()]
        segments = conn.execute("SELECT count(*) FROM segments").fetchone()[0]
    assert len(rows) == 800
    phones = [r[0] for r in rows if r[0]]
    emails = [r[1] for r in rows if r[1]]
    assert len(phones) == len(set(phones)) > 600
    assert len({e.lower() for e in emails}) == len(emails) > 600
    assert all(r[0] or r[1] for r in rows)
    for phone in phones:
        parsed = phonenumbers.parse(phone, None)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone
    for email in emails[:300]:
        validate_email(email, check_deliverability=False)
    countries = Counter(r[2] for r in rows)
    assert len(countries) >= 20 and all(pycountry.countries.get(alpha_2=c) for c in countries)
    stages = Counter(r[3] for r in rows)
    assert {"subscriber", "lead", "customer", "churned"} <= set(stages)
    tags = Counter(t for r in rows for t in json.loads(r[4]))
    counts = sorted(tags.values(), reverse=True)
    assert len(tags) > 80 and counts[0] > 10 * counts[len(counts) // 2]  # a long tail
    metadata = [json.loads(r[5]) for r in rows]
    assert all({"plan", "signup_source", "ltv"} <= set(m) for m in metadata)
    prefs = [json.loads(r[6]) for r in rows]
    optouts = sum(1 for p in prefs if False in p.values())
    assert 0.05 * len(rows) < optouts < 0.6 * len(rows)
    events = [len(events_for(r[7])) for r in rows[:400]]
    assert min(events) == 0 and max(events) <= 60 and max(events) > 40
    assert len(list_sizes) == 10 and all(size > 0 for size in list_sizes)
    assert segments == 5


def test_activity_falls_between_creation_and_the_end_of_the_seeded_period(seeded: Path) -> None:
    with sqlite3.connect(seeded) as conn:
        rows = conn.execute("SELECT activity_seed, created_at FROM contacts").fetchall()
    seen = 0
    for activity_seed, created_at in rows:
        stamps = [e["timestamp"] for e in events_for(activity_seed, created_at=created_at)]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        assert all(created_at <= s <= "2026-03-01T00:00:00Z" for s in stamps), created_at
        seen += len(stamps)
    assert seen > 1000
    # the early contacts keep their spread-out timelines; late ones are squeezed into their days
    late = max(rows, key=lambda r: r[1] if event_count(r[0]) > 20 else "")
    assert event_count(late[0]) > 20
    assert all(e["timestamp"] >= late[1] for e in events_for(late[0], created_at=late[1]))


def test_activity_endpoint_uses_the_contacts_creation_time(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    with client_for(sandbox_factory(contacts=40)) as api:
        contacts = api.get("/contacts", params={"limit": 40}).json()["data"]
        checked = 0
        for contact in contacts:
            events = api.get(f"/contacts/{contact['id']}/activity", params={"limit": 100}).json()["data"]
            assert all(contact["created_at"] <= e["timestamp"] <= "2026-03-01T00:00:00Z" for e in events)
            checked += len(events)
        assert checked > 0


def test_phones_of_large_seeds_are_valid_without_checking_each(tmp_path: Path) -> None:
    """From 50,000 contacts on, numbers come from pre-validated templates unchecked: check a sample here."""
    from orbit_tui.sandbox import seed as seed_module

    gen = seed_module._Generator("7/3", 1_000_000, (3000, 4000))
    assert not gen.verify and sum(len(t) for t in gen.templates.values()) > 300
    phones = [row[2] for row, _ in (gen.contact(i, i + 1, seed_module._END_TS - 10**6 + i) for i in range(3000))
              if row[2]]
    assert len(phones) == len(set(phones)) > 2500
    regions = set()
    for phone in phones:
        parsed = phonenumbers.parse(phone, None)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone
        regions.add(phonenumbers.region_code_for_number(parsed))
    assert len(regions) >= 25


def test_activity_is_deterministic_and_typed() -> None:
    first = events_for(123456)
    assert first == events_for(123456)
    assert all(e["type"] in ACTIVITY_TYPES for e in first)
    assert events_for(None) == []


def test_hostile_seed_is_served_literally(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=20, hostile=True)
    with client_for(server) as api:
        hostile = api.get("/contacts", params={"tags": "hostile", "limit": 100}).json()["data"]
        names = {c["first_name"] for c in hostile}
        assert set(HOSTILE_STRINGS) <= names
        assert "[@click=app.quit]Quit[/]" in names and "A" * 10_000 in names
        assert any("\x1b" in (c["last_name"] or "") for c in hostile)
        for query in ("bold", "李小龍", "山田", "Zoë", "drop table", "script alert"):
            response = api.get("/contacts", params={"search": query})
            assert response.status_code == 200
            assert response.json()["data"], query
        for item in hostile:  # list items (JSON made by SQLite) equal the single-contact answer
            assert api.get(f"/contacts/{item['id']}").json()["data"] == item
        contact = hostile[0]["id"]
        summaries = []
        for item in hostile:
            page = api.get(f"/contacts/{item['id']}/activity", params={"limit": 100}).json()
            summaries += [e["summary"] for e in page["data"]]
        assert any("[bold red]" in (s or "") for s in summaries)
        assert api.get(f"/contacts/{contact}").status_code == 200


def test_server_lifecycle_seeds_once_and_keeps_changes(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    server = SandboxServer(db, contacts=30)
    assert DEMO_API_KEY.startswith("dv_test_sk_demo") and server.api_key == DEMO_API_KEY
    with server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/api/v1")
        assert DEMO_API_KEY not in repr(server)
        port = server.port
        with client_for(server) as api:
            created = api.post("/contacts", json={"email": "kept@example.com"}).json()["data"]
            assert api.get("/contacts").json()["meta"]["pagination"]["total"] == 31
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with SandboxServer(db, contacts=30) as again, client_for(again) as api:
        assert api.get("/contacts").json()["meta"]["pagination"]["total"] == 31
        assert api.get(f"/contacts/{created['id']}").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(again.base_url.replace(str(again.port), str(port)) + "/contacts")


def test_worker_processes_make_the_same_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orbit_tui.sandbox import seed as seed_module

    monkeypatch.setattr(seed_module, "_CHUNK", 300)
    monkeypatch.setattr(seed_module, "_PARALLEL_FROM", 10**9)
    seed_database(tmp_path / "serial.db", contacts=700, seed=5)
    monkeypatch.setattr(seed_module, "_PARALLEL_FROM", 0)
    monkeypatch.setattr(seed_module.os, "cpu_count", lambda: 2)
    contexts: list[str] = []
    real_get_context = seed_module.multiprocessing.get_context

    def spy(method: str):  # type: ignore[no-untyped-def]
        contexts.append(method)
        return real_get_context(method)

    monkeypatch.setattr(seed_module.multiprocessing, "get_context", spy)
    seed_database(tmp_path / "parallel.db", contacts=700, seed=5)
    assert contexts == ["fork", "fork"]  # the worker path really ran (search index builder and pool)
    assert _dump(tmp_path / "parallel.db") == _dump(tmp_path / "serial.db")
    assert not list(tmp_path.glob("*search-build*"))  # the index's build file is gone
    with sqlite3.connect(tmp_path / "serial.db") as conn:
        phones = [r[0] for r in conn.execute("SELECT phone FROM contacts WHERE phone IS NOT NULL")]
    assert len(phones) == len(set(phones))


def test_seeding_a_database_with_contacts_is_refused(seeded: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with sqlite3.connect(seeded) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with pytest.raises(ValueError, match="already has contacts"):
        seed_database(copy, contacts=5, seed=11)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 800


def test_a_seed_that_dies_before_its_search_index_is_copied_is_indexed_when_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orbit_tui.sandbox import seed as seed_module
    from orbit_tui.sandbox import seed_search

    monkeypatch.setattr(seed_module, "_CHUNK", 300)
    monkeypatch.setattr(seed_module, "_PARALLEL_FROM", 10**9)
    seed_database(tmp_path / "serial.db", contacts=500, seed=6)
    monkeypatch.setattr(seed_module, "_PARALLEL_FROM", 0)
    monkeypatch.setattr(seed_module.os, "cpu_count", lambda: 2)

    def die(self: seed_search.ForkedSearchIndex) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(seed_search.ForkedSearchIndex, "after_commit", die)
    with pytest.raises(KeyboardInterrupt):
        seed_database(tmp_path / "died.db", contacts=500, seed=6)
    with sqlite3.connect(tmp_path / "died.db") as conn:
        assert conn.execute("SELECT value FROM sandbox_meta WHERE key = 'search_index'").fetchone() == ("pending",)
        assert conn.execute("SELECT count(*) FROM contacts_fts").fetchone()[0] == 0
    with SandboxServer(tmp_path / "died.db") as server, client_for(server) as api:
        name = api.get("/contacts", params={"limit": 1}).json()["data"][0]["last_name"]
        assert api.get("/contacts", params={"search": name}).json()["data"]
    assert _dump(tmp_path / "died.db") == _dump(tmp_path / "serial.db")
