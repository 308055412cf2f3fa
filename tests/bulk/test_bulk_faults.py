"""Bulk jobs on a misbehaving sandbox: 503s, dropped connections and a tight rate limit
still end with every item done or reported failed — none lost, none counted twice — and
retrying the failures reaches the exact expected state."""

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
from orbit_tui.api.pacing import Pacer, RetryPolicy
from orbit_tui.bulk import DONE, FAILED, JOB_COMPLETED, Operation, Target

TRANSIENT_CODES = {"SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "NETWORK_ERROR", "TIMEOUT", "RATE_LIMITED"}


def _all_accounted(engine: Any, job: Any) -> None:
    items = engine.journal.items(job.id)
    assert len(items) == job.counts.total
    assert {i.state for i in items} <= {DONE, FAILED}
    for item in items:
        if item.state == FAILED:
            assert item.error_code in TRANSIENT_CODES and item.error_message


async def test_errors_and_drops_lose_nothing_and_apply_nothing_twice(bulk_server: Any, tmp_path: Any) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        list_id = await first_list(client)
        start_members = await members(client, list_id)
        leads = {cid for cid, s in start.items() if s["stage"] == "lead"}
        lacking = {cid for cid in leads if "faulty" not in start[cid]["tags"]}
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=8)
        tag_plan = await engine.plan(Target.matching(stage="lead"), Operation.tags(add=["faulty"]))
        list_plan = await engine.plan(Target.matching(stage="lead"), Operation.list_add(list_id))
        assert len(leads) >= 40

        retries: list[Any] = []
        client.add_listener(lambda event: retries.append(event) if event.kind == "retrying" else None)
        bulk_server.faults.error_rate = 0.2
        bulk_server.faults.drop_rate = 0.05
        tag_job = await engine.execute(tag_plan)
        list_job = await engine.execute(list_plan)
        for job in (tag_job, list_job):
            assert job.counts.remaining == 0
            _all_accounted(engine, job)

        bulk_server.faults.error_rate = 0
        bulk_server.faults.drop_rate = 0
        assert len(retries) >= 5  # the faults really happened
        tag_job = await engine.retry_failed(tag_job.id)
        list_job = await engine.retry_failed(list_job.id)
        assert tag_job.state == JOB_COMPLETED and tag_job.counts.done == len(leads)
        assert tag_job.counts.changed == len(lacking)  # a re-sent item is not counted twice
        assert list_job.counts.done == len(leads)
        assert list_job.counts.changed == len(leads - start_members)

        expected = {
            cid: {**s, "tags": sorted(set(s["tags"]) | {"faulty"})} if cid in leads else s
            for cid, s in start.items()
        }
        assert await snapshot(client) == expected
        assert await members(client, list_id) == start_members | leads

        # Undo still reverses exactly what was changed, across the retried run.
        await engine.undo(tag_job.id)
        await engine.undo(list_job.id)
        assert await snapshot(client) == start
        assert await members(client, list_id) == start_members


async def test_tight_rate_limit_reports_every_item_and_retry_completes(bulk_server: Any, tmp_path: Any) -> None:
    # The sandbox counts fixed one-minute windows; so that the test does not wait for
    # one to end, the client gives up on a long Retry-After at once (the item is then
    # reported RATE_LIMITED) and its pacer assumes short windows.
    pacer = Pacer(max_window=0.05)
    retry = RetryPolicy(max_retries=2, base_delay=0.02, max_delay=0.1, max_server_wait=0.2)
    async with make_client(bulk_server, pacer=pacer, retry=retry) as client:
        start = await snapshot(client)
        # A wait up to an hour counts as short for the engine here (a longer one would
        # pause the job, see test_hostile_retry_after): the items report RATE_LIMITED.
        engine = make_engine(client, tmp_path / "jobs.db", concurrency=4, item_retries=0,
                             max_rate_wait=3600)
        plan = await engine.plan(Target.matching(stage="churned"), Operation.set_stage("limited"))
        assert plan.total >= 20

        # Tight enough that even a minute boundary during the run cannot let every item through.
        bulk_server.faults.rate_limit_per_min = 10
        job = await engine.execute(plan)
        assert job.counts.remaining == 0
        _all_accounted(engine, job)
        assert job.counts.failed > 0  # the limit was really hit
        done = {i.contact_id for i in engine.journal.items(job.id, [DONE])}
        now = await _snapshot_unlimited(bulk_server, client)
        for cid, s in start.items():
            assert now[cid]["stage"] == ("limited" if cid in done else s["stage"])

        bulk_server.faults.rate_limit_per_min = None
        job = await engine.retry_failed(job.id)
        assert job.state == JOB_COMPLETED and job.counts.done == plan.total
        assert job.counts.changed == plan.total
        expected = {cid: {**s, "stage": "limited" if cid in plan.contact_ids else s["stage"]} for cid, s in start.items()}
        assert await snapshot(client) == expected


async def _snapshot_unlimited(server: Any, client: Any) -> dict[str, dict[str, Any]]:
    limit = server.faults.rate_limit_per_min
    server.faults.rate_limit_per_min = None
    try:
        return await snapshot(client)
    finally:
        server.faults.rate_limit_per_min = limit
