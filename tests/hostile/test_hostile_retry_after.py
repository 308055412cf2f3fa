"""Writes answered 429 with ``Retry-After: 999999``: the job neither hammers nor gives up.
It pauses with every item pending, says when it can resume, and resumes to the end."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any, Callable

import pytest
from starlette.requests import Request

from hostile_server import HostileServer, contact, envelope, json, page_body  # type: ignore[import-not-found]
from orbit_tui.bulk.pause import RateLimitPause, wait_words

CONTACTS = 200


def limited_writes(state: dict[str, bool]) -> list[Any]:
    def listing(request: Request) -> Any:
        start = int(request.query_params.get("cursor") or 0)
        end = min(CONTACTS, start + 100)
        items = [contact(i) for i in range(start, end)]
        more = end < CONTACTS
        return json(page_body(items, str(end) if more else None, more, total=CONTACTS))

    def tags(request: Request) -> Any:
        if state["limited"]:
            return json({"error": {"code": "RATE_LIMITED", "message": "Too many requests", "status": 429,
                                   "details": {"retry_after": 999999, "limit": 60, "window": "60s"}}},
                        status=429, headers={"Retry-After": "999999"})
        return json(envelope({"id": request.path_params["cid"], "tags": ["old", "x"]}))

    def one(request: Request) -> Any:  # a resumed job reads each contact again before it sends
        return json(envelope(contact(int(request.path_params["cid"].removeprefix("con_")))))

    return [("GET", "/contacts", listing), ("GET", "/contacts/{cid}", one),
            ("POST", "/contacts/{cid}/tags", tags)]


def test_a_huge_retry_after_pauses_the_job_with_its_items_pending(
        hostile_server: Callable[..., HostileServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from test_hostile_walks import cli_env, run_bulk  # type: ignore[import-not-found]

    state = {"limited": True}
    server = hostile_server(limited_writes(state))
    env = cli_env(tmp_path, server)
    code, out, err = run_bulk(monkeypatch, capsys, env, "tag", "--add", "x", "--all")
    assert code == 1, (out, err)
    summary = jsonlib.loads(out.splitlines()[-1])
    assert summary["failed"] == 0 and summary["done"] == 0, summary
    assert summary["remaining"] == CONTACTS
    assert summary["state"] == "stopped"
    job = summary["job"]
    assert "Orbit asked to wait 11 days; the job is paused with 200 contacts pending; resume after" in summary["error"]
    assert f"`orbit-tui bulk resume {job}`" in summary["error"]
    assert summary["resume_after"]
    assert "Traceback" not in err and "paused" in err
    assert server.hits["POST /contacts/{cid}/tags"] <= 16  # not 3 per item

    state["limited"] = False
    code, out, err = run_bulk(monkeypatch, capsys, env, "resume", job)
    assert code == 0, (out, err)
    summary = jsonlib.loads(out.splitlines()[-1])
    assert summary["state"] == "completed" and summary["done"] == CONTACTS and summary["failed"] == 0


def test_wait_words() -> None:
    assert wait_words(999999) == "11 days"
    assert wait_words(7200) == "2 hours"
    assert wait_words(300) == "5 minutes"
    assert wait_words(1) == "1 second"
    from datetime import datetime, timezone

    pause = RateLimitPause(90, now=datetime(2026, 12, 8, 14, 0, 10, tzinfo=timezone.utc))
    assert pause.until_text == "2026-12-08 14:02 UTC"
