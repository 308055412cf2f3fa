"""Deterministic seed data: contacts, lists and segments (same seed, same data).

Names come from pooled Faker names per country, phones from verified per-region
templates (each number also checked with phonenumbers when seeding at most
50,000 contacts), tags follow a Zipf-like long tail. Rows go in with executemany
in one transaction, and the full-text index is filled in bulk after them.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import multiprocessing
import os
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import phonenumbers

from orbit_tui.api.models import CHANNELS

from .seed_pools import (EMAIL_DOMAINS, HOSTILE_STRINGS, LANGUAGES, PLANS, REGIONS, SOURCES, STAGE_WEIGHTS, STAGES,
                         TAG_VOCABULARY, PhoneTemplate, ascii_slug, name_pools, phone_templates)
from . import indexes, segment_counts
from .seed_search import ForkedSearchIndex, InlineSearchIndex
from .store import CONTACT_INDEXES, connect

VERIFY_EACH_PHONE_UP_TO = 50_000
_END = datetime(2026, 3, 1, tzinfo=timezone.utc)
_END_TS = int(_END.timestamp())
_SPAN_SECONDS = 3 * 365 * 24 * 3600
_CHUNK = 50_000
_PARALLEL_FROM = 200_000

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


_TIME_OF_DAY = tuple(f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(86400))
_SUFFIXES = tuple(f"{n:04d}" for n in range(10_000))
_TAGS, _DOMAINS, _PLANS = len(TAG_VOCABULARY), len(EMAIL_DOMAINS), len(PLANS)
_LOG_TAGS, _LOG_DOMAINS, _LOG_PLANS = math.log(_TAGS + 1), math.log(_DOMAINS + 1), math.log(_PLANS + 1)
_PARETO_EXPONENT = -1.0 / 1.5  # random.paretovariate(1.5), drawn inline
_META_HEADS = tuple(tuple(f'{{"plan":"{plan}","signup_source":"{source}","ltv":' for source in SOURCES)
                    for plan in PLANS)
_META_LANGUAGES = tuple(f',"language":"{language}"' for language in LANGUAGES)
_PREFERENCES = tuple((f'"{channel}":true', f'"{channel}":false') for channel in CHANNELS)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Generator:
    """Makes contact rows fast: pooled names, template phones, hand-built JSON text.

    Every piece that does not depend on a random draw is made once here (JSON
    fragments, time-of-day texts, phone heads), so a row costs a few dozen draws
    and string joins. The order of the draws is part of the data: changing it
    changes every seeded database (and the screens tests that show them).
    """

    def __init__(self, rng_seed: int | str, count: int, suffixes: tuple[int, int] = (0, 10_000)) -> None:
        self.rng = random.Random(rng_seed)
        self.suffix_low, self.suffix_span = suffixes[0], suffixes[1] - suffixes[0]
        pools = name_pools()
        self.regions = list(REGIONS)
        weights = [REGIONS[r][0] for r in self.regions]
        share = sum(weights)
        self.cumulative = list(itertools.accumulate(w / share for w in weights))
        self.names = {r: ([(n, ascii_slug(n)) for n in pools[r][0]], [(n, ascii_slug(n)) for n in pools[r][1]])
                      for r in self.regions}
        # enough templates (10,000 numbers each) for each region's share, 4x to spare
        self.templates = {r: phone_templates(r, min(400, 2 + (4 * count * REGIONS[r][0]) // (share * 10_000)))
                          for r in self.regions}
        # per region: (names, phone templates with their E.164 head) looked up once per row
        self.by_region = [(region, self.names[region][0], self.names[region][1],
                           [(t, f"+{t.country_code}{t.prefix}") for t in self.templates[region]])
                          for region in self.regions]
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.verify = count <= VERIFY_EACH_PHONE_UP_TO
        self.quoted_tags = [json.dumps(t) for t in TAG_VOCABULARY]
        self.stage_cumulative = list(itertools.accumulate(w / sum(STAGE_WEIGHTS) for w in STAGE_WEIGHTS))
        self.days: dict[int, str] = {}

    def stamp(self, ts: int) -> str:
        day, rest = divmod(ts, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = datetime.fromtimestamp(day * 86400, timezone.utc).strftime("%Y-%m-%d")
        return text + _TIME_OF_DAY[rest]

    def _phone(self, templates: list[tuple[PhoneTemplate, str]]) -> tuple[str, str] | None:
        if not templates:
            return None
        random_ = self.rng.random
        phones = self.phones
        size, low, span = len(templates), self.suffix_low, self.suffix_span
        for _ in range(20):
            template, head = templates[int(random_() * size)]
            suffix = low + int(random_() * span)
            number = head + _SUFFIXES[suffix]
            if number in phones:
                continue
            if self.verify and not phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                continue
            phones.add(number)
            return number, template.tokens(suffix)
        return None

    def contact(self, index: int, seq: int, created: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """One contact row and its search-index row (the draws below are the data: keep their order)."""
        rng = self.rng
        random_ = rng.random
        exp = math.exp
        region, firsts, lasts, templates = self.by_region[
            bisect.bisect(self.cumulative, random_() * self.cumulative[-1])]
        first, first_slug = firsts[int(random_() * len(firsts))]
        last, last_slug = lasts[int(random_() * len(lasts))]
        roll = random_()
        phone = None if roll < 0.07 else self._phone(templates)
        if 0.07 <= roll < 0.17 and phone is not None:
            email = None
        else:
            local = f"{first_slug}.{last_slug}" if first_slug and last_slug else \
                (first_slug or last_slug or "contact")
            domain = EMAIL_DOMAINS[min(_DOMAINS - 1, int(exp(random_() * _LOG_DOMAINS)) - 1)]
            email = f"{local}@{domain}"
            if email in self.emails:
                email = f"{local}{index}@{domain}"
            self.emails.add(email)
        tags: list[int] = []
        for _ in range(min(6, int(-math.log(1.0 - random_()) / 0.7))):
            tag = min(_TAGS - 1, int(exp(random_() * _LOG_TAGS)) - 1)
            if tag not in tags:
                tags.append(tag)
        quoted = self.quoted_tags
        tags_json = "[" + ",".join([quoted[t] for t in tags]) + "]"
        plan = min(_PLANS - 1, int(exp(random_() * _LOG_PLANS)) - 1)
        head = _META_HEADS[plan][int(random_() * len(SOURCES))]
        ltv = (1.0 - random_()) ** _PARETO_EXPONENT * 20
        metadata = f"{head}{ltv:.2f}{_META_LANGUAGES[int(random_() * len(LANGUAGES))]}"
        if random_() < 0.3:
            metadata += f',"last_order_id":"ord_{int(random_() * 10**8):08d}"}}'
        else:
            metadata += "}"
        prefs = []
        for opted_in, opted_out in _PREFERENCES:
            if random_() < 0.5:
                prefs.append(opted_in if random_() > 0.12 else opted_out)
        updated = min(created + int(random_() * 90 * 86400), _END_TS)
        stage = STAGES[bisect.bisect(self.stage_cumulative, random_() * self.stage_cumulative[-1])]
        stamp = self.stamp
        row = (
            # ids sort by creation (like ULIDs), so the unique index on id grows at its end
            seq, f"con_{created:09x}{rng.getrandbits(28):07x}", phone[0] if phone else None, email, first, last,
            region, stage, tags_json, metadata, "{" + ",".join(prefs) + "}", stamp(created), stamp(updated),
            email.lower() if email else None, rng.getrandbits(31),
        )
        return row, (seq, f"{first} {last}", email or "", phone[1] if phone else "")

    def hostile(self, index: int, seq: int, created: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        rng = self.rng
        evil = HOSTILE_STRINGS[index % len(HOSTILE_STRINGS)]
        other = HOSTILE_STRINGS[(index * 7 + 3) % len(HOSTILE_STRINGS)]
        email = f"hostile{index}@example.com"
        tags = [evil[:64], "hostile", other[:64]]
        metadata = {"note": evil, other[:100] or "k": other, "nested": {"deep": evil}}
        row = (seq, f"con_{rng.getrandbits(64):016x}", None, email, evil, other, "JP",
               evil[:200], json.dumps(list(dict.fromkeys(tags)), ensure_ascii=False),
               json.dumps(metadata, ensure_ascii=False), json.dumps({"sms": False}), self.stamp(created),
               self.stamp(created),
               email, rng.getrandbits(31))
        return row, (seq, f"{evil} {other}", email, "")


@dataclass(frozen=True)
class _Chunk:
    """One slice of the contacts to generate; phones use a disjoint range of suffixes."""

    seed: int
    index: int
    chunks: int
    first: int
    count: int
    total: int
    start_seq: int
    begin: int
    step: float


def _make_chunk(job: _Chunk) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    width = 10_000 // job.chunks
    gen = _Generator(f"{job.seed}/{job.index}", job.total, (job.index * width, (job.index + 1) * width))
    rows: list[tuple[Any, ...]] = []
    fts: list[tuple[Any, ...]] = []
    for index in range(job.first, job.first + job.count):
        row, text = gen.contact(index, job.start_seq + index, job.begin + int(index * job.step))
        rows.append(row)
        fts.append(text)
    return rows, fts


def _unique_emails(rows: list[tuple[Any, ...]], fts: list[tuple[Any, ...]], seen: set[str]) -> None:
    """Rename an email already used by an earlier chunk (``local<seq>@domain``)."""
    for i, row in enumerate(rows):
        key = row[13]
        if key is None:
            continue
        if key in seen:
            local, _, domain = row[3].partition("@")
            email = f"{local}{row[0]}@{domain}"
            rows[i] = (*row[:3], email, *row[4:13], email.lower(), row[14])
            fts[i] = (fts[i][0], fts[i][1], email, fts[i][3])
            key = email.lower()
        seen.add(key)


def seed_database(db_path: str | Path, *, contacts: int, seed: int = 7, hostile: bool = False,
                  progress: Callable[[str], None] | None = None) -> None:
    """Fill the (empty) database at ``db_path`` with ``contacts`` contacts, lists and segments.

    A database that already has contacts is refused with ``ValueError``.

    Contacts are made in chunks of 50,000, each from its own seeded generator, so
    the data is the same whether the chunks are made here or (from 200,000
    contacts on, when there is a spare CPU and this process runs a single thread)
    in forked worker processes while this one writes the previous chunk (and
    another forked process builds the full-text index: see :mod:`.seed_search`).
    ``progress`` (if given) is told when each phase ends.
    """
    report = progress or (lambda phase: None)
    conn = connect(db_path)
    search: InlineSearchIndex | ForkedSearchIndex | None = None
    try:
        _refuse_if_seeded(conn, db_path)
        # Pages go straight to the file (a write-ahead log would hold every page to copy it
        # again at the checkpoint); new pages need no rollback journal, so MEMORY costs
        # nothing and a failed seed still rolls back. WAL is back on at the end.
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1048576")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")  # index builds sort in parallel
        hostile_count = len(HOSTILE_STRINGS) * 2 if hostile else 0
        total = contacts + hostile_count
        workers = min(4, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0
        # fork is only safe (and only used) while this process runs no other thread
        parallel = contacts >= _PARALLEL_FROM and workers >= 1 and threading.active_count() == 1
        search = ForkedSearchIndex(conn, db_path) if parallel else InlineSearchIndex(conn)
        conn.execute("BEGIN IMMEDIATE")
        _refuse_if_seeded(conn, db_path)
        search.begin()
        start = int(conn.execute("SELECT coalesce(max(seq), 0) FROM contacts").fetchone()[0]) + 1
        for name in CONTACT_INDEXES:  # build the secondary indexes once, after the rows
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        indexes.drop_triggers(conn)  # the lookup tables are filled in one pass after the rows
        segment_counts.drop_triggers(conn)
        step = _SPAN_SECONDS / max(1, total)
        begin = _END_TS - _SPAN_SECONDS
        chunks = max(1, math.ceil(contacts / _CHUNK))
        jobs = [_Chunk(seed, k, chunks, k * _CHUNK, min(_CHUNK, contacts - k * _CHUNK), contacts, start, begin, step)
                for k in range(chunks) if contacts - k * _CHUNK > 0]
        emails: set[str] = set()
        if parallel:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for rows, fts in pool.imap(_make_chunk, jobs):
                    _unique_emails(rows, fts, emails)
                    _flush(conn, search, rows, fts)
        else:
            for job in jobs:
                rows, fts = _make_chunk(job)
                _unique_emails(rows, fts, emails)
                _flush(conn, search, rows, fts)
        report("contacts written")
        if hostile_count:
            gen = _Generator(f"{seed}/hostile", hostile_count, (0, 10_000))
            made = [gen.hostile(i, start + contacts + i, begin + int((contacts + i) * step))
                    for i in range(hostile_count)]
            rows, fts = [m[0] for m in made], [m[1] for m in made]
            _unique_emails(rows, fts, emails)
            _flush(conn, search, rows, fts)
        for ddl in CONTACT_INDEXES.values():
            conn.execute(ddl)
        indexes.rebuild(conn)
        indexes.create_triggers(conn)
        segment_counts.create_triggers(conn)
        report("indexes built")
        _seed_groups(conn, random.Random(f"{seed}/groups"), start, total)
        segment_counts.store_all(conn)
        report("segments counted")
        search.finish()
        report("search index in")
        conn.execute("INSERT OR REPLACE INTO sandbox_meta VALUES ('seed', ?), ('hostile', ?)",
                     (str(seed), "1" if hostile else "0"))
        conn.execute("COMMIT")
        report("committed")
        search.after_commit()
        report("search index optimised")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("ANALYZE")
        report("analysed")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if search is not None:
            search.close()
        conn.close()


def _refuse_if_seeded(conn: Any, db_path: str | Path) -> None:
    if conn.execute("SELECT 1 FROM contacts LIMIT 1").fetchone() is not None:
        # the same seed would make the same phones again: seeding is for a fresh database
        raise ValueError(f"{Path(db_path).name} already has contacts; seed an empty database")


def _flush(conn: Any, search: InlineSearchIndex | ForkedSearchIndex, rows: list[tuple[Any, ...]],
           fts: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "INSERT INTO contacts (seq, id, phone, email, first_name, last_name, country_code, lifecycle_stage, tags, "
        "metadata, preferences, created_at, updated_at, email_key, activity_seed) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    search.add(fts)


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
