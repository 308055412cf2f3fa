"""What a job journals as changed is what IT changed, judged against the contact when its
change was sent (not the plan's snapshot), and undo reverses exactly that: somebody
else's tag, stage or membership set between planning and sending survives the undo."""

from __future__ import annotations

import asyncio
from typing import Any

from bulk_helpers import (  # noqa: F401  (fixtures)
    bulk_server,
    bulk_template_db,
    first_list,
    make_client,
    make_engine,
    members,
    snapshot,
)
from orbit_tui.bulk import JOB_CANCELLED, JOB_COMPLETED, Operation, Progress, Target


class Clock:
    """A wall clock the test moves by hand (the engine's notion of a snapshot's age)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _stop_after(cancel: asyncio.Event, n: int) -> Any:
    def watch(p: Progress) -> None:
        if p.counts.finished >= n:
            cancel.set()

    return watch


async def test_a_tag_added_by_someone_else_after_an_old_plan_survives_undo(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        clock = Clock()
        engine = make_engine(client, tmp_path / "jobs.db", clock=clock)
        plan = await engine.plan(Target.matching(stage="churned"), Operation.tags(add=["promo", "bulkjob"]))
        pending = next(cid for cid in plan.contact_ids if "promo" not in start[cid]["tags"])
        # Another agent tags one contact of the plan while the preview sits open.
        await client.add_tags(pending, ["promo", "othertag"])
        clock.now += 120  # the plan's snapshot is two minutes old when the job runs

        job = await engine.execute(plan)
        assert job.state == JOB_COMPLETED
        [item] = [i for i in engine.journal.items(job.id) if i.contact_id == pending]
        assert item.after is not None and item.after["added"] == ["bulkjob"]

        await engine.undo(job.id)
        after = await snapshot(client)
        expected = {cid: dict(s) for cid, s in start.items()}
        expected[pending]["tags"] = sorted({*start[pending]["tags"], "promo", "othertag"})
        assert after == expected


async def test_a_fresh_plan_never_journals_another_persons_tag(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        engine = make_engine(client, tmp_path / "jobs.db", clock=Clock())
        plan = await engine.plan(Target.matching(stage="churned"), Operation.tags(add=["bulkjob"]))
        pending = plan.contact_ids[-1]
        await client.add_tags(pending, ["othertag"])
        job = await engine.execute(plan)
        [item] = [i for i in engine.journal.items(job.id) if i.contact_id == pending]
        assert item.after is not None and item.after["added"] == ["bulkjob"]
        await engine.undo(job.id)
        after = await snapshot(client)
        assert after[pending]["tags"] == sorted({*start[pending]["tags"], "othertag"})


async def test_a_resumed_tag_job_reads_pending_contacts_again(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=1, clock=Clock())
        plan = await engine.plan(Target.matching(stage="churned"), Operation.tags(add=["promo"]))
        lacking = [cid for cid in plan.contact_ids if "promo" not in start[cid]["tags"]]
        cancel = asyncio.Event()
        job = await engine.execute(plan, on_progress=_stop_after(cancel, 3), cancel=cancel)
        assert job.state == JOB_CANCELLED
        done = {i.contact_id for i in engine.journal.items(job.id, ["done"])}
        pending = next(cid for cid in reversed(lacking) if cid not in done)
        await client.add_tags(pending, ["promo"])  # somebody else, while the job was paused

        job = await engine.resume(job.id)
        assert job.state == JOB_COMPLETED
        [item] = [i for i in engine.journal.items(job.id) if i.contact_id == pending]
        assert item.changed is False

        await engine.undo(job.id)
        after = await snapshot(client)
        assert "promo" in after[pending]["tags"]
        assert all("promo" not in after[cid]["tags"] for cid in lacking if cid != pending)


async def test_a_resumed_stage_job_leaves_a_stage_set_by_someone_else(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=1, clock=Clock())
        plan = await engine.plan(Target.matching(stage="churned"), Operation.set_stage("bulkstage"))
        cancel = asyncio.Event()
        job = await engine.execute(plan, on_progress=_stop_after(cancel, 3), cancel=cancel)
        assert job.state == JOB_CANCELLED
        done = {i.contact_id for i in engine.journal.items(job.id, ["done"])}
        pending = next(cid for cid in reversed(plan.contact_ids) if cid not in done)
        await client.update_contact(pending, {"lifecycle_stage": "bulkstage"})  # somebody else

        job = await engine.resume(job.id)
        [item] = [i for i in engine.journal.items(job.id) if i.contact_id == pending]
        assert item.changed is False

        undo = await engine.undo(job.id)
        assert undo.counts.changed == len(plan.contact_ids) - 1
        after = await snapshot(client)
        expected = {cid: dict(s) for cid, s in start.items()}
        expected[pending]["stage"] = "bulkstage"
        assert after == expected


async def test_list_add_undo_keeps_a_member_added_after_planning(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        list_id = await first_list(client)
        prior = await members(client, list_id)
        engine = make_engine(client, tmp_path / "jobs.db", clock=Clock())
        plan = await engine.plan(Target.matching(stage="lead"), Operation.list_add(list_id))
        outside = [cid for cid in plan.contact_ids if cid not in prior]
        assert len(outside) >= 2
        await client.add_members(list_id, [outside[0]])  # somebody else, after the plan
        job = await engine.execute(plan)
        assert job.counts.changed == len(outside) - 1
        await engine.undo(job.id)
        assert await members(client, list_id) == prior | {outside[0]}
