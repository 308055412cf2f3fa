"""Pure text for the contact detail screen: fields, chips, metadata, preferences, events.

Everything here turns server data into ``rich`` objects built from plain strings (via
:func:`orbit_tui.ui.safe.clean`), never markup, so a hostile name or summary shows
literally. Times take ``now`` (Unix seconds) so relative ages are deterministic in tests.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from collections.abc import Mapping
from typing import Any

import phonenumbers
import pycountry
from rich.table import Table
from rich.text import Text

from orbit_tui.api.models import CHANNELS, ActivityItem, Contact
from orbit_tui.ui.safe import clean

SUMMARY_MAX = 300
"""Characters of an activity summary shown (a 10,000-character one must not flood)."""

# type -> (symbol, style, theme variable). Symbols carry the meaning where colours do not
# render; the colour comes from the theme's ``event-*`` variable when the caller has one.
EVENT_STYLES: dict[str, tuple[str, str, str]] = {
    "message.sent": ("→", "#5f87ff", "event-sent"),
    "message.delivered": ("✓", "#00af00", "event-delivered"),
    "message.opened": ("◉", "#00afaf", "event-opened"),
    "message.failed": ("✗", "#ff5f5f", "event-failed"),
    "message.received": ("←", "#d787ff", "event-received"),
    "agent.note": ("✎", "#d7af00", "event-note"),
    "agent.call": ("☎", "#ff8700", "event-call"),
}
EVENT_EMPHASIS = {"message.failed": "bold "}
"""Failures stand out by weight as well as colour."""


def event_colours(variables: Mapping[str, str]) -> dict[str, str]:
    """Event type -> colour from a theme's CSS variables (those it lacks keep the default)."""
    return {kind: variables.get(var, default) for kind, (_, default, var) in EVENT_STYLES.items()}


CHANNEL_STYLES: dict[str, str] = {
    "sms": "#87afff",
    "whatsapp": "#5fd75f",
    "email": "#ffaf5f",
    "rcs": "#af87ff",
    "viber": "#d75fd7",
    "voice": "#ff875f",
}
PREF_SYMBOLS: dict[bool | None, tuple[str, str, str]] = {
    True: ("✓", "in", "bold #00af00"),
    False: ("✗", "out", "bold #ff5f5f"),
    None: ("·", "not set", "dim"),
}


# -- times ------------------------------------------------------------------------------
def absolute(value: datetime | None) -> str:
    """``2026-02-25 08:24 UTC`` (empty when unknown)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def relative(value: datetime | None, now: float) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``4 d ago``, ``2 mo ago``, ``in 3 d``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = now - value.timestamp()
    future = delta < 0
    seconds = abs(delta)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        amount = f"{int(seconds // 60)} min"
    elif seconds < 86400:
        amount = f"{int(seconds // 3600)} h"
    elif seconds < 86400 * 60:
        amount = f"{int(seconds // 86400)} d"
    elif seconds < 86400 * 730:
        amount = f"{int(seconds // (86400 * 30))} mo"
    else:
        amount = f"{int(seconds // (86400 * 365))} y"
    return f"in {amount}" if future else f"{amount} ago"


def when(value: datetime | None, now: float) -> str:
    """Absolute and relative: ``2026-02-25 08:24 UTC (4 d ago)``; ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{absolute(value)} ({relative(value, now)})"


