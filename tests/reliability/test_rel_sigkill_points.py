"""A bulk job killed with SIGKILL at random points resumes to exactly the expected state.

Each run starts ``python -m orbit_tui bulk tag …`` as a real subprocess against a sandbox
on a loopback socket, waits until ``k`` items are journalled as done (``k`` drawn from a
seeded ``random.Random``; one run is killed before the first item, one just before the
end), sends SIGKILL, then checks that the journal survived (intact file, the job pending)
and resumes the job with ``bulk resume``. After each resume every contact on the server
is exactly as expected, and the sandbox's idempotency records show that each contact's
tag request was acted on exactly once (a done item is never sent again; an in-flight one
is re-sent under its journalled key, which the sandbox replays rather than acts on). The
sandbox's latency switches give the kill windows: in one set of runs the kill lands while
requests wait before the sandbox acts on them; in the other, after the sandbox applied a
tag request but before its answer left, so the journal never learnt the outcome and the
resume must re-send it under the same key (replayed by the sandbox, not applied again).

The bulk CLI keeps no page cache; a separate test kills the app itself (``--smoke``) at
random points and checks its cache file survives and is reused, not set aside.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# The bulk tests' helpers (cli_env, run_cli, summary, server_state) are reused, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bulk"))
from test_bulk_cli import cli_env, run_cli, server_state, summary  # noqa: E402

from orbit_tui.bulk import Journal  # noqa: E402
from orbit_tui.sandbox import Faults, SandboxServer  # noqa: E402

SEED = 20261127
RUNS = 3
PER_RUN = 12
CONCURRENCY = 2
FAST_MS = 40  # answer latency while the job runs towards its kill point
SLOW_MS = 700  # from a few items before it: the window in which the kill lands


def kill_points(rng: random.Random, runs: int, total: int) -> list[int]:
    """Done-item counts to kill at: before the first, random ones, one just before the end."""
    middle = [rng.randint(1, total - 3) for _ in range(runs - 2)]
    points = [0, *middle, total - 2]
    rng.shuffle(points)
    return points


def journal_done(jobs_db: Path, earlier: set[str]) -> tuple[str | None, int]:
    """(the new job's id if it is journalled yet, how many of its items are done)."""
    if not jobs_db.exists():
        return None, 0
    try:
        with sqlite3.connect(f"file:{jobs_db}?mode=ro", uri=True, timeout=0.2) as conn:
            rows = [r for r in conn.execute("SELECT id FROM jobs").fetchall() if r[0] not in earlier]
            if not rows:
                return None, 0
            row = rows[0]
            done = conn.execute("SELECT COUNT(*) FROM items WHERE job_id=? AND state='done'", row).fetchone()[0]
            return str(row[0]), int(done)
    except sqlite3.OperationalError:  # the file is being created
        return None, 0


def applied(db: Path, contact_ids: list[str]) -> dict[str, int]:
    """How many times the sandbox applied a tag request to each contact.

    Every bulk request carries an Idempotency-Key; the sandbox records each request it
    acted on under its key (a replay of a known key is answered from the record, not
    acted on). So one record per contact is one application.
    """
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT path FROM idempotency WHERE method='POST'").fetchall()
    paths = [str(path) for (path,) in rows]
    return {cid: sum(path.endswith(f"/contacts/{cid}/tags") for path in paths) for cid in contact_ids}


def kill_at(argv: list[str], env: dict[str, str], jobs_db: Path, k: int, faults: Faults,
            earlier: set[str], slow: str = "latency_ms",
            applied_unknown: Callable[[Callable[[], int]], bool] | None = None) -> str:
    """Run ``argv``; SIGKILL it once ``k`` items are done; the job's id.

    Answers are quick until the job is ``CONCURRENCY`` items short of ``k``; from then on
    they are slow, so at most the requests already out finish quickly and the kill lands
    while the job is at ``k`` (or a little past it) with requests in flight.
    """
    setattr(faults, slow, SLOW_MS if k <= CONCURRENCY else FAST_MS)
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        job_id = None
        while time.monotonic() < deadline and proc.poll() is None:
            job_id, done = journal_done(jobs_db, earlier)
            if job_id is not None and done >= k - CONCURRENCY:
                setattr(faults, slow, SLOW_MS)
            if job_id is not None and done >= k:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the job ended before the kill: {proc.stderr.read() if proc.stderr else ''}"
        assert job_id is not None, "the job never started"
        while applied_unknown is not None and time.monotonic() < deadline and proc.poll() is None:
            # Each item reads the contact, then posts its tags, both answered SLOW_MS late:
            # kill once a post has been applied while its answer still waits.
            if applied_unknown(lambda: journal_done(jobs_db, earlier)[1]):
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        return job_id
    finally:
        setattr(faults, slow, 0)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize("slow", ["latency_ms", "reply_latency_ms"],
                         ids=["killed-before-the-server-acts", "killed-after-it-acted-unanswered"])
def test_sigkill_at_random_points_then_resume(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path,
                                              slow: str) -> None:
    server = sandbox_factory(contacts=RUNS * PER_RUN + 10, seed=3, faults=Faults())
    env = cli_env(tmp_path, server)
    jobs_db = tmp_path / "data" / "jobs.db"
    state = server_state(server)
    rng = random.Random(SEED)
    ids = sorted(state)
    rng.shuffle(ids)
    points = kill_points(rng, RUNS, PER_RUN)
    seen_jobs: list[str] = []

    for run, k in enumerate(points):
        targets = ids[run * PER_RUN:(run + 1) * PER_RUN]
        tag = f"killed-{run}"
        assert not any(tag in state[cid]["tags"] for cid in targets)
        def tagged_now() -> int:
            # From the database itself: asking the API would wait out the latency switch.
            with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=2) as conn:
                rows = conn.execute("SELECT id, tags FROM contacts").fetchall()
            return sum(tag in json.loads(tags) for cid, tags in rows if cid in targets)  # noqa: B023

        ids_file = tmp_path / f"ids-{run}.txt"
        ids_file.write_text("\n".join(targets) + "\n", encoding="utf-8")
        job_id = kill_at([sys.executable, "-m", "orbit_tui", "bulk", "tag", "--add", tag,
                          "--ids-file", str(ids_file), "--concurrency", str(CONCURRENCY)],
                         env, jobs_db, k, server.faults, set(seen_jobs), slow,
                         # The server is read before the journal: read after, an answer
                         # journalled between the two reads looked like one still unknown.
                         (lambda done: tagged_now() > done()) if slow == "reply_latency_ms" else None)

        # The journal survived the kill: an intact file, the job pending, k items done.
        with sqlite3.connect(jobs_db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        journal = Journal(jobs_db)
        try:
            job = journal.get_job(job_id)
            # Killed mid-run, or (before the first item) maybe even before it was marked running.
            assert job.state in ("running", "planned") if k == 0 else job.state == "running", (run, k, job.state)
            assert k <= job.counts.done < PER_RUN and job.counts.total == PER_RUN
            assert job_id in [j.id for j in journal.pending_jobs()]
        finally:
            journal.close()
        if k == 0:
            assert job.counts.done == 0  # killed before the first item was done
        tagged = tagged_now()
        if slow == "reply_latency_ms":
            # What this mode is for: applied on the server, not known to the journal.
            assert tagged > job.counts.done, (run, k, tagged, job.counts)
        else:  # an answer may have arrived just before the kill, not yet journalled
            assert tagged >= job.counts.done, (run, k, tagged, job.counts)

        resumed = run_cli(env, "resume", job_id)
        assert resumed.returncode == 0, resumed.stderr
        data = summary(resumed)
        assert (data["state"], data["total"], data["done"], data["remaining"]) == ("completed", PER_RUN, PER_RUN, 0)
        assert data["changed"] == PER_RUN  # every target lacked the tag: none lost, none counted twice

        for cid in targets:
            state[cid] = {**state[cid], "tags": sorted({*state[cid]["tags"], tag})}
        assert server_state(server) == state, f"run {run} (killed after {k} done)"
        assert applied(server.db_path, targets) == dict.fromkeys(targets, 1), f"run {run}: applied twice"
        seen_jobs.append(job_id)

    # Every job is in the journal, completed; nothing is left pending.
    journal = Journal(jobs_db)
    try:
        assert sorted(j.id for j in journal.list_jobs()) == sorted(seen_jobs)
        assert all(j.state == "completed" for j in journal.list_jobs())
        assert journal.pending_jobs() == []
    finally:
        journal.close()


def test_sigkill_while_the_app_fills_its_cache(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    """The app (``--smoke``: headless until its first page shows) killed at random moments
    keeps an intact cache that the next start uses; nothing is set aside as corrupt."""
    server = sandbox_factory(contacts=60, seed=3, faults=Faults(latency_ms=100))
    env = cli_env(tmp_path, server)
    cache_dir = tmp_path / "cache"
    argv = [sys.executable, "-m", "orbit_tui", "--smoke"]

    def smoke() -> float:
        started = time.monotonic()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == 0 and "smoke ok" in done.stdout, done.stderr
        return time.monotonic() - started

    def check_cache() -> Path:
        files = sorted(p for p in cache_dir.iterdir() if p.suffix == ".sqlite3")
        assert [p.name for p in cache_dir.iterdir() if "corrupt" in p.name] == []
        assert len(files) == 1, files
        with sqlite3.connect(files[0]) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return files[0]

    smoke()
    cache = check_cache()
    warm = smoke()  # how long a start with a cache takes
    rng = random.Random(SEED + 1)
    killed = 0
    for _ in range(6):
        if killed == 3:
            break
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(rng.uniform(0.4, 0.95) * warm)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert check_cache() == cache
    assert killed >= 1
    smoke()  # starts as usual from the same cache file
    assert check_cache() == cache
