"""The app's hooks into bulk jobs: ``:jobs`` and ``:tag``, the jobs journal at start.

``run_bulk_command`` serves ``:jobs`` and ``:tag +vip -trial``; ``announce_pending_jobs``
opens the journal once the first page shows and says that it was damaged and set aside
(``journal_problems``, also shown on ``:jobs``) and that interrupted jobs wait to be
resumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orbit_tui.api.models import Contact
from orbit_tui.bulk import BulkError
from orbit_tui.ui.safe import clean as clean_text

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp


def current_contact(app: OrbitApp) -> Contact | None:
    """The contact under the cursor (contacts table) or on screen (detail), if any."""
    from orbit_tui.ui.screens.detail import ContactDetailScreen

    screen = app.screen
    if isinstance(screen, ContactDetailScreen):
        return screen.contact
    contacts = app.contacts_screen
    if contacts is not None:
        return contacts.current_contact()
    return None


def run_bulk_command(app: OrbitApp, name: str, argument: str) -> None:
    """``:jobs`` opens the jobs screen; ``:tag +vip -trial`` tags the marked or current."""
    if name == "jobs":
        from orbit_tui.ui.screens.jobs import JobsScreen

        app.push_screen(JobsScreen())
        return
    from orbit_tui.ui.screens.tag_editor import apply_tag_edit, edit_tags, may_tag, targets

    from orbit_tui.ui.screens.detail import ContactDetailScreen

    contact = current_contact(app)
    on_detail = isinstance(app.screen, ContactDetailScreen)
    # On a contact's own screen ``:tag`` is about that contact; elsewhere the marked ones.
    ids = [contact.id] if on_detail and contact is not None else targets(app, contact)
    at_hand = [contact] if contact is not None else []
    contacts_screen = app.contacts_screen
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


def journal_problems(app: OrbitApp) -> list[str]:
    """What went wrong opening the jobs journal: a damaged file set aside, or no journal."""
    runtime = app.runtime
    problems: list[str] = []
    if not runtime.engine_ready:
        return problems
    if runtime.engine_error:
        problems.append(runtime.engine_error)
    problems.extend(str(w) for w in runtime.engine().journal.warnings)
    return problems


def announce_journal_problems(app: OrbitApp) -> None:
    """Say once (per journal opened) that the jobs journal was damaged and set aside."""
    problems = journal_problems(app)
    if not problems:
        return
    runner = app.bulk_runner
    key = id(app.runtime.engine().journal)
    if runner.announced_journal == key:
        return
    runner.announced_journal = key
    for problem in problems:
        app.notify(clean_text(problem) + " See :jobs.", title="Bulk jobs journal", severity="warning",
                   timeout=20, markup=False)


def announce_pending_jobs(app: OrbitApp) -> None:
    """After the first page: open the journal, say that it was damaged and set aside,
    that interrupted jobs wait, and where to resume them."""
    try:
        pending = app.runtime.engine().pending_jobs()
    except Exception as exc:  # noqa: BLE001 - a broken journal must not stop the start
        app.notify(clean_text(f"The bulk-job journal could not be opened: {exc}"),
                   title="Bulk jobs journal", severity="warning", timeout=20, markup=False)
        return
    announce_journal_problems(app)
    if not pending:
        return
    left = sum(job.counts.remaining for job in pending)
    jobs = "job" if len(pending) == 1 else "jobs"
    then = ("Type :jobs to see them; a profile that is not read-only can resume them."
            if app.gate.read_only else "Type :jobs to resume (p), or leave them.")
    app.notify(
        f"{len(pending)} bulk {jobs} did not finish ({left:,} contacts left). {then}",
        title="Unfinished bulk jobs",
        severity="warning",
        timeout=15,
        markup=False,
    )