# -- countries and phones ---------------------------------------------------------------------
@lru_cache(maxsize=512)
def country_name(code: str | None) -> str:
    """The English short name of an ISO alpha-2 code ('' when unknown)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return ""
    return str(getattr(country, "common_name", None) or country.name)


def phone_text(phone: str | None, country: str | None) -> Text:
    """The phone formatted internationally with its country, or flagged when invalid."""
    if not phone:
        return Text("—", style="dim")
    raw = clean(phone)
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else (country or None))
    except phonenumbers.NumberParseException:
        return Text.assemble(raw, ("  ⚠ not a valid number", "bold #ff5f5f"))
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    text = Text(formatted)
    if not phonenumbers.is_valid_number(number):
        text.append("  ⚠ not a valid number", style="bold #ff5f5f")
        return text
    region = phonenumbers.region_code_for_number(number)
    where = country_name(region)
    if not where:
        # The geocoder's data takes seconds to import: only for numbers pycountry can't name.
        from phonenumbers import geocoder

        where = geocoder.country_name_for_number(number, "en")
    if where:
        text.append(f"  {where}", style="dim")
    return text


# -- the fields block ----------------------------------------------------------------------
def _value(value: object) -> Text:
    shown = clean(value)
    return Text(shown) if shown else Text("—", style="dim")


def fields_table(contact: Contact, now: float) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Phone", phone_text(contact.phone, contact.country_code))
    table.add_row("Email", _value(contact.email))
    if contact.country_code:
        country = Text(clean(contact.country_code))
        name = country_name(contact.country_code)
        country.append(f"  {name}" if name else "  ⚠ unknown code", style="dim" if name else "#ff5f5f")
    else:
        country = Text("—", style="dim")
    table.add_row("Country", country)
    table.add_row("Stage", _value(contact.lifecycle_stage))
    table.add_row("Created", Text(when(contact.created_at, now)))
    table.add_row("Updated", Text(when(contact.updated_at, now)))
    return table


def title_text(contact: Contact) -> Text:
    """``Name  con_…`` — the header line."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(clean(contact.display_name)[:200], style="bold")
    text.append("  ")
    text.append(clean(contact.id), style="dim")
    return text


def tags_text(tags: list[str]) -> Text:
    """Tags as chips: `` vip `` `` trial ``; ``no tags`` when there are none."""
    if not tags:
        return Text("no tags", style="dim")
    text = Text()
    for index, tag in enumerate(tags):
        if index:
            text.append(" ")
        text.append(f"[{clean(tag)[:64]}]", style="bold reverse")
    return text


def metadata_value(value: Any) -> str:
    """How a metadata value is shown and edited: strings as is, others as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def metadata_table(metadata: dict[str, Any]) -> Table | Text:
    if not metadata:
        return Text("no metadata", style="dim")
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column(overflow="fold")
    for key in sorted(metadata):
        table.add_row(Text(clean(key)), Text(clean(metadata_value(metadata[key]))[:500]))
    return table


# -- preferences ---------------------------------------------------------------------------
def preference_state(prefs: dict[str, bool | None], channel: str) -> bool | None:
    value = prefs.get(channel)
    return value if isinstance(value, bool) else None


def preferences_text(prefs: dict[str, bool | None], cursor: int | None = None,
                     saving: str | None = None) -> Text:
    """Each channel with ✓ in / ✗ out / · not set; the cursor's channel reversed."""
    text = Text()
    for index, channel in enumerate(CHANNELS):
        state = preference_state(prefs, channel)
        symbol, word, style = PREF_SYMBOLS[state]
        cell = f" {symbol} {channel} "
        cell_style = style + (" reverse" if index == cursor else "")
        text.append(cell, style=cell_style)
        if channel == saving:
            text.append("…", style="dim")
        text.append(" ")
    return text


def preferences_legend() -> Text:
    return Text("✓ opted in  ✗ opted out  · not set", style="dim")


# -- activity ----------------------------------------------------------------------------------
def event_text(item: ActivityItem, now: float, *, compact: bool = False,
               colours: Mapping[str, str] | None = None) -> Text:
    """Symbol, type, channel, time; then message id and summary.

    Two lines; ``compact`` (narrow terminals) puts the time on a line of its own.
    ``colours`` (event type -> colour, see :func:`event_colours`) follows the theme.
    """
    symbol, default, _ = EVENT_STYLES.get(item.type, ("•", "", ""))
    colour = (colours or {}).get(item.type, default)
    style = EVENT_EMPHASIS.get(item.type, "") + colour if colour else ""
    kind = clean(item.type)
    short = kind.split(".", 1)[1] if kind.startswith(("message.", "agent.")) else kind
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{symbol} {short:<9}", style=style)
    channel = clean(item.channel) if item.channel else ""
    text.append(f" {channel or '—':<8}", style=CHANNEL_STYLES.get(channel, "dim"))
    if item.timestamp is not None:
        text.append("\n  " if compact else " ")
        text.append(absolute(item.timestamp))
        text.append(f" ({relative(item.timestamp, now)})", style="dim")
    text.append("\n  ")
    if item.message_id:
        text.append(clean(item.message_id)[:40], style="dim")
        text.append("  ")
    summary = clean(item.summary)
    if len(summary) > SUMMARY_MAX:
        summary = summary[:SUMMARY_MAX] + "…"
    text.append(summary or "")
    return text
