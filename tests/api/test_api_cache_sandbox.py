"""CachedOrbit against the real sandbox: hits, expiry, revalidation, write-through, offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orbit_tui.api import NetworkError, OrbitClient, ServerError
from orbit_tui.cache import CachedOrbit, PageCache
from orbit_tui.sandbox import SandboxServer


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(contacts=60)


@pytest.fixture
def orbit(server: SandboxServer, make_client: Callable[..., OrbitClient], tmp_path: Path,
          clock: Clock) -> CachedOrbit:
    client = make_client(server.base_url, server.api_key)
    return CachedOrbit(client, PageCache(tmp_path / "cache.sqlite3", ttl=300, clock=clock), page_size=20)


@pytest.fixture
def other(server: SandboxServer, make_client: Callable[..., OrbitClient]) -> OrbitClient:
    """Someone else changing data on the server behind our back."""
    return make_client(server.base_url, server.api_key)


async def test_hit_expiry_and_revalidation(orbit: CachedOrbit, other: OrbitClient, clock: Clock) -> None:
    client = orbit.client
    assert orbit.peek_contacts_page() is None
    first = await orbit.contacts_page()
    assert not first.from_cache and len(first.page.items) == 20
    sent = client.requests_sent

    clock.now += 60
    again = await orbit.contacts_page()
    assert again.from_cache and again.age_s == 60 and not again.stale
    assert client.requests_sent == sent  # answered without a request
    assert [c.id for c in again.page.items] == [c.id for c in first.page.items]

    second = await orbit.contacts_page(cursor=first.page.cursor)
    assert not {c.id for c in second.page.items} & {c.id for c in first.page.items}

    target = first.page.items[0]
    await other.update_contact(target.id, {"first_name": "Changed-elsewhere"})
    peeked = orbit.peek_contacts_page()
    assert peeked is not None and peeked.page.items[0].first_name == target.first_name

    clock.now += 300  # past the TTL
    stale = orbit.peek_contacts_page()
    assert stale is not None and stale.stale
    fresh = await orbit.contacts_page()
    assert not fresh.from_cache and client.requests_sent == sent + 2
    assert fresh.page.items[0].first_name == "Changed-elsewhere"
    assert orbit.peek_contact(target.id).value.first_name == "Changed-elsewhere"  # type: ignore[union-attr]

    await other.update_contact(target.id, {"first_name": "Again"})
    revalidated = await orbit.contacts_page(refresh=True)  # the "r" key
    assert revalidated.page.items[0].first_name == "Again"
    assert not orbit.peek_contacts_page().stale  # type: ignore[union-attr]


async def test_writes_go_through_to_every_cached_page(orbit: CachedOrbit, other: OrbitClient) -> None:
    page = (await orbit.contacts_page()).page
    target, neighbour = page.items[0], page.items[1]
    stage_query = {"lifecycle_stage": target.lifecycle_stage} if target.lifecycle_stage else {"search": target.id}
    await orbit.contacts_page(stage_query)
    await orbit.contact(target.id)
    new_list = await orbit.create_list("Write-through")
    await orbit.add_members(new_list.id, [target.id, neighbour.id])
    members = await orbit.list_members_page(new_list.id)
    assert {c.id for c in members.page.items} == {target.id, neighbour.id}
    lists_before = await orbit.lists_page()
    assert any(lst.id == new_list.id and lst.member_count == 2 for lst in lists_before.page.items)

    def everywhere() -> list:
        pages = [orbit.peek_contacts_page(), orbit.peek_list_members_page(new_list.id)]
        found = [c for p in pages if p for c in p.page.items if c.id == target.id]
        return found + [orbit.peek_contact(target.id).value]  # type: ignore[union-attr]

    await orbit.update_contact(target.id, {"first_name": "Patched"})
    assert [c.first_name for c in everywhere()] == ["Patched"] * 3
    filtered = orbit.peek_contacts_page(stage_query)
    assert filtered is not None and filtered.stale  # may no longer match: revalidate
    assert not orbit.peek_contacts_page().stale  # type: ignore[union-attr]

    await orbit.add_tags(target.id, ["wt-tag"])
    assert all("wt-tag" in c.tags for c in everywhere())
    assert "wt-tag" in orbit.known_tags()
    await orbit.remove_tag(target.id, "wt-tag")
    assert all("wt-tag" not in c.tags for c in everywhere())

    await orbit.set_preferences(target.id, {"whatsapp": False})
    assert all(c.preferences.get("whatsapp") is False for c in everywhere())

    await orbit.remove_member(new_list.id, target.id)
    members = orbit.peek_list_members_page(new_list.id)
    assert members is not None and [c.id for c in members.page.items] == [neighbour.id]
    assert orbit.peek_contact(target.id) is not None  # still a contact, just not a member
    assert [lst.member_count for lst in orbit.known_lists() if lst.id == new_list.id] == [1]

    await orbit.update_list(new_list.id, name="Renamed")
    lists = orbit.peek_lists_page()
    assert lists is not None and any(lst.name == "Renamed" for lst in lists.page.items)

    await orbit.delete_contact(neighbour.id)
    assert orbit.peek_contact(neighbour.id) is None
    page_now = orbit.peek_contacts_page()
    assert page_now is not None and neighbour.id not in {c.id for c in page_now.page.items}
    members = orbit.peek_list_members_page(new_list.id)
    assert members is not None and members.page.items == []

    # What the cache says is what the server says.
    for c in (await orbit.contacts_page(refresh=True)).page.items:
        if c.id == target.id:
            assert c.first_name == "Patched" and "wt-tag" not in c.tags
            assert c.preferences.get("whatsapp") is False

    await orbit.delete_list(new_list.id)
    lists = orbit.peek_lists_page()
    assert lists is not None and new_list.id not in {lst.id for lst in lists.page.items}


async def test_segments_write_through(orbit: CachedOrbit) -> None:
    segment = await orbit.create_segment("Leads", {"lifecycle_stage": "lead"})
    listed = await orbit.segments_page()
    assert segment.id in {s.id for s in listed.page.items}
    members = await orbit.segment_members_page(segment.id)
    assert all(c.lifecycle_stage == "lead" for c in members.page.items)
    await orbit.update_segment(segment.id, rules={"lifecycle_stage": "customer"})
    assert orbit.peek_segment_members_page(segment.id) is None  # rules changed: dropped
    assert orbit.peek_segment(segment.id).value.rules == {"lifecycle_stage": "customer"}  # type: ignore[union-attr]
    members = await orbit.segment_members_page(segment.id)
    assert all(c.lifecycle_stage == "customer" for c in members.page.items)
    await orbit.delete_segment(segment.id)
    assert orbit.peek_segment(segment.id) is None
    listed = orbit.peek_segments_page()
    assert listed is not None and segment.id not in {s.id for s in listed.page.items}


async def test_offline_serves_the_cache_marked_offline_and_stale(
    orbit: CachedOrbit, server: SandboxServer
) -> None:
    page = await orbit.contacts_page()
    target = page.page.items[0]
    await orbit.contact(target.id)
    await orbit.activity_page(target.id)

    server.faults.error_rate = 1.0  # Orbit failing: the cache is served, stale, not offline
    failing = await orbit.contacts_page(refresh=True)
    assert failing.stale and not failing.offline and isinstance(failing.error, ServerError)
    server.faults.error_rate = 0.0
    server.stop()

    offline = await orbit.contacts_page(refresh=True)
    assert offline.offline and offline.stale and offline.from_cache
    assert isinstance(offline.error, NetworkError)
    assert [c.id for c in offline.page.items] == [c.id for c in page.page.items]
    detail = await orbit.contact(target.id, refresh=True)
    assert detail.offline and detail.value.id == target.id
    activity = await orbit.activity_page(target.id, refresh=True)
    assert activity.offline
    peeked = orbit.peek_contacts_page()
    assert peeked is not None and peeked.offline and peeked.stale  # nothing pretends to be fresh
    with pytest.raises(NetworkError):
        await orbit.contacts_page({"search": "never cached"})
    assert orbit.client.online is False


async def test_a_contact_deleted_elsewhere_is_forgotten(orbit: CachedOrbit, other: OrbitClient) -> None:
    from orbit_tui.api import NotFoundError

    page = await orbit.contacts_page()
    gone = page.page.items[3]
    await other.delete_contact(gone.id)
    with pytest.raises(NotFoundError):
        await orbit.contact(gone.id, refresh=True)
    assert orbit.peek_contact(gone.id) is None
    assert gone.id not in {c.id for c in orbit.peek_contacts_page().page.items}  # type: ignore[union-attr]


async def test_changes_that_reshape_a_list_drop_its_cached_pages(orbit: CachedOrbit) -> None:
    contacts = (await orbit.contacts_page()).page.items
    target = next(c for c in contacts if c.preferences.get("sms") is not False)
    optouts = await orbit.optouts_page({"channel": "sms", "limit": 100})
    assert target.id not in {c.id for c in optouts.page.items}
    await orbit.set_preferences(target.id, {"sms": False})
    assert orbit.peek_optouts_page({"channel": "sms", "limit": 100}) is None
    optouts = await orbit.optouts_page({"channel": "sms", "limit": 100})
    assert target.id in {c.id for c in optouts.page.items}

    before = await orbit.contact_lists_page(target.id)
    new_list = await orbit.create_list("Reshaped")
    assert orbit.peek_lists_page() is None  # a new list: the cached list pages are gone
    await orbit.add_members(new_list.id, [target.id])
    assert orbit.peek_contact_lists_page(target.id) is None
    after = await orbit.contact_lists_page(target.id)
    assert {lst.id for lst in after.page.items} == {lst.id for lst in before.page.items} | {new_list.id}

    created = await orbit.create_contact({"email": "reshaped@example.org"})
    assert orbit.peek_contacts_page() is None
    assert orbit.peek_contact(created.id) is not None


async def test_changes_made_elsewhere_can_be_marked_stale(orbit: CachedOrbit, other: OrbitClient) -> None:
    page = (await orbit.contacts_page()).page
    target = page.items[2]
    await orbit.contact(target.id)
    await other.add_tags(target.id, ["bulk-added"])  # e.g. a bulk job on the raw client
    orbit.invalidate_contacts([target.id])
    peeked = orbit.peek_contacts_page()
    assert peeked is not None and peeked.stale
    assert orbit.peek_contact(target.id).stale  # type: ignore[union-attr]
    fresh = await orbit.contact(target.id)  # stale: goes to the server without refresh=True
    assert not fresh.from_cache and "bulk-added" in fresh.value.tags
    orbit.invalidate_all()
    assert orbit.peek_contact(target.id).stale  # type: ignore[union-attr]


async def test_concurrent_reads_of_the_same_page_share_one_request(orbit: CachedOrbit) -> None:
    import asyncio

    first = await orbit.contacts_page()
    sent = orbit.client.requests_sent
    a, b, c = await asyncio.gather(
        orbit.contacts_page(refresh=True), orbit.contacts_page(refresh=True),
        orbit.contact(first.page.items[0].id, refresh=True),
    )
    assert orbit.client.requests_sent == sent + 2  # one page request, one contact request
    assert [x.id for x in a.page.items] == [x.id for x in b.page.items]
    assert not a.from_cache and not b.from_cache and c.value.id == first.page.items[0].id
