"""A damaged jobs journal is set aside and the app says so: at start and on :jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any


from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.jobs import JobsScreen
from ui_helpers import loaded, wait_for


def corrupt(path: Path) -> Path:
    path.write_bytes(b"this is not an SQLite database\x00" * 200)
    return path


def journal_notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications if "damaged" in str(n.message)]


async def test_a_damaged_journal_is_reported_at_start_and_on_jobs(sandbox: SandboxServer, make_app: Any,
                                                                 tmp_path: Path) -> None:
    corrupt(tmp_path / "jobs.db")
    app = make_app(sandbox)
    app.runtime.engine()  # opens the journal (the app does once the first page shows)
    aside = [p.name for p in tmp_path.iterdir() if p.name.startswith("jobs.db.corrupt-")]
    assert len(aside) == 1
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await wait_for(pilot, lambda: bool(journal_notes(app)), what="the notification")
        [note] = journal_notes(app)
        assert aside[0] in note and ":jobs" in note
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        screen = app.screen
        warning = screen.query_one("#jobs-warning")
        assert screen.has_class("journal-problem") and warning.display
        assert aside[0] in str(warning.render())
        assert len(journal_notes(app)) == 1  # said once, not again on :jobs


async def test_the_journal_opened_after_the_first_page_reports_damage_then(
    sandbox: SandboxServer, make_app: Any, tmp_path: Path
) -> None:
    corrupt(tmp_path / "jobs.db")
    app = make_app(sandbox)
    assert not app.runtime.engine_ready  # start-up does not open the journal
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await wait_for(pilot, lambda: bool(journal_notes(app)), what="the notification")
        assert app.runtime.engine_ready
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        assert app.screen.has_class("journal-problem")
        assert len(journal_notes(app)) == 1


async def test_a_sound_journal_shows_no_warning(sandbox: SandboxServer, make_app: Any, tmp_path: Path) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        assert not app.screen.has_class("journal-problem") and not journal_notes(app)
