"""The read half of CachedOrbit (see orbit_tui.cache for the whole API)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, Mapping, TypeVar

from pydantic import BaseModel

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import (
    InvalidCursorError,
    NetworkError,
    NotFoundError,
    OrbitError,
    RateLimitedError,
    ServerError,
)
from orbit_tui.api.models import ActivityItem, Contact, ContactList, Page, Segment
from orbit_tui.cache_store import Hit, PageCache, normalise_query, query_key

T = TypeVar("T")

# Failures after which a cached value is better than nothing (marked stale, error set).
_FALLBACK = (NetworkError, ServerError, RateLimitedError)

# endpoint -> (item model, entity kind of its items or None)
_ENDPOINTS: dict[str, tuple[type[BaseModel], str | None]] = {
    "contacts": (Contact, "contact"),
    "optouts": (Contact, "contact"),
    "list_members": (Contact, "contact"),
    "segment_members": (Contact, "contact"),
    "activity": (ActivityItem, None),
    "lists": (ContactList, "list"),
    "contact_lists": (ContactList, "list"),
    "segments": (Segment, "segment"),
}
_ENTITY_MODELS: dict[str, type[BaseModel]] = {
    "contact": Contact,
    "list": ContactList,
    "segment": Segment,
}


@dataclass(frozen=True)
class Result(Generic[T]):
    """A value with how old it is and where it came from.

    ``error`` is set when Orbit could not give a fresh answer and the cached value was
    served instead: a NetworkError (then ``offline`` is True), or a ServerError /
    RateLimitedError that outlasted the client's retries (``offline`` False, ``stale``
    True).
    """

    value: T
    age_s: float = 0.0
    stale: bool = False
    offline: bool = False
    from_cache: bool = False
    error: OrbitError | None = None

    @property
    def page(self) -> T:
        """The same as ``value`` (reads of list endpoints return a Page)."""
        return self.value


def _filtered(endpoint: str, scope: str, query_json: str) -> bool:
    """May a contact change alter which contacts this page holds?"""
    if endpoint in ("segment_members", "optouts"):
        return True
    try:
        query = json.loads(query_json)
    except ValueError:
        return True
    return any(k != "limit" for k in query)


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


WRITE_BEHIND_S = 0.1
"""How long a fetched page waits before it is written to the cache (see ``_store_page``):
past the frame that shows it."""


class CachedReads:
    """Instant cached reads and revalidation; CachedOrbit adds the writes."""

    def __init__(self, client: OrbitClient, cache: PageCache, *, page_size: int = 50) -> None:
        self.client = client
        self.cache = cache
        self.page_size = page_size
        self._inflight: dict[tuple[str, ...], asyncio.Future[Any]] = {}
        self._writer: asyncio.Future[None] | None = None

    async def _once(self, key: tuple[str, ...], fetch: Callable[[], Awaitable[T]]) -> T:
        """Concurrent reads of the same thing share one request (a screen revalidating
        twice, or two widgets asking for the same contact)."""
        shared = self._inflight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(fetch())
            self._inflight[key] = shared

            def done(future: asyncio.Future[Any]) -> None:
                self._inflight.pop(key, None)
                if not future.cancelled():
                    future.exception()  # retrieved: never "exception was never retrieved"

            shared.add_done_callback(done)
        return await asyncio.shield(shared)

    # -- generic read path ----------------------------------------------------------
    def _query(self, query: Mapping[str, Any] | None, default_limit: int | None = None) -> dict[str, Any]:
        q = normalise_query(query)
        q.setdefault("limit", default_limit or self.page_size)
        return q

    def _page_result(self, endpoint: str, hit: Hit, *, offline: bool = False,
                     error: OrbitError | None = None) -> Result[Page[Any]]:
        model = _ENDPOINTS[endpoint][0]
        page = Page[model].model_validate(hit.value)  # type: ignore[valid-type]
        return Result(page, hit.age_s, hit.stale or error is not None or offline, offline, True,
                      error)

    def _peek_page(self, endpoint: str, scope: str, query: Mapping[str, Any] | None,
                   cursor: str | None) -> Result[Page[Any]] | None:
        hit = self.cache.get_page(endpoint, scope, query, cursor)
        if hit is None:
            return None
        try:
            return self._page_result(endpoint, hit, offline=self.client.online is False)
        except ValueError:
            return None

    async def _read_page(
        self,
        endpoint: str,
        scope: str,
        query: dict[str, Any],
        cursor: str | None,
        refresh: bool,
        fetch: Callable[[], Awaitable[Page[Any]]],
    ) -> Result[Page[Any]]:
        hit = self.cache.get_page(endpoint, scope, query, cursor)
        if hit is not None and not refresh and not hit.stale:
            try:
                return self._page_result(endpoint, hit)
            except ValueError:
                hit = None
        try:
            page = await self._once(("page", endpoint, scope, query_key(query), cursor or ""), fetch)
        except _FALLBACK as exc:
            if hit is None:
                raise
            try:
                return self._page_result(
                    endpoint, hit, offline=isinstance(exc, NetworkError), error=exc
                )
            except ValueError:
                raise exc from None
        except InvalidCursorError:
            if cursor:  # the cursors behind the cached pages are as dead as this one
                self.cache.drop_pages(endpoint, scope)
            raise
        self._store_page(endpoint, scope, query, cursor, page)
        return Result(page)

    def _store_page(self, endpoint: str, scope: str, query: dict[str, Any],
                    cursor: str | None, page: Page[Any]) -> None:
        """Write a fetched page to the cache behind the answer, in a worker thread.

        Dumping a page to JSON and writing it (the page, each item, the index) takes a
        few milliseconds, more on a busy machine. Done before the page is returned, it
        delayed every search's results by that much; done at once in a thread, it
        fought the frame that shows them for the interpreter lock. So it is queued
        (``PageCache.defer``) and written ``WRITE_BEHIND_S`` later. Any use of the
        cache before then writes it first, so a read still finds the page, in order.
        """
        kind = _ENDPOINTS[endpoint][1]
        cache = self.cache
        # The items as they are now: a screen may take a contact out of its list later.
        stored = page.model_copy(update={"items": list(page.items)})
        fetched_at = cache.now()

        def store() -> None:
            cache.put_page(
                endpoint, scope, query, cursor, stored.model_dump(mode="json"), kind,
                checkpoint=False, fetched_at=fetched_at,
            )

        cache.defer(store)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_behind())

    async def _write_behind(self) -> None:
        while self.cache.has_deferred:
            await asyncio.sleep(WRITE_BEHIND_S)
            await asyncio.to_thread(self.cache.settle)

    def _peek_entity(self, kind: str, ident: str) -> Result[Any] | None:
        hit = self.cache.get_entity(kind, ident)
        if hit is None:
            return None
        try:
            value = _ENTITY_MODELS[kind].model_validate(hit.value)
        except ValueError:
            return None
        offline = self.client.online is False
        return Result(value, hit.age_s, hit.stale or offline, offline, True)

    async def _read_entity(
        self, kind: str, ident: str, refresh: bool, fetch: Callable[[], Awaitable[BaseModel]]
    ) -> Result[Any]:
        hit = self.cache.get_entity(kind, ident)
        if hit is not None and not refresh and not hit.stale:
            try:
                return Result(_ENTITY_MODELS[kind].model_validate(hit.value), hit.age_s, False,
                              False, True)
            except ValueError:
                hit = None
        try:
            value = await self._once(("entity", kind, ident), fetch)
        except _FALLBACK as exc:
            if hit is None:
                raise
            try:
                model = _ENTITY_MODELS[kind].model_validate(hit.value)
            except ValueError:
                raise exc from None
            return Result(model, hit.age_s, True, isinstance(exc, NetworkError), True, exc)
        except NotFoundError:
            self.cache.patch_item(kind, ident, lambda _: None)
            raise
        self.cache.put_entity(kind, ident, _dump(value))
        return Result(value)

    # -- contacts -------------------------------------------------------------------
    def peek_contacts_page(self, query: Mapping[str, Any] | None = None,
                           cursor: str | None = None) -> Result[Page[Contact]] | None:
        return self._peek_page("contacts", "", self._query(query), cursor)

    async def contacts_page(self, query: Mapping[str, Any] | None = None,
                            cursor: str | None = None, *,
                            refresh: bool = False) -> Result[Page[Contact]]:
        q = self._query(query)
        return await self._read_page(
            "contacts", "", q, cursor, refresh,
            lambda: self.client.list_contacts(cursor=cursor, **q),
        )

    def peek_contact(self, contact_id: str) -> Result[Contact] | None:
        return self._peek_entity("contact", contact_id)

    async def contact(self, contact_id: str, *, refresh: bool = False) -> Result[Contact]:
        return await self._read_entity(
            "contact", contact_id, refresh, lambda: self.client.get_contact(contact_id)
        )

    def peek_activity_page(self, contact_id: str, query: Mapping[str, Any] | None = None,
                           cursor: str | None = None) -> Result[Page[ActivityItem]] | None:
        return self._peek_page("activity", contact_id, self._query(query), cursor)

    async def activity_page(self, contact_id: str, query: Mapping[str, Any] | None = None,
                            cursor: str | None = None, *,
                            refresh: bool = False) -> Result[Page[ActivityItem]]:
        q = self._query(query)
        return await self._read_page(
            "activity", contact_id, q, cursor, refresh,
            lambda: self.client.list_activity(contact_id, cursor=cursor, **q),
        )

    def peek_optouts_page(self, query: Mapping[str, Any] | None = None,
                          cursor: str | None = None) -> Result[Page[Contact]] | None:
        return self._peek_page("optouts", "", self._query(query), cursor)

    async def optouts_page(self, query: Mapping[str, Any] | None = None,
                           cursor: str | None = None, *,
                           refresh: bool = False) -> Result[Page[Contact]]:
        q = self._query(query)
        return await self._read_page(
            "optouts", "", q, cursor, refresh,
            lambda: self.client.list_optouts(cursor=cursor, **q),
        )

    # -- lists ----------------------------------------------------------------------
    def peek_lists_page(self, query: Mapping[str, Any] | None = None,
                        cursor: str | None = None) -> Result[Page[ContactList]] | None:
        return self._peek_page("lists", "", self._query(query, 100), cursor)

    async def lists_page(self, query: Mapping[str, Any] | None = None,
                         cursor: str | None = None, *,
                         refresh: bool = False) -> Result[Page[ContactList]]:
        q = self._query(query, 100)
        return await self._read_page(
            "lists", "", q, cursor, refresh, lambda: self.client.list_lists(cursor=cursor, **q)
        )

    def peek_list_members_page(self, list_id: str, query: Mapping[str, Any] | None = None,
                               cursor: str | None = None) -> Result[Page[Contact]] | None:
        return self._peek_page("list_members", list_id, self._query(query), cursor)

    async def list_members_page(self, list_id: str, query: Mapping[str, Any] | None = None,
                                cursor: str | None = None, *,
                                refresh: bool = False) -> Result[Page[Contact]]:
        q = self._query(query)
        return await self._read_page(
            "list_members", list_id, q, cursor, refresh,
            lambda: self.client.list_members(list_id, cursor=cursor, **q),
        )

    def peek_contact_lists_page(self, contact_id: str, query: Mapping[str, Any] | None = None,
                                cursor: str | None = None) -> Result[Page[ContactList]] | None:
        return self._peek_page("contact_lists", contact_id, self._query(query, 100), cursor)

    async def contact_lists_page(self, contact_id: str, query: Mapping[str, Any] | None = None,
                                 cursor: str | None = None, *,
                                 refresh: bool = False) -> Result[Page[ContactList]]:
        q = self._query(query, 100)
        return await self._read_page(
            "contact_lists", contact_id, q, cursor, refresh,
            lambda: self.client.contact_lists(contact_id, cursor=cursor, **q),
        )

    # -- segments -------------------------------------------------------------------
    def peek_segments_page(self, query: Mapping[str, Any] | None = None,
                           cursor: str | None = None) -> Result[Page[Segment]] | None:
        return self._peek_page("segments", "", self._query(query, 100), cursor)

    async def segments_page(self, query: Mapping[str, Any] | None = None,
                            cursor: str | None = None, *,
                            refresh: bool = False) -> Result[Page[Segment]]:
        q = self._query(query, 100)
        return await self._read_page(
            "segments", "", q, cursor, refresh,
            lambda: self.client.list_segments(cursor=cursor, **q),
        )

    def peek_segment(self, segment_id: str) -> Result[Segment] | None:
        return self._peek_entity("segment", segment_id)

    async def segment(self, segment_id: str, *, refresh: bool = False) -> Result[Segment]:
        return await self._read_entity(
            "segment", segment_id, refresh, lambda: self.client.get_segment(segment_id)
        )

    def peek_segment_members_page(self, segment_id: str, query: Mapping[str, Any] | None = None,
                                  cursor: str | None = None) -> Result[Page[Contact]] | None:
        return self._peek_page("segment_members", segment_id, self._query(query), cursor)

    async def segment_members_page(self, segment_id: str, query: Mapping[str, Any] | None = None,
                                   cursor: str | None = None, *,
                                   refresh: bool = False) -> Result[Page[Contact]]:
        q = self._query(query)
        return await self._read_page(
            "segment_members", segment_id, q, cursor, refresh,
            lambda: self.client.segment_members(segment_id, cursor=cursor, **q),
        )

    # -- local knowledge ------------------------------------------------------------
    def known_tags(self) -> list[str]:
        return self.cache.known_tags()

    def known_stages(self) -> list[str]:
        return self.cache.known_stages()

    def known_lists(self) -> list[ContactList]:
        return [ContactList.model_validate(b) for b in self.cache.entities("list")]

    def cached_contacts(self, limit: int | None = 5000) -> list[Contact]:
        """Contacts in the cache, most recently used first (for local estimates)."""
        return [Contact.model_validate(b) for b in self.cache.entities("contact", limit)]

    @property
    def online(self) -> bool | None:
        """The client's view: None until the first answer, False after a network failure."""
        return self.client.online

    @property
    def warnings(self) -> list[str]:
        """Cache problems worth showing once (e.g. a damaged cache moved aside)."""
        return self.cache.warnings
