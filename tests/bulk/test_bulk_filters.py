"""A filter the server ignores never widens a bulk job: planning checks every contact of
every page against the filters, and a page that does not honour one stops the job before
anything is written or changed (the sandbox's ``ignore_filters`` fault plays a server
that does not know the filters designed here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulk_helpers import bulk_server, bulk_template_db, make_client, make_engine, snapshot  # noqa: F401
from orbit_tui.bulk import BulkError, Operation, Target
from test_bulk_cli import cli_env, run_main, server_state


async def test_planning_stops_when_the_server_ignores_country_code(bulk_server: Any, tmp_path: Path) -> None:
    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        assert any(s["country_code"] == "TR" for s in start.values())
        assert any(s["country_code"] != "TR" for s in start.values())
        engine = make_engine(client, tmp_path / "jobs.db")
        honoured = await engine.plan(Target.matching(country="TR"), Operation.tags(add=["trlead"]))
        assert honoured.total == sum(s["country_code"] == "TR" for s in start.values())

        bulk_server.faults.ignore_filters = ("country_code",)
        with pytest.raises(BulkError) as caught:
            await engine.plan(Target.matching(country="TR"), Operation.tags(add=["trlead"]))
        text = str(caught.value)
        assert text.startswith("Orbit ignored the filter country_code=TR: contact con_")
        assert "on page 1 has country " in text
        assert text.endswith("Nothing was changed; the server may not support this filter.")
        assert engine.list_jobs() == []
        assert await snapshot(client) == start


async def test_a_stage_filter_the_server_ignores_is_caught_too(bulk_server: Any, tmp_path: Path) -> None:
    bulk_server.faults.ignore_filters = ("lifecycle_stage",)
    async with make_client(bulk_server) as client:
        engine = make_engine(client, tmp_path / "jobs.db")
        with pytest.raises(BulkError, match="Orbit ignored the filter lifecycle_stage=lead: contact con_"):
            await engine.plan(Target.matching(stage="lead"), Operation.set_stage("x"))


def test_the_command_line_job_stops_at_planning(bulk_server: Any, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    start = server_state(bulk_server)
    bulk_server.faults.ignore_filters = ("country_code",)
    proc = run_main(monkeypatch, capsys, cli_env(tmp_path, bulk_server), "tag", "--add", "trlead", "--country", "TR", "--yes")
    assert proc.returncode != 0
    assert "Orbit ignored the filter country_code=TR" in proc.stderr
    assert "Nothing was changed" in proc.stderr
    bulk_server.faults.ignore_filters = ()
    assert server_state(bulk_server) == start
