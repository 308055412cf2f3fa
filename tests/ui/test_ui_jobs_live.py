"""On a LIVE profile, undo, retry and resume from :jobs need the typed count, like a new job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from orbit_tui.bulk import BulkEngine, Journal, Operation, Target
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen
from orbit_tui.ui.screens.confirm import CountConfirmScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.status import ProfileInfo
from ui_helpers import loaded, wait_for


def live_app(make_app: Any, sandbox: SandboxServer, tmp_path: Path) -> OrbitApp:
    app = make_app(sandbox, profile=ProfileInfo(name="production", kind="LIVE"))
    app.runtime.adopt_engine(BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db"),
                                 live=True, item_retry_delay=0.05, item_retries=0))
    return app


def tags_of(server: SandboxServer, contact_id: str) -> list[str]:
    answer = httpx.get(f"{server.base_url}/contacts/{contact_id}", headers={"X-API-Key": server.api_key})
    answer.raise_for_status()
    return list(answer.json()["data"]["tags"])


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def open_jobs(pilot: Any, app: OrbitApp) -> JobsScreen:
    app.run_command("jobs")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs), what="jobs")
    screen = app.screen
    assert isinstance(screen, JobsScreen)
    return screen


async def test_live_undo_and_retry_need_the_typed_count(sandbox: SandboxServer, make_app: Any,
                                                        tmp_path: Path) -> None:
    app = live_app(make_app, sandbox, tmp_path)
    engine: BulkEngine = app.runtime.engine()
    page = await app.source.orbit.client.list_contacts(limit=6)
    ids = [c.id for c in page.items if "livetag" not in c.tags][:5]
    gone = ids[0]
    plan = await engine.plan(Target.explicit(ids), Operation.tags(add=["livetag"]))
    httpx.delete(f"{sandbox.base_url}/contacts/{gone}",
                 headers={"X-API-Key": sandbox.api_key}).raise_for_status()
    job = await engine.execute(plan, confirm=True)
    assert job.counts.failed == 1 and job.counts.changed == len(ids) - 1

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        jobs = await open_jobs(pilot, app)

        # Retry: a y does nothing; a wrong count is refused; the count (1 failed) runs it.
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="retry confirm")
        confirm = app.screen
        assert isinstance(confirm, CountConfirmScreen) and confirm.live and confirm.total == 1
        await pilot.press("y")  # typed into the box, never a confirmation
        await pilot.press("enter")
        assert app.screen is confirm
        await pilot.press("backspace")
        await type_text(pilot, "1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="retry progress")
        progress = app.screen
        await wait_for(pilot, lambda: not progress.running, what="retry done", timeout=30)
        assert engine.get_job(job.id).counts.failed == 1  # still gone: failed again, reported
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is jobs, what="back to jobs")

        # Undo: escape cancels (nothing changes), then the count of changed contacts confirms.
        jobs.action_reload()
        assert jobs.current is not None and jobs.current.id == job.id
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="undo confirm")
        confirm = app.screen
        assert isinstance(confirm, CountConfirmScreen) and confirm.total == len(ids) - 1
        await pilot.press("y", "escape")
        await wait_for(pilot, lambda: app.screen is jobs, what="cancelled")
        assert all("livetag" in tags_of(sandbox, i) for i in ids[1:])
        assert not engine.get_job(job.id).undone_by

        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="undo confirm")
        await type_text(pilot, str(len(ids) - 1))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="undo progress")
        progress = app.screen
        await wait_for(pilot, lambda: not progress.running, what="undo done", timeout=30)
        assert not any("livetag" in tags_of(sandbox, i) for i in ids[1:])
        assert engine.get_job(job.id).undone_by
