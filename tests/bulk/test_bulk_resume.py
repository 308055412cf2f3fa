"""Resuming after a crash that happened between a request reaching the server and its
answer being journalled: the item is ``in_flight``, its change already applied. The
resumed job must count it as changed (once) and undo must reverse it."""

from __future__ import annotations

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
from orbit_tui.bulk import IN_FLIGHT, JOB_COMPLETED, Operation, Target


async def test_a_list_batch_applied_before_the_crash_is_counted_and_undone(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        list_id = await first_list(client)
        start_members = await members(client, list_id)
        engine = make_engine(client, tmp_path / "jobs.db")
        plan = await engine.plan(Target.matching(stage="lead"), Operation.list_add(list_id))
        outside = [cid for cid in plan.contact_ids if cid not in start_members]
        assert len(outside) >= 10
        job_id = engine.create(plan)

        # The crash: ten items were journalled in flight, the batch reached the server
        # and was applied, the process died before recording the answer.
        crashed = outside[:10]
        engine.journal.mark_in_flight(job_id, crashed, "bulk-crashed-batch")
        await client.add_members(list_id, crashed)

        job = await engine.resume(job_id)
        assert job.state == JOB_COMPLETED and job.counts.done == plan.total
        assert job.counts.changed == len(outside)  # the ten included, once
        assert all(i.changed for i in engine.journal.items(job_id) if i.contact_id in crashed)
        assert await members(client, list_id) == start_members | set(plan.contact_ids)

        await engine.undo(job_id)
        assert await members(client, list_id) == start_members


async def test_tag_and_stage_changes_applied_before_the_crash_are_counted_and_undone(
    bulk_server: Any, tmp_path: Any
) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        engine = make_engine(client, tmp_path / "jobs.db")
        leads = [cid for cid, s in start.items() if s["stage"] == "lead"]

        tag_plan = await engine.plan(Target.matching(stage="lead"), Operation.tags(add=["crashtag"]))
        tag_job = engine.create(tag_plan)
        engine.journal.mark_in_flight(tag_job, leads[:3], "bulk-crashed-tags")
        for cid in leads[:3]:
            await client.add_tags(cid, ["crashtag"])
        assert {i.contact_id for i in engine.journal.items(tag_job, [IN_FLIGHT])} == set(leads[:3])

        job = await engine.resume(tag_job)
        assert job.counts.changed == len(leads) and job.counts.unchanged == 0

        stage_plan = await engine.plan(Target.explicit(leads[:5]), Operation.set_stage("crashstage"))
        stage_job = engine.create(stage_plan)
        engine.journal.mark_in_flight(stage_job, leads[:2], "bulk-crashed-stage")
        # Explicit ids: the run reads the before-state and journals it before sending.
        for cid in leads[:2]:
            engine.journal.set_before(stage_job, cid, {"tags": start[cid]["tags"], "stage": "lead"})
            await client.update_contact(cid, {"lifecycle_stage": "crashstage"})
        job = await engine.resume(stage_job)
        assert job.counts.changed == 5

        await engine.undo(stage_job)
        await engine.undo(tag_job)
        assert await snapshot(client) == start
