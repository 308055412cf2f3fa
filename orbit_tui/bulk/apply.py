"""Applying one operation to one item (or one batch, for list additions).

Each function sends the request(s) for an item whose ``in_flight`` state and idempotency
key are already in the journal, and returns an :class:`Outcome` the engine writes back.
All operations are idempotent in effect (adding a present tag, removing an absent one,
setting the same stage, adding a member twice change nothing), and every request carries
an idempotency key derived from the item's key, so re-sending an ``in_flight`` item after
a crash cannot apply it twice.

How "changed" is decided, per operation:

- tags: the tags before (from the plan's fetched contact, else read now) against the tags
  in the answer; ``after`` records exactly which tags this item added and removed, which
  is what undo reverses;
- stage: the stage before (from the plan, else read now) against the answered contact;
  a guarded stage change (undo) reads the contact first and skips it when somebody else
  changed the stage since;
- list add: the server says ``added`` / ``already_member`` / ``not_found`` per contact;
  on a re-send after a crash, ``already_member`` for a contact the plan saw outside the
  list means our first send added it;
- list remove: 204 means it was a member; 404 means it was not (or our earlier send
  removed it, which the plan's membership tells apart).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from orbit_tui.api.errors import NotFoundError, OrbitError
from orbit_tui.bulk.model import DONE, FAILED, SKIPPED, ItemFailure, Operation
from orbit_tui.bulk.targets import contact_state


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

    def remember(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.save_before is not None:
            self.save_before(state)
        return state


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


async def _read_state(client: Any, contact_id: str) -> dict[str, Any]:
    return contact_state(await client.get_contact(contact_id))


async def apply_tags(client: Any, item: WorkItem) -> Outcome:
    op = item.op
    read: dict[str, Any] | None = None
    before = item.before
    if before is None or "tags" not in before:
        read = before = item.remember({**(before or {}), **await _read_state(client, item.contact_id)})
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
    # What this item changed: tags that appeared / disappeared and are ones we asked
    # for (case-insensitively, should a server normalise them); never somebody else's.
    wanted_in = {t.casefold() for t in op.add_tags}
    wanted_out = {t.casefold() for t in op.remove_tags}
    added = [t for t in tags_after if t not in before_tags and t.casefold() in wanted_in]
    removed = [t for t in before_tags if t not in tags_after and t.casefold() in wanted_out]
    after = {"tags": tags_after, "added": added, "removed": removed}
    return Outcome(item.contact_id, DONE, changed=bool(added or removed), after=after, before=read)


async def apply_stage(client: Any, item: WorkItem) -> Outcome:
    op = item.op
    read: dict[str, Any] | None = None
    before = item.before
    if op.guard_stage or before is None or "stage" not in before:
        current = await _read_state(client, item.contact_id)
        if (
            op.guard_stage
            and item.resend
            and current.get("stage") == op.stage
            and op.stage != op.expect_stage
        ):
            # Our first send (whose answer was lost in a crash) already restored it.
            return Outcome(item.contact_id, DONE, changed=True, after={"stage": op.stage})
        read = before = item.remember({**(before or {}), **current})
        if op.guard_stage and before.get("stage") != op.expect_stage:
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
    was_member = (item.before or {}).get("member")
    changed = was_member is not False
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
