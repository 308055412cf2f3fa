"""The local page cache and CachedOrbit, the read/write facade the screens use.

Screens never call :class:`~orbit_tui.api.client.OrbitClient` for reads directly; they
call a :class:`CachedOrbit`, which answers from a SQLite cache at once and revalidates
against Orbit (stale-while-revalidate), and writes changes through to the cache so a
screen never shows the old value after a successful change.

Setting up::

    from orbit_tui.cache import CachedOrbit, PageCache, cache_path
    cache = PageCache(cache_path(paths.cache_dir(), base_url, api_key), ttl=300,
                      max_bytes=200 * 1024 * 1024)      # the file name is a hash
    for line in cache.warnings: show(line)               # e.g. "cache was damaged; moved aside"
    orbit = CachedOrbit(client, cache, page_size=50)

Reading — every list read has a *peek* twin (sync, instant, cache only)::

    cached = orbit.peek_contacts_page(query, cursor)     # Result | None, no network
    if cached: table.show(cached.page, stale=cached.stale, age=cached.age_s)
    fresh = await orbit.contacts_page(query, cursor, refresh=cached is not None)
    table.show(fresh.page, ...)

``query`` is a plain mapping of the client method's keyword arguments, ``limit``
included (default ``page_size``). For contacts: search, lifecycle_stage, country_code,
tags (list), has_phone, has_email, created_after, created_before, limit. ``cursor`` is the
``Page.cursor`` of the previous page (None for the first).

Every read returns :class:`Result`: ``value`` (alias ``page`` for lists), ``age_s``,
``stale``, ``offline``, ``from_cache`` and ``error`` (why the cache was served instead).

* ``refresh=False``: a cached value within the TTL is returned without a request;
  otherwise Orbit is asked.
* ``refresh=True``: Orbit is always asked (the ``r`` key, or revalidating after a peek).
* When Orbit cannot be reached (NetworkError, incl. timeouts) and something is cached,
  that is returned with ``offline=True, stale=True, error=<the NetworkError>``; with
  nothing cached the NetworkError is raised. A ServerError or RateLimitedError that
  outlasted the client's retries falls back the same way but with ``offline=False``.
  Every other error (auth, validation, not found, ...) is raised: a 404 for a
  contact or segment also forgets it; an INVALID_CURSOR forgets the cached pages of
  that list (their cursors are as dead).

Reads (peek twin in brackets, all ``peek_*`` are sync):

    contacts_page(query, cursor)                   [peek_contacts_page]   Page[Contact]
    contact(contact_id)                            [peek_contact]         Contact
    activity_page(contact_id, query, cursor)       [peek_activity_page]   Page[ActivityItem]
        query: channel, type, limit
    optouts_page(query, cursor)                    [peek_optouts_page]    Page[Contact]
        query: channel, search, limit
    lists_page(query, cursor)                      [peek_lists_page]      Page[ContactList]
    list_members_page(list_id, query, cursor)      [peek_list_members_page] Page[Contact]
    contact_lists_page(contact_id, query, cursor)  [peek_contact_lists_page] Page[ContactList]
    segments_page(query, cursor)                   [peek_segments_page]   Page[Segment]
    segment(segment_id)                            [peek_segment]         Segment
    segment_members_page(segment_id, query, cursor) [peek_segment_members_page] Page[Contact]

``peek_contact`` also answers from any cached page that held the contact, so a detail
screen opened from a list shows at once.

Changes (call Orbit, then write through; they raise the client's errors unchanged)::

    create_contact(data) -> Contact          update_contact(id, data) -> Contact
    delete_contact(id) -> None               add_tags(id, tags) -> ContactTags
    remove_tag(id, tag) -> ContactTags | None (None when the server answered 204)
    set_preferences(id, prefs) -> ContactPreferences
    add_members(list_id, ids) -> MembershipResult   remove_member(list_id, contact_id)
    create_list(name, description) / update_list(id, name=, description=) / delete_list(id)
    create_segment(name, rules) / update_segment(id, name=, rules=) / delete_segment(id)
    preview_segment(rules) -> SegmentPreview (never cached)

Write-through: the cached contact and every cached page holding it are patched in place
(pages whose query filters on something the change may affect are also marked stale so
they revalidate); deletions take the item out of every page; pages that a change may
extend in ways the cache cannot know (a new contact, new list members, opt-outs after a
preference change) are dropped.

Changes made elsewhere (a bulk job runs on the client directly): call
``invalidate_contacts(ids)`` when it finishes (those contacts and every page holding them
turn stale, as do list, segment and opt-out pages), or ``invalidate_all()``.

Local knowledge for autocomplete and estimates: ``known_tags()``, ``known_stages()``,
``known_lists()``, ``cached_contacts(limit)``. ``client`` is the underlying OrbitClient
(for ``in_flight``, ``add_listener``, ``online``, bulk work).
"""

from __future__ import annotations

from orbit_tui.cache_facade import Result
from orbit_tui.cache_writes import CachedOrbit
from orbit_tui.cache_store import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TTL,
    Hit,
    PageCache,
    cache_file_name,
    cache_path,
    normalise_query,
)

__all__ = [
    "CachedOrbit",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TTL",
    "Hit",
    "PageCache",
    "Result",
    "cache_file_name",
    "cache_path",
    "normalise_query",
]
