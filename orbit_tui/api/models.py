"""Pydantic models for the Orbit Contacts API.

These are the shapes at the HTTP edge, shared by the client (which parses server
answers into them) and the sandbox (which builds its answers from them).

Every model accepts unknown fields (a newer server must not break the app) and
tolerates missing or null optional ones: a server that sends ``"tags": null`` or
leaves ``metadata`` out still yields a usable model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CHANNELS: tuple[str, ...] = ("sms", "whatsapp", "email", "rcs", "viber", "voice")
"""Every messaging channel the contract names, in display order."""

COMMON_STAGES: tuple[str, ...] = ("subscriber", "lead", "customer", "churned")
"""Lifecycle stages the contract calls common; the field itself is free text."""

ACTIVITY_TYPES: tuple[str, ...] = (
    "message.sent",
    "message.delivered",
    "message.opened",
    "message.failed",
    "message.received",
    "agent.note",
    "agent.call",
)


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_to_empty_dict(value: Any) -> Any:
    return {} if value is None else value


def _none_to_empty_str(value: Any) -> Any:
    return "" if value is None else value


def lenient_datetime(value: Any) -> Any:
    """Accept what pydantic can parse; an unparseable timestamp becomes ``None``.

    A timestamp is shown, never computed with, so a server sending an odd format
    must not make a whole page unreadable.
    """
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            from datetime import timezone

            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return None


class OrbitModel(BaseModel):
    """Base for every API model: unknown fields are kept, never rejected."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Contact(OrbitModel):
    id: str
    phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    country_code: str | None = None
    lifecycle_stage: str | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    preferences: dict[str, bool | None] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Present only on answers of GET /contacts/optouts.
    opted_out_channels: list[str] | None = None
    # Set by the client, never sent by Orbit: the fields of this contact whose values
    # could not be read (see :func:`lenient_contact`). What is here is what could be.
    unreadable: tuple[str, ...] = ()

    _tags = field_validator("tags", mode="before")(_none_to_empty_list)
    _dicts = field_validator("metadata", "preferences", mode="before")(_none_to_empty_dict)
    _times = field_validator("created_at", "updated_at", mode="before")(lenient_datetime)

    @property
    def display_name(self) -> str:
        """The name to show: first and last name, else email, else phone, else id."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email or self.phone or self.id


def lenient_contact(raw: Any) -> Contact | None:
    """A contact from a page item even when some of its values are odd.

    ``tags: ["a", 1]``, ``preferences: {"sms": "opted_out"}``, ``metadata: [...]``: the
    values that cannot be read are left out (a bad list element or map entry alone when
    the rest can be read), and their field names go into ``unreadable``. A numeric id is
    shown as text but marked unreadable too (no change is made through it). None when the
    item has no id at all: there is nothing to show or act on.
    """
    if not isinstance(raw, dict):
        return None
    ident = raw.get("id")
    bad: set[str] = set()
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
        bad.add("id")
    if not isinstance(ident, str) or not ident.strip():
        return None
    kept = {k: v for k, v in raw.items() if k != "unreadable"}
    kept["id"] = ident
    try:
        contact = Contact.model_validate(kept)
        return contact.model_copy(update={"unreadable": tuple(sorted(bad))}) if bad else contact
    except ValidationError as exc:
        errors = exc.errors()
    drop_items: dict[str, set[Any]] = {}
    for error in errors:
        loc = error.get("loc") or ()
        if not loc:
            continue
        name = str(loc[0])
        bad.add(name)
        value = kept.get(name)
        if len(loc) >= 2 and isinstance(value, (list, dict)):
            drop_items.setdefault(name, set()).add(loc[1])
        else:
            drop_items[name] = set()  # the whole field
    for name, parts in drop_items.items():
        value = kept.get(name)
        if parts and isinstance(value, list):
            kept[name] = [v for i, v in enumerate(value) if i not in parts]
        elif parts and isinstance(value, dict):
            kept[name] = {k: v for k, v in value.items() if k not in parts}
        else:
            kept.pop(name, None)
    try:
        contact = Contact.model_validate(kept)
    except ValidationError:
        try:  # what is left still does not read: keep only the id
            contact = Contact.model_validate({"id": ident})
        except ValidationError:
            return None
        bad |= {k for k in raw if k not in ("id", "unreadable")}
    return contact.model_copy(update={"unreadable": tuple(sorted(bad))})


class ContactInput(OrbitModel):
    """Fields a client may send to create (POST) or update (PUT) a contact.

    Serialise with ``model_dump(exclude_unset=True)`` so only what was given is sent.
    """

    phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    country_code: str | None = None
    lifecycle_stage: str | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None


class ContactList(OrbitModel):
    id: str
    name: str = ""
    description: str | None = None
    member_count: int = 0
    created_at: datetime | None = None

    _count = field_validator("member_count", mode="before")(lambda v: 0 if v is None else v)
    _name = field_validator("name", mode="before")(_none_to_empty_str)
    _times = field_validator("created_at", mode="before")(lenient_datetime)


class Segment(OrbitModel):
    id: str
    name: str = ""
    rules: dict[str, Any] = Field(default_factory=dict)
    contact_count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    _rules = field_validator("rules", mode="before")(_none_to_empty_dict)
    _name = field_validator("name", mode="before")(_none_to_empty_str)
    _times = field_validator("created_at", "updated_at", mode="before")(lenient_datetime)


class ActivityItem(OrbitModel):
    type: str = "unknown"
    channel: str | None = None
    message_id: str | None = None
    timestamp: datetime | None = None
    summary: str | None = None

    _type = field_validator("type", mode="before")(lambda v: "unknown" if v is None else v)
    _times = field_validator("timestamp", mode="before")(lenient_datetime)


class ContactTags(OrbitModel):
    """Answer of POST /contacts/{id}/tags and DELETE /contacts/{id}/tags/{tag}."""

    id: str
    tags: list[str] = Field(default_factory=list)

    _tags = field_validator("tags", mode="before")(_none_to_empty_list)


class ContactPreferences(OrbitModel):
    """Answer of PUT /contacts/{id}/preferences."""

    id: str
    preferences: dict[str, bool | None] = Field(default_factory=dict)

    _prefs = field_validator("preferences", mode="before")(_none_to_empty_dict)


class MembershipResult(OrbitModel):
    """Answer of POST /contacts/lists/{id}/members."""

    added: list[str] = Field(default_factory=list)
    already_member: list[str] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list)

    _lists = field_validator("added", "already_member", "not_found", mode="before")(
        _none_to_empty_list
    )


class SegmentPreview(OrbitModel):
    """Answer of POST /contacts/segments/preview."""

    contact_count: int = 0
    sample: list[Contact] = Field(default_factory=list)

    _sample = field_validator("sample", mode="before")(_none_to_empty_list)


class Pagination(OrbitModel):
    cursor: str | None = None
    has_more: bool = False
    total: int | None = None


class Meta(OrbitModel):
    request_id: str | None = None
    timestamp: str | None = None
    pagination: Pagination | None = None


class ErrorBody(OrbitModel):
    """The ``error`` object of the contract's error envelope."""

    code: str = "UNKNOWN"
    message: str = ""
    status: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    _details = field_validator("details", mode="before")(
        lambda v: {} if v is None else (v if isinstance(v, dict) else {"value": v})
    )


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list endpoint, with what is needed to fetch the next."""

    items: list[T] = Field(default_factory=list)
    cursor: str | None = None
    has_more: bool = False
    total: int | None = None
    request_id: str | None = None
    unreadable: int = 0
    """Items of the page left out because not even their id could be read."""
