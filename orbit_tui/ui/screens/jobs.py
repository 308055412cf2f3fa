"""``:jobs``: the bulk jobs in the journal, newest first, with their outcome.

``enter`` shows a job's progress (live when it is the one running); ``u`` undoes a
finished job (after a confirmation; only the items it changed are reversed); ``R``
retries its failures; ``p`` resumes a pending or cancelled job; ``r`` reloads. A
read-only profile sees the list, without the keys that change anything.

On a LIVE profile undo, retry and resume are confirmed like a new job: the number of
contacts they touch (or ``yes``) is typed, never a single ``y``.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from orbit_tui.bulk import JOB_COMPLETED, JOB_RUNNING, BulkError, JobInfo
from orbit_tui.ui.bulk_hooks import journal_problems
from orbit_tui.ui.bulk_runner import JobView
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.confirm import CountConfirmScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.widgets.status_bar import StatusBar

# State and counts first: at 80 columns they must show; the id carries the date as well.
COLUMNS = ("job", "state", "operation", "changed", "unch.", "failed", "left", "created", "target")


def job_row(job: JobInfo, *, interrupted: bool = False) -> tuple[Text, ...]:
    """``interrupted``: journalled as running, but nobody runs it (its runner died)."""
    c = job.counts
    state = "interrupted" if interrupted else job.state
    state += " · undone" if job.undone_by else ""
    created = clean(job.created).replace("T", " ").removesuffix("Z")[:16]
    return (
        Text(clean(job.id)),
        Text(state, style="bold #ff5f5f" if job.state == "stopped" or interrupted or c.failed else ""),
        Text(clean(job.op.describe())[:24]),
        Text(f"{c.changed:,}", justify="right"),
        Text(f"{c.unchanged:,}", justify="right"),
        Text(f"{c.failed:,}", justify="right", style="#ff5f5f" if c.failed else ""),
        Text(f"{c.remaining:,}", justify="right"),
        Text(created),
        Text(clean(job.description)[:40]),
    )


class JobsScreen(Screen[None]):
    DEFAULT_CSS = """
    JobsScreen #jobs-title { height: 1; padding: 0 1; text-style: bold; }
    JobsScreen #jobs-table { height: 1fr; }
    JobsScreen #jobs-empty { height: 1fr; padding: 1 2; display: none; }
    JobsScreen #jobs-warning { height: auto; padding: 0 1; color: $warning; display: none; }
    JobsScreen.journal-problem #jobs-warning { display: block; }
    JobsScreen.empty #jobs-empty { display: block; }
    JobsScreen.empty #jobs-table { display: none; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="jobs.back"),
        Binding("enter", "open", "Progress", id="jobs.open"),
        Binding("u", "undo", "Undo", id="jobs.undo"),
        Binding("R", "retry", "Retry failed", id="jobs.retry"),
        Binding("p", "resume", "Resume", id="jobs.resume"),
        Binding("r", "reload", "Reload", id="jobs.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[JobInfo] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._was_busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar(orbit_app(self).status, id="status")
        yield Static("Bulk jobs", id="jobs-title", markup=False)
        yield Static("", id="jobs-warning", markup=False)
        yield DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        yield Static("No bulk job yet. Mark contacts with space, then t to tag them.",
                     id="jobs-empty", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        runner = orbit_app(self).bulk_runner
        self._was_busy = runner.busy
        self._unsubscribe = runner.subscribe(self._runner_changed)
        self.action_reload()
        table.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _runner_changed(self) -> None:
        busy = orbit_app(self).bulk_runner.busy
        if busy != self._was_busy:  # a job started or ended: its row changed
            self._was_busy = busy
            self.action_reload()

    @property
    def read_only(self) -> bool:
        return orbit_app(self).gate.read_only

    def action_reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        try:
            self.jobs = orbit_app(self).bulk_runner.engine.list_jobs()
        except Exception as exc:  # noqa: BLE001 - a broken journal is reported, not fatal
            self.jobs = []
            self.notify(f"Cannot read the jobs journal: {clean(exc)}", severity="error",
                        markup=False)
        problems = journal_problems(orbit_app(self))
        self.set_class(bool(problems), "journal-problem")
        self.query_one("#jobs-warning", Static).update(Text("\n".join(f"⚠ {clean(p)}" for p in problems)))
        table.clear()
        journal = orbit_app(self).bulk_runner.engine.journal
        for job in self.jobs:
            stale = job.state == JOB_RUNNING and not journal.runner_alive(job.id)
            table.add_row(*job_row(job, interrupted=stale), key=job.id)
        self.set_class(not self.jobs, "empty")
        self.query_one("#jobs-title", Static).update(
            f"Bulk jobs · {len(self.jobs)}" + ("  (read-only profile: view only)" if self.read_only else "")
        )
        if self.jobs:
            table.move_cursor(row=min(max(row, 0), len(self.jobs) - 1))
        self.refresh_bindings()

    @property
    def current(self) -> JobInfo | None:
        table = self.query_one(DataTable)
        if not self.jobs or table.cursor_row < 0 or table.cursor_row >= len(self.jobs):
            return None
        return self.jobs[table.cursor_row]

    def action_back(self) -> None:
        self.dismiss()

    def action_open(self) -> None:
        from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen

        job = self.current
        if job is None:
            return
        runner = orbit_app(self).bulk_runner
        if runner.view is not None and runner.view.job_id == job.id and runner.busy:
            self.app.push_screen(BulkProgressScreen())
            return
        failures = runner.engine.journal.latest_failures(job.id)
        self.app.push_screen(BulkProgressScreen(JobView.from_job(job, failures)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @property
    def live(self) -> bool:
        return orbit_app(self).gate.policy.live

    def _start(self, how: str, job: JobInfo | None = None, take_over: bool = False) -> None:
        """Start ``how`` (resume, retry, undo) on ``job``: called once it was confirmed."""
        from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen

        job = job or self.current
        if job is None:
            return
        runner = orbit_app(self).bulk_runner
        if how == "undo":
            started = runner.undo(job.id, confirmed=True)
        else:
            start = runner.resume if how == "resume" else runner.retry
            started = start(job.id, confirmed=True, take_over=take_over)
        if started:
            self.app.push_screen(BulkProgressScreen())
        self.action_reload()

    def _confirm_live(self, how: str, job: JobInfo, question: str, total: int, yes: str) -> None:
        """Start only once confirmed: ``y``, or on a key treated as live the typed count.
        When another orbit-tui holds the job's lock, ask first whether to take it over."""
        holder = orbit_app(self).bulk_runner.engine.runner_elsewhere(job.id)

        def go(take_over: bool) -> None:
            def answered(ok: bool | None) -> None:
                if ok:
                    self._start(how, job, take_over)

            self.app.push_screen(CountConfirmScreen(question, total, live=self.live, yes=yes),
                                 answered)

        if holder is None:
            go(False)
            return

        def take(ok: bool | None) -> None:
            if ok:
                go(True)

        warning = (f"{clean(holder.describe())} may still be running job {clean(job.id)}.\n"
                   "Take it over? That one stops before its next request, and this app "
                   "continues the job.")
        self.app.push_screen(ConfirmScreen(warning, yes="Take over", no="Leave it"), take)

    def action_resume(self) -> None:
        job = self.current
        if job is None or orbit_app(self).refused():  # read-only: says so, sends nothing
            return
        if not job.resumable:
            self.notify(f"Job {job.id} has nothing left to do.", markup=False)
            return
        left = job.counts.remaining
        question = (f"Resume job {job.id} ({job.op.describe()} on {job.description})?\n"
                    f"{left:,} contacts are left to change.")
        self._confirm_live("resume", job, question, left, "Resume")

    def action_retry(self) -> None:
        job = self.current
        if job is None or orbit_app(self).refused():  # read-only: says so, sends nothing
            return
        if not job.counts.failed:
            self.notify(f"Job {job.id} has no failed item to retry.", markup=False)
            return
        total = job.counts.failed + job.counts.remaining
        question = (f"Retry job {job.id} ({job.op.describe()} on {job.description})?\n"
                    f"{job.counts.failed:,} failed contacts are sent again"
                    + (f", and {job.counts.remaining:,} left to do." if job.counts.remaining else "."))
        self._confirm_live("retry", job, question, total, "Retry")

    def action_undo(self) -> None:
        job = self.current
        if job is None or orbit_app(self).refused():  # read-only: says so, sends nothing
            return
        if job.undone_by:
            self.notify(f"Job {job.id} was already undone by {job.undone_by}.", markup=False)
            return
        if job.state != JOB_COMPLETED and job.counts.remaining:
            self.notify(f"Job {job.id} is not finished: resume it (p) or cancel it first.",
                        markup=False)
            return
        try:
            plan = orbit_app(self).bulk_runner.engine.plan_undo(job.id)
        except BulkError as exc:
            self.notify(clean(str(exc)), severity="warning", markup=False)
            return
        if not plan.contact_ids:
            self.notify(f"Job {job.id} changed no contact: nothing to undo.", markup=False)
            return
        question = (
            f"Undo job {job.id} ({job.op.describe()} on {job.description})?\n"
            f"Only the {plan.total:,} contacts it changed are put back."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._start("undo", job)

        self.app.push_screen(CountConfirmScreen(question, plan.total, live=self.live, yes="Undo"),
                             answered)
