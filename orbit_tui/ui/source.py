"""The small data-source protocol the contacts screen reads through.

The screen does not care whether a page comes from the cache or the server: it asks a
``ContactSource`` for page ``cursor`` of a ``ContactQuery`` and gets a ``PageResult``
saying how old the page is and whether it is stale or was served while offline. The
real implementation (:class:`orbit_tui.ui.cached_source.CachedOrbitSource`) sits on
the cache facade; tests may use anything that follows the protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from orbit_tui.api.models import Contact, Page
from orbit_tui.ui.query import ContactQuery


@dataclass(frozen=True)
class PageResult:
    page: Page[Contact]
    from_cache: bool = False
    age_s: float | None = None
    """Seconds since the page was fetched from the server (``None``: just now)."""
    stale: bool = False
    """Older than the cache's freshness limit: a revalidation is worthwhile."""
    offline: bool = False
    """The server could not be reached; this is the last copy we have."""

    @property
    def needs_revalidation(self) -> bool:
        """A stale copy from the cache, with the server reachable: ask it again."""
        return self.from_cache and self.stale and not self.offline


class ContactSource(Protocol):
    async def contacts_page(
        self, query: ContactQuery, cursor: str | None, *, limit: int, refresh: bool = False
    ) -> PageResult:
        """Page ``cursor`` of ``query``: from the cache at once when present unless
        ``refresh``; otherwise (or when refreshing) from the server."""
        ...

    async def count(self, query: ContactQuery) -> int | None:
        """How many contacts match ``query`` now (``None`` when the server won't say)."""
        ...

    def iter_ids(self, query: ContactQuery) -> AsyncIterator[str]:
        """Every id matching ``query``, page by page from the server."""
        ...
