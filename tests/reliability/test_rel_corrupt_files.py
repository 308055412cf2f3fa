"""A corrupt cache file or jobs journal (garbage bytes, a truncated database) is never fatal.

Each case writes the damage, then starts the real program as a subprocess against a
sandbox: the app (``orbit-tui --smoke``) and the bulk CLI (``jobs``, then a real job).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orbit_tui.bulk import Journal
from orbit_tui.sandbox import SandboxServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("corrupt") / "sandbox.db"
    with SandboxServer(db, contacts=30, seed=5) as running:
        yield running


def env_for(tmp_path: Path, server: SandboxServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT")}
    env.update(ORBIT_TUI_CONFIG=str(tmp_path / "config.toml"), ORBIT_TUI_DATA_DIR=str(tmp_path / "data"),
               ORBIT_TUI_CACHE_DIR=str(tmp_path / "cache"), ORBIT_BASE_URL=server.base_url,
               ORBIT_API_KEY=server.api_key)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def damage(path: Path, how: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "garbage":
        path.write_bytes(b"\x00\xffnot a database\x1b[2J" * 300)
    else:  # a real database cut in the middle
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_corrupt_cache_is_set_aside_and_the_app_starts(server: SandboxServer, tmp_path: Path, how: str) -> None:
    env = env_for(tmp_path, server)
    first = run(env, "orbit_tui", "--smoke")
    assert first.returncode == 0, first.stderr
    caches = [p for p in (tmp_path / "cache").iterdir() if p.is_file() and "corrupt" not in p.name
              and not p.name.endswith(("-wal", "-shm", "-journal"))]
    assert caches, "the app made no cache file"
    for cache in caches:
        damage(cache, how)
    again = run(env, "orbit_tui", "--smoke")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "smoke ok" in again.stdout
    assert any("corrupt" in p.name for p in (tmp_path / "cache").iterdir()), "the damaged file was not kept aside"


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_corrupt_journal_is_never_fatal(server: SandboxServer, tmp_path: Path, how: str) -> None:
    env = env_for(tmp_path, server)
    journal = tmp_path / "data" / "jobs.db"
    damage(journal, how)
    jobs = run(env, "orbit_tui.bulk_cli", "jobs")
    assert "Traceback" not in jobs.stderr, jobs.stderr
    assert jobs.returncode == 0, jobs.stdout + jobs.stderr
    assert "moved aside" in jobs.stderr  # reported, in plain words
    damage(journal, how)
    app = run(env, "orbit_tui", "--smoke")
    assert app.returncode == 0, app.stdout + app.stderr
    job = run(env, "orbit_tui.bulk_cli", "tag", "--add", "after-damage", "--all", "--yes")
    assert "Traceback" not in job.stderr, job.stderr
    assert job.returncode == 0, job.stdout + job.stderr
    # The damaged file was kept aside for a look, and the new journal works.
    assert any(p.name.startswith("jobs.db.") and "corrupt" in p.name for p in journal.parent.iterdir())
    with Journal(journal) as fresh:
        assert fresh is not None
