"""OrbitClient: one typed async method per endpoint of the Orbit Contacts API contract.

    async with OrbitClient(base_url, api_key) as client:
        page = await client.list_contacts(search="ada", limit=50)
        async for contact in client.iter_contacts(tags=["vip"]):
            ...

Every method returns pydantic models from :mod:`orbit_tui.api.models` and raises only
:mod:`orbit_tui.api.errors`. List methods return one :class:`Page`; the ``iter_*`` methods
follow cursors until ``has_more`` is false. Retries, pacing, idempotency keys and the
events for the status bar live in :mod:`orbit_tui.api.base` (see its docstring for which
requests are retried and why).

Endpoints the public reference does not document (contract numbers 19–25: list members
add/remove, a contact's lists, one segment, segment update, segment members, preview)
raise :class:`UnsupportedError` when a server answers them with 404/405 without a
contract error body.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, TypeVar
from urllib.parse import quote

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from orbit_tui.api import errors as E
from orbit_tui.api.base import READ_POST, SAFE_POST, BaseClient, Reply
from orbit_tui.api.creates import create_checked, create_contact_checked, find_list, find_segment
from orbit_tui.api.paths import check_path_value, check_tag_values
from orbit_tui.api.models import (
    ActivityItem,
    Contact,
    ContactInput,
    ContactList,
    ContactPreferences,
    ContactTags,
    MembershipResult,
    Page,
    Segment,
    SegmentPreview,
    lenient_contact,
)
from orbit_tui.api.walk import WalkGuard

M = TypeVar("M", bound=BaseModel)

__all__ = ["OrbitClient"]


def _seg(value: str, what: str = "id") -> str:
    """One URL path segment, fully encoded (a tag may hold '/', '?', '#', spaces).

    Raises :class:`UnsafePathError` (nothing is sent) for an empty value, ``.`` or ``..``.
    """
    return quote(check_path_value(value, what), safe="")


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _body(data: ContactInput | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    return dict(data)


def _bad_shape(reply: Reply, what: str, exc: Exception | None = None) -> E.ServerError:
    return E.ServerError(
        f"Orbit's answer does not look like {what}",
        code="UNEXPECTED_RESPONSE",
        status=reply.status,
        request_id=reply.request_id,
    )


def _one(reply: Reply, model: type[M]) -> M:
    try:
        return model.model_validate(reply.data)
    except PydanticValidationError as exc:
        raise _bad_shape(reply, f"a {model.__name__}", exc) from None


def _page(reply: Reply, model: type[M]) -> Page[M]:
    data = reply.data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        raise _bad_shape(reply, f"a list of {model.__name__}")
    dropped = 0
    if model is Contact:  # one odd contact must not sink the page (see lenient_contact)
        items: list[Any] = []
        for raw in data:
            contact = lenient_contact(raw)
            if contact is None:
                dropped += 1
            else:
                items.append(contact)
    else:
        try:
            items = [model.model_validate(item) for item in data]
        except PydanticValidationError as exc:
            raise _bad_shape(reply, f"a list of {model.__name__}", exc) from None
    pagination = reply.meta.get("pagination") if isinstance(reply.meta, dict) else None
    pagination = pagination if isinstance(pagination, dict) else {}
    total = pagination.get("total")
    return Page[model](  # type: ignore[valid-type]
        items=items,
        cursor=pagination.get("cursor") or None,
        has_more=bool(pagination.get("has_more")),
        total=_total(total, len(items) + dropped),
        request_id=reply.request_id,
        unreadable=dropped,
    )


def _ident(item: Any) -> str:
    """What tells two items of a walk apart: the id, else the whole item (activity)."""
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        return ident
    if isinstance(item, BaseModel):
        return item.model_dump_json()
    return repr(item)


def _total(total: Any, on_page: int) -> int | None:
    """The page's ``total``, or None when it cannot be true (negative, not a whole
    number, a boolean, fewer than the items on this very page)."""
    if isinstance(total, bool) or not isinstance(total, int) or total < on_page:
        return None
    return total


class OrbitClient(BaseClient):
    """The async Orbit Contacts client. See the module docstring."""

    async def __aenter__(self) -> "OrbitClient":
        return self

    # -- helpers ------------------------------------------------------------------
    async def _iterate(
        self, fetch: Callable[[str | None], Awaitable[Page[Any]]], what: str = "contacts"
    ) -> AsyncIterator[Any]:
        """Follow cursors until ``has_more`` is false; a runaway walk raises (see walk.py)."""
        guard = WalkGuard(what=what)
        cursor: str | None = None
        while True:
            page = await fetch(cursor)
            guard.feed(
                (_ident(item) for item in page.items), cursor=cursor,
                next_cursor=page.cursor, has_more=page.has_more, total=page.total,
            )
            for item in page.items:
                yield item
            if not page.has_more or not page.cursor:
                return
            cursor = page.cursor

    @staticmethod
    def contact_params(
        *,
        search: str | None = None,
        lifecycle_stage: str | None = None,
        country_code: str | None = None,
        tags: list[str] | tuple[str, ...] | str | None = None,
        has_phone: bool | None = None,
        has_email: bool | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
    ) -> dict[str, Any]:
        """Query parameters of GET /contacts for the given filters (None = not sent)."""
        if isinstance(tags, (list, tuple)):
            tags = ",".join(t for t in tags if t) or None
        return {
            "search": search or None,
            "lifecycle_stage": lifecycle_stage or None,
            "country_code": country_code or None,
            "tags": tags or None,
            "has_phone": _bool(has_phone),
            "has_email": _bool(has_email),
            "created_after": created_after or None,
            "created_before": created_before or None,
        }

    # -- contacts (1–9) -----------------------------------------------------------
    async def list_contacts(
        self,
        *,
        search: str | None = None,
        lifecycle_stage: str | None = None,
        country_code: str | None = None,
        tags: list[str] | tuple[str, ...] | str | None = None,
        has_phone: bool | None = None,
        has_email: bool | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Contact]:
        """GET /contacts: one page. ``tags``: every tag must match. None = no filter."""
        params = self.contact_params(
            search=search, lifecycle_stage=lifecycle_stage, country_code=country_code,
            tags=tags, has_phone=has_phone, has_email=has_email,
            created_after=created_after, created_before=created_before,
        )
        params.update(limit=limit, cursor=cursor)
        return _page(await self.request("GET", "contacts", params=params), Contact)

    def iter_contacts(self, *, page_size: int = 100, **filters: Any) -> AsyncIterator[Contact]:
        """Every contact matching the filters of :meth:`list_contacts`, following cursors."""
        return self._iterate(
            lambda c: self.list_contacts(limit=page_size, cursor=c, **filters)
        )

    async def get_contact(self, contact_id: str) -> Contact:
        return _one(await self.request("GET", f"contacts/{_seg(contact_id, 'contact id')}"), Contact)

    async def create_contact(self, data: ContactInput | Mapping[str, Any]) -> Contact:
        """POST /contacts; after a lost answer, checked as :mod:`.creates` says."""
        answer = await create_contact_checked(self, _body(data))
        return answer if isinstance(answer, Contact) else _one(answer, Contact)

    async def update_contact(
        self, contact_id: str, data: ContactInput | Mapping[str, Any], *,
        idempotency_key: str | None = None,
    ) -> Contact:
        """PUT /contacts/{id}: partial update; a metadata key set to None is removed."""
        reply = await self.request("PUT", f"contacts/{_seg(contact_id, 'contact id')}", json=_body(data),
                                   idempotency_key=idempotency_key)
        return _one(reply, Contact)

    async def delete_contact(self, contact_id: str) -> None:
        await self.request("DELETE", f"contacts/{_seg(contact_id, 'contact id')}")

    async def add_tags(
        self, contact_id: str, tags: list[str], *, idempotency_key: str | None = None
    ) -> ContactTags:
        reply = await self.request(
            "POST", f"contacts/{_seg(contact_id, 'contact id')}/tags",
            json={"tags": check_tag_values(tags)},
            post_kind=SAFE_POST, idempotency_key=idempotency_key,
        )
        return _one(reply, ContactTags)

    async def remove_tag(
        self, contact_id: str, tag: str, *, idempotency_key: str | None = None
    ) -> ContactTags | None:
        """DELETE one tag; None when the server answers 204 without a body."""
        reply = await self.request("DELETE", f"contacts/{_seg(contact_id, 'contact id')}/tags/{_seg(tag, 'tag')}",
                                   idempotency_key=idempotency_key)
        return None if reply.data is None else _one(reply, ContactTags)

    async def list_activity(
        self,
        contact_id: str,
        *,
        channel: str | None = None,
        type: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ActivityItem]:
        params = {"channel": channel, "type": type, "limit": limit, "cursor": cursor}
        reply = await self.request("GET", f"contacts/{_seg(contact_id, 'contact id')}/activity", params=params)
        return _page(reply, ActivityItem)

    def iter_activity(
        self, contact_id: str, *, page_size: int = 100, **filters: Any
    ) -> AsyncIterator[ActivityItem]:
        return self._iterate(
            lambda c: self.list_activity(contact_id, limit=page_size, cursor=c, **filters),
            "activity items",
        )

    async def set_preferences(
        self, contact_id: str, prefs: Mapping[str, bool]
    ) -> ContactPreferences:
        reply = await self.request(
            "PUT", f"contacts/{_seg(contact_id, 'contact id')}/preferences",
            json={"preferences": dict(prefs)},
        )
        return _one(reply, ContactPreferences)

    # -- opt-outs (10) ------------------------------------------------------------
    async def list_optouts(
        self,
        *,
        channel: str | None = None,
        search: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Contact]:
        params = {"channel": channel, "search": search or None, "limit": limit, "cursor": cursor}
        return _page(await self.request("GET", "contacts/optouts", params=params), Contact)

    def iter_optouts(self, *, page_size: int = 100, **filters: Any) -> AsyncIterator[Contact]:
        return self._iterate(lambda c: self.list_optouts(limit=page_size, cursor=c, **filters))

    # -- lists (11–15, 19–21) -----------------------------------------------------
    async def list_lists(self, *, limit: int = 100, cursor: str | None = None) -> Page[ContactList]:
        reply = await self.request("GET", "contacts/lists", params={"limit": limit, "cursor": cursor})
        return _page(reply, ContactList)

    def iter_lists(self, *, page_size: int = 100) -> AsyncIterator[ContactList]:
        return self._iterate(lambda c: self.list_lists(limit=page_size, cursor=c), "lists")

    async def create_list(self, name: str, description: str | None = None) -> ContactList:
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        reply, found = await create_checked(
            self, "contacts/lists", body,
            lambda since: find_list(self, name, description, since),
        )
        if reply is not None:
            return _one(reply, ContactList)
        assert isinstance(found, ContactList)  # create_checked: no answer means found
        return found

    async def update_list(
        self, list_id: str, *, name: str | None = None, description: str | None = None
    ) -> ContactList:
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        reply = await self.request("PUT", f"contacts/lists/{_seg(list_id, 'list id')}", json=body)
        return _one(reply, ContactList)

    async def delete_list(self, list_id: str) -> None:
        await self.request("DELETE", f"contacts/lists/{_seg(list_id, 'list id')}")

    async def list_members(
        self, list_id: str, *, search: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Contact]:
        params = {"search": search or None, "limit": limit, "cursor": cursor}
        reply = await self.request("GET", f"contacts/lists/{_seg(list_id, 'list id')}/members", params=params)
        return _page(reply, Contact)

    def iter_members(
        self, list_id: str, *, page_size: int = 100, search: str | None = None
    ) -> AsyncIterator[Contact]:
        return self._iterate(
            lambda c: self.list_members(list_id, search=search, limit=page_size, cursor=c)
        )

    async def add_members(
        self, list_id: str, contact_ids: list[str], *, idempotency_key: str | None = None
    ) -> MembershipResult:
        """POST /contacts/lists/{id}/members (designed here; 1–100 ids; repeating adds nothing)."""
        reply = await self.request(
            "POST", f"contacts/lists/{_seg(list_id, 'list id')}/members",
            json={"contact_ids": [check_path_value(i, "contact id") for i in contact_ids]},
            post_kind=SAFE_POST, designed=True,
            idempotency_key=idempotency_key,
        )
        return _one(reply, MembershipResult)

    async def remove_member(
        self, list_id: str, contact_id: str, *, idempotency_key: str | None = None
    ) -> None:
        await self.request(
            "DELETE", f"contacts/lists/{_seg(list_id, 'list id')}/members/{_seg(contact_id, 'contact id')}", designed=True,
            idempotency_key=idempotency_key,
        )

    async def contact_lists(
        self, contact_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[ContactList]:
        reply = await self.request(
            "GET", f"contacts/{_seg(contact_id, 'contact id')}/lists",
            params={"limit": limit, "cursor": cursor}, designed=True,
        )
        return _page(reply, ContactList)

    # -- segments (16–18, 22–25) --------------------------------------------------
    async def list_segments(
        self, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Segment]:
        reply = await self.request(
            "GET", "contacts/segments", params={"limit": limit, "cursor": cursor}
        )
        return _page(reply, Segment)

    def iter_segments(self, *, page_size: int = 100) -> AsyncIterator[Segment]:
        return self._iterate(lambda c: self.list_segments(limit=page_size, cursor=c), "segments")

    async def get_segment(self, segment_id: str) -> Segment:
        reply = await self.request("GET", f"contacts/segments/{_seg(segment_id, 'segment id')}", designed=True)
        return _one(reply, Segment)

    async def create_segment(self, name: str, rules: Mapping[str, Any]) -> Segment:
        reply, found = await create_checked(
            self, "contacts/segments", {"name": name, "rules": dict(rules)},
            lambda since: find_segment(self, name, rules, since),
        )
        if reply is not None:
            return _one(reply, Segment)
        assert isinstance(found, Segment)  # create_checked: no answer means found
        return found

    async def update_segment(
        self, segment_id: str, *, name: str | None = None, rules: Mapping[str, Any] | None = None
    ) -> Segment:
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if rules is not None:
            body["rules"] = dict(rules)
        reply = await self.request(
            "PUT", f"contacts/segments/{_seg(segment_id, 'segment id')}", json=body, designed=True
        )
        return _one(reply, Segment)

    async def delete_segment(self, segment_id: str) -> None:
        await self.request("DELETE", f"contacts/segments/{_seg(segment_id, 'segment id')}")

    async def segment_members(
        self,
        segment_id: str,
        *,
        search: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Contact]:
        params = {"search": search or None, "limit": limit, "cursor": cursor}
        reply = await self.request(
            "GET", f"contacts/segments/{_seg(segment_id, 'segment id')}/members", params=params, designed=True
        )
        return _page(reply, Contact)

    def iter_segment_members(
        self, segment_id: str, *, page_size: int = 100, search: str | None = None
    ) -> AsyncIterator[Contact]:
        return self._iterate(
            lambda c: self.segment_members(segment_id, search=search, limit=page_size, cursor=c)
        )

    async def preview_segment(self, rules: Mapping[str, Any]) -> SegmentPreview:
        reply = await self.request(
            "POST", "contacts/segments/preview", json={"rules": dict(rules)},
            post_kind=READ_POST, designed=True,
        )
        return _one(reply, SegmentPreview)
