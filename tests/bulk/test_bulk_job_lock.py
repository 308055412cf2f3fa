"""Who runs a job is a lock the OS releases when the process dies; taking over is explicit.

A job's lock used to name a host and a pid: after a SIGKILL, another host name or a
reused pid refused resume, undo and retry forever. Now a real subprocess that holds a
job's lock and is SIGKILLed leaves it resumable at once; a recorded host and pid mean
nothing without the lock; a lock held by a live process is refused in plain words, and
``--take-over`` runs the job (the runner taken over stops before its next request).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_server, bulk_template_db, make_client, make_engine  # noqa: F401
from orbit_tui.bulk import JobBusy, JobTakenOver, Journal, Operation, Plan, Target
from orbit_tui.bulk.job_lock import LEASE_S, JobLocks

HOLD = (
    "import sys, time\n"
    "from orbit_tui.bulk import Journal\n"
    "journal = Journal(sys.argv[1])\n"
    "journal.claim(sys.argv[2])\n"
    "print('claimed', flush=True)\n"
    "time.sleep(600)\n"
)


class Holder:
    """A real orbit-tui-like process holding a job's lock until killed."""

    def __init__(self, journal: Path, job_id: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(journal), job_id],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the state to wait for: it holds the lock
        assert line.strip() == "claimed", line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "jobs.db"


async def planned_job(server: Any, journal: Path, n: int = 3) -> str:
    engine = make_engine(make_client(server), journal, api_key=server.api_key)
    try:
        ids = [c.id for c in (await engine.client.list_contacts(limit=n)).items]
        plan = await engine.plan(Target.explicit(ids), Operation.tags(add=["locked"]))
        return str(engine.create(plan))
    finally:
        await engine.client.aclose()
        engine.journal.close()


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    made: list[Holder] = []
    yield made
    for holder in made:
        holder.kill()


def test_a_sigkilled_runner_leaves_the_job_resumable_at_once(
    bulk_server: Any, journal_path: Path, holders: list[Holder]
) -> None:
    job_id = asyncio.run(planned_job(bulk_server, journal_path))
    holder = Holder(journal_path, job_id)
    holders.append(holder)

    async def go() -> None:
        engine = make_engine(make_client(bulk_server), journal_path, api_key=bulk_server.api_key)
        try:
            assert engine.pending_jobs() == []  # someone runs it
            with pytest.raises(JobBusy) as busy:
                await engine.resume(job_id)
            assert f"another orbit-tui on {socket.gethostname()} (pid {holder.proc.pid})" in str(busy.value)
            holder.kill()
            assert [j.id for j in engine.pending_jobs()] == [job_id]
            job = await engine.resume(job_id)
            assert job.state == "completed" and job.counts.changed == 3
        finally:
            await engine.client.aclose()
            engine.journal.close()

    asyncio.run(go())


def test_a_recorded_foreign_host_and_live_pid_do_not_block_without_the_lock(
    bulk_server: Any, journal_path: Path
) -> None:
    job_id = asyncio.run(planned_job(bulk_server, journal_path))
    journal = Journal(journal_path)
    journal._conn.execute(  # killed on another machine, its pid reused here by a live process
        "UPDATE jobs SET state='running', runner_host='laptop.elsewhere', runner_pid=? WHERE id=?",
        (os.getppid(), job_id),
    )
    journal.close()

    async def go() -> None:
        engine = make_engine(make_client(bulk_server), journal_path, api_key=bulk_server.api_key)
        try:
            assert [j.id for j in engine.pending_jobs()] == [job_id]
            job = await engine.resume(job_id)
            assert job.state == "completed"
            assert engine.plan_undo(job_id).total == 3  # and undo is not refused either
        finally:
            await engine.client.aclose()
            engine.journal.close()

    asyncio.run(go())


from bulk_cli_runner import run_bulk as run_main  # noqa: E402


def test_a_held_lock_is_refused_in_plain_words_and_take_over_runs_the_job(
    bulk_server: Any, tmp_path: Path, journal_path: Path, holders: list[Holder],
    monkeypatch: pytest.MonkeyPatch, capsys: Any,
) -> None:
    job_id = asyncio.run(planned_job(bulk_server, journal_path))
    holder = Holder(journal_path, job_id)
    holders.append(holder)
    env = {"ORBIT_TUI_CONFIG": str(tmp_path / "config.toml"), "ORBIT_TUI_DATA_DIR": str(journal_path.parent),
           "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache"), "ORBIT_BASE_URL": bulk_server.base_url,
           "ORBIT_API_KEY": bulk_server.api_key}
    code, out, err = run_main(monkeypatch, capsys, env, "resume", job_id)
    assert code == 2
    assert f"is being run by another orbit-tui on {socket.gethostname()} (pid {holder.proc.pid})" in err
    assert "--take-over" in err and "Traceback" not in err
    code, out, err = run_main(monkeypatch, capsys, env, "undo", job_id)
    assert code == 2 and "is being run by another orbit-tui" in err

    code, out, err = run_main(monkeypatch, capsys, env, "resume", job_id, "--take-over")
    assert code == 0, err
    assert "may still be running this job; taking over" in err
    data = json.loads(out)
    assert data["state"] == "completed" and data["changed"] == 3


def _plan(ids: list[str]) -> Plan:
    return Plan(target=Target.explicit(ids), op=Operation.tags(add=["a"]), contact_ids=ids)


def test_a_runner_taken_over_stops_before_its_next_request_and_changes_no_state(tmp_path: Path) -> None:
    first = Journal(tmp_path / "jobs.db")
    job_id = first.create_job(_plan(["con_1", "con_2", "con_3"]), base_url="http://127.0.0.1:1")
    first.claim(job_id)
    first.advance(job_id, [], ["con_1"], "key-1")
    second = Journal(tmp_path / "jobs.db")
    with pytest.raises(JobBusy):
        second.claim(job_id)
    assert second.claim(job_id, take_over=True) is not None
    with pytest.raises(JobTakenOver):
        first.advance(job_id, [], ["con_2"], "key-2")
    first.set_job_state(job_id, "stopped", "should not land")
    assert second.get_job(job_id).state == "running"
    assert [i.state for i in second.items(job_id)] == ["in_flight", "pending", "pending"]
    first.release_claim(job_id)  # the old runner letting go leaves the new lock alone
    third = Journal(tmp_path / "jobs.db")
    with pytest.raises(JobBusy):
        third.claim(job_id)
    for journal in (first, second, third):
        journal.close()


def test_without_flock_the_lock_is_a_lease_that_expires(tmp_path: Path) -> None:
    now = [1000.0]
    mine = JobLocks(tmp_path / "locks", use_flock=False, clock=lambda: now[0])
    theirs = JobLocks(tmp_path / "locks", use_flock=False, clock=lambda: now[0])
    mine.acquire("job_1")
    assert theirs.held_by("job_1") is not None
    with pytest.raises(JobBusy):
        theirs.acquire("job_1")
    now[0] += LEASE_S / 2
    mine.renew("job_1")  # working: the lease is pushed on
    now[0] += LEASE_S / 2 + 1
    assert theirs.held_by("job_1") is not None
    now[0] += LEASE_S + 1  # the holder stopped renewing (it died)
    assert theirs.held_by("job_1") is None
    theirs.acquire("job_1")
    theirs.release("job_1")
    assert not (tmp_path / "locks" / "job_1.lock").exists()
