"""Bulk jobs from the UI against the real sandbox: cancel and resume, undo, failures."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from orbit_tui.bulk import BulkEngine, Journal
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.app import OrbitApp

from orbit_tui.ui.screens.bulk_preview import BulkPreviewScreen
from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen
from orbit_tui.ui.screens.confirm import CountConfirmScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from ui_helpers import loaded, wait_for


def server_tags(server: SandboxServer, contact_id: str) -> list[str]:
    answer = httpx.get(f"{server.base_url}/contacts/{contact_id}",
                       headers={"X-API-Key": server.api_key})
    answer.raise_for_status()
    return list(answer.json()["data"]["tags"])


def with_engine(app: OrbitApp, tmp_path: Path, **kwargs: Any) -> OrbitApp:
    app.runtime.adopt_engine(BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db"),
                                        item_retry_delay=0.05, **kwargs))
    return app


async def command(pilot: Any, text: str) -> None:
    await pilot.press("colon")
    keys = {" ": "space", "-": "minus", "+": "plus"}
    for ch in text:
        await pilot.press(keys.get(ch, ch))
    await pilot.press("enter")


async def until(predicate: Any, what: str, timeout: float = 15) -> None:
    """Wait without pilot.pause(), which waits for an idle app (never, while a job runs)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def start_tag_job(pilot: Any, app: OrbitApp, ids: list[str], edit: str) -> BulkProgressScreen:
    app.marks.clear()
    app.marks.add_many(ids)
    app.run_command(f"tag {edit}")  # typing ":tag …" is covered in test_ui_tags
    await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen), what="preview")
    preview = app.screen
    await wait_for(pilot, lambda: preview.plan is not None, what="plan")
    preview.action_confirm()
    await until(lambda: isinstance(app.screen, BulkProgressScreen), "progress")
    screen = app.screen
    assert isinstance(screen, BulkProgressScreen)
    return screen


async def test_cancel_then_resume_then_undo_from_jobs(sandbox: SandboxServer, make_app: Any,
                                                      tmp_path: Path) -> None:
    app = with_engine(make_app(sandbox), tmp_path, concurrency=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        ids = [c.id for c in screen.page_window.contacts()[:20]]
        sandbox.faults.latency_ms = 150
        try:
            progress = await start_tag_job(pilot, app, ids, "+resumed")
            await until(lambda: progress.view is not None and progress.view.counts.finished >= 2,
                        "some items done")
            # (keys through the pilot wait for an idle app: the job would end first)
            progress.action_escape()
            await until(lambda: isinstance(app.screen, ConfirmScreen)
                        and bool(app.screen.query("#confirm-yes")), "confirm")
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            confirm.action_answer(True)
            await wait_for(pilot, lambda: not progress.running, what="cancelled", timeout=20)
        finally:
            sandbox.faults.latency_ms = 0
        assert "Cancelled" in progress.body_text
        job = app.runtime.engine().list_jobs()[0]
        assert job.state == "cancelled" and 0 < job.counts.remaining < 20
        tagged = [i for i in ids if "resumed" in server_tags(sandbox, i)]
        assert len(tagged) == job.counts.changed
        assert app.runtime.engine().pending_jobs()

        await pilot.press("b")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                       what="jobs")
        jobs = app.screen
        assert jobs.current is not None and jobs.current.id == job.id
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="resume confirm")
        await pilot.press("y")  # not LIVE: y confirms a resume too
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="progress")
        progress = app.screen
        await wait_for(pilot, lambda: not progress.running, what="resumed job done", timeout=30)
        done = app.runtime.engine().get_job(job.id)
        assert done.state == "completed" and done.counts.changed == 20 and done.counts.remaining == 0
        assert all("resumed" in server_tags(sandbox, i) for i in ids)

        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is jobs, what="back to jobs")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="undo confirm")
        await pilot.press("y")  # not LIVE: y confirms
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="undo progress")
        progress = app.screen
        await wait_for(pilot, lambda: not progress.running, what="undo done", timeout=30)
        assert not any("resumed" in server_tags(sandbox, i) for i in ids)
        undone = app.runtime.engine().get_job(job.id)
        assert undone.undone_by
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is jobs, what="back to jobs")
        assert len(jobs.jobs) == 2 and jobs.jobs[0].purpose == "undo"


