"""Applying one operation to one item (or one batch, for list additions).

Each function sends the request(s) for an item whose ``in_flight`` state and idempotency
key are already in the journal, and returns an :class:`Outcome` the engine writes back.
All operations are idempotent in effect (adding a present tag, removing an absent one,
setting the same stage, adding a member twice change nothing), and every request carries
an idempotency key derived from the item's key, so re-sending an ``in_flight`` item after
a crash cannot apply it twice.

The state at send time: what a job records as changed is what IT changed, judged
against the contact as it was when the change was sent, never against an old snapshot
(somebody else may have added a tag or set a stage since the plan read the page). The
plan's snapshot is trusted only while it is young (``SNAPSHOT_MAX_AGE``) and only on the
job's first run; an older one, or any item of a resumed or retried run, is read again
(``GET /contacts/{id}``) and journalled before its change is sent. An item re-sent after
a crash keeps the before-state journalled ahead of its first send (that send may have
landed, so reading now would hide our own change).

How "changed" is decided, per operation:

- tags: ``added`` holds only tags the job asked to add that were absent at send time and
  are present in the server's answer; ``removed`` only tags it asked to remove that were
  present at send time and are absent after. Nobody else's tag enters the journal, so
  undo (which reverses exactly ``added`` / ``removed``) never touches it;
- stage: changed only when the answered stage differs from the stage at send time; a
  guarded stage change (undo) reads the contact first and skips it when somebody else
  changed the stage since;
- list add: the server says ``added`` / ``already_member`` / ``not_found`` per contact;
  only ``added`` counts, except on a re-send after a crash, where ``already_member`` for
  a contact the plan saw outside the list means our first send added it;
- list remove: 204 means it was a member; 404 means it was not (or our earlier send
  removed it, which the plan's membership tells apart).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from orbit_tui.api.errors import NotFoundError, OrbitError
from orbit_tui.bulk.model import DONE, FAILED, SKIPPED, ItemFailure, Operation
from orbit_tui.bulk.targets import contact_state

SNAPSHOT_MAX_AGE = 60.0  # seconds a plan's snapshot of a contact is trusted at send time


@dataclass
class Outcome:
    contact_id: str
    state: str  # done / failed / skipped
    changed: bool | None = None
    after: dict[str, Any] | None = None
    before: dict[str, Any] | None = None  # set when read during the run
    error: ItemFailure | None = None


@dataclass
class WorkItem:
    contact_id: str
    op: Operation
    before: dict[str, Any] | None
    idem_key: str
    resend: bool  # was in_flight when the run started: a first send may have landed
    # Journals a before-state read during the run, BEFORE the change is sent (so a crash
    # between the change and its answer still knows what the contact looked like).
    save_before: Callable[[dict[str, Any]], None] | None = None
    # The plan's snapshot may not be trusted at all (a resumed or retried run).
    reread: bool = False
    clock: Callable[[], float] = time.time
    max_age: float = SNAPSHOT_MAX_AGE

    def remember(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.save_before is not None:
            self.save_before(state)
        self.before = state  # an engine-level retry of this item starts from it
        return state

    def trusts_before(self, key: str) -> bool:
        """May the journalled before-state stand for the contact at send time?"""
        before = self.before
        if before is None or key not in before:
            return False
        if self.resend:
            return True  # journalled ahead of a send that may have landed: keep it
        if self.reread:
            return False
        read_at = before.get("read_at")
        if not isinstance(read_at, (int, float)):
            return False
        return 0 <= self.clock() - read_at <= self.max_age


@dataclass
class Batch:
    items: list[WorkItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.items[0].idem_key


def failure(contact_id: str, exc: OrbitError) -> ItemFailure:
    return ItemFailure(
        contact_id=contact_id,
        code=exc.code,
        message=exc.message,
        status=exc.status,
        request_id=exc.request_id,
    )


async def send(fn: Callable[..., Awaitable[Any]], *args: Any, key: str) -> Any:
    """Call a client method under the item's own idempotency key (kept in the journal)."""
    return await fn(*args, idempotency_key=key)


async def _read_state(client: Any, item: WorkItem) -> dict[str, Any]:
    return contact_state(await client.get_contact(item.contact_id), item.clock())


