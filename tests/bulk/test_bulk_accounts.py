"""A bulk job belongs to the account that made it, not to the URL.

Two keys on one sandbox stand for two accounts on Orbit's shared production URL: what
key A made, key B neither lists, shows, resumes, retries nor undoes — in the engine and
in `orbit-tui bulk jobs/undo`. The job records a keyed fingerprint of the key (HMAC with
a per-install secret kept 0600), never the key nor a plain hash of it. A journal from
before accounts (schema 1) still opens; its jobs go to the first account that opens it
on the same base URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_template_db, make_client, make_engine  # noqa: F401
from orbit_tui.bulk import BulkError, Operation, Target
from orbit_tui.sandbox import SandboxServer

KEY_A = "dv_test_sk_" + "accounta" * 3
KEY_B = "dv_test_sk_" + "accountb" * 3


@pytest.fixture
def two_key_server(bulk_template_db: Path, tmp_path: Path) -> Iterator[SandboxServer]:
    db = tmp_path / "sandbox.db"
    shutil.copy(bulk_template_db, db)
    with SandboxServer(db, api_keys=[KEY_A, KEY_B]) as server:
        yield server


def engine_for(server: SandboxServer, key: str, journal: Path) -> Any:
    client = make_client(server)
    client_with_key = type(client)(server.base_url, key)
    return make_engine(client_with_key, journal, api_key=key)


async def a_job(engine: Any, n: int = 4) -> str:
    ids = [c.id for c in (await engine.client.list_contacts(limit=n)).items]
    plan = await engine.plan(Target.explicit(ids), Operation.tags(add=["acct-a"]))
    job = await engine.execute(plan)
    return str(job.id)


def test_another_account_cannot_see_resume_retry_or_undo_a_job(two_key_server: SandboxServer, tmp_path: Path) -> None:
    journal = tmp_path / "data" / "jobs.db"

    async def go() -> None:
        a, b = engine_for(two_key_server, KEY_A, journal), engine_for(two_key_server, KEY_B, journal)
        try:
            job_id = await a_job(a)
            assert [j.id for j in a.list_jobs()] == [job_id]
            assert b.list_jobs() == [] and b.pending_jobs() == []
            for attempt in (lambda: b.get_job(job_id), lambda: b.plan_undo(job_id)):
                with pytest.raises(BulkError, match="No bulk job"):
                    attempt()
            for coro in (b.resume(job_id), b.retry_failed(job_id), b.undo(job_id)):
                with pytest.raises(BulkError, match="No bulk job"):
                    await coro
            undone = await a.undo(job_id)  # its own account still can
            assert undone.counts.changed == 4
        finally:
            for engine in (a, b):
                await engine.client.aclose()
                engine.journal.close()

    asyncio.run(go())
    data = journal.read_bytes() + Path(f"{journal}-wal").read_bytes() if Path(f"{journal}-wal").exists() else journal.read_bytes()
    assert KEY_A.encode() not in data and KEY_B.encode() not in data
    with sqlite3.connect(journal) as conn:
        accounts = {r[0] for r in conn.execute("SELECT account FROM jobs")}
    assert len(accounts) == 1
    [account] = accounts
    assert KEY_A not in account and hashlib.sha256(KEY_A.encode()).hexdigest()[:40] not in account
    from orbit_tui.bulk.accounts import SECRET_NAME

    secret = journal.parent / SECRET_NAME
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600


def cli_env(tmp_path: Path, server: SandboxServer, key: str) -> dict[str, str]:
    return {
        "ORBIT_TUI_CONFIG": str(tmp_path / "config.toml"),
        "ORBIT_TUI_DATA_DIR": str(tmp_path / "data"),
        "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache"),
        "ORBIT_BASE_URL": server.base_url,
        "ORBIT_API_KEY": key,
    }


from bulk_cli_runner import run_bulk as run_main  # noqa: E402


def test_bulk_jobs_and_undo_on_the_command_line_see_only_the_keys_account(
    two_key_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    env_a, env_b = cli_env(tmp_path, two_key_server, KEY_A), cli_env(tmp_path, two_key_server, KEY_B)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(sorted(two_key_server_ids(two_key_server))[:3]) + "\n")
    code, out, err = run_main(monkeypatch, capsys, env_a, "tag", "--add", "cli-a", "--ids-file", str(ids))
    assert code == 0, err
    import json

    job_id = json.loads(out)["job"]
    code, out, err = run_main(monkeypatch, capsys, env_b, "jobs")
    assert code == 0 and json.loads(out)["jobs"] == []
    code, out, err = run_main(monkeypatch, capsys, env_b, "undo", job_id)
    assert code == 2 and "No bulk job" in err
    code, out, err = run_main(monkeypatch, capsys, env_b, "resume", job_id)
    assert code == 2 and "No bulk job" in err
    code, out, err = run_main(monkeypatch, capsys, env_a, "jobs")
    assert [j["id"] for j in json.loads(out)["jobs"]] == [job_id]
    code, out, err = run_main(monkeypatch, capsys, env_a, "undo", job_id)
    assert code == 0, err


def two_key_server_ids(server: SandboxServer) -> list[str]:
    async def read() -> list[str]:
        async with type(make_client(server))(server.base_url, KEY_A) as client:
            return [c.id for c in (await client.list_contacts(limit=10)).items]

    return asyncio.run(read())


OLD_SCHEMA = """
CREATE TABLE jobs (id TEXT PRIMARY KEY, created TEXT NOT NULL, updated TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'run', parent_job TEXT, undone_by TEXT, op TEXT NOT NULL,
    target TEXT NOT NULL, description TEXT NOT NULL, state TEXT NOT NULL,
    base_url TEXT NOT NULL, error TEXT, runner_pid INTEGER, runner_host TEXT);
