"""Adding contacts to a list and taking them out, one at once or many through a bulk job.

A handful of contacts go in one request (``add_members`` takes up to 100 ids); more, and
every removal of marked contacts, run as a job of :mod:`orbit_tui.bulk` through the app's
:class:`~orbit_tui.ui.bulk_runner.BulkRunner`, like every other bulk job: the preview
(typed confirmation on a LIVE profile), the progress screen, the status line's
"job 40%", ``:jobs`` (resume, retry, undo). The caller may follow ``on_progress`` too;
the runner tells the cache which contacts changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orbit_tui.bulk import Counts, JobInfo, Operation, Plan, Target

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp

DIRECT_ADD_LIMIT = 100
"""Up to this many ids are added in a single request instead of a job."""


def progress_line(verb: str, counts: Counts) -> str:
    text = f"{verb}… {counts.finished:,} / {counts.total:,}"
    if counts.failed:
        text += f" · {counts.failed:,} failed"
    return text


async def run_list_job(
    app: OrbitApp,
    op: Operation,
    ids: list[str],
    *,
    label: str,
    on_progress: Callable[[Counts], None] | None = None,
) -> JobInfo | None:
    """Preview, confirm and run a list job on explicit ids through the app's bulk runner;
    wait for its end. Call it from a worker (the preview is awaited).

    Returns the job as it ended, or None when it did not run: declined at the preview,
    or refused (a job already running, a read-only profile; the reason was shown).
    """
    from orbit_tui.ui.screens.bulk_preview import preview_screen, ready_runner, start_plan

    runner = ready_runner(app)
    if runner is None:
        return None
    target = Target.explicit(ids, label=label)
    plan: Plan | None = await app.push_screen(preview_screen(app, target, op), wait_for_dismiss=True)
    # The caller tells how the job ended (job_summary), in words about its list.
    if plan is None or not start_plan(app, runner, plan, announce_end=False):
        return None

    def forward() -> None:
        if runner.view is not None and on_progress is not None:
            on_progress(runner.view.counts)

    unsubscribe = runner.subscribe(forward) if on_progress else None
    try:
        return await runner.wait()
    finally:
        if unsubscribe is not None:
            unsubscribe()


def job_summary(verb: str, job: JobInfo | None) -> str:
    if job is None:
        return f"{verb}: not run, nothing was changed."
    counts = job.counts
    text = f"{verb}: {counts.changed:,} changed, {counts.unchanged:,} already so"
    if counts.failed:
        text += f", {counts.failed:,} failed (see :jobs)"
    if counts.remaining:
        text += f", {counts.remaining:,} left to do (job {job.id}, resumable)"
    return text
