"""Small pieces of the bulk engine: journal ownership of a running job, JSON round trips,
the preview's verdicts, the CLI's ids file and progress bar, and the concurrency bound."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_server, bulk_template_db, make_client, make_engine  # noqa: F401
from orbit_tui.bulk import BulkError, Counts, JobBusy, Journal, Operation, Plan, Progress, Target
from orbit_tui.bulk.targets import will_change
from orbit_tui.bulk.text import ProgressBar, clean
from orbit_tui.bulk_cli import read_ids


def _job(journal: Journal, ids: list[str]) -> str:
    plan = Plan(target=Target.explicit(ids), op=Operation.tags(add=["a"]), contact_ids=ids)
    return journal.create_job(plan, base_url="http://127.0.0.1:1/api/v1")


def test_a_job_whose_lock_is_held_is_neither_pending_nor_claimable(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "jobs.db")
    job_id = _job(journal, ["con_1", "con_2"])
    assert [j.id for j in journal.pending_jobs()] == [job_id]  # planned, never started

    # Another runner holds the job's lock (a second open of the journal: its own lock).
    other = Journal(tmp_path / "jobs.db")
    other.claim(job_id)
    assert journal.pending_jobs() == []
    with pytest.raises(JobBusy, match="another orbit-tui on"):
        journal.claim(job_id)

    # That runner is gone (its lock with it): pending again, and claimable at once.
    other.close()
    assert [j.id for j in journal.pending_jobs()] == [job_id]
    journal.claim(job_id)
    assert journal.get_job(job_id).runner_pid == os.getpid()


def test_operation_and_target_round_trip_through_json() -> None:
    ops = [
        Operation.tags(add=["vip", " vip ", "gold"], remove=["trial"]),
        Operation.list_add("lst_1"),
        Operation.list_remove("lst_2"),
        Operation.set_stage("customer"),
        Operation(kind="stage", stage=None, guard_stage=True, expect_stage="lead"),
    ]
    for op in ops:
        assert Operation.from_json(op.to_json()) == op
    assert ops[0].add_tags == ("vip", "gold")
    targets = [
        Target.matching(search="ann", stage="lead", country="us", tags=["a", "b"]),
        Target.list_members("lst_1", search="x"),
        Target.segment_members("seg_1"),
        Target.explicit(["con_1", "con_1", " con_2 ", ""]),
    ]
    for target in targets:
        assert Target.from_json(target.to_json()) == target
    assert targets[0].country == "US" and targets[3].ids == ("con_1", "con_2")


def test_preview_verdicts() -> None:
    tags = Operation.tags(add=["vip"], remove=["trial"])
    assert will_change(tags, {"tags": ["vip"]}) is False
    assert will_change(tags, {"tags": ["vip", "trial"]}) is True
    assert will_change(tags, {"tags": []}) is True
    assert will_change(tags, None) is None
    stage = Operation.set_stage("customer")
    assert will_change(stage, {"stage": "customer"}) is False
    assert will_change(stage, {"stage": None}) is True
    assert will_change(Operation.list_add("l"), {"member": True}) is False
    assert will_change(Operation.list_remove("l"), {"member": True}) is True
    assert will_change(Operation.list_remove("l"), {"member": None}) is None


def test_ids_file_and_progress_bar(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("con_1\n  con_2  # a comment\n\n# only a comment\ncon_3\n", encoding="utf-8")
    assert read_ids(path) == ["con_1", "con_2", "con_3"]
    assert read_ids(Path("-"), stdin=io.StringIO("con_9\n")) == ["con_9"]
    with pytest.raises(BulkError):
        read_ids(tmp_path / "missing.txt")

    out = io.StringIO()
    bar = ProgressBar(out, enabled=True, width=10)
    counts = Counts(total=10, pending=5, done=5, changed=4, unchanged=1)
    bar(Progress(job_id="j", state="running", counts=counts, rate=2.0, eta_seconds=2.5, elapsed=2.5))
    assert "[#####.....]  50% 5/10 · 4 changed · 1 unchanged · 0 failed · 2/s · ETA 0:02" in out.getvalue()
    quiet = io.StringIO()
    ProgressBar(quiet, enabled=False)(Progress("j", "running", counts, 1.0, None, 1.0))
    assert quiet.getvalue() == ""
    assert clean("tag\x1b[2J\x07") == "tag\\x1b[2J\\x07"


async def test_never_more_requests_at_once_than_the_concurrency(bulk_server: Any, tmp_path: Path) -> None:
    bulk_server.faults.latency_ms = 30
    peak = 0

    async with make_client(bulk_server) as client:

        def watch(event: Any) -> None:
            nonlocal peak
            peak = max(peak, event.in_flight)

        engine = make_engine(client, tmp_path / "jobs.db", concurrency=3)
        plan = await engine.plan(Target.matching(stage="lead"), Operation.tags(add=["peak"]))
        client.add_listener(watch)
        job = await engine.execute(plan)
    assert job.counts.done == plan.total
    assert 2 <= peak <= 3


async def test_the_items_journalled_key_is_the_one_sent() -> None:
    from orbit_tui.bulk.apply import send

    seen: list[Any] = []

    async def client_method(contact_id: str, *, idempotency_key: str | None = None) -> str:
        seen.append((contact_id, idempotency_key))
        return "ok"

    assert await send(client_method, "con_1", key="bulk-k1") == "ok"
    assert await send(client_method, "con_2", key="bulk-k2") == "ok"
    assert seen == [("con_1", "bulk-k1"), ("con_2", "bulk-k2")]


def test_the_engine_and_its_command_line_never_import_textual() -> None:
    code = "import sys, orbit_tui.bulk, orbit_tui.bulk_cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_tag_edit_syntax_and_tag_counts() -> None:
    from orbit_tui.bulk import tag_counts

    op = Operation.parse_tag_edit('+vip -trial gold, "+big deal" -"old one"')
    assert op.add_tags == ("vip", "gold", "big deal") and op.remove_tags == ("trial", "old one")
    for bad in ("", "+vip -vip", '"unclosed', "+ -"):
        with pytest.raises(BulkError):
            Operation.parse_tag_edit(bad)
    assert tag_counts([["vip", "a"], ["vip"], ["b", "a", "a"]]) == [("a", 2), ("vip", 2), ("b", 1)]
