"""The route table: every endpoint of the contract, its handler and its OpenAPI facts.

Order matters: ``/contacts/optouts``, ``/contacts/lists…`` and ``/contacts/segments…``
come before ``/contacts/{contact_id}``, and every path accepts every method (the
dispatcher answers 405 itself), so ``PUT /contacts/lists`` is never taken for a
contact whose id is ``lists``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from . import contacts as C
from . import groups as G
from . import segment_counts
from .activity import activity_page
from .envelope import ApiError, not_found, validation
from .store import CONTACT_JSON, OPTOUT_JSON, Store
from .validation import (check_preferences, check_tags, check_text, clean_contact, query_bool,
                         query_channel, query_datetime, query_limit)


@dataclass
class Ctx:
    request: Request | None
    store: Store
    path: dict[str, str]
    query: QueryParams
    body: Any
    hostile: bool = False
    ignored_filters: frozenset[str] = frozenset()  # the ``ignore_filters`` fault

    def obj(self) -> dict[str, Any]:
        """The JSON body, which must be an object."""
        if not isinstance(self.body, dict):
            raise ApiError(422 if self.body is not None else 400, "VALIDATION_ERROR",
                           "the body must be a JSON object", {"field": "body", "expected": "object"})
        return self.body


@dataclass
class Reply:
    data: Any = None
    status: int = 200
    pagination: dict[str, Any] | None = None


@dataclass
class RouteSpec:
    method: str
    path: str
    handler: Callable[[Ctx], Reply]
    summary: str
    query: tuple[str, ...] = ()
    body: str | None = None  # name of the request schema in openapi.py
    response: str | None = None  # name of the response schema ("Contact", "ContactPage", …)
    status: int = 200
    errors: tuple[int, ...] = (400, 401, 429)
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)


def _page(result: C.PageResult) -> Reply:
    return Reply(result.items, pagination=result.pagination())


def _filters(query: QueryParams, ignored: frozenset[str] = frozenset()) -> C.ContactFilters:
    if ignored:
        query = QueryParams([(k, v) for k, v in query.multi_items() if k not in ignored])
    raw_tags = query.get("tags") or ""
    tags = tuple(dict.fromkeys(t.strip() for t in raw_tags.split(",") if t.strip()))
    return C.ContactFilters(
        search=query.get("search"), lifecycle_stage=query.get("lifecycle_stage") or None,
        country_code=query.get("country_code") or None, tags=tags,
        has_phone=query_bool(query, "has_phone"), has_email=query_bool(query, "has_email"),
        created_after=query_datetime(query, "created_after"), created_before=query_datetime(query, "created_before"),
    )


# ---- contacts -----------------------------------------------------------------------

def list_contacts(ctx: Ctx) -> Reply:
    filters = _filters(ctx.query, ctx.ignored_filters)
    limit = query_limit(ctx.query)
    with ctx.store.read() as conn:
        return _page(C.page_contacts(conn, filters.where(), kind="contacts", params=filters.as_params(),
                                     limit=limit, cursor=ctx.query.get("cursor"), totals=ctx.store.totals,
                                     as_json=CONTACT_JSON))


def create_contact(ctx: Ctx) -> Reply:
    fields = clean_contact(ctx.obj(), partial=False)
    return Reply(C.create_contact(ctx.store, fields), status=201)


def get_contact(ctx: Ctx) -> Reply:
    with ctx.store.read() as conn:
        return Reply(C.get_contact(conn, ctx.path["contact_id"]))


def update_contact(ctx: Ctx) -> Reply:
    fields = clean_contact(ctx.obj(), partial=True)
    return Reply(C.update_contact(ctx.store, ctx.path["contact_id"], fields))


def delete_contact(ctx: Ctx) -> Reply:
    C.delete_contact(ctx.store, ctx.path["contact_id"])
    return Reply(status=204)


def add_tags(ctx: Ctx) -> Reply:
    body = ctx.obj()
    if "tags" not in body:
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "tags is required", {"field": "tags"})
    tags = check_tags(body["tags"])
    if not tags:
        raise validation("tags", "give at least one tag")
    return Reply(C.add_tags_to(ctx.store, ctx.path["contact_id"], tags))


def remove_tag(ctx: Ctx) -> Reply:
    tag = ctx.path["tag"]
    if not tag:
        raise validation("tag", "a tag must be non-empty", status=400)
    return Reply(C.remove_tag_from(ctx.store, ctx.path["contact_id"], tag))


def contact_activity(ctx: Ctx) -> Reply:
    contact_id = ctx.path["contact_id"]
    limit = query_limit(ctx.query)
    channel = query_channel(ctx.query)
    with ctx.store.read() as conn:
        row = conn.execute("SELECT activity_seed, created_at FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    if row is None:
        raise not_found("Contact", contact_id)
    items, cursor, has_more, total = activity_page(
        row[0], contact_id=contact_id, hostile=ctx.hostile, channel=channel, kind=ctx.query.get("type") or None,
        limit=limit, cursor=ctx.query.get("cursor"), created_at=row[1])
    return Reply(items, pagination={"cursor": cursor, "has_more": has_more, "total": total})


def set_preferences(ctx: Ctx) -> Reply:
    body = ctx.obj()
    if "preferences" not in body:
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "preferences is required", {"field": "preferences"})
    prefs = check_preferences(body["preferences"])
    return Reply(C.set_preferences(ctx.store, ctx.path["contact_id"], prefs))


def list_optouts(ctx: Ctx) -> Reply:
    channel = query_channel(ctx.query)
    search = ctx.query.get("search")
    limit = query_limit(ctx.query)
    where = C.optouts_where(channel)
    C.add_search(where, search)
    with ctx.store.read() as conn:
        return _page(C.page_contacts(conn, where, kind="optouts", params={"channel": channel, "search": search},
                                     limit=limit, cursor=ctx.query.get("cursor"), totals=ctx.store.totals,
                                     as_json=OPTOUT_JSON))


def contact_lists(ctx: Ctx) -> Reply:
    return _page(G.list_lists(ctx.store, limit=query_limit(ctx.query, 100), cursor=ctx.query.get("cursor"),
                              contact_id=ctx.path["contact_id"]))


# ---- lists --------------------------------------------------------------------------

def _name(body: dict[str, Any], required: bool) -> str | None:
    if "name" not in body:
        if required:
            raise ApiError(422, "MISSING_REQUIRED_FIELD", "name is required", {"field": "name"})
        return None
    name = body["name"]
    if not isinstance(name, str) or not name.strip():
        raise validation("name", "name must be a non-empty string")
    if len(name) > 200:
        raise validation("name", "name is at most 200 characters", max_length=200)
    return name.strip()


def list_lists(ctx: Ctx) -> Reply:
    return _page(G.list_lists(ctx.store, limit=query_limit(ctx.query, 100), cursor=ctx.query.get("cursor")))


def create_list(ctx: Ctx) -> Reply:
    body = ctx.obj()
    name = _name(body, required=True)
    description = check_text(body.get("description"), "description")
    return Reply(G.create_list(ctx.store, name or "", description), status=201)


def update_list(ctx: Ctx) -> Reply:
    body = ctx.obj()
    fields: dict[str, Any] = {}
    name = _name(body, required=False)
    if name is not None:
        fields["name"] = name
    if "description" in body:
        fields["description"] = check_text(body["description"], "description")
    return Reply(G.update_list(ctx.store, ctx.path["list_id"], fields))


def delete_list(ctx: Ctx) -> Reply:
    G.delete_list(ctx.store, ctx.path["list_id"])
    return Reply(status=204)


def list_members(ctx: Ctx) -> Reply:
    search = ctx.query.get("search")
    limit = query_limit(ctx.query)
    list_id = ctx.path["list_id"]
    with ctx.store.read() as conn:
        where = G.list_member_where(conn, list_id)
        C.add_search(where, search)
        return _page(C.page_contacts(conn, where, kind="members", params={"list": list_id, "search": search},
                                     limit=limit, cursor=ctx.query.get("cursor"), totals=ctx.store.totals,
                                     as_json=CONTACT_JSON))


def add_members(ctx: Ctx) -> Reply:
    body = ctx.obj()
    ids = body.get("contact_ids")
    if ids is None:
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "contact_ids is required", {"field": "contact_ids"})
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise validation("contact_ids", "contact_ids must be a list of contact ids", expected="array of strings")
    if not 1 <= len(ids) <= 100:
        raise validation("contact_ids", "give 1 to 100 contact ids", min_items=1, max_items=100)
    return Reply(G.add_members(ctx.store, ctx.path["list_id"], ids))


def remove_member(ctx: Ctx) -> Reply:
    G.remove_member(ctx.store, ctx.path["list_id"], ctx.path["contact_id"])
    return Reply(status=204)


# ---- segments -----------------------------------------------------------------------

def list_segments(ctx: Ctx) -> Reply:
    return _page(G.list_segments(ctx.store, limit=query_limit(ctx.query, 100), cursor=ctx.query.get("cursor")))


def create_segment(ctx: Ctx) -> Reply:
    body = ctx.obj()
    name = _name(body, required=True)
    if "rules" not in body:
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "rules is required", {"field": "rules"})
    rules = G.check_rules(body["rules"])
    return Reply(G.create_segment(ctx.store, name or "", rules), status=201)


def get_segment(ctx: Ctx) -> Reply:
    return Reply(G.get_segment(ctx.store, ctx.path["segment_id"]))


def update_segment(ctx: Ctx) -> Reply:
    body = ctx.obj()
    fields: dict[str, Any] = {}
    name = _name(body, required=False)
    if name is not None:
        fields["name"] = name
    if "rules" in body:
        fields["rules"] = G.check_rules(body["rules"])
    return Reply(G.update_segment(ctx.store, ctx.path["segment_id"], fields))


def delete_segment(ctx: Ctx) -> Reply:
    G.delete_segment(ctx.store, ctx.path["segment_id"])
    return Reply(status=204)


def segment_members(ctx: Ctx) -> Reply:
    search = ctx.query.get("search")
    limit = query_limit(ctx.query)
    segment_id = ctx.path["segment_id"]
    with ctx.store.read() as conn:
        seq, rules = G.segment_rules(conn, segment_id)
        where = G.rules_where(rules)
        C.add_search(where, search)
        # the hash includes the rules, so a cursor dies when the segment's rules change
        params = {"segment": segment_id, "rules": repr(sorted(rules.items(), key=str)), "search": search}
        known = segment_counts.current(conn, seq, rules) if search is None or not search.strip() else None
        return _page(C.page_contacts(conn, where, kind="segment", params=params, limit=limit,
                                     cursor=ctx.query.get("cursor"), totals=ctx.store.totals,
                                     as_json=CONTACT_JSON, known_total=known))


def preview_segment(ctx: Ctx) -> Reply:
    body = ctx.obj()
    if "rules" not in body:
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "rules is required", {"field": "rules"})
    return Reply(G.preview(ctx.store, G.check_rules(body["rules"])))


def openapi_document(ctx: Ctx | None) -> Reply:
    from .openapi import document

    return Reply(document())


_LIST_Q = ("limit", "cursor")
_CONTACT_Q = ("search", "lifecycle_stage", "country_code", "tags", "has_phone", "has_email",
              "created_after", "created_before", "limit", "cursor")
_NF = (400, 401, 404, 429)
_NF_BODY = (400, 401, 404, 409, 422, 429)

ROUTES: list[RouteSpec] = [
    RouteSpec("GET", "/openapi.json", openapi_document, "This OpenAPI document", public=True, errors=()),
    RouteSpec("GET", "/contacts", list_contacts, "List and search contacts", _CONTACT_Q, response="ContactPage"),
    RouteSpec("POST", "/contacts", create_contact, "Create a contact", body="ContactInput", response="Contact",
              status=201, errors=(400, 401, 409, 413, 422, 429)),
    RouteSpec("GET", "/contacts/optouts", list_optouts, "Contacts opted out of a channel",
              ("channel", "search", "limit", "cursor"), response="OptoutPage"),
    RouteSpec("GET", "/contacts/lists", list_lists, "All lists", _LIST_Q, response="ListPage"),
    RouteSpec("POST", "/contacts/lists", create_list, "Create a list", body="ListInput", response="List",
              status=201, errors=(400, 401, 422, 429)),
    RouteSpec("PUT", "/contacts/lists/{list_id}", update_list, "Rename or describe a list", body="ListUpdate",
              response="List", errors=_NF_BODY),
    RouteSpec("DELETE", "/contacts/lists/{list_id}", delete_list, "Delete a list (contacts are kept)",
              status=204, errors=_NF),
    RouteSpec("GET", "/contacts/lists/{list_id}/members", list_members, "Contacts in a list",
              ("search", "limit", "cursor"), response="ContactPage", errors=_NF),
    RouteSpec("POST", "/contacts/lists/{list_id}/members", add_members, "Add contacts to a list",
              body="MembersInput", response="MembershipResult", errors=_NF_BODY),
    RouteSpec("DELETE", "/contacts/lists/{list_id}/members/{contact_id}", remove_member,
              "Remove a contact from a list", status=204, errors=_NF),
    RouteSpec("GET", "/contacts/segments", list_segments, "All segments", _LIST_Q, response="SegmentPage"),
    RouteSpec("POST", "/contacts/segments", create_segment, "Create a segment", body="SegmentInput",
              response="Segment", status=201, errors=(400, 401, 422, 429)),
    RouteSpec("POST", "/contacts/segments/preview", preview_segment, "Count and sample a rule set",
              body="PreviewInput", response="SegmentPreview", errors=(400, 401, 422, 429)),
    RouteSpec("GET", "/contacts/segments/{segment_id}", get_segment, "One segment", response="Segment", errors=_NF),
    RouteSpec("PUT", "/contacts/segments/{segment_id}", update_segment, "Change a segment's name or rules",
              body="SegmentUpdate", response="Segment", errors=_NF_BODY),
    RouteSpec("DELETE", "/contacts/segments/{segment_id}", delete_segment, "Delete a segment", status=204,
              errors=_NF),
    RouteSpec("GET", "/contacts/segments/{segment_id}/members", segment_members, "Contacts matching a segment now",
              ("search", "limit", "cursor"), response="ContactPage", errors=_NF),
    RouteSpec("GET", "/contacts/{contact_id}", get_contact, "One contact", response="Contact", errors=_NF),
    RouteSpec("PUT", "/contacts/{contact_id}", update_contact, "Update a contact (metadata merged)",
              body="ContactInput", response="Contact", errors=_NF_BODY),
    RouteSpec("DELETE", "/contacts/{contact_id}", delete_contact, "Delete a contact and its memberships",
              status=204, errors=_NF),
    RouteSpec("POST", "/contacts/{contact_id}/tags", add_tags, "Add tags", body="TagsInput",
              response="ContactTags", errors=_NF_BODY),
    RouteSpec("DELETE", "/contacts/{contact_id}/tags/{tag:path}", remove_tag, "Remove one tag",
              response="ContactTags", errors=_NF),
    RouteSpec("GET", "/contacts/{contact_id}/activity", contact_activity, "A contact's timeline, newest first",
              ("channel", "type", "limit", "cursor"), response="ActivityPage", errors=_NF),
    RouteSpec("PUT", "/contacts/{contact_id}/preferences", set_preferences, "Merge channel preferences",
              body="PreferencesInput", response="ContactPreferences", errors=_NF_BODY),
    RouteSpec("GET", "/contacts/{contact_id}/lists", contact_lists, "The lists a contact belongs to", _LIST_Q,
              response="ListPage", errors=_NF),
]
