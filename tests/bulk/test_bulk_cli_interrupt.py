"""Ctrl-C while `orbit-tui bulk` is still planning: no job was made, and it says so.

A real subprocess against a slow sandbox is sent SIGINT once it is reading the target
(it says so on stderr), before any job is written to the journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bulk_helpers import bulk_server, bulk_template_db  # noqa: F401
from orbit_tui.bulk import Journal


def cli_env(tmp_path: Path, server: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")}
    env.update(
        ORBIT_TUI_CONFIG=str(tmp_path / "config.toml"),
        ORBIT_TUI_DATA_DIR=str(tmp_path / "data"),
        ORBIT_TUI_CACHE_DIR=str(tmp_path / "cache"),
        ORBIT_BASE_URL=server.base_url,
        ORBIT_API_KEY=server.api_key,
    )
    return env


def test_ctrl_c_while_planning_says_no_job_was_made(bulk_server: Any, tmp_path: Path) -> None:
    bulk_server.faults.latency_ms = 5000  # every page of the target takes a while
    proc = subprocess.Popen(
        [sys.executable, "-m", "orbit_tui.bulk_cli", "tag", "--add", "never", "--all"],
        env=cli_env(tmp_path, bulk_server), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:  # the state to wait for: it is reading the target
            seen.append(line)
            if line.startswith("Reading the target"):
                break
        else:
            raise AssertionError(f"it never started reading the target: {seen}")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Stopped while planning: no job was made, nothing was changed" in err
    assert "journal" not in err
    [line] = out.splitlines()
    data = json.loads(line)
    assert data["status"] == "cancelled" and data["job"] is None
    jobs_db = tmp_path / "data" / "jobs.db"
    assert not jobs_db.exists() or Journal(jobs_db).list_jobs() == []
