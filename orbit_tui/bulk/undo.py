"""Planning the undo of a job from its journal: reverse only what it actually changed.

- tags: per contact, remove the tags this job added there and add back the tags it
  removed there (recorded in each item's ``after``: ``added`` / ``removed``);
- list add / list remove: the opposite membership change, for the contacts whose
  membership this job changed (not those that were already members / non-members);
- stage: per contact, restore the stage it had before, guarded: a contact whose stage is
  no longer the one this job set is left alone (``skipped``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orbit_tui.bulk.journal import Item
from orbit_tui.bulk.model import DONE, JobInfo, Operation, Plan, Target


def build_undo_plan(job: JobInfo, items: Iterable[Item]) -> Plan:
    changed = [i for i in items if i.state == DONE and i.changed]
    op = job.op
    item_ops: dict[str, Operation] = {}
    before: dict[str, dict[str, Any]] = {}
    if op.kind == "tags":
        inverse = Operation(kind="tags", add_tags=op.remove_tags, remove_tags=op.add_tags)
        for item in changed:
            after = item.after or {}
            item_ops[item.contact_id] = Operation(
                kind="tags",
                add_tags=tuple(after.get("removed") or ()),
                remove_tags=tuple(after.get("added") or ()),
            )
            # No ``read_at``: the undo reads each contact again before sending, so its own
            # journal, too, holds only what it changed.
            before[item.contact_id] = {"tags": list(after.get("tags") or [])}
    elif op.kind == "list_add":
        inverse = Operation(kind="list_remove", list_id=op.list_id)
        before = {i.contact_id: {"member": True} for i in changed}
    elif op.kind == "list_remove":
        inverse = Operation(kind="list_add", list_id=op.list_id)
        before = {i.contact_id: {"member": False} for i in changed}
    else:
        inverse = Operation(kind="stage", guard_stage=True)
        for item in changed:
            item_ops[item.contact_id] = Operation(
                kind="stage",
                stage=(item.before or {}).get("stage"),
                guard_stage=True,
                expect_stage=(item.after or {}).get("stage"),
            )
    ids = [i.contact_id for i in changed]
    return Plan(
        target=Target.explicit(ids, label=f"the {len(ids)} contacts job {job.id} changed"),
        op=inverse,
        contact_ids=ids,
        before=before,
        will_change=len(ids),
        item_ops=item_ops,
        parent_job=job.id,
        purpose="undo",
    )
