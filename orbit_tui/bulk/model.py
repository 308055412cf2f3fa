"""The value objects of the bulk engine: what to change (Operation), on whom (Target),
what the preview found (Plan), and how a job is doing (Progress, JobInfo).

Everything here is plain data that round-trips through JSON, because the journal stores
it and a resumed job must rebuild exactly what was planned.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from orbit_tui.api.paths import unsafe

OpKind = Literal["tags", "list_add", "list_remove", "stage"]
TargetKind = Literal["ids", "search", "list", "segment"]

# Item states in the journal.
PENDING = "pending"
IN_FLIGHT = "in_flight"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
ITEM_STATES: tuple[str, ...] = (PENDING, IN_FLIGHT, DONE, FAILED, SKIPPED)

# Job states in the journal.
JOB_PLANNED = "planned"  # written, not started yet
JOB_RUNNING = "running"  # a process is (or was, if it died) working on it
JOB_CANCELLED = "cancelled"  # stopped on request; pending items remain, resumable
JOB_STOPPED = "stopped"  # stopped by a fatal error (auth, offline); resumable
JOB_COMPLETED = "completed"  # no pending item left (some may have failed)
JOB_STATES: tuple[str, ...] = (JOB_PLANNED, JOB_RUNNING, JOB_CANCELLED, JOB_STOPPED, JOB_COMPLETED)


class BulkError(Exception):
    """A bulk job cannot be planned, started or resumed; the message says why and what to do."""


class ConfirmationRequired(BulkError):
    """The profile uses a LIVE key and the caller did not pass ``confirm=True``."""


class ReadOnlyProfile(BulkError):
    """The profile is read-only: bulk jobs change contacts and are refused."""


def _clean_tags(tags: Any) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags or ():
        text = str(tag).strip()
        if not text:
            raise BulkError("A tag cannot be empty.")
        if unsafe(text):
            raise BulkError(f"A tag cannot be {text!r}: it would change which address the "
                            "request goes to (a tag '..' would delete the contact itself).")
        if text not in out:
            out.append(text)
    return tuple(out)


@dataclass(frozen=True)
class Operation:
    """One change applied to every item of a job.

    ``kind`` is one of:

    - ``tags``: add ``add_tags`` and remove ``remove_tags`` (both allowed in one job);
    - ``list_add`` / ``list_remove``: membership of list ``list_id``;
    - ``stage``: set ``lifecycle_stage`` to ``stage``. With ``guard_stage`` the item is only
      changed when the contact's current stage equals ``expect_stage`` (undo uses this so it
      never overwrites a stage somebody else set since); ``stage`` may then be ``None``
      (the contact had no stage before).
    """

    kind: OpKind
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    list_id: str | None = None
    stage: str | None = None
    guard_stage: bool = False
    expect_stage: str | None = None

    # -- constructors ---------------------------------------------------------------
    @classmethod
    def tags(cls, add: Any = (), remove: Any = ()) -> Operation:
        op = cls(kind="tags", add_tags=_clean_tags(add), remove_tags=_clean_tags(remove))
        op.validate()
        return op

    @classmethod
    def list_add(cls, list_id: str) -> Operation:
        op = cls(kind="list_add", list_id=list_id)
        op.validate()
        return op

    @classmethod
    def list_remove(cls, list_id: str) -> Operation:
        op = cls(kind="list_remove", list_id=list_id)
        op.validate()
        return op

    @classmethod
    def set_stage(cls, stage: str) -> Operation:
        op = cls(kind="stage", stage=(stage or "").strip())
        op.validate()
        return op

    @classmethod
    def parse_tag_edit(cls, text: str) -> Operation:
        """``+vip -trial gold "+big deal"`` → add vip, gold, "big deal"; remove trial.

        The syntax of the tag editor and of ``:tag``: tokens separated by spaces or
        commas, ``+`` adds (also a bare tag), ``-`` removes, quotes keep spaces.
        """
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace = " \t\n,"
        lexer.whitespace_split = True
        lexer.commenters = ""
        try:
            tokens = list(lexer)
        except ValueError as exc:
            raise BulkError(f"Cannot read the tags: {exc}.") from None
        add: list[str] = []
        remove: list[str] = []
        for token in tokens:
            if token.startswith("-"):
                remove.append(token[1:])
            else:
                add.append(token[1:] if token.startswith("+") else token)
        return cls.tags(add=add, remove=remove)

    def validate(self) -> None:
        if self.kind == "tags":
            if not self.add_tags and not self.remove_tags:
                raise BulkError("Say which tags to add (--add) and/or remove (--remove).")
            both = set(self.add_tags) & set(self.remove_tags)
            if both:
                raise BulkError(f"A tag cannot be both added and removed: {', '.join(sorted(both))}.")
        elif self.kind in ("list_add", "list_remove"):
            if not self.list_id:
                raise BulkError("A list operation needs a list id.")
            if unsafe(self.list_id):
                raise BulkError(f"A list id cannot be {self.list_id!r}.")
        elif self.kind == "stage":
            if not self.guard_stage and not self.stage:
                raise BulkError("Say which lifecycle stage to set (--set).")
        else:
            raise BulkError(f"Unknown bulk operation {self.kind!r}.")

    def describe(self) -> str:
        if self.kind == "tags":
            bits = [f"+{t}" for t in self.add_tags] + [f"-{t}" for t in self.remove_tags]
            return "tags " + " ".join(bits)
        if self.kind == "list_add":
            return f"add to list {self.list_id}"
        if self.kind == "list_remove":
            return f"remove from list {self.list_id}"
        if self.guard_stage:
            return f"restore stage to {self.stage or '(none)'}"
        return f"set stage to {self.stage}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["add_tags"] = list(self.add_tags)
        data["remove_tags"] = list(self.remove_tags)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        return cls(
            kind=data["kind"],
            add_tags=tuple(data.get("add_tags") or ()),
            remove_tags=tuple(data.get("remove_tags") or ()),
            list_id=data.get("list_id"),
            stage=data.get("stage"),
            guard_stage=bool(data.get("guard_stage")),
            expect_stage=data.get("expect_stage"),
        )


@dataclass(frozen=True)
class Target:
    """Who a job applies to. Resolved to a frozen list of contact ids at plan time."""

    kind: TargetKind
    ids: tuple[str, ...] = ()
    search: str | None = None
    stage: str | None = None
    country: str | None = None
    tags: tuple[str, ...] = ()
    list_id: str | None = None
    segment_id: str | None = None
    label: str | None = None  # free description (e.g. "undo of job …")

    @classmethod
    def explicit(cls, ids: Any, label: str | None = None) -> Target:
        seen: dict[str, None] = {}
        for raw in ids:
            text = str(raw).strip()
            if text in (".", ".."):
                raise BulkError(f"A contact id cannot be {text!r}: it would change which "
                                "address the request goes to. Nothing was changed.")
            if text:
                seen.setdefault(text, None)
        return cls(kind="ids", ids=tuple(seen), label=label)

    @classmethod
    def matching(
        cls,
        *,
        search: str | None = None,
        stage: str | None = None,
        country: str | None = None,
        tags: Any = (),
    ) -> Target:
        return cls(
            kind="search",
            search=search or None,
            stage=stage or None,
            country=(country or None) and country.upper(),
            tags=tuple(t for t in (tags or ()) if t),
        )

    @classmethod
    def list_members(cls, list_id: str, search: str | None = None) -> Target:
        return cls(kind="list", list_id=list_id, search=search or None)

    @classmethod
    def segment_members(cls, segment_id: str, search: str | None = None) -> Target:
        return cls(kind="segment", segment_id=segment_id, search=search or None)

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.kind == "ids":
            return f"{len(self.ids)} chosen contact{'s' if len(self.ids) != 1 else ''}"
        if self.kind == "list":
            text = f"members of list {self.list_id}"
        elif self.kind == "segment":
            text = f"members of segment {self.segment_id}"
        else:
            filters = []
            if self.stage:
                filters.append(f"stage = {self.stage}")
            if self.country:
                filters.append(f"country = {self.country}")
            for tag in self.tags:
                filters.append(f"tag {tag}")
            text = "contacts" + (" where " + " · ".join(filters) if filters else " (all)")
        if self.search:
            text += f" matching {self.search!r}"
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ids"] = list(self.ids) if self.kind == "ids" and len(self.ids) <= 50 else []
        data["id_count"] = len(self.ids)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        return cls(
            kind=data["kind"],
            ids=tuple(data.get("ids") or ()),
            search=data.get("search"),
            stage=data.get("stage"),
            country=data.get("country"),
            tags=tuple(data.get("tags") or ()),
            list_id=data.get("list_id"),
            segment_id=data.get("segment_id"),
            label=data.get("label"),
        )


@dataclass
class Plan:
    """The preview of a job: who, what, and what is known to change.

    ``before`` maps a contact id to what was known about it when the target was resolved
    (``{"tags": [...], "stage": ...}`` from fetched contacts, ``{"member": bool}`` when the
    list membership could be read). ``will_change`` / ``already_match`` count the contacts
    whose state is known; ``unknown`` those whose state is not (explicit ids not fetched).
    ``item_ops`` carries per-contact operations (undo jobs) overriding ``op``.
    """

    target: Target
    op: Operation
    contact_ids: list[str]
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    will_change: int = 0
    already_match: int = 0
    unknown: int = 0
    item_ops: dict[str, Operation] = field(default_factory=dict)
    parent_job: str | None = None
    purpose: str = "run"  # "run" | "undo"
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Contacts of the target left out of the job, with why (values that could not be read)."""

    @property
    def total(self) -> int:
        return len(self.contact_ids)

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "operation": self.op.describe() if not self.item_ops else f"undo of job {self.parent_job}",
            "target": self.target.describe(),
            "total": self.total,
            "will_change": self.will_change,
            "already_match": self.already_match,
            "unknown": self.unknown,
        }
        if self.skipped:
            data["skipped"] = [{"contact_id": cid, "reason": why} for cid, why in self.skipped.items()]
        return data


