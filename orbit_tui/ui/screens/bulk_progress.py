"""The progress of a bulk job: a bar, the counts, rate and ETA, the latest failures.

It observes the app's :class:`~orbit_tui.ui.bulk_runner.BulkRunner` (or shows a fixed
:class:`JobView`: a finished job from ``:jobs``, or a frozen snapshot in tests).
``escape`` while running asks, then cancels cleanly (requests in flight finish, the rest
stay pending and resumable from ``:jobs``); ``h`` hides the screen and the job goes on in
the background (the status bar shows "job 40%"); once finished ``b``/``escape`` return.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from orbit_tui.bulk.text import fmt_eta
from orbit_tui.ui.bulk_runner import JobView
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.safe import clean
from orbit_tui.ui.widgets.status_bar import StatusBar

STATE_WORDS = {
    "running": "Running",
    "completed": "Done",
    "cancelled": "Cancelled — the rest is pending; resume it from :jobs (p)",
    "stopped": "Stopped",
    "failed": "Could not run",
    "planned": "Not started",
}


def bar_text(fraction: float, width: int) -> Text:
    width = max(10, width)
    filled = int(round(width * max(0.0, min(1.0, fraction))))
    text = Text(end="")
    text.append("█" * filled, style="bold #5fafff")
    text.append("░" * (width - filled), style="#5f5f5f")
    text.append(f" {fraction * 100:3.0f}%", style="bold")
    return text


def progress_text(view: JobView, width: int = 80) -> Text:
    """The whole progress view as plain ``Text`` (server text is cleaned, never markup)."""
    c = view.counts
    text = Text(end="")
    text.append(clean(view.title) or "Bulk job", style="bold")
    if view.job_id:
        text.append(f"  ({clean(view.job_id)})", style="dim")
    text.append("\n")
    state = STATE_WORDS.get(view.state, clean(view.state))
    if view.running and c.total and not c.remaining:
        state = "Finishing…"
    text.append(state, style="bold" if view.running else "")
    text.append("\n\n")
    text.append_text(bar_text(view.fraction, min(60, width - 12)))
    text.append("\n\n")
    rows = [
        ("done", c.finished, ""),
        ("changed", c.changed, "#00af00"),
        ("unchanged", c.unchanged, ""),
        ("failed", c.failed, "#ff5f5f" if c.failed else ""),
        ("remaining", c.remaining, ""),
    ]
    if c.skipped:
        rows.insert(4, ("skipped", c.skipped, ""))
    for label, value, style in rows:
        text.append(f"  {label:<10}")
        text.append(f"{value:>8,}", style=("bold " + style).strip())
        if label == "done":
            text.append(f" of {c.total:,}")
        text.append("\n")
    text.append("\n")
    if view.running:
        text.append(f"  {view.rate:,.1f} contacts/s · ETA {fmt_eta(view.eta_seconds)}\n")
    if view.error:
        text.append(f"  {clean(view.error)}\n", style="#ff5f5f")
    if view.latest_failures:
        text.append("\nLatest failures\n", style="bold")
        for failure in view.latest_failures[:5]:
            status = f" {failure.status}" if failure.status else ""
            line = f"  {clean(failure.contact_id)}  {clean(failure.code)}{status}: {clean(failure.message)}"
            if failure.request_id:
                line += f" (request {clean(failure.request_id)})"
            room = max(20, width - 6)  # the screen's padding
            if len(line) > room:
                line = line[: room - 1] + "…"
            text.append(line + "\n", style="#ff5f5f")
    return text


class BulkProgressScreen(Screen[None]):
    DEFAULT_CSS = """
    BulkProgressScreen #progress-box { height: 1fr; padding: 1 2; }
    BulkProgressScreen #progress-body { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "escape", "Cancel job / back", id="progress.escape"),
        Binding("h", "hide", "Hide (job goes on)", id="progress.hide"),
        Binding("b", "back", "Back", id="progress.back"),
    ]

    def __init__(self, fixed: JobView | None = None) -> None:
        super().__init__()
        self.fixed = fixed
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def view(self) -> JobView | None:
        if self.fixed is not None:
            return self.fixed
        return orbit_app(self).bulk_runner.view

    @property
    def running(self) -> bool:
        view = self.view
        return bool(view is not None and view.running and self.fixed is None)

    def compose(self) -> ComposeResult:
        yield StatusBar(orbit_app(self).status, id="status")
        with Vertical(id="progress-box"):
            yield Static("", id="progress-body", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.fixed is None:
            self._unsubscribe = orbit_app(self).bulk_runner.subscribe(self._repaint)
        self._repaint()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_resize(self) -> None:
        self._repaint()

    def _repaint(self) -> None:
        view = self.view
        body = self.query_one("#progress-body", Static)
        if view is None:
            body.update(Text("No bulk job has run yet in this session."))
        else:
            body.update(progress_text(view, self.size.width or 80))
        self.refresh_bindings()

    @property
    def body_text(self) -> str:
        return str(self.query_one("#progress-body", Static).render())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide":
            return self.running
        if action == "back":
            return not self.running
        return True

    def action_escape(self) -> None:
        if not self.running:
            self.dismiss()
            return
        from orbit_tui.ui.screens.modals import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                orbit_app(self).bulk_runner.cancel()

        self.app.push_screen(
            ConfirmScreen(
                "Cancel this job? Requests in flight finish; the rest stays pending and can "
                "be resumed from :jobs.",
                yes="Cancel the job",
                no="Keep running",
            ),
            answered,
        )

    def action_hide(self) -> None:
        self.dismiss()
        self.app.notify("The job goes on in the background: see :jobs.", markup=False)

    def action_back(self) -> None:
        if not self.running:
            self.dismiss()
