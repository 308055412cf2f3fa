"""`orbit-tui bulk` safety: keys not provably test keys are LIVE's, dot tags and ids
never reach a path, and nothing is changed when the job is refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_server, bulk_template_db  # noqa: F401
from orbit_tui.sandbox import SandboxServer
from test_bulk_cli import cli_env, run_main, server_state, summary


@pytest.mark.parametrize("key", ["sk_live_" + "k" * 24, "orbit-" + "k" * 24, "Bearer " + "k" * 24])
def test_a_key_not_provably_a_test_key_needs_yes(
    bulk_template_db: Path, tmp_path: Path, monkeypatch: Any, capsys: Any, key: str
) -> None:
    db = tmp_path / "keys.db"
    shutil.copy(bulk_template_db, db)
    with SandboxServer(db, api_keys=[key]) as server:
        start = server_state(server)
        env = cli_env(tmp_path, server, key=key)
        proc = run_main(monkeypatch, capsys, env, "tag", "--add", "unk", "--stage", "lead")
        assert proc.returncode == 2, proc.stderr
        assert "--yes" in proc.stderr and "LIVE" in proc.stderr
        assert summary(proc)["confirmation_required"] is True
        assert key not in proc.stderr + proc.stdout
        assert server_state(server) == start


def test_a_sk_test_key_runs_without_yes(
    bulk_template_db: Path, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    key = "sk_test_" + "t" * 24
    db = tmp_path / "test-key.db"
    shutil.copy(bulk_template_db, db)
    with SandboxServer(db, api_keys=[key]) as server:
        env = cli_env(tmp_path, server, key=key)
        proc = run_main(monkeypatch, capsys, env, "tag", "--add", "sktest", "--stage", "lead")
        assert proc.returncode == 0, proc.stderr
        assert summary(proc)["changed"] > 0


def test_removing_a_dot_tag_deletes_nothing(bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    start = server_state(bulk_server)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(list(start)[:3]) + "\n", encoding="utf-8")
    env = cli_env(tmp_path, bulk_server)
    for tag in ("..", ".", " .. "):
        proc = run_main(monkeypatch, capsys, env, "tag", "--remove", tag, "--ids-file", str(ids_file))
        assert proc.returncode == 2, proc.stderr
        assert "'..'" in proc.stderr or "'.'" in proc.stderr
    proc = run_main(monkeypatch, capsys, env, "tag", "--add", "..", "--all")
    assert proc.returncode == 2
    assert server_state(bulk_server) == start


def test_a_dot_id_in_an_ids_file_never_deletes_the_list(
    bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    import asyncio

    from bulk_helpers import make_client

    async def a_list() -> str:
        async with make_client(bulk_server) as client:
            return (await client.create_list("keep me")).id

    list_id = asyncio.run(a_list())
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("..\n", encoding="utf-8")
    env = cli_env(tmp_path, bulk_server)
    proc = run_main(monkeypatch, capsys, env, "list", "--remove", list_id, "--ids-file", str(ids_file))
    assert proc.returncode == 2, proc.stderr

    async def still_there() -> str:
        async with make_client(bulk_server) as client:
            return next(lst.name for lst in (await client.list_lists()).items if lst.id == list_id)

    assert asyncio.run(still_there()) == "keep me"


async def test_the_bulk_command_line_uses_the_profiles_client_settings(tmp_path: Path) -> None:
    """It built its client without the profile's timeouts and retries."""
    import argparse

    from orbit_tui import bulk_cli

    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.p]\nbase_url = "http://127.0.0.1:9/api/v1"\napi_key = "dv_test_sk_settings"\n'
        '[settings]\nread_timeout = 2.5\nconnect_timeout = 1.5\nmax_retries = 1\nbulk_concurrency = 3\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    env = {"ORBIT_TUI_CONFIG": str(config), "ORBIT_TUI_DATA_DIR": str(tmp_path / "data"),
           "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache")}
    mp = pytest.MonkeyPatch()
    for name, value in env.items():
        mp.setenv(name, value)
    for name in ("ORBIT_API_KEY", "ORBIT_BASE_URL", "ORBIT_PROFILE"):
        mp.delenv(name, raising=False)
    try:
        session = bulk_cli._Session(argparse.Namespace(profile="p", base_url=None, api_key_env=None,
                                                       read_only=False, concurrency=None))
        engine = await session.__aenter__()
        try:
            client = engine.client
            assert client.timeouts.read == 2.5 and client.timeouts.connect == 1.5
            assert client.retry.max_retries == 1
            assert engine.concurrency == 3
        finally:
            await session.__aexit__(None, None, None)
    finally:
        mp.undo()


async def test_undoing_an_old_job_that_added_a_dot_tag_deletes_nobody(bulk_server: Any, tmp_path: Path) -> None:
    """A journal written before tags were checked: its undo would have sent
    DELETE …/tags/.. (the contact itself) for every contact the job tagged."""
    from bulk_helpers import make_client, make_engine, snapshot
    from orbit_tui.bulk import DONE, Operation, Plan, Target

    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        ids = list(start)[:3]
        engine = make_engine(client, tmp_path / "jobs.db")
        op = Operation(kind="tags", add_tags=("..",))  # as an old journal holds it, unchecked
        plan = Plan(target=Target.explicit(ids), op=op, contact_ids=ids,
                    before={i: {"tags": start[i]["tags"]} for i in ids}, will_change=3)
        job_id = engine.journal.create_job(plan, base_url=engine.base_url)
        for cid in ids:
            engine.journal.finish_item(job_id, cid, state=DONE, changed=True,
                                       after={"added": [".."], "tags": [*start[cid]["tags"], ".."]})
        engine.journal.set_job_state(job_id, "completed")
        undo = await engine.undo(job_id, confirm=True)
        assert undo.counts.failed == 3 and undo.counts.changed == 0
        failures = engine.journal.latest_failures(undo.id)
        assert {f.code for f in failures} == {"UNSAFE_PATH_VALUE"}
        assert await snapshot(client) == start  # every contact still there, unchanged


def test_a_read_only_profile_is_refused_before_any_confirmation(
    bulk_template_db: Path, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    """It asked for the typed count (or --yes) first, and only then said read-only."""
    from test_bulk_cli import LIVE_KEY

    db = tmp_path / "ro.db"
    shutil.copy(bulk_template_db, db)
    with SandboxServer(db, api_keys=[LIVE_KEY]) as server:
        start = server_state(server)
        env = cli_env(tmp_path, server, key=LIVE_KEY)
        from orbit_tui import cli

        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = cli.main(["--read-only", "bulk", "tag", "--add", "ro", "--stage", "lead"])
        out = capsys.readouterr()
        assert code == 2
        assert "read-only" in out.err and "confirm" not in out.err and "--yes" not in out.err
        assert out.err.count("is read-only") == 1  # said once, not twice
        assert server_state(server) == start