CREATE TABLE items (job_id TEXT NOT NULL REFERENCES jobs(id), seq INTEGER NOT NULL,
    contact_id TEXT NOT NULL, state TEXT NOT NULL, op TEXT, before TEXT, after TEXT,
    changed INTEGER, error_code TEXT, error_message TEXT, error_status INTEGER,
    request_id TEXT, idem_key TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL, PRIMARY KEY (job_id, contact_id));
PRAGMA user_version=1;
"""


def old_journal(path: Path, base_url: str, contact_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.execute(
            "INSERT INTO jobs VALUES ('job_old', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
            "'run', NULL, NULL, ?, ?, 'ids', 'cancelled', ?, NULL, NULL, NULL)",
            ('{"kind":"tags","add_tags":["old"],"remove_tags":[]}',
             '{"kind":"ids","ids":["%s"]}' % contact_id, base_url),
        )
        conn.execute("INSERT INTO items (job_id, seq, contact_id, state, updated) "
                     "VALUES ('job_old', 0, ?, 'pending', '2026-01-01T00:00:00Z')", (contact_id,))


def test_a_journal_from_before_accounts_opens_and_its_jobs_go_to_the_first_account(
    two_key_server: SandboxServer, tmp_path: Path
) -> None:
    journal = tmp_path / "data" / "jobs.db"
    old_journal(journal, two_key_server.base_url + "/", two_key_server_ids(two_key_server)[0])

    async def go() -> None:
        a = engine_for(two_key_server, KEY_A, journal)
        b = engine_for(two_key_server, KEY_B, journal)
        try:
            assert [j.id for j in a.list_jobs()] == ["job_old"] and a.notices
            assert b.list_jobs() == []
            job = await a.resume("job_old")
            assert job.state == "completed" and job.counts.changed == 1
        finally:
            for engine in (a, b):
                await engine.client.aclose()
                engine.journal.close()

    asyncio.run(go())
    with sqlite3.connect(journal) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
