"""The app's hooks into bulk jobs: ``:jobs`` and ``:tag``, the jobs journal at start.

``run_bulk_command`` serves ``:jobs`` and ``:tag +vip -trial``; ``attach_engine`` gives
the app its engine and journal from the configuration; ``announce_pending_jobs`` says
at start that the journal was damaged and set aside (``journal_problems``, also shown
on ``:jobs``) and that interrupted jobs wait to be resumed.
"""

from __future__ import annotations

from typing import Any

from orbit_tui.bulk import BulkEngine, BulkError
from orbit_tui.ui.bulk_runner import runner_for
from orbit_tui.ui.safe import clean as clean_text


def current_contact(app: Any) -> Any:
    """The contact under the cursor (contacts table) or on screen (detail), if any."""
    screen = app.screen
    for candidate in (screen, getattr(app, "contacts_screen", None)):
        if candidate is None:
            continue
        pick = getattr(candidate, "current_contact", None)
        if callable(pick):
            contact = pick()
        else:
            contact = getattr(candidate, "contact", None)
        if contact is not None and hasattr(contact, "tags"):
            return contact
    return None


def run_bulk_command(app: Any, name: str, argument: str) -> None:
    """``:jobs`` opens the jobs screen; ``:tag +vip -trial`` tags the marked or current."""
    if name == "jobs":
        from orbit_tui.ui.screens.jobs import JobsScreen

        app.push_screen(JobsScreen())
        return
    from orbit_tui.ui.screens.tag_editor import apply_tag_edit, edit_tags, may_tag, targets

    contact = current_contact(app)
    on_detail = getattr(app.screen, "contact", None) is not None
    # On a contact's own screen ``:tag`` is about that contact; elsewhere the marked ones.
    ids = [contact.id] if on_detail and contact is not None else targets(app, contact)
    at_hand = [contact] if contact is not None else []
    contacts_screen = getattr(app, "contacts_screen", None)
    if contacts_screen is not None:
        at_hand += contacts_screen.page_window.contacts()
    if not argument:
        edit_tags(app, ids, at_hand)
        return
    if not may_tag(app, ids):
        return
    from orbit_tui.bulk import Operation

    try:
        op = Operation.parse_tag_edit(argument)
    except BulkError as exc:
        app.notify(f"{exc} Usage: :tag +vip -trial", severity="error", markup=False)
        return
    from orbit_tui.ui.screens.tag_editor import _known_contacts

    apply_tag_edit(app, ids, op, _known_contacts(app, ids, at_hand))


def journal_problems(app: Any) -> list[str]:
    """What went wrong opening the jobs journal: a damaged file set aside, or no journal."""
    problems: list[str] = []
    error = getattr(app, "bulk_engine_error", "")
    if error:
        problems.append(error)
    journal = getattr(getattr(app, "bulk_engine", None), "journal", None)
    problems.extend(str(w) for w in getattr(journal, "warnings", None) or ())
    return problems


def announce_journal_problems(app: Any) -> None:
    """Say once (per journal opened) that the jobs journal was damaged and set aside."""
    problems = journal_problems(app)
    if not problems:
        return
    journal = getattr(getattr(app, "bulk_engine", None), "journal", None)
    runner = runner_for(app)
    key = id(journal) if journal is not None else 0
    if runner.announced_journal == key:
        return
    runner.announced_journal = key
    for problem in problems:
        app.notify(clean_text(problem) + " See :jobs.", title="Bulk jobs journal", severity="warning",
                   timeout=20, markup=False)


def announce_pending_jobs(app: Any) -> None:
    """At start: say that the journal was damaged and set aside, that interrupted jobs
    wait, and where to resume them."""
    announce_journal_problems(app)
    if getattr(app, "bulk_engine", None) is None:
        return  # no journal configured (tests that do not use bulk jobs)
    try:
        pending = runner_for(app).engine.pending_jobs()
    except Exception:  # noqa: BLE001 - a broken journal must not stop the start
        return
    if not pending:
        return
    left = sum(job.counts.remaining for job in pending)
    jobs = "job" if len(pending) == 1 else "jobs"
    app.notify(
        f"{len(pending)} bulk {jobs} did not finish ({left:,} contacts left). "
        "Type :jobs to resume (p), or leave them.",
        title="Unfinished bulk jobs",
        severity="warning",
        timeout=15,
        markup=False,
    )


def attach_engine(app: Any, client: Any, resolved: Any) -> None:
    """The app's bulk engine: the client (and its pacer) the screens use, the config's jobs db."""
    try:  # the journal makes its folder, owner-only
        # Jobs belong to the key's account; the demo's key is not in the configuration.
        key = resolved.api_key
        if key is None and resolved.demo:
            from orbit_tui.ui.demo_process import DEMO_API_KEY

            key = DEMO_API_KEY
        app.bulk_engine = BulkEngine.from_config(client, resolved, api_key=key)
    except Exception as exc:  # noqa: BLE001 - without a journal, engine_for falls back to the default path
        app.bulk_engine = None
        app.bulk_engine_error = (
            f"The bulk-job journal could not be opened ({type(exc).__name__}: {exc}); "
            "jobs use the default journal instead."
        )
