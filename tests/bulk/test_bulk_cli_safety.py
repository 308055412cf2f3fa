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
