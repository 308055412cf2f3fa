"""What the contacts screen asks for: a search text plus filters.

``ContactQuery`` is immutable and hashable so it can key caches and tell a current
request from a superseded one. It knows how to become the client's keyword arguments
and how to describe itself as a compact line of clearable "chips".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from orbit_tui.api.filters import CHECKED as FILTER_KEYS  # every filter is checked locally


class QueryError(ValueError):
    """A filter value the user typed cannot be used; the message says why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def parse_date(text: str, field_name: str) -> date | None:
    """``YYYY-MM-DD`` → ``date``; blank → ``None``; anything else → ``QueryError``."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(
            field_name, f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-08"
        ) from None


def parse_tags(text: str) -> tuple[str, ...]:
    """``"vip, trial  vip"`` → ``("vip", "trial")`` (commas or spaces, no duplicates)."""
    seen: dict[str, None] = {}
    for part in text.replace(",", " ").split():
        seen.setdefault(part.strip(), None)
    return tuple(t for t in seen if t)


@dataclass(frozen=True)
class ContactQuery:
    search: str = ""
    lifecycle_stage: str | None = None
    country_code: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    has_phone: bool | None = None
    has_email: bool | None = None
    created_after: date | None = None
    created_before: date | None = None

    def __post_init__(self) -> None:
        if (
            self.created_after is not None
            and self.created_before is not None
            and self.created_after > self.created_before
        ):
            raise QueryError(
                "created_before",
                f"'created before' ({self.created_before}) is earlier than "
                f"'created after' ({self.created_after})",
            )

    def with_search(self, text: str) -> ContactQuery:
        return replace(self, search=text.strip())

    def without(self, key: str) -> ContactQuery:
        """The same query with one filter (or the search, ``"search"``) cleared."""
        if key == "search":
            return replace(self, search="")
        if key == "tags":
            return replace(self, tags=())
        if key not in FILTER_KEYS:
            raise KeyError(key)
        cleared: dict[str, Any] = {key: None}
        return replace(self, **cleared)

    def without_filters(self) -> ContactQuery:
        return ContactQuery(search=self.search)

    @property
    def has_filters(self) -> bool:
        return bool(self.chips())

    def to_params(self) -> dict[str, Any]:
        """Keyword arguments for ``OrbitClient.list_contacts`` (only what is set)."""
        params: dict[str, Any] = {}
        if self.search:
            params["search"] = self.search
        if self.lifecycle_stage:
            params["lifecycle_stage"] = self.lifecycle_stage
        if self.country_code:
            params["country_code"] = self.country_code
        if self.tags:
            params["tags"] = list(self.tags)
        if self.has_phone is not None:
            params["has_phone"] = self.has_phone
        if self.has_email is not None:
            params["has_email"] = self.has_email
        if self.created_after is not None:
            params["created_after"] = f"{self.created_after.isoformat()}T00:00:00Z"
        if self.created_before is not None:
            # "Created before" includes the day the user named.
            params["created_before"] = f"{self.created_before.isoformat()}T23:59:59Z"
        return params

    def chips(self) -> list[tuple[str, str]]:
        """``(key, label)`` for every active filter, in a fixed order."""
        chips: list[tuple[str, str]] = []
        if self.lifecycle_stage:
            chips.append(("lifecycle_stage", f"stage={self.lifecycle_stage}"))
        if self.country_code:
            chips.append(("country_code", f"country={self.country_code}"))
        if self.tags:
            chips.append(("tags", "tags∋" + "+".join(self.tags)))
        if self.has_phone is not None:
            chips.append(("has_phone", "phone" if self.has_phone else "no phone"))
        if self.has_email is not None:
            chips.append(("has_email", "email" if self.has_email else "no email"))
        if self.created_after is not None:
            chips.append(("created_after", f"created≥{self.created_after.isoformat()}"))
        if self.created_before is not None:
            chips.append(("created_before", f"created≤{self.created_before.isoformat()}"))
        return chips
