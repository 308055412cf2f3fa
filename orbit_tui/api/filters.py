"""Checking, on our side, that a page of ``GET /contacts`` honours the filters we sent.

``country_code``, ``tags``, ``has_phone``, ``has_email``, ``created_after`` and
``created_before`` are designed here, not on Orbit's Contacts reference: a server that
does not know one ignores it and answers with *all* contacts. Whatever acts on "the
contacts matching these filters" (a bulk job, "mark all", the contacts screen's claim
that a list is filtered) checks every contact it got against the filters first, with
:func:`first_mismatch`. The documented ``lifecycle_stage`` is checked too (it costs
nothing). The full-text ``search`` is not checked: which fields it reads and how it
matches (words, prefixes, accents) is the server's business, so no local test could
tell a loose match from an ignored search.

The checks are lenient where a real server may differ without ignoring the filter:
country, stage and tags compare case-insensitively, and the ``created_*`` bounds accept
a contact created at the bound itself. A contact whose field is missing from the answer
(no ``created_at``) cannot be judged and passes.

The filters are given as the client's keyword arguments (``OrbitClient.list_contacts``):
``country_code="TR"``, ``tags=["vip"]`` (or ``"vip,trial"``), ``has_email=True``,
``created_after="2026-03-08T00:00:00Z"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from orbit_tui.api.models import Contact, lenient_datetime

CHECKED: tuple[str, ...] = (
    "lifecycle_stage",
    "country_code",
    "tags",
    "has_phone",
    "has_email",
    "created_after",
    "created_before",
)
"""The filters checked locally, in the order they are checked (``search`` is not)."""


class FilterIgnored(Exception):
    """A page did not honour a filter; ``mismatch`` says which, and on what contact."""

    def __init__(self, mismatch: FilterMismatch) -> None:
        super().__init__(mismatch.explain())
        self.mismatch = mismatch


@dataclass(frozen=True)
class FilterMismatch:
    """One contact on a filtered page that the filter ``name`` = ``value`` excludes."""

    name: str
    value: str  # as sent on the wire: "TR", "true", "vip,trial"
    contact_id: str
    actual: str  # what the contact has instead: "country US", "no email"
    page: int | None = None

    @property
    def filter_text(self) -> str:
        return f"{self.name}={self.value}"

    def explain(self, outcome: str = "Nothing was changed") -> str:
        """Plain words: which filter, the contact that shows it, what was not done."""
        where = f" on page {self.page}" if self.page is not None else ""
        return (
            f"Orbit ignored the filter {self.filter_text}: contact {self.contact_id}{where} "
            f"has {self.actual}. {outcome}; the server may not support this filter."
        )

    def notice(self) -> str:
        """The contacts screen's line when it shows such a page anyway."""
        return f"Orbit ignored the filter {self.filter_text}; showing what it sent"


def _wire_bool(value: bool) -> str:
    return "true" if value else "false"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _tags(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [t.strip() for t in (str(i) for i in items) if t.strip()]


def _when(value: Any) -> datetime | None:
    """A timestamp as the models read one (``Z`` or an offset; none means UTC)."""
    moment = lenient_datetime(value)
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def active_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The checked filters that are set in ``params`` (None / empty means not set)."""
    out: dict[str, Any] = {}
    for name in CHECKED:
        value = params.get(name)
        if value is None or value == "" or (name == "tags" and not _tags(value)):
            continue
        out[name] = value
    return out


def _shown(text: str | None) -> str:
    return repr(text) if text else "none"


def mismatch(params: Mapping[str, Any], contact: Contact, page: int | None = None) -> FilterMismatch | None:
    """The first filter of ``params`` that ``contact`` does not satisfy, if any."""
    for name, value in active_filters(params).items():
        found = _check(name, value, contact)
        if found is not None:
            wire, actual = found
            return FilterMismatch(name, wire, contact.id, actual, page)
    return None


def _check(name: str, value: Any, c: Contact) -> tuple[str, str] | None:
    """``(value as sent, what the contact has)`` when ``c`` fails the filter, else None."""
    if name == "lifecycle_stage":
        wanted = str(value)
        if (c.lifecycle_stage or "").casefold() != wanted.strip().casefold():
            return wanted, f"stage {_shown(c.lifecycle_stage)}"
    elif name == "country_code":
        wanted = str(value)
        if (c.country_code or "").casefold() != wanted.strip().casefold():
            return wanted, f"country {c.country_code or 'none'}"
    elif name == "tags":
        wanted_tags = _tags(value)
        have = {t.strip().casefold() for t in c.tags}
        missing = [t for t in wanted_tags if t.casefold() not in have]
        if missing:
            return ",".join(wanted_tags), f"no tag {missing[0]!r}"
    elif name in ("has_phone", "has_email"):
        field = "phone" if name == "has_phone" else "email"
        present = bool((getattr(c, field) or "").strip())
        if present != _truthy(value):
            article = "an" if field == "email" else "a"
            return _wire_bool(_truthy(value)), (f"{article} {field}" if present else f"no {field}")
    else:  # created_after / created_before
        bound = _when(value)
        created = _when(c.created_at)
        if bound is None or created is None:
            return None
        early = name == "created_after" and created < bound
        late = name == "created_before" and created > bound
        if early or late:
            wire = value if isinstance(value, str) else bound.isoformat()
            return wire, f"created_at {created.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return None


def first_mismatch(
    params: Mapping[str, Any], contacts: Iterable[Contact], page: int | None = None
) -> FilterMismatch | None:
    """The first contact of ``contacts`` (one page) that a filter of ``params`` excludes."""
    if not active_filters(params):
        return None
    for contact in contacts:
        found = mismatch(params, contact, page)
        if found is not None:
            return found
    return None


def check_page(params: Mapping[str, Any], contacts: Iterable[Contact], page: int | None = None) -> None:
    """Raise :class:`FilterIgnored` when the page does not honour the filters."""
    found = first_mismatch(params, contacts, page)
    if found is not None:
        raise FilterIgnored(found)
