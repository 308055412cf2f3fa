"""CachedOrbit: the reads of CachedReads plus changes that write through to the cache.

Each method calls the client (errors propagate unchanged) and, only after success,
patches or drops what the cache holds so no screen shows the old value. See
:mod:`orbit_tui.cache` for the API.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from orbit_tui.api.models import (
    Contact,
    ContactInput,
    ContactList,
    ContactPreferences,
    ContactTags,
    MembershipResult,
    Segment,
    SegmentPreview,
)
from orbit_tui.cache_facade import CachedReads, _dump, _filtered

_CONTACT_PAGES = ("contacts", "optouts", "list_members", "segment_members")


class CachedOrbit(CachedReads):
    """The facade screens use: instant cached reads, revalidation, write-through."""

    # -- helpers ----------------------------------------------------------------------
    def _merge_contact(self, contact_id: str, fields: Mapping[str, Any]) -> None:
        """Patch a contact everywhere it is cached; filtered pages are marked stale."""
        self.cache.patch_item(
            "contact", contact_id, lambda old: {**old, **fields}, invalidate=_filtered
        )

    def _forget_contact(self, contact_id: str) -> None:
        self.cache.patch_item("contact", contact_id, lambda _: None)
        self.cache.drop_pages("activity", contact_id)
        self.cache.drop_pages("contact_lists", contact_id)

    # -- contacts -----------------------------------------------------------------
    async def create_contact(self, data: ContactInput | Mapping[str, Any]) -> Contact:
        contact = await self.client.create_contact(data)
        self.cache.put_entity("contact", contact.id, _dump(contact))
        # Where the new contact lands in which list is the server's business: drop them.
        for endpoint in ("contacts", "segment_members"):
            self.cache.drop_pages(endpoint)
        return contact

    async def update_contact(
        self, contact_id: str, data: ContactInput | Mapping[str, Any]
    ) -> Contact:
        contact = await self.client.update_contact(contact_id, data)
        fields = _dump(contact)
        fields.pop("opted_out_channels", None)  # not part of a plain contact answer
        self._merge_contact(contact_id, fields)
        if self.cache.get_entity("contact", contact_id) is None:
            self.cache.put_entity("contact", contact_id, fields)
        return contact

    async def delete_contact(self, contact_id: str) -> None:
        await self.client.delete_contact(contact_id)
        self._forget_contact(contact_id)
        self.cache.invalidate_pages("lists")  # member counts changed
        self.cache.invalidate_pages("segments")

    async def add_tags(self, contact_id: str, tags: list[str]) -> ContactTags:
        result = await self.client.add_tags(contact_id, tags)
        self._merge_contact(contact_id, {"tags": list(result.tags)})
        return result

    async def remove_tag(self, contact_id: str, tag: str) -> ContactTags | None:
        result = await self.client.remove_tag(contact_id, tag)
        if result is not None:
            self._merge_contact(contact_id, {"tags": list(result.tags)})
        else:  # 204 without a body: take the tag off what is cached
            self.cache.patch_item(
                "contact",
                contact_id,
                lambda old: {**old, "tags": [t for t in old.get("tags") or [] if t != tag]},
                invalidate=_filtered,
            )
        return result

    async def set_preferences(
        self, contact_id: str, prefs: Mapping[str, bool]
    ) -> ContactPreferences:
        result = await self.client.set_preferences(contact_id, prefs)
        self._merge_contact(contact_id, {"preferences": dict(result.preferences)})
        self.cache.drop_pages("optouts")  # who is opted out changed
        return result

    # -- lists --------------------------------------------------------------------
    def _bump_members(self, list_id: str, delta: int) -> None:
        if delta:
            self.cache.patch_item(
                "list",
                list_id,
                lambda old: {**old, "member_count": max(0, int(old.get("member_count") or 0) + delta)},
            )

    async def add_members(self, list_id: str, contact_ids: list[str]) -> MembershipResult:
        result = await self.client.add_members(list_id, contact_ids)
        self.cache.drop_pages("list_members", list_id)
        for contact_id in result.added:
            self.cache.drop_pages("contact_lists", contact_id)
        self._bump_members(list_id, len(result.added))
        return result

    async def remove_member(self, list_id: str, contact_id: str) -> None:
        await self.client.remove_member(list_id, contact_id)
        self.cache.patch_item(
            "contact", contact_id, lambda _: None,
            endpoint="list_members", scope=list_id, entity=False,
        )
        self.cache.drop_pages("contact_lists", contact_id)
        self._bump_members(list_id, -1)

    async def create_list(self, name: str, description: str | None = None) -> ContactList:
        created = await self.client.create_list(name, description)
        self.cache.put_entity("list", created.id, _dump(created))
        self.cache.drop_pages("lists")
        return created

    async def update_list(
        self, list_id: str, *, name: str | None = None, description: str | None = None
    ) -> ContactList:
        updated = await self.client.update_list(list_id, name=name, description=description)
        fields = _dump(updated)
        self.cache.patch_item("list", list_id, lambda old: {**old, **fields})
        if self.cache.get_entity("list", list_id) is None:
            self.cache.put_entity("list", list_id, fields)
        return updated

    async def delete_list(self, list_id: str) -> None:
        await self.client.delete_list(list_id)
        self.cache.patch_item("list", list_id, lambda _: None)
        self.cache.drop_pages("list_members", list_id)

    # -- segments -----------------------------------------------------------------
    async def create_segment(self, name: str, rules: Mapping[str, Any]) -> Segment:
        created = await self.client.create_segment(name, rules)
        self.cache.put_entity("segment", created.id, _dump(created))
        self.cache.drop_pages("segments")
        return created

    async def update_segment(
        self, segment_id: str, *, name: str | None = None, rules: Mapping[str, Any] | None = None
    ) -> Segment:
        updated = await self.client.update_segment(segment_id, name=name, rules=rules)
        fields = _dump(updated)
        self.cache.patch_item("segment", segment_id, lambda old: {**old, **fields})
        self.cache.put_entity("segment", segment_id, fields)
        if rules is not None:
            self.cache.drop_pages("segment_members", segment_id)
        return updated

    async def delete_segment(self, segment_id: str) -> None:
        await self.client.delete_segment(segment_id)
        self.cache.patch_item("segment", segment_id, lambda _: None)
        self.cache.drop_pages("segment_members", segment_id)

    # -- changes made elsewhere ----------------------------------------------------
    def invalidate_contacts(self, contact_ids: Iterable[str]) -> None:
        """Contacts changed outside this facade (a bulk job): mark them and their pages
        stale so the next read revalidates. List and segment pages are marked too, since
        memberships and counts may have moved."""
        for contact_id in contact_ids:
            self.cache.invalidate_item("contact", contact_id)
        for endpoint in ("lists", "segments", "optouts"):
            self.cache.invalidate_pages(endpoint)

    def invalidate_all(self) -> None:
        """Everything cached is shown as stale and revalidated on the next read."""
        self.cache.invalidate_all()

    async def preview_segment(self, rules: Mapping[str, Any]) -> SegmentPreview:
        return await self.client.preview_segment(rules)
