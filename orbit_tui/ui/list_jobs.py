"""Adding contacts to a list and taking them out, one at once or many through a bulk job.

A handful of contacts go in one request (``add_members`` takes up to 100 ids); more, and
every removal of marked contacts, run as a job of :mod:`orbit_tui.bulk` so they are
journalled, paced, resumable and undoable like any other bulk change. The caller shows
progress from ``on_progress``; afterwards the cache is told which contacts changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orbit_tui.bulk import BulkEngine, Journal, Operation, Progress, Target

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
    path = jobs_db()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = BulkEngine(
        client,
        Journal(path),
        live=profile.kind == "LIVE",
        read_only=bool(profile.read_only),
        base_url=str(client.base_url),
    )
    app.bulk_engine = engine
    return engine


def progress_line(verb: str, progress: Progress) -> str:
    counts = progress.counts
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
    on_progress: Callable[[Progress], None] | None = None,
) -> Any:
    """Plan and run a list job on explicit ids (the user already confirmed); returns JobInfo."""
    engine = engine_for(app)
    orbit = getattr(app, "orbit", None) or app.source.orbit
    plan = await engine.plan(Target.explicit(ids, label=label), op)
    try:
        job = await engine.execute(plan, confirm=True, on_progress=on_progress)
    finally:
        invalidate = getattr(orbit, "invalidate_contacts", None)
        if callable(invalidate):
            invalidate(ids)
    return job


def job_summary(verb: str, job: Any) -> str:
    counts = job.counts
    text = f"{verb}: {counts.changed:,} changed, {counts.unchanged:,} already so"
    if counts.failed:
        text += f", {counts.failed:,} failed (see :jobs)"
    if counts.remaining:
        text += f", {counts.remaining:,} left to do (job {job.id}, resumable)"
    return text