@dataclass(frozen=True)
class ItemFailure:
    contact_id: str
    code: str
    message: str
    status: int | None = None
    request_id: str | None = None


@dataclass
class Counts:
    total: int = 0
    pending: int = 0
    in_flight: int = 0
    done: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def remaining(self) -> int:
        return self.pending + self.in_flight

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def to_json(self) -> dict[str, int]:
        data = asdict(self)
        data["remaining"] = self.remaining
        return data


@dataclass
class Progress:
    """What a progress bar or screen needs, sent after every finished item."""

    job_id: str
    state: str
    counts: Counts
    rate: float  # items finished per second, over the last few seconds
    eta_seconds: float | None
    elapsed: float
    latest_failures: list[ItemFailure] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.counts.finished / self.counts.total if self.counts.total else 1.0


@dataclass
class JobInfo:
    """One row of the journal's job list, with its item counts."""

    id: str
    created: str
    updated: str
    op: Operation
    target: Target
    description: str
    state: str
    counts: Counts
    base_url: str
    parent_job: str | None = None
    purpose: str = "run"
    undone_by: str | None = None
    error: str | None = None
    runner_pid: int | None = None
    runner_host: str | None = None
    account: str | None = None
    """The fingerprint of the key that made the job (None: made before accounts)."""

    @property
    def resumable(self) -> bool:
        return self.state != JOB_COMPLETED and self.counts.remaining > 0

    def outcome(self) -> str:
        c = self.counts
        text = (
            f"{self.state} · {c.changed} changed · {c.unchanged} unchanged · "
            f"{c.failed} failed"
        )
        if c.skipped:
            text += f" · {c.skipped} skipped"
        if c.remaining:
            text += f" · {c.remaining} remaining"
        if self.undone_by:
            text += f" · undone by {self.undone_by}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "updated": self.updated,
            "operation": self.op.describe(),
            "target": self.description,
            "state": self.state,
            "purpose": self.purpose,
            "parent_job": self.parent_job,
            "undone_by": self.undone_by,
            "error": self.error,
            **self.counts.to_json(),
        }


def tag_counts(tag_lists: Iterable[Iterable[str]]) -> list[tuple[str, int]]:
    """How many of the given contacts carry each tag, most common first (then by name)."""
    counts: Counter[str] = Counter()
    for tags in tag_lists:
        counts.update(set(tags))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