async def test_failures_are_listed_with_the_api_code(sandbox: SandboxServer, make_app: Any,
                                                     tmp_path: Path) -> None:
    app = with_engine(make_app(sandbox), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        ids = [c.id for c in screen.page_window.contacts()[40:50]]
        gone = ids[3]
        httpx.delete(f"{sandbox.base_url}/contacts/{gone}",
                     headers={"X-API-Key": sandbox.api_key}).raise_for_status()
        progress = await start_tag_job(pilot, app, ids, "+fails")
        await wait_for(pilot, lambda: not progress.running, what="job done", timeout=30)
        body = progress.body_text
        assert "Latest failures" in body and gone in body and "404" in body
        job = app.runtime.engine().list_jobs()[0]
        assert job.counts.failed == 1 and job.counts.changed == 9
        assert all("fails" in server_tags(sandbox, i) for i in ids if i != gone)
        await pilot.press("b")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                       what="jobs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="detail")
        assert gone in app.screen.body_text


async def test_pending_jobs_are_announced_at_start(sandbox: SandboxServer, make_app: Any,
                                                   tmp_path: Path) -> None:
    from orbit_tui.bulk import Operation, Target

    app = with_engine(make_app(sandbox), tmp_path)
    engine = app.bulk_runner.engine
    page = await app.source.orbit.client.list_contacts(limit=3)
    plan = await engine.plan(Target.explicit([c.id for c in page.items]), Operation.tags(add=["later"]))
    engine.create(plan)  # written, never run: what a crash leaves behind
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await wait_for(pilot, lambda: any("did not finish" in str(n.message) and ":jobs" in str(n.message)
                                          for n in app._notifications), what="the announcement")


async def test_quitting_while_a_job_runs_asks_and_leaves_it_resumable(
    sandbox: SandboxServer, make_app: Any, tmp_path: Path
) -> None:
    app = with_engine(make_app(sandbox), tmp_path, concurrency=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        ids = [c.id for c in screen.page_window.contacts()[:30]]
        sandbox.faults.latency_ms = 100
        try:
            progress = await start_tag_job(pilot, app, ids, "+quitguard")
            await until(lambda: progress.view is not None and progress.view.counts.finished >= 1,
                        "the job under way")
            await app.action_quit()  # q (keys through the pilot wait for an idle app)
            await until(lambda: isinstance(app.screen, ConfirmScreen)
                        and bool(app.screen.query("#confirm-yes")), "the question")
            question = str(app.screen.query_one("#confirm-question").render())
            assert "bulk job is running" in question and ":jobs (p)" in question
            app.screen.action_answer(False)  # keep running
            await until(lambda: not isinstance(app.screen, ConfirmScreen), "back")
            assert app.is_running and app.bulk_runner.busy
            await until(lambda: not app._asking_to_quit, "the answer taken")
            # The palette's Quit asks the same (it used to exit at once, mid-job).
            from orbit_tui.ui.palette import ScreensProvider

            commands = await ScreensProvider(app.screen).build()
            [quit_command] = [run for title, _help, run in commands if title == "Quit"]
            quit_command()
            await until(lambda: isinstance(app.screen, ConfirmScreen)
                        and bool(app.screen.query("#confirm-yes")), "the palette's question")
            assert app.is_running and app.bulk_runner.busy
            app.screen.action_answer(False)
            await until(lambda: not app._asking_to_quit, "the answer taken again")
            await app.action_quit()
            await until(lambda: isinstance(app.screen, ConfirmScreen)
                        and bool(app.screen.query("#confirm-yes")), "asked again")
            app.screen.action_answer(True)
            await until(lambda: app.return_code is not None, "the app quits", timeout=30)
        finally:
            sandbox.faults.latency_ms = 0
    job = Journal(tmp_path / "jobs.db").list_jobs()[0]  # the app closed its own on quitting
    assert job.state == "cancelled" and job.counts.remaining > 0
    assert job.counts.changed + job.counts.remaining == len(ids)
    tagged = [i for i in ids if "quitguard" in server_tags(sandbox, i)]
    assert len(tagged) == job.counts.changed  # nothing applied that the journal does not know


async def test_a_job_whose_runner_died_shows_as_interrupted(
    sandbox: SandboxServer, make_app: Any, tmp_path: Path
) -> None:
    """It showed 'running' for good after its app was killed."""
    from orbit_tui.bulk import Operation, Target

    app = with_engine(make_app(sandbox), tmp_path)
    engine = app.bulk_runner.engine
    page = await app.source.orbit.client.list_contacts(limit=3)
    plan = await engine.plan(Target.explicit([c.id for c in page.items]), Operation.tags(add=["x"]))
    job_id = engine.create(plan)
    engine.journal.set_job_state(job_id, "running")  # what a killed runner leaves behind
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                       what="jobs")
        table = app.screen.query_one("#jobs-table")
        assert "interrupted" in str(table.get_row_at(0)[1])
