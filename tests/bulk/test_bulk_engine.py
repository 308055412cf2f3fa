"""The bulk engine against a real sandbox over HTTP: every operation and target, exact
end states on the server, undo reversing only what a job changed, cancel and resume."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bulk_helpers import (  # noqa: F401  (fixtures)
    bulk_server,
    bulk_template_db,
    first_list,
    make_client,
    make_engine,
    members,
    snapshot,
)
from orbit_tui.bulk import (
    JOB_CANCELLED,
    JOB_COMPLETED,
    BulkError,
    ConfirmationRequired,
    Operation,
    Progress,
    ReadOnlyProfile,
    Target,
)


async def test_tags_on_a_search_target_change_exactly_the_matching_contacts(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        seeded = await snapshot(client)
        targeted = [cid for cid, s in seeded.items() if s["stage"] == "churned"]
        assert len(targeted) >= 12
        # Some targeted already carry the tag to add or the tag to remove; a non-lead
        # carries the tag to remove and must keep it.
        for cid in targeted[:4]:
            await client.add_tags(cid, ["bulkvip"])
        for cid in targeted[4:9]:
            await client.add_tags(cid, ["bulktrial"])
        outsider = next(cid for cid, s in seeded.items() if s["stage"] != "churned")
        await client.add_tags(outsider, ["bulktrial"])
        start = await snapshot(client)

        engine = make_engine(client, tmp_path / "jobs.db")
        plan = await engine.plan(Target.matching(stage="churned"), Operation.tags(add=["bulkvip"], remove=["bulktrial"]))
        will_change = [cid for cid in targeted if "bulkvip" not in start[cid]["tags"] or "bulktrial" in start[cid]["tags"]]
        assert sorted(plan.contact_ids) == sorted(targeted)
        assert (plan.will_change, plan.already_match, plan.unknown) == (len(will_change), len(targeted) - len(will_change), 0)
        assert await snapshot(client) == start  # planning changes nothing

        seen: list[Progress] = []
        job = await engine.execute(plan, on_progress=seen.append)
        assert job.state == JOB_COMPLETED
        c = job.counts
        assert (c.total, c.done, c.changed, c.unchanged, c.failed, c.remaining) == (
            len(targeted), len(targeted), len(will_change), len(targeted) - len(will_change), 0, 0,
        )
        assert seen[-1].counts.remaining == 0 and seen[-1].state == JOB_COMPLETED

        expected = {cid: dict(s) for cid, s in start.items()}
        for cid in targeted:
            expected[cid]["tags"] = sorted((set(start[cid]["tags"]) - {"bulktrial"}) | {"bulkvip"})
        assert await snapshot(client) == expected

        undo = await engine.undo(job.id)
        assert undo.state == JOB_COMPLETED and undo.parent_job == job.id
        assert undo.counts.changed == len(will_change)
        assert await snapshot(client) == start  # pre-tagged contacts kept their tags

        with pytest.raises(BulkError):
            await engine.undo(job.id)
        with pytest.raises(BulkError):
            await engine.retry_failed(job.id)
        assert engine.get_job(job.id).undone_by == undo.id


async def test_list_add_on_a_segment_and_its_undo_keep_earlier_members(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        segments = (await client.list_segments(limit=100)).items
        seg = None
        for s in segments:
            page = await client.segment_members(s.id, limit=100)
            if 5 <= len(page.items) and not page.has_more:
                seg, seg_ids = s, [c.id for c in page.items]
                break
        assert seg is not None, "no seeded segment of a usable size"
        target_list = await client.create_list("bulk add target")
        earlier = seg_ids[:3]
        await client.add_members(target_list.id, earlier)
        start = await snapshot(client)

        engine = make_engine(client, tmp_path / "jobs.db")
        plan = await engine.plan(Target.segment_members(seg.id), Operation.list_add(target_list.id))
        assert (plan.total, plan.will_change, plan.already_match) == (len(seg_ids), len(seg_ids) - 3, 3)
        job = await engine.execute(plan)
        assert (job.counts.changed, job.counts.unchanged, job.counts.failed) == (len(seg_ids) - 3, 3, 0)
        assert await members(client, target_list.id) == set(seg_ids)

        await engine.undo(job.id)
        assert await members(client, target_list.id) == set(earlier)
        assert await snapshot(client) == start


async def test_list_remove_on_the_list_itself_and_ids_outside_it(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        everyone = await snapshot(client)
        list_id = (await client.create_list("bulk remove target")).id
        await client.add_members(list_id, [cid for cid, s in everyone.items() if s["stage"] == "churned"])
        original = await members(client, list_id)
        assert len(original) >= 10
        engine = make_engine(client, tmp_path / "jobs.db")

        # Ids: two members and one contact outside the list.
        outsider = next(cid for cid in everyone if cid not in original)
        two = sorted(original)[:2]
        job = await engine.execute(await engine.plan(Target.explicit([*two, outsider]), Operation.list_remove(list_id)))
        assert (job.counts.changed, job.counts.unchanged, job.counts.failed) == (2, 1, 0)
        assert await members(client, list_id) == original - set(two)

        # The list's own members: empties it.
        plan = await engine.plan(Target.list_members(list_id), Operation.list_remove(list_id))
        assert plan.will_change == len(original) - 2
        emptied = await engine.execute(plan)
        assert emptied.counts.changed == len(original) - 2
        assert await members(client, list_id) == set()

        await engine.undo(emptied.id)
        assert await members(client, list_id) == original - set(two)
        await engine.undo(job.id)
        assert await members(client, list_id) == original
        assert await snapshot(client) == everyone


async def test_stage_on_explicit_ids_reports_missing_contacts_and_undo_skips_later_edits(
    bulk_server: Any, tmp_path: Any
) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        ids = list(start)[:12]
        engine = make_engine(client, tmp_path / "jobs.db")
        plan = await engine.plan(Target.explicit([*ids, "con_doesnotexist", ids[0]]), Operation.set_stage("bulkstage"))
        assert plan.total == 13 and plan.unknown == 13  # explicit ids are not read at plan time
        job = await engine.execute(plan)
        assert (job.counts.done, job.counts.changed, job.counts.failed) == (12, 12, 1)
        [failure] = engine.journal.latest_failures(job.id)
        assert failure.contact_id == "con_doesnotexist" and failure.code == "NOT_FOUND" and failure.message
        now = await snapshot(client)
        assert all(now[cid]["stage"] == "bulkstage" for cid in ids)

        # Somebody changes one contact afterwards: undo must leave that one alone.
        await client.update_contact(ids[0], {"lifecycle_stage": "churned"})
        undo = await engine.undo(job.id)
        assert (undo.counts.changed, undo.counts.skipped) == (11, 1)
        expected = {cid: dict(s) for cid, s in start.items()}
        expected[ids[0]]["stage"] = "churned"
        assert await snapshot(client) == expected


async def test_live_key_needs_confirmation_and_read_only_refuses(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        ids = list(start)[:3]
        live = make_engine(client, tmp_path / "jobs.db", live=True)
        plan = await live.plan(Target.explicit(ids), Operation.tags(add=["livecheck"]))
        with pytest.raises(ConfirmationRequired):
            await live.execute(plan)
        assert live.list_jobs() == []
        job = await live.execute(plan, confirm=True)
        assert job.counts.changed == 3

        ro = make_engine(client, tmp_path / "jobs2.db", read_only=True)
        with pytest.raises(ReadOnlyProfile):
            await ro.execute(await ro.plan(Target.explicit(ids), Operation.tags(remove=["livecheck"])), confirm=True)
        assert all("livecheck" in s["tags"] for cid, s in (await snapshot(client)).items() if cid in ids)


async def test_cancel_leaves_the_rest_pending_and_resume_finishes_without_double_counting(
    bulk_server: Any, tmp_path: Any
) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        targeted = {cid for cid, s in start.items() if s["stage"] == "churned"}
        lacking = [cid for cid in targeted if "bulkcancel" not in start[cid]["tags"]]
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=2)
        cancel = asyncio.Event()

        def watch(p: Progress) -> None:
            if p.counts.finished >= 15:
                cancel.set()

        plan = await engine.plan(Target.matching(stage="churned"), Operation.tags(add=["bulkcancel"]))
        job = await engine.execute(plan, on_progress=watch, cancel=cancel)
        assert job.state == JOB_CANCELLED
        assert job.counts.done >= 15 and job.counts.remaining > 0
        assert job.counts.done + job.counts.remaining == len(targeted)
        assert [j.id for j in engine.pending_jobs()] == [job.id]
        tagged = {cid for cid, s in (await snapshot(client)).items() if "bulkcancel" in s["tags"]}
        assert len(tagged) == job.counts.done  # exactly the done items were changed

        resumed = await engine.resume(job.id)
        assert resumed.state == JOB_COMPLETED and resumed.counts.done == len(targeted)
        assert resumed.counts.changed == len(lacking)
        assert engine.pending_jobs() == []
        final = await snapshot(client)
        assert all(("bulkcancel" in final[cid]["tags"]) == (cid in targeted or "bulkcancel" in start[cid]["tags"]) for cid in start)


async def test_plan_refuses_unknown_list_and_bad_operations(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        engine = make_engine(client, tmp_path / "jobs.db")
        with pytest.raises(BulkError, match="lst_nope"):
            await engine.plan(Target.matching(stage="lead"), Operation.list_add("lst_nope"))
        with pytest.raises(BulkError):
            Operation.tags(add=["x"], remove=["x"])
        with pytest.raises(BulkError):
            Operation.tags()
        counted: list[int] = []
        everyone = await engine.plan(Target.matching(), Operation.tags(add=["x"]), on_count=counted.append)
        assert counted == list(range(100, everyone.total + 1, 100)) and everyone.total >= 200
        empty = await engine.plan(Target.matching(search="zzzz-no-such-contact-zzzz"), Operation.tags(add=["x"]))
        assert empty.total == 0
        with pytest.raises(BulkError):
            engine.create(empty)


async def test_a_value_orbit_refuses_for_every_contact_stops_the_job_early(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=2)
        too_long = "x" * 65  # the sandbox refuses tags over 64 characters (422)
        job = await engine.execute(await engine.plan(Target.matching(), Operation.tags(add=[too_long])))
        assert job.state == "stopped" and "refused" in (job.error or "")
        assert 10 <= job.counts.failed < 20 and job.counts.remaining == len(start) - job.counts.failed
        [first, *_] = engine.journal.latest_failures(job.id)
        assert first.code == "VALIDATION_ERROR" and first.status == 422
        assert await snapshot(client) == start
