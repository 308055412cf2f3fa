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
from typing import Any

from orbit_tui.bulk import BulkEngine, Counts, JobInfo, Journal, Operation, Plan, Target

DIRECT_ADD_LIMIT = 100
"""Up to this many ids are added in a single request instead of a job."""


def engine_for(app: Any) -> BulkEngine:
    """The app's bulk engine (``app.bulk_engine``), built from the default paths if unset."""
    engine = getattr(app, "bulk_engine", None)
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from orbit_tui.config_paths import jobs_db

    orbit = getattr(app, "orbit", None) or app.source.orbit
    client = orbit.client
    profile = app.status.profile
    path = jobs_db()  # the journal makes its folder, owner-only
    engine = BulkEngine(
        client,
        Journal(path),
        live=profile.kind == "LIVE",
        read_only=bool(profile.read_only),
        base_url=str(client.base_url),
    )
    app.bulk_engine = engine
    from orbit_tui.ui.bulk_hooks import announce_journal_problems

    announce_journal_problems(app)  # a damaged journal was set aside: say so
    return engine


def progress_line(verb: str, counts: Counts) -> str:
    text = f"{verb}… {counts.finished:,} / {counts.total:,}"
    if counts.failed:
        text += f" · {counts.failed:,} failed"
    return text


async def run_list_job(
    app: Any,
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


def job_summary(verb: str, job: Any) -> str:
    if job is None:
        return f"{verb}: not run, nothing was changed."
    counts = job.counts
    text = f"{verb}: {counts.changed:,} changed, {counts.unchanged:,} already so"
    if counts.failed:
        text += f", {counts.failed:,} failed (see :jobs)"
    if counts.remaining:
        text += f", {counts.remaining:,} left to do (job {job.id}, resumable)"
    return text