async def state_at_send(client: Any, item: WorkItem, key: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The contact's state to judge this item's change against, and the state read now
    (None when the journalled one was trusted); a read state is journalled first."""
    if item.trusts_before(key):
        assert item.before is not None
        return item.before, None
    read = item.remember({**(item.before or {}), **await _read_state(client, item)})
    return read, read


def _absent(tag: str, tags: list[str]) -> bool:
    return tag.casefold() not in {t.casefold() for t in tags}


async def apply_tags(client: Any, item: WorkItem) -> Outcome:
    op = item.op
    before, read = await state_at_send(client, item, "tags")
    before_tags: list[str] = list(before.get("tags") or [])
    tags_after: list[str] | None = None
    if op.add_tags:
        answer = await send(client.add_tags, item.contact_id, list(op.add_tags), key=f"{item.idem_key}:add")
        tags_after = list(answer.tags)
    for tag in op.remove_tags:
        answer = await send(client.remove_tag, item.contact_id, tag, key=f"{item.idem_key}:rm:{tag}")
        if answer is not None and getattr(answer, "tags", None) is not None:
            tags_after = list(answer.tags)
        else:
            base = tags_after if tags_after is not None else before_tags
            tags_after = [t for t in base if t != tag]
    assert tags_after is not None
    # What this item changed: tags we asked for that appeared / disappeared between the
    # state at send time and the answer (case-insensitively, should a server normalise
    # them); never somebody else's.
    wanted_in = {t.casefold() for t in op.add_tags}
    wanted_out = {t.casefold() for t in op.remove_tags}
    added = [t for t in tags_after if t.casefold() in wanted_in and _absent(t, before_tags)]
    removed = [t for t in before_tags if t.casefold() in wanted_out and _absent(t, tags_after)]
    after = {"tags": tags_after, "added": added, "removed": removed}
    return Outcome(item.contact_id, DONE, changed=bool(added or removed), after=after, before=read)


async def apply_stage(client: Any, item: WorkItem) -> Outcome:
    op = item.op
    read: dict[str, Any] | None = None
    before = item.before or {}
    if not op.guard_stage:
        before, read = await state_at_send(client, item, "stage")
    else:
        current = await _read_state(client, item)
        if item.resend and current.get("stage") == op.stage and op.stage != op.expect_stage:
            # Our first send (whose answer was lost in a crash) already restored it.
            return Outcome(item.contact_id, DONE, changed=True, after={"stage": op.stage})
        read = before = item.remember({**before, **current})
        if before.get("stage") != op.expect_stage:
            return Outcome(
                item.contact_id,
                SKIPPED,
                changed=False,
                after={"stage": before.get("stage")},
                before=read,
                error=ItemFailure(
                    item.contact_id,
                    "STAGE_CHANGED_SINCE",
                    f"Stage is now {before.get('stage')!r}, not {op.expect_stage!r}: left as it is.",
                ),
            )
    answer = await send(
        client.update_contact, item.contact_id, {"lifecycle_stage": op.stage}, key=f"{item.idem_key}:stage"
    )
    stage_after = answer.lifecycle_stage
    changed = stage_after != before.get("stage")
    return Outcome(item.contact_id, DONE, changed=changed, after={"stage": stage_after}, before=read)


async def apply_list_remove(client: Any, item: WorkItem) -> Outcome:
    assert item.op.list_id is not None
    try:
        await send(client.remove_member, item.op.list_id, item.contact_id, key=f"{item.idem_key}:rm")
    except NotFoundError:
        # Not a member: unchanged, unless this is a re-send and the plan saw it as a
        # member, in which case our first send (whose answer was lost) removed it.
        was_member = bool(item.before and item.before.get("member"))
        changed = item.resend and was_member
        return Outcome(item.contact_id, DONE, changed=changed, after={"member": False})
    # Success. The client also reports success when a retry after an ambiguous failure
    # (connection dropped mid-answer) got 404: then the plan's membership decides.
    known_member = (item.before or {}).get("member")
    changed = known_member is not False
    return Outcome(
        item.contact_id,
        DONE,
        changed=changed,
        after={"member": False},
        before={**(item.before or {}), "member": True} if changed else None,
    )


async def apply_list_add(client: Any, batch: Batch) -> list[Outcome]:
    op = batch.items[0].op
    assert op.list_id is not None
    ids = [w.contact_id for w in batch.items]
    answer = await send(client.add_members, op.list_id, ids, key=batch.key)
    added, already, missing = set(answer.added), set(answer.already_member), set(answer.not_found)
    outcomes: list[Outcome] = []
    for w in batch.items:
        cid = w.contact_id
        if cid in added:
            outcomes.append(Outcome(cid, DONE, changed=True, after={"member": True}, before={**(w.before or {}), "member": False}))
        elif cid in already:
            was_member = (w.before or {}).get("member")
            changed = w.resend and was_member is False
            outcomes.append(Outcome(cid, DONE, changed=changed, after={"member": True}))
        elif cid in missing:
            outcomes.append(
                Outcome(
                    cid,
                    FAILED,
                    error=ItemFailure(cid, "NOT_FOUND", "Contact not found (deleted?): not added to the list.", 404),
                )
            )
        else:
            outcomes.append(
                Outcome(
                    cid,
                    FAILED,
                    error=ItemFailure(cid, "NO_RESULT", "The server's answer did not mention this contact."),
                )
            )
    return outcomes


async def apply_one(client: Any, item: WorkItem) -> Outcome:
    if item.op.kind == "tags":
        return await apply_tags(client, item)
    if item.op.kind == "stage":
        return await apply_stage(client, item)
    if item.op.kind == "list_remove":
        return await apply_list_remove(client, item)
    outcomes = await apply_list_add(client, Batch([item]))
    return outcomes[0]
