"""Snapshots of the tag editor, the bulk preview, the progress view and :jobs at 80×24 and
120×40. The progress view and the jobs list are drawn from fixed figures (no clock, no
random job ids); the editor and the preview from the seeded sandbox.

Update with ``pytest tests/ui/test_ui_bulk_snapshots.py --snapshot-update`` and look at
the SVGs before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from orbit_tui.bulk import BulkEngine, Counts, ItemFailure, JobInfo, Journal, Operation, Target
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.bulk_runner import JobView
from orbit_tui.ui.screens.bulk_preview import BulkPreviewScreen
from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen
from orbit_tui.ui.screens.jobs import JobsScreen
from orbit_tui.ui.screens.tag_editor import TagEditorScreen
from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

FAILURES = [
    ItemFailure("con_0000000000000041", "NOT_FOUND", "Contact not found", 404, "req_8f2a41"),
    ItemFailure("con_0000000000000017", "VALIDATION_ERROR", "Tag is longer than 64 characters",
                422, "req_77c3e0"),
]

FIXED_VIEW = JobView(
    job_id="job_20260301-101500_a1b2c3",
    title="tags +vip -trial on 1,200 marked contacts",
    state="running",
    counts=Counts(total=1200, pending=700, in_flight=8, done=490, changed=412, unchanged=78,
                  failed=2),
    rate=41.5,
    eta_seconds=171,
    latest_failures=FAILURES,
)


def fixed_jobs() -> list[JobInfo]:
    def job(n: int, op: Operation, target: str, state: str, counts: Counts, **kw: Any) -> JobInfo:
        return JobInfo(
            id=f"job_20260301-10{n:02d}00_00000{n}", created=f"2026-03-01T10:{n:02d}:00Z",
            updated=f"2026-03-01T10:{n:02d}:30Z", op=op, target=Target.explicit(["x"]),
            description=target, state=state, counts=counts, base_url="http://sandbox", **kw,
        )

    return [
        job(3, Operation.tags(add=["q4"]), "300 marked contacts", "cancelled",
            Counts(total=300, pending=180, done=120, changed=118, unchanged=2)),
        job(2, Operation.tags(remove=["vip"]), "undo of job_20260301-100100_000001", "completed",
            Counts(total=40, done=40, changed=40), purpose="undo"),
        job(1, Operation.tags(add=["vip"], remove=["trial"]), "1,200 marked contacts",
            "completed", Counts(total=1200, done=1198, changed=1100, unchanged=98, failed=2),
            undone_by="job_20260301-100200_000002"),
    ]


class FixedEngine:
    """The journal's view for the jobs snapshot: fixed rows instead of a clock's ids."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def list_jobs(self, limit: int = 100) -> list[JobInfo]:
        return fixed_jobs()

    def pending_jobs(self) -> list[JobInfo]:
        return []


def quiet(app: Any) -> Any:
    is_loaded = loaded(app)
    return lambda: is_loaded() and app.status.in_flight == 0


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_tag_editor_several(snap_compare: Any, sandbox: SandboxServer,
                                     make_app: AppFactory, size: tuple[int, int],
                                     tmp_path: Path) -> None:
    app = make_app(sandbox)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        screen = app.contacts_screen
        app.marks.add_many(c.id for c in screen.page_window.contacts()[:12])
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagEditorScreen), what="editor")
        editor = app.screen
        editor.query_one(Input).value = "+vip -tr"
        await wait_for(pilot, lambda: not editor.fetching and app.status.in_flight == 0,
                       what="counts")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_bulk_preview(snap_compare: Any, sandbox: SandboxServer,
                               make_app: AppFactory, size: tuple[int, int],
                               tmp_path: Path) -> None:
    app = make_app(sandbox)
    app.runtime.adopt_engine(BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db")))

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        screen = app.contacts_screen
        ids = [c.id for c in screen.page_window.contacts()[:25]]
        known = {c.id: c for c in screen.page_window.contacts()[:25]}
        app.push_screen(BulkPreviewScreen(Target.explicit(ids, label="25 marked contacts"),
                                          Operation.tags(add=["vip"], remove=["trial"]), known))
        await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen)
                       and app.screen.plan is not None, what="plan")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_bulk_preview_live(snap_compare: Any, sandbox: SandboxServer,
                                    make_app: AppFactory, size: tuple[int, int],
                                    tmp_path: Path) -> None:
    app = make_app(sandbox)
    app.runtime.adopt_engine(BulkEngine(app.source.orbit.client, Journal(tmp_path / "jobs.db")))

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        screen = app.contacts_screen
        known = {c.id: c for c in screen.page_window.contacts()[:25]}
        app.push_screen(BulkPreviewScreen(Target.explicit(list(known), label="25 marked contacts"),
                                          Operation.tags(add=["vip"]), known, live=True))
        await wait_for(pilot, lambda: isinstance(app.screen, BulkPreviewScreen)
                       and app.screen.plan is not None, what="plan")

    if size == (80, 24):
        pytest.skip("one LIVE preview size is enough")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_bulk_progress(snap_compare: Any, sandbox: SandboxServer,
                                make_app: AppFactory, size: tuple[int, int]) -> None:
    app = make_app(sandbox)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        app.push_screen(BulkProgressScreen(FIXED_VIEW))
        await wait_for(pilot, lambda: isinstance(app.screen, BulkProgressScreen), what="progress")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_jobs_list(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                            size: tuple[int, int], tmp_path: Path) -> None:
    app = make_app(sandbox)
    app.runtime.adopt_engine(FixedEngine(Journal(tmp_path / "jobs.db")))  # type: ignore[arg-type]

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, quiet(app), what="first page")
        app.run_command("jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and bool(app.screen.jobs),
                       what="jobs")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
