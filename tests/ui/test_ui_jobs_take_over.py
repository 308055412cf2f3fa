"""The jobs screen offers to take over a job whose lock another orbit-tui holds.

Another holder of the job's lock (a second journal on the same file: a lock of its own,
as another process would have) makes ``p`` ask first, saying what taking over does; yes
runs the job here to the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orbit_tui.bulk import BulkEngine, Journal, Operation, Target
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen
from orbit_tui.ui.screens.confirm import CountConfirmScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from ui_helpers import loaded, wait_for


async def test_resume_of_a_job_held_elsewhere_asks_to_take_over_then_runs_it(
    sandbox: SandboxServer, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(sandbox)
    engine = BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db"), item_retry_delay=0.05)
    app.runtime.adopt_engine(engine)
    other = Journal(tmp_path / "jobs.db")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, loaded(app), what="first page")
            ids = [c.id for c in app.contacts_screen.page_window.contacts()[:3]]
            plan = await engine.plan(Target.explicit(ids), Operation.tags(add=["taken-over"]))
            job_id = engine.create(plan)
            other.claim(job_id)  # another orbit-tui runs it (or seems to)
            app.run_command("jobs")
            await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                           what="jobs")
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="take-over question")
            question = str(app.screen._question)
            assert "may still be running job" in question and "Take it over?" in question
            assert "stops before its next request" in question
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, CountConfirmScreen), what="resume question")
            await pilot.press("y")  # not LIVE: y confirms the resume
            await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="progress")
            progress = app.screen
            await wait_for(pilot, lambda: not progress.running, what="job done", timeout=30)
            job = engine.get_job(job_id)
            assert job.state == "completed" and job.counts.changed == 3
    finally:
        other.close()
