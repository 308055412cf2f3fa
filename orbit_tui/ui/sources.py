"""Implementations of the contacts screen's ``ContactSource`` protocol.

- :class:`ClientSource` reads straight from an ``OrbitClient`` (no cache).
- :class:`CachedOrbitSource` reads through the cache facade (cached page at once with
  its age, stale and offline flags; ``refresh=True`` goes to the server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.filters import FilterIgnored, mismatch
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.source import PageResult


class ClientSource:
    def __init__(self, client: OrbitClient) -> None:
        self.client = client

    async def contacts_page(
        self, query: ContactQuery, cursor: str | None, *, limit: int, refresh: bool = False
    ) -> PageResult:
        page = await self.client.list_contacts(**query.to_params(), limit=limit, cursor=cursor)
        return PageResult(page=page)

    async def count(self, query: ContactQuery) -> int | None:
        page = await self.client.list_contacts(**query.to_params(), limit=1)
        if page.total is not None:
            return page.total
        return None if page.has_more else len(page.items)

    async def iter_ids(self, query: ContactQuery) -> AsyncIterator[str]:
        """Every id matching ``query``; raises FilterIgnored at the first contact a filter
        excludes (the server ignored that filter: "matching" would mean everybody)."""
        params: dict[str, Any] = query.to_params()
        read = 0
        async for contact in self.client.iter_contacts(**params, page_size=100):
            found = mismatch(params, contact, page=read // 100 + 1)
            if found is not None:
                raise FilterIgnored(found)
            read += 1
            yield contact.id


class CachedOrbitSource:
    """Reads through ``CachedOrbit``: a cached page at once (peek), the server otherwise.

    ``count`` and ``iter_ids`` always ask the server: marking everything that matches must
    not rely on what happens to be cached.
    """

    def __init__(self, orbit: Any) -> None:
        self.orbit = orbit

    @property
    def client(self) -> OrbitClient:
        client: OrbitClient = self.orbit.client
        return client

    async def contacts_page(
        self, query: ContactQuery, cursor: str | None, *, limit: int, refresh: bool = False
    ) -> PageResult:
        params = {**query.to_params(), "limit": limit}
        if not refresh:
            peeked = self.orbit.peek_contacts_page(params, cursor)
            if peeked is not None:
                return _result(peeked)
        return _result(await self.orbit.contacts_page(params, cursor, refresh=refresh))

    async def count(self, query: ContactQuery) -> int | None:
        return await ClientSource(self.client).count(query)

    async def iter_ids(self, query: ContactQuery) -> AsyncIterator[str]:
        async for contact_id in ClientSource(self.client).iter_ids(query):
            yield contact_id


def _result(result: Any) -> PageResult:
    return PageResult(
        page=result.page,
        from_cache=bool(result.from_cache),
        age_s=result.age_s if result.from_cache else None,
        stale=bool(result.stale),
        offline=bool(result.offline),
    )
