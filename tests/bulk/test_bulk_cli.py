"""`orbit-tui bulk …` as a real subprocess against a sandbox served by the test process:
dry run, ids file, the JSON summary line, LIVE confirmation, demo refusal, jobs/undo, and
a run killed with SIGKILL in the middle that resumes to the correct end state."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_server, bulk_template_db, make_client, snapshot  # noqa: F401
from orbit_tui.bulk import Journal
from orbit_tui.sandbox import Faults, SandboxServer

LIVE_KEY = "dv_live_sk_" + "bulkclitest" * 3


def cli_env(tmp_path: Path, server: Any | None, key: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")}
    env.update(
        ORBIT_TUI_CONFIG=str(tmp_path / "config.toml"),  # does not exist: no profile
        ORBIT_TUI_DATA_DIR=str(tmp_path / "data"),
        ORBIT_TUI_CACHE_DIR=str(tmp_path / "cache"),
    )
    if server is not None:
        env["ORBIT_BASE_URL"] = server.base_url
        env["ORBIT_API_KEY"] = key or server.api_key
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orbit_tui.bulk_cli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: Any, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The same command in this process (faster than a subprocess)."""
    from orbit_tui import bulk_cli

    for name in list(os.environ):
        if name.startswith("ORBIT"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        code = bulk_cli.main(list(args))
    except SystemExit as exc:  # argparse refusing the arguments
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out.out, out.err)


