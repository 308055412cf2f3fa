"""Creates that may have been applied although their answer was lost.

A create (contact, list, segment) that failed ambiguously — a 5xx, a connection lost
mid-answer, a timeout while reading — may have taken effect. Orbit never promises to
honour ``Idempotency-Key``, so it is not simply sent again:

- a list or a segment: look for one with the same name (for a segment, the same rules;
  for a list, the same description when one was given) created at or after the attempt
  (``CLOCK_SLACK`` allows for the server's clock). Found: it is the one we made; it is
  returned. Not found: the create is sent once more, under the same key. When the check
  itself fails, the original error is raised: nobody can tell, the agent must look;
- a contact: sent once more, under the same key; phone and email are unique, so if the
  first attempt did land the repeat answers 409 CONFLICT. Then the contact with that
  email or phone is read back, and returned when it matches what was sent; otherwise
  the conflict is raised (somebody else's contact has that phone or email).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orbit_tui.api import errors as E
from orbit_tui.api.base import CREATE_POST, Reply, new_idempotency_key
from orbit_tui.api.models import Contact, ContactList, Segment

if TYPE_CHECKING:
    from orbit_tui.api.client import OrbitClient

CLOCK_SLACK = 300.0
"""Seconds a server's clock may lag ours when telling "made by this attempt"."""

_SCALARS = ("phone", "email", "first_name", "last_name", "country_code", "lifecycle_stage")


def _made_since(created_at: datetime | None, since: float) -> bool:
    return created_at is not None and created_at.timestamp() >= since - CLOCK_SLACK


async def create_checked(
    client: OrbitClient,
    path: str,
    body: Mapping[str, Any],
    find: Callable[[float], Awaitable[Any | None]],
) -> tuple[Reply | None, Any | None]:
    """POST a list or segment create; after an ambiguous failure, ``find`` it first.

    Returns ``(reply, None)`` for an answer, ``(None, found)`` when the lost attempt did
    take effect and ``find`` found what it made.
    """
    key = new_idempotency_key()
    since = client.wall()
    try:
        return await client.request("POST", path, json=dict(body), post_kind=CREATE_POST,
                                    idempotency_key=key), None
    except (E.ServerError, E.NetworkError) as lost:
        if not lost.maybe_applied:
            raise
        try:
            found = await find(since)
        except E.OrbitError:
            raise lost from None  # cannot tell whether it was made: say what failed
        if found is not None:
            return None, found
        return await client.request("POST", path, json=dict(body), post_kind=CREATE_POST,
                                    idempotency_key=key), None


async def find_list(
    client: OrbitClient, name: str, description: str | None, since: float
) -> ContactList | None:
    async for lst in client.iter_lists():
        if lst.name == name and _made_since(lst.created_at, since) and (
            description is None or lst.description == description
        ):
            return lst
    return None


async def find_segment(
    client: OrbitClient, name: str, rules: Mapping[str, Any], since: float
) -> Segment | None:
    async for segment in client.iter_segments():
        if segment.name == name and segment.rules == dict(rules) and _made_since(
            segment.created_at, since
        ):
            return segment
    return None


def _matches(contact: Contact, body: Mapping[str, Any]) -> bool:
    for name in _SCALARS:
        if name in body and body[name] is not None:
            mine, theirs = body[name], getattr(contact, name)
            if name == "email" and isinstance(mine, str) and isinstance(theirs, str):
                mine, theirs = mine.casefold(), theirs.casefold()
            if mine != theirs:
                return False
    tags = body.get("tags")
    if isinstance(tags, list) and set(tags) - set(contact.tags):
        return False
    return True


async def create_contact_checked(client: OrbitClient, body: Mapping[str, Any]) -> Reply | Contact:
    """POST a contact create; after an ambiguous failure, once more (see module doc)."""
    key = new_idempotency_key()
    try:
        return await client.request("POST", "contacts", json=dict(body), post_kind=CREATE_POST,
                                    idempotency_key=key)
    except (E.ServerError, E.NetworkError) as lost:
        if not lost.maybe_applied:
            raise
    try:
        return await client.request("POST", "contacts", json=dict(body), post_kind=CREATE_POST,
                                    idempotency_key=key)
    except E.ConflictError as conflict:
        for field in ("email", "phone"):
            value = body.get(field)
            if not isinstance(value, str) or not value:
                continue
            page = await client.list_contacts(search=value, limit=20)
            for contact in page.items:
                if _matches(contact, body):
                    return contact
        raise conflict from None
