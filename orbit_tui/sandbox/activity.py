"""Synthesised activity timelines.

The API has no endpoint that writes activity, so a seeded contact's timeline is a
pure function of its ``activity_seed`` (and whether the database was seeded with
hostile data): the same contact always shows the same events, and seeding costs
nothing per event. Contacts created through the API have no activity.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from orbit_tui.api.models import ACTIVITY_TYPES, CHANNELS

from .envelope import ApiError
from .search import decode_cursor, encode_cursor, query_hash

MAX_EVENTS = 60
_EPOCH = datetime(2026, 3, 1, tzinfo=timezone.utc)
_SUMMARIES = {
    "message.sent": ["Order #{n} shipped", "Your code is {n}", "Reminder: appointment tomorrow",
                     "Welcome aboard!", "Invoice {n} is ready", "Flash sale ends tonight"],
    "message.delivered": ["Delivered to handset", "Delivered"],
    "message.opened": ["Opened the message", "Clicked the link"],
    "message.failed": ["Carrier rejected the message (error {n})", "Number unreachable", "Blocked by recipient"],
    "message.received": ["STOP", "Thanks!", "When will it arrive?", "YES", "Can you call me back?"],
    "agent.note": ["Asked about refund policy", "VIP: handle with care", "Prefers WhatsApp",
                   "Escalated to billing", "Called twice about order #{n}"],
    "agent.call": ["Outbound call, 4 min", "Inbound call, 12 min", "Missed call"],
}
_HOSTILE_SUMMARIES = [
    "[bold red]markup[/] [@click=app.quit]quit[/]",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\u202eevil\u202c reversed \u200b zero\u200dwidth",
    "顧客からの返信 🚀🔥 ありがとう",
    "x" * 10_000,
]
_TYPE_WEIGHTS = (30, 25, 12, 4, 10, 10, 9)


def event_count(activity_seed: int) -> int:
    """How many events a contact with this seed has: 0-60, most having few."""
    rng = random.Random(activity_seed)
    return int(MAX_EVENTS * rng.random() ** 2.5 + 0.5)


def _parse_stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _fit(moments: list[datetime], earliest: datetime | None, latest: datetime) -> list[datetime]:
    """The moments moved (or, when they span too long, squeezed) into [earliest, latest], order kept."""
    if not moments:
        return moments
    first, last = moments[0], moments[-1]
    low = earliest if earliest is not None and earliest <= latest else None
    if low is None and last <= latest:
        return moments
    span = last - first
    if low is None or span <= latest - low:
        shift = timedelta(0)
        if low is not None and first < low:
            shift = low - first
        if last + shift > latest:
            shift = latest - last
        return [m + shift for m in moments]
    scale = (latest - low) / span
    return [low + (m - first) * scale for m in moments]


def events_for(activity_seed: int | None, hostile: bool = False, created_at: str | None = None) -> list[dict[str, Any]]:
    """Every event of a contact, newest first, each with a stable ``seq``.

    Events fall between the contact's ``created_at`` (when given) and the end of
    the seeded period (the seed's "now"), never before the one or after the other.
    """
    if activity_seed is None:
        return []
    count = event_count(activity_seed)
    rng = random.Random(activity_seed * 7919 + 1)
    moment = _EPOCH - timedelta(days=rng.randint(0, 400))
    drawn: list[tuple[datetime, str, str | None, str | None]] = []
    for _ in range(count):
        moment += timedelta(minutes=rng.randint(1, 60 * 24 * 5))
        kind = rng.choices(ACTIVITY_TYPES, weights=_TYPE_WEIGHTS)[0]
        channel = "voice" if kind == "agent.call" else rng.choice(CHANNELS)
        if hostile and rng.random() < 0.15:
            summary: str | None = rng.choice(_HOSTILE_SUMMARIES)
        else:
            summary = rng.choice(_SUMMARIES[kind]).replace("{n}", str(rng.randint(1000, 99999)))
        drawn.append((moment, kind, channel, summary))
    # The newest event ends a little before the period's end (minutes to days), so a
    # timeline moved into place does not put many contacts' last event on one instant.
    created = _parse_stamp(created_at)
    latest = _EPOCH - timedelta(minutes=rng.randint(3, 60 * 24 * 3))
    if created is not None and latest < created:
        latest = _EPOCH
    moments = _fit([d[0] for d in drawn], created, latest)
    events: list[dict[str, Any]] = []
    for index, ((_, kind, drawn_channel, summary), moment) in enumerate(zip(drawn, moments, strict=False)):
        events.append({
            "seq": index + 1,
            "type": kind,
            "channel": None if kind == "agent.note" else drawn_channel,
            "message_id": f"msg_{activity_seed:x}{index:03d}" if kind.startswith("message.") else None,
            # rounded up to the second, so never before created_at
            "timestamp": (moment + timedelta(microseconds=999_999)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "summary": summary,
        })
    events.reverse()
    return events


def activity_page(activity_seed: int | None, *, contact_id: str, hostile: bool, channel: str | None,
                  kind: str | None, limit: int, cursor: str | None, created_at: str | None = None) -> tuple[list[dict[str, Any]], str | None, bool, int]:
    if kind is not None and kind not in ACTIVITY_TYPES:
        raise ApiError(400, "VALIDATION_ERROR", f"{kind!r} is not an activity type",
                       {"field": "type", "value": kind, "expected": list(ACTIVITY_TYPES)})
    qhash = query_hash("activity", {"contact": contact_id, "channel": channel, "type": kind})
    position = decode_cursor(cursor, qhash)
    after = None
    if position is not None:
        if len(position) != 1 or not isinstance(position[0], int):
            raise ApiError(400, "INVALID_CURSOR", "the cursor is not valid", {"field": "cursor"})
        after = position[0]
    events = [e for e in events_for(activity_seed, hostile, created_at)
              if (channel is None or e["channel"] == channel) and (kind is None or e["type"] == kind)]
    total = len(events)
    if after is not None:
        events = [e for e in events if e["seq"] < after]
    page = events[:limit]
    has_more = len(events) > limit
    next_cursor = encode_cursor([page[-1]["seq"]], qhash) if has_more and page else None
    items = [{k: v for k, v in e.items() if k != "seq"} for e in page]
    return items, next_cursor, has_more, total