def summary(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    return json.loads(lines[0])


def server_state(server: Any) -> dict[str, dict[str, Any]]:
    async def read() -> dict[str, dict[str, Any]]:
        async with make_client(server) as client:
            return await snapshot(client)

    return asyncio.run(read())


def test_dry_run_previews_and_changes_nothing(bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    start = server_state(bulk_server)
    leads = [cid for cid, s in start.items() if s["stage"] == "lead"]
    proc = run_main(monkeypatch, capsys, cli_env(tmp_path, bulk_server), "tag", "--add", "clidry", "--stage", "lead", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    data = summary(proc)
    assert data["dry_run"] is True and data["total"] == len(leads) and data["will_change"] == len(leads)
    assert f"{len(leads)} contacts" in proc.stderr
    assert server_state(bulk_server) == start
    assert not (tmp_path / "data" / "jobs.db").exists() or Journal(tmp_path / "data" / "jobs.db").list_jobs() == []


def test_ids_file_job_then_jobs_and_undo(bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    start = server_state(bulk_server)
    ids = list(start)[:8]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("# chosen by hand\n" + "\n".join(ids) + "\n\ncon_missing\n", encoding="utf-8")
    env = cli_env(tmp_path, bulk_server)

    proc = run_cli(env, "tag", "--add", "cli1,cli2", "--ids-file", str(ids_file))
    assert proc.returncode == 1, proc.stderr  # one item failed
    data = summary(proc)
    assert (data["state"], data["total"], data["done"], data["changed"], data["failed"]) == ("completed", 9, 8, 8, 1)
    assert data["failures"][0]["contact_id"] == "con_missing" and data["failures"][0]["code"] == "NOT_FOUND"
    after = server_state(bulk_server)
    assert all({"cli1", "cli2"} <= set(after[cid]["tags"]) for cid in ids)

    jobs = summary(run_main(monkeypatch, capsys, env, "jobs"))["jobs"]
    assert [j["id"] for j in jobs] == [data["job"]]

    undo = run_main(monkeypatch, capsys, env, "undo", data["job"])
    assert undo.returncode == 0, undo.stderr
    assert summary(undo)["changed"] == 8
    assert server_state(bulk_server) == start


def test_live_key_is_refused_without_yes_and_a_terminal(
    bulk_template_db: Path, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    import shutil

    db = tmp_path / "live.db"
    shutil.copy(bulk_template_db, db)
    with SandboxServer(db, api_keys=[LIVE_KEY]) as server:
        start = server_state(server)
        env = cli_env(tmp_path, server, key=LIVE_KEY)
        proc = run_main(monkeypatch, capsys, env, "stage", "--set", "clilive", "--stage", "lead")
        assert proc.returncode == 2
        assert "LIVE" in proc.stderr and "--yes" in proc.stderr
        assert summary(proc)["confirmation_required"] is True
        assert LIVE_KEY not in proc.stderr + proc.stdout
        assert server_state(server) == start

        proc = run_main(monkeypatch, capsys, env, "stage", "--set", "clilive", "--stage", "lead", "--yes")
        assert proc.returncode == 0, proc.stderr
        leads = [cid for cid, s in start.items() if s["stage"] == "lead"]
        assert summary(proc)["changed"] == len(leads)
        assert all(s["stage"] == "clilive" for cid, s in server_state(server).items() if cid in leads)


def test_demo_mode_explains_what_is_needed(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    proc = run_main(monkeypatch, capsys, cli_env(tmp_path, None), "tag", "--add", "x", "--all")
    assert proc.returncode == 2
    assert "ORBIT_API_KEY" in proc.stderr and "sandbox serve" in proc.stderr


def test_bad_arguments_are_refused_before_any_request(
    bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    env = cli_env(tmp_path, bulk_server)
    assert run_main(monkeypatch, capsys, env, "tag", "--add", "x").returncode == 2  # no target
    assert run_main(monkeypatch, capsys, env, "tag", "--add", "x", "--remove", "x", "--all").returncode == 2
    assert run_main(monkeypatch, capsys, env, "list", "--stage", "lead").returncode == 2
    assert run_main(monkeypatch, capsys, env, "tag", "--add", "x", "--list", "a", "--segment", "b").returncode == 2
    proc = run_main(monkeypatch, capsys, env, "list", "--add", "lst_nope", "--stage", "lead")
    assert proc.returncode == 2 and "lst_nope" in proc.stderr


def test_sigkill_in_the_middle_then_resume_reaches_the_exact_end_state(
    bulk_template_db: Path, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    import shutil

    db = tmp_path / "kill.db"
    shutil.copy(bulk_template_db, db)
    # Slow answers so that requests are in flight when the process is killed.
    with SandboxServer(db, faults=Faults(latency_ms=250)) as server:
        server.faults.latency_ms = 0
        start = server_state(server)
        leads = {cid for cid, s in start.items() if s["stage"] == "lead"}
        lacking = {cid for cid in leads if "killed" not in start[cid]["tags"]}
        server.faults.latency_ms = 250
        env = cli_env(tmp_path, server)
        jobs_db = tmp_path / "data" / "jobs.db"
        proc = subprocess.Popen(
            [sys.executable, "-m", "orbit_tui.bulk_cli", "tag", "--add", "killed", "--stage", "lead", "--concurrency", "3"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 40
            done = 0
            while time.monotonic() < deadline and done < 10:
                time.sleep(0.05)
                if jobs_db.exists():
                    try:
                        with sqlite3.connect(jobs_db) as conn:
                            done = conn.execute("SELECT COUNT(*) FROM items WHERE state='done'").fetchone()[0]
                    except sqlite3.OperationalError:
                        pass
            assert done >= 10, "the job did not start"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        journal = Journal(jobs_db)
        [job] = journal.list_jobs()
        assert job.state == "running" and 10 <= job.counts.done < len(leads)
        assert job.counts.in_flight >= 1  # killed while requests were out
        assert [j.id for j in journal.pending_jobs()] == [job.id]
        journal.close()

        server.faults.latency_ms = 0
        resumed = run_cli(env, "resume", job.id)
        assert resumed.returncode == 0, resumed.stderr
        data = summary(resumed)
        assert (data["state"], data["total"], data["done"], data["remaining"]) == ("completed", len(leads), len(leads), 0)
        assert data["changed"] == len(lacking)  # nothing lost, nothing counted twice
        expected = {
            cid: {**s, "tags": sorted(set(s["tags"]) | {"killed"})} if cid in leads else s for cid, s in start.items()
        }
        assert server_state(server) == expected

        undo = run_main(monkeypatch, capsys, env, "undo", job.id)
        assert undo.returncode == 0, undo.stderr
        assert server_state(server) == start


def test_registered_under_the_main_command(bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    from orbit_tui import cli

    for name in list(os.environ):
        if name.startswith("ORBIT"):
            monkeypatch.delenv(name)
    for name, value in cli_env(tmp_path, bulk_server).items():
        monkeypatch.setenv(name, value)
    code = cli.main(["bulk", "stage", "--set", "x", "--country", "US", "--dry-run"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out)["dry_run"] is True
    # --read-only on the main command refuses the job (before any change).
    code = cli.main(["--read-only", "bulk", "stage", "--set", "x", "--country", "US"])
    out = capsys.readouterr()
    assert code == 2 and "read-only" in out.err
