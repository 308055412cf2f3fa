"""Bulk list jobs started from a list's members go through the app's bulk runner like any
other bulk job: the preview (typed on LIVE), the progress screen, the status line, :jobs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from orbit_tui.sandbox import SandboxServer

from orbit_tui.ui.screens.bulk_preview import BulkPreviewScreen
from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.list_members import ListMembersScreen
from orbit_tui.ui.status import ProfileInfo
from ui_helpers import loaded, wait_for


def api(server: SandboxServer, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{server.base_url}/{path}", headers={"X-API-Key": server.api_key},
                             **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def member_ids(server: SandboxServer, list_id: str) -> set[str]:
    data = api(server, "GET", f"contacts/lists/{list_id}/members", params={"limit": 100})["data"]
    return {item["id"] for item in data}


async def until(predicate: Any, what: str, timeout: float = 15) -> None:
    """Wait without pilot.pause(), which waits for an idle app (never, while a job runs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def open_members(pilot: Any, app: Any, list_id: str, name: str) -> ListMembersScreen:
    from orbit_tui.api.models import ContactList

    await wait_for(pilot, loaded(app), what="contacts")
    app.push_screen(ListMembersScreen(ContactList(id=list_id, name=name)))
    await wait_for(pilot, lambda: isinstance(app.screen, ListMembersScreen) and app.screen.loaded_once
                   and not app.screen.is_loading, what="members")
    screen = app.screen
    assert isinstance(screen, ListMembersScreen)
    return screen


async def test_removing_marked_members_on_live_runs_through_the_runner(
    sandbox: SandboxServer, make_app: Any, tmp_path: Path
) -> None:
    ids = [c["id"] for c in api(sandbox, "GET", "contacts", params={"limit": 12})["data"]]
    created = api(sandbox, "POST", "contacts/lists", json={"name": "Runner list"})["data"]
    api(sandbox, "POST", f"contacts/lists/{created['id']}/members", json={"contact_ids": ids})
    app = make_app(sandbox, profile=ProfileInfo(name="production", kind="LIVE"), bulk_concurrency=1)
    async with app.run_test(size=(120, 40)) as pilot:
        members = await open_members(pilot, app, created["id"], "Runner list")
        for _ in range(6):
            await pilot.press("space")
        marked = app.marks.ids()
        assert len(marked) == 6

        # Declined at the preview: nothing changes, no job is written.
        await pilot.press("ctrl+d")  # straight to the preview: it is the one question
        await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen) and app.screen.plan is not None,
                       what="preview")
        preview = app.screen
        assert preview.live and preview.plan is not None and preview.plan.will_change == 6
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is members, what="back to the members")
        assert member_ids(sandbox, created["id"]) == set(ids)
        assert app.runtime.engine().list_jobs() == []
        assert any("not run" in str(n.message) for n in app._notifications)

        # Confirmed by the typed count: the progress screen, the status line, then :jobs.
        await pilot.press("ctrl+d")  # straight to the preview: it is the one question
        await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen) and app.screen.plan is not None,
                       what="preview")
        await pilot.press("y")  # typed into the box: a y alone never starts a LIVE job
        await pilot.press("enter")
        assert isinstance(app.screen, BulkPreviewScreen)
        await pilot.press("backspace", "6")
        status_lines: list[str] = []
        app.bulk_runner.subscribe(lambda: status_lines.append(app.status.job))
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, BulkProgressScreen), "progress screen")
        progress = app.screen
        assert isinstance(progress, BulkProgressScreen)
        await wait_for(pilot, lambda: not progress.running, what="job done", timeout=30)
        assert any(line.startswith("job ") for line in status_lines)  # "job 50%" while it ran
        assert member_ids(sandbox, created["id"]) == set(ids) - set(marked)
        assert app.status.job == ""
        [job] = app.runtime.engine().list_jobs()
        assert job.op.kind == "list_remove" and job.counts.changed == 6 and job.state == "completed"
        await wait_for(pilot, lambda: any("Removed from the list: 6 changed" in str(n.message)
                                          for n in app._notifications), what="the caller's summary")
        # Told once, by the caller: not a second time by the runner ("Job … completed: …").
        assert not any(str(n.message).startswith(f"Job {job.id}") for n in app._notifications)

        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is members, what="back to the members")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs), what="jobs")
        assert app.screen.jobs[0].id == job.id
