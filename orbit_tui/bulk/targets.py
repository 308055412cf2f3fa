"""Resolving a Target to a frozen list of contact ids, with what is known about each.

The plan reads every page of the target once (search + filters, a list's members, a
segment's members) and keeps, per contact, the state the operation cares about: tags and
stage from the fetched contacts, and for list operations whether the contact is already a
member (read from the list's own member pages when the list is not too large).
Explicit ids are not fetched: their state is unknown until the run reads it.

Every contact the walk reads is checked, as it comes, against what the target asked for
(:func:`target_check`): the filters of a search target (a server that ignores one sends
everybody), the rules of a segment. One that does not belong stops the planning with a
plain explanation, before any job is written.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import Any

from orbit_tui.api.errors import NotFoundError, UnsupportedError
from orbit_tui.api.filters import mismatch
from orbit_tui.api.models import Contact
from orbit_tui.bulk.model import BulkError, Operation, Plan, Target

PAGE_SIZE = 100
MEMBERSHIP_PAGE_CAP = 200  # read at most 200 pages (20,000 members) of the operation's list


def contact_state(contact: Contact, read_at: float | None = None) -> dict[str, Any]:
    """What an operation cares about of ``contact``, and when it was read (Unix seconds):
    the run trusts a snapshot only while it is young (see :mod:`orbit_tui.bulk.apply`)."""
    state: dict[str, Any] = {
        "tags": list(contact.tags),
        "stage": contact.lifecycle_stage,
        "read_at": time.time() if read_at is None else read_at,
    }
    if contact.unreadable:  # half-read: the plan skips it (bulk/unreadable.py)
        state["unreadable"] = list(contact.unreadable)
    return state


def _search_filters(target: Target) -> dict[str, Any]:
    return {
        "search": target.search,
        "lifecycle_stage": target.stage,
        "country_code": target.country,
        "tags": list(target.tags) or None,
    }


def _target_contacts(client: Any, target: Target) -> AsyncIterator[Contact]:
    """Every contact of the target, page after page (the client's own cursor-following)."""
    if target.kind == "search":
        return client.iter_contacts(**_search_filters(target), page_size=PAGE_SIZE)
    if target.kind == "list":
        return client.iter_members(
            target.list_id, search=target.search, page_size=PAGE_SIZE
        )
    if target.kind == "segment":
        return client.iter_segment_members(
            target.segment_id, search=target.search, page_size=PAGE_SIZE
        )
    raise BulkError(f"Target {target.kind!r} has no pages to read.")  # pragma: no cover


def _not_found(target: Target) -> BulkError:
    what = {"list": f"list {target.list_id}", "segment": f"segment {target.segment_id}"}
    return BulkError(
        f"The {what.get(target.kind, 'target')} was not found on the server; "
        "check the id (orbit-tui lists them on :lists / :segments)."
    )


Check = Callable[[Contact, int], None]


async def target_check(client: Any, target: Target) -> Check:
    """``check(contact, index)``: raise BulkError when the ``index``-th contact the walk
    read does not belong to the target (its page is told from the index).

    Search targets: every filter but the full-text search (see
    :mod:`orbit_tui.api.filters`). Segments: the segment's rules, with the local
    evaluator, when they can be read and parsed here (a rule this client does not know is
    left to the server). Lists: nothing to check but the search, which is not checked.
    """
    if target.kind == "search":
        filters = _search_filters(target)

        def check_filters(contact: Contact, index: int) -> None:
            found = mismatch(filters, contact, index // PAGE_SIZE + 1)
            if found is not None:
                raise BulkError(found.explain())

        return check_filters
    if target.kind == "segment" and target.segment_id:
        matches = await _segment_matcher(client, target.segment_id)
        if matches is not None:
            segment_id = target.segment_id

            def check_rules(contact: Contact, index: int) -> None:
                if not matches(contact):
                    raise BulkError(
                        f"Orbit sent contact {contact.id} on page {index // PAGE_SIZE + 1} as a member "
                        f"of segment {segment_id}, but it does not match the segment's rules. "
                        "Nothing was changed; the server may read the rules differently."
                    )

            return check_rules
    return _no_check


def _no_check(contact: Contact, index: int) -> None:
    return None


async def _segment_matcher(client: Any, segment_id: str) -> Callable[[Contact], bool] | None:
    from orbit_tui.rules import RuleValidationError, matcher

    try:
        segment = await client.get_segment(segment_id)
    except NotFoundError:
        raise BulkError(
            f"The segment {segment_id} was not found on the server; "
            "check the id (orbit-tui lists them on :lists / :segments)."
        ) from None
    except UnsupportedError:
        return None  # the server has no GET /contacts/segments/{id}: its rules stay unknown
    try:
        match: Callable[[Contact], bool] = matcher(segment.rules)
    except (RuleValidationError, ValueError, TypeError):
        return None
    return match


async def list_membership(client: Any, list_id: str) -> set[str] | None:
    """The ids of a list's members, or None when the list is too large to read whole.

    Raises BulkError when the list does not exist.
    """
    members: set[str] = set()
    try:
        async with aclosing(client.iter_members(list_id, page_size=PAGE_SIZE)) as pages:
            async for contact in pages:
                if len(members) >= MEMBERSHIP_PAGE_CAP * PAGE_SIZE:
                    return None
                members.add(contact.id)
    except NotFoundError:
        raise BulkError(
            f"List {list_id} was not found on the server; check the id (:lists shows them)."
        ) from None
    return members


def will_change(op: Operation, state: Mapping[str, Any] | None) -> bool | None:
    """True/False when the known state says whether ``op`` changes it, None if unknown."""
    if state is None:
        return None
    if op.kind == "tags":
        if "tags" not in state:
            return None
        tags = set(state["tags"] or ())
        return any(t not in tags for t in op.add_tags) or any(t in tags for t in op.remove_tags)
    if op.kind == "stage":
        if "stage" not in state:
            return None
        if op.guard_stage and state["stage"] != op.expect_stage:
            return False
        return state["stage"] != op.stage
    member = state.get("member")
    if member is None:
        return None
    return (not member) if op.kind == "list_add" else bool(member)


async def build_plan(
    client: Any,
    target: Target,
    op: Operation,
    *,
    known: Mapping[str, Contact] | None = None,
    on_count: Callable[[int], Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> Plan:
    """Resolve ``target`` and count what ``op`` will change (see the module docstring).

    ``on_count(n)`` is called as contacts are read (every 100), for a "reading…" display;
    ``clock`` stamps each snapshot's ``read_at``.
    """
    op.validate()
    ids: list[str] = []
    before: dict[str, dict[str, Any]] = {}
    if target.kind == "ids":
        ids = list(dict.fromkeys(target.ids))
        for cid in ids:
            if known and cid in known:
                # As old as the screen's page they came on, which is unknown: the run
                # reads them again before sending (read_at 0 is never young).
                before[cid] = contact_state(known[cid], 0.0)
    else:
        check = await target_check(client, target)
        read = 0
        try:
            async for contact in _target_contacts(client, target):
                check(contact, read)
                read += 1
                if contact.id in before:
                    continue  # a page boundary moved under us: never take a contact twice
                ids.append(contact.id)
                before[contact.id] = contact_state(contact, clock())
                if on_count is not None and len(ids) % PAGE_SIZE == 0:
                    on_count(len(ids))
        except NotFoundError:
            raise _not_found(target) from None

    notes: list[str] = []
    if op.kind in ("list_add", "list_remove"):
        assert op.list_id is not None
        if target.kind == "list" and target.list_id == op.list_id:
            members: set[str] | None = set(ids)
        else:
            members = await list_membership(client, op.list_id)
        if members is None:
            notes.append("The list is large: membership was not read, so the preview cannot tell who already matches.")
        for cid in ids:
            state = before.setdefault(cid, {})
            state["member"] = None if members is None else cid in members

    plan = Plan(target=target, op=op, contact_ids=ids, before=before, notes=notes)
    for cid in ids:
        verdict = will_change(op, before.get(cid))
        if verdict is None:
            plan.unknown += 1
        elif verdict:
            plan.will_change += 1
        else:
            plan.already_match += 1
    return plan
