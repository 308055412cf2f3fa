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


def _segment_rules_said(inner: Any, rules: dict[str, Any]) -> Any:
    """The sandbox, except that GET /contacts/segments/{id} answers with ``rules`` in place
    of the rules its members are chosen by (a server that reads rules differently)."""
    import json
    import re

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not re.search(
            r"/contacts/segments/seg_[^/]+$", scope["path"]
        ):
            await inner(scope, receive, send)
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = json.loads(b"".join(chunks))
            body["data"]["rules"] = rules
            raw = json.dumps(body).encode()
            headers = [(k, v) for k, v in started["headers"] if k.lower() != b"content-length"]
            await send({**started, "headers": [*headers, (b"content-length", str(len(raw)).encode())]})
            await send({"type": "http.response.body", "body": raw})

        await inner(scope, receive, capture)

    return app


async def test_segment_members_that_do_not_match_its_rules_stop_the_planning(
    bulk_server: Any, tmp_path: Path
) -> None:
    import httpx

    from orbit_tui.api.client import OrbitClient
    from orbit_tui.sandbox import create_app

    async with make_client(bulk_server) as client:
        start = await snapshot(client)
        segment = await client.create_segment("Leads", {"lifecycle_stage": "lead"})

    def client_for(rules: dict[str, Any]) -> OrbitClient:
        app = _segment_rules_said(create_app(bulk_server.db_path, api_keys=[bulk_server.api_key]), rules)
        return OrbitClient("http://orbit.test/api/v1", bulk_server.api_key, transport=httpx.ASGITransport(app=app))

    async with client_for({"lifecycle_stage": "customer"}) as client:
        engine = make_engine(client, tmp_path / "jobs.db")
        with pytest.raises(BulkError, match=f"as a member of segment {segment.id}, but it does not match"):
            await engine.plan(Target.segment_members(segment.id), Operation.tags(add=["segtag"]))
        assert engine.list_jobs() == []
    async with client_for({"a_field_from_the_future": {"$eq": 1}}) as client:
        # Rules this client cannot read are left to the server.
        plan = await make_engine(client, tmp_path / "jobs2.db").plan(
            Target.segment_members(segment.id), Operation.tags(add=["segtag"])
        )
        assert plan.total == sum(s["stage"] == "lead" for s in start.values())
    async with make_client(bulk_server) as client:
        assert await snapshot(client) == start
