"""Deterministic seed data: contacts, lists and segments (same seed, same data).

Names come from pooled Faker names per country, phones from verified per-region
templates (each number also checked with phonenumbers when seeding at most
50,000 contacts), tags follow a Zipf-like long tail. Rows go in with executemany
in one transaction, and the full-text index is filled in bulk after them.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import phonenumbers

from orbit_tui.api.models import CHANNELS

from .seed_pools import (EMAIL_DOMAINS, HOSTILE_STRINGS, LANGUAGES, PLANS, REGIONS, SOURCES, STAGE_WEIGHTS, STAGES,
                         TAG_VOCABULARY, ascii_slug, name_pools, phone_templates)
from .store import connect

VERIFY_EACH_PHONE_UP_TO = 50_000
_END = datetime(2026, 3, 1, tzinfo=timezone.utc)
_SPAN_SECONDS = 3 * 365 * 24 * 3600
_CHUNK = 50_000

LIST_NAMES = (
    ("VIP customers", "Hand-picked high-value customers"), ("Newsletter", "Weekly newsletter audience"),
    ("Black Friday 2025", "Contacts targeted for the Black Friday campaign"), ("Beta testers", None),
    ("Churn rescue", "Churned customers to win back"), ("Support escalations", "Open escalations"),
    ("Webinar March", "Registered for the March webinar"), ("Wholesale partners", None),
    ("Spanish speakers", "Route to the ES team"), ("Do not disturb", "Agreed to be contacted only by email"),
)
SEGMENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("US leads", {"country_code": "US", "lifecycle_stage": "lead"}),
    ("Enterprise tag", {"tags": {"$contains": "enterprise"}}),
    ("Churned or SMS opt-out", {"$or": [{"lifecycle_stage": "churned"}, {"preferences.sms": False}]}),
    ("Paying plans", {"metadata.plan": {"$in": ["pro", "enterprise"]}}),
    ("New customers 2025", {"lifecycle_stage": "customer", "created_at": {"$gte": "2025-01-01T00:00:00Z"}}),
)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zipf_index(rng: random.Random, size: int) -> int:
    """An index in [0, size) with P(k) roughly proportional to 1/(k+1)."""
    return min(size - 1, int(math.exp(rng.random() * math.log(size + 1))) - 1)


class _Generator:
    def __init__(self, seed: int, count: int) -> None:
        self.rng = random.Random(seed)
        self.pools = name_pools()
        self.regions = list(REGIONS)
        self.weights = [REGIONS[r][0] for r in self.regions]
        share = sum(self.weights)
        # enough templates (10,000 numbers each) for each region's share, with room to spare
        self.templates = {r: phone_templates(r, min(60, 2 + (3 * count * REGIONS[r][0]) // (share * 10_000)))
                          for r in self.regions}
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.verify = count <= VERIFY_EACH_PHONE_UP_TO

    def phone(self, region: str) -> tuple[str, str] | None:
        templates = self.templates[region]
        if not templates:
            return None
        for _ in range(20):
            template = templates[self.rng.randrange(len(templates))]
            suffix = self.rng.randrange(10_000)
            number = template.e164(suffix)
            if number in self.phones:
                continue
            if self.verify and not phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                continue
            self.phones.add(number)
            return number, template.tokens(suffix)
        return None

    def email(self, first: str, last: str, index: int) -> str:
        local = ".".join(p for p in (ascii_slug(first), ascii_slug(last)) if p) or "contact"
        domain = EMAIL_DOMAINS[_zipf_index(self.rng, len(EMAIL_DOMAINS))]
        address = f"{local}@{domain}"
        if address in self.emails:
            address = f"{local}{index}@{domain}"
        self.emails.add(address)
        return address

    def contact(self, index: int, seq: int, created: datetime) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        rng = self.rng
        region = rng.choices(self.regions, self.weights)[0]
        firsts, lasts = self.pools[region]
        first, last = firsts[rng.randrange(len(firsts))], lasts[rng.randrange(len(lasts))]
        roll = rng.random()
        phone = None if roll < 0.07 else self.phone(region)
        email = None if (0.07 <= roll < 0.17 and phone is not None) else self.email(first, last, index)
        tags: list[str] = []
        for _ in range(min(6, int(rng.expovariate(0.7)))):
            tag = TAG_VOCABULARY[_zipf_index(rng, len(TAG_VOCABULARY))]
            if tag not in tags:
                tags.append(tag)
        metadata: dict[str, Any] = {
            "plan": PLANS[_zipf_index(rng, len(PLANS))],
            "signup_source": SOURCES[rng.randrange(len(SOURCES))],
            "ltv": round(rng.paretovariate(1.5) * 20, 2),
            "language": LANGUAGES[rng.randrange(len(LANGUAGES))],
        }
        if rng.random() < 0.3:
            metadata["last_order_id"] = f"ord_{rng.randrange(10**8):08d}"
        prefs = {ch: rng.random() > 0.12 for ch in CHANNELS if rng.random() < 0.5}
        updated = created + timedelta(seconds=rng.randrange(0, 90 * 24 * 3600))
        if updated > _END:
            updated = _END
        row = (
            seq, f"con_{rng.getrandbits(64):016x}", phone[0] if phone else None, email, first, last, region,
            STAGES[rng.choices(range(len(STAGES)), STAGE_WEIGHTS)[0]], json.dumps(tags),
            json.dumps(metadata, ensure_ascii=False), json.dumps(prefs), _iso(created), _iso(updated),
            email.lower() if email else None, rng.getrandbits(31),
        )
        fts = (seq, f"{first} {last}", email or "", phone[1] if phone else "")
        return row, fts

    def hostile(self, index: int, seq: int, created: datetime) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        rng = self.rng
        evil = HOSTILE_STRINGS[index % len(HOSTILE_STRINGS)]
        other = HOSTILE_STRINGS[(index * 7 + 3) % len(HOSTILE_STRINGS)]
        phone = self.phone("US") if index % 2 else None
        email = f"hostile{index}@example.com"
        tags = [evil[:64], "hostile", other[:64]]
        metadata = {"note": evil, other[:100] or "k": other, "nested": {"deep": evil}}
        row = (seq, f"con_{rng.getrandbits(64):016x}", phone[0] if phone else None, email, evil, other, "JP",
               evil[:200], json.dumps(list(dict.fromkeys(tags)), ensure_ascii=False),
               json.dumps(metadata, ensure_ascii=False), json.dumps({"sms": False}), _iso(created), _iso(created),
               email, rng.getrandbits(31))
        fts = (seq, f"{evil} {other}", email, phone[1] if phone else "")
        return row, fts


def seed_database(db_path: str | Path, *, contacts: int, seed: int = 7, hostile: bool = False) -> None:
    """Fill the database at ``db_path`` with ``contacts`` contacts, lists and segments."""
    gen = _Generator(seed, contacts)
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN IMMEDIATE")
        start = int(conn.execute("SELECT coalesce(max(seq), 0) FROM contacts").fetchone()[0]) + 1
        hostile_count = len(HOSTILE_STRINGS) * 2 if hostile else 0
        total = contacts + hostile_count
        step = _SPAN_SECONDS / max(1, total)
        begin = _END - timedelta(seconds=_SPAN_SECONDS)
        rows: list[tuple[Any, ...]] = []
        fts: list[tuple[Any, ...]] = []
        for index in range(total):
            seq = start + index
            created = begin + timedelta(seconds=int(index * step))
            make = gen.hostile if index >= contacts else gen.contact
            row, text = make(index, seq, created)
            rows.append(row)
            fts.append(text)
            if len(rows) >= _CHUNK:
                _flush(conn, rows, fts)
        _flush(conn, rows, fts)
        _seed_groups(conn, gen.rng, start, total)
        conn.execute("INSERT OR REPLACE INTO sandbox_meta VALUES ('seed', ?), ('hostile', ?)",
                     (str(seed), "1" if hostile else "0"))
        conn.execute("COMMIT")
        conn.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _flush(conn: Any, rows: list[tuple[Any, ...]], fts: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "INSERT INTO contacts (seq, id, phone, email, first_name, last_name, country_code, lifecycle_stage, tags, "
        "metadata, preferences, created_at, updated_at, email_key, activity_seed) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO contacts_fts(rowid, name, email, phone) VALUES (?,?,?,?)", fts)
    rows.clear()
    fts.clear()


def _seed_groups(conn: Any, rng: random.Random, start: int, total: int) -> None:
    stamp = _iso(_END)
    if total:
        for number, (name, description) in enumerate(LIST_NAMES):
            conn.execute("INSERT INTO lists (id, name, description, created_at, updated_at) VALUES (?,?,?,?,?)",
                         (f"lst_{rng.getrandbits(64):016x}", name, description, stamp, stamp))
            list_seq = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            size = min(total, max(3, int(2000 / (number + 1))))
            members = rng.sample(range(start, start + total), min(size, total))
            conn.executemany("INSERT OR IGNORE INTO list_members VALUES (?,?,?)",
                             [(list_seq, m, stamp) for m in members])
    for name, rules in SEGMENTS:
        conn.execute("INSERT INTO segments (id, name, rules, created_at, updated_at) VALUES (?,?,?,?,?)",
                     (f"seg_{rng.getrandbits(64):016x}", name, json.dumps(rules), stamp, stamp))
