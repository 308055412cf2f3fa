"""The preview of a bulk job and its confirmation, before anything is written.

The plan is made in a worker (the target resolved to a frozen list of ids; how many
will change and how many already match, from what is known). On a TEST or DEMO profile
``y`` or ``enter`` starts the job; on a LIVE profile the agent types the number of
contacts (or ``yes``) and presses enter. ``escape`` cancels: nothing was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from orbit_tui.api.errors import OrbitError
from orbit_tui.api.models import Contact
from orbit_tui.bulk import BulkError, Operation, Plan, Target
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.errors import describe_error
from orbit_tui.policy import typed_count_confirms
from orbit_tui.ui.safe import clean

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp
    from orbit_tui.ui.bulk_runner import BulkRunner


def plan_text(plan: Plan) -> Text:
    s = plan.summary()
    text = Text(end="")
    text.append(clean(s["operation"]), style="bold")
    text.append(f" on {clean(s['target'])}\n\n")
    rows = [
        ("contacts", s["total"]),
        ("will change", s["will_change"]),
        ("already match", s["already_match"]),
    ]
    if s["unknown"]:
        rows.append(("not known yet", s["unknown"]))
    for label, value in rows:
        text.append(f"  {label:<15}", style="")
        text.append(f"{value:>9,}\n", style="bold")
    if s["unknown"]:
        text.append("\nContacts not known yet are read just before their change.", style="italic")
    for note in plan.notes:
        text.append(f"\nnote: {clean(note)}", style="italic")
    return text


class BulkPreviewScreen(ModalScreen["Plan | None"]):
    DEFAULT_CSS = """
    BulkPreviewScreen { align: center middle; }
    #preview-box { width: 64; max-width: 100%; height: auto; max-height: 100%;
                   border: round $accent; background: $surface; padding: 0 1; }
    BulkPreviewScreen.live #preview-box { border: round $error; }
    #preview-body { height: auto; }
    #preview-hint { height: auto; color: $text-muted; margin-top: 1; }
    #preview-typed { display: none; }
    BulkPreviewScreen.live.ready #preview-typed { display: block; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="preview.cancel"),
        Binding("y", "confirm", "Run", id="preview.yes"),
        Binding("enter", "confirm", "Run", show=False, id="preview.run"),
    ]

    def __init__(self, target: Target, op: Operation, known: Mapping[str, Contact] | None = None,
                 *, live: bool = False, plan: Plan | None = None) -> None:
        super().__init__()
        self.target = target
        self.op = op
        self.known = dict(known or {})
        self.live = live
        self.plan: Plan | None = plan
        self.error = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="preview-box") as box:
            box.border_title = "● LIVE data — bulk change" if self.live else "Bulk change — preview"
            yield Static(Text("Counting the contacts…"), id="preview-body")
            yield Static("", id="preview-hint", markup=False)
            if self.live:
                yield Input(placeholder="number of contacts", id="preview-typed")

    def on_mount(self) -> None:
        self.set_class(self.live, "live")
        for typed in self.query("#preview-typed").results(Input):
            typed.cursor_blink = self.app.animation_level != "none"
        if self.plan is not None:
            self._show_plan(self.plan)
        else:
            self.make_plan()

    @work(exclusive=True, group="bulk-plan", exit_on_error=False)
    async def make_plan(self) -> None:
        body = self.query_one("#preview-body", Static)

        def counted(n: int) -> None:
            body.update(Text(f"Counting the contacts… {n:,}"))

        try:
            plan = await orbit_app(self).bulk_runner.engine.plan(
                self.target, self.op, known=self.known, on_count=counted)
        except (BulkError, OrbitError, Exception) as exc:  # noqa: BLE001 - shown, not raised
            self.error = describe_error(exc) if isinstance(exc, OrbitError) else clean(str(exc))
            body.update(Text(f"Cannot prepare the job: {self.error}"))
            self.query_one("#preview-hint", Static).update("esc close")
            return
        self._show_plan(plan)

    def _show_plan(self, plan: Plan) -> None:
        self.plan = plan
        self.query_one("#preview-body", Static).update(plan_text(plan))
        hint = self.query_one("#preview-hint", Static)
        if not plan.total:
            hint.update("No contact to change. esc close")
            return
        self.add_class("ready")
        if self.live:
            hint.update(f"This profile's key is treated as LIVE: real customers' contacts change. "
                        f"Type {plan.total} (the number of contacts), then enter. "
                        "esc cancels.")
            self.query_one("#preview-typed", Input).focus()
        else:
            hint.update("y / enter run · esc cancel")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            if self.live:
                return False  # a LIVE job is confirmed only by typing
            return None if self.plan is None or not self.plan.total else True
        return True

    def action_confirm(self) -> None:
        if self.plan is not None and self.plan.total and not self.live:
            self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#preview-typed")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if self.plan is not None and self.plan.total and typed_count_confirms(event.value, self.plan.total):
            self.dismiss(self.plan)
        else:
            self.notify("Type the number of contacts exactly.", severity="warning",
                        markup=False)


def ready_runner(app: OrbitApp) -> BulkRunner | None:
    """The app's bulk runner, or None when it refuses a new job (the reason is shown:
    a job already running, a read-only profile)."""
    runner = app.bulk_runner
    reason = runner.refused()
    if reason:
        app.notify(reason, title="Bulk job", severity="warning", markup=False)
        return None
    return runner


def preview_screen(app: OrbitApp, target: Target, op: Operation,
                   known: Mapping[str, Contact] | None = None) -> BulkPreviewScreen:
    """The preview of a job (a typed confirmation on a LIVE profile)."""
    return BulkPreviewScreen(target, op, known, live=app.status.profile.live)


def start_plan(app: OrbitApp, runner: BulkRunner, plan: Plan, *, announce_end: bool = True) -> bool:
    """Start a plan its preview confirmed, in the background; show its progress screen."""
    from orbit_tui.ui.screens.bulk_progress import BulkProgressScreen

    if not runner.start(plan, f"{plan.op.describe()} on {plan.target.describe()}",
                        confirmed=True, announce_end=announce_end):
        return False
    app.push_screen(BulkProgressScreen())
    return True


def preview_and_run(app: OrbitApp, target: Target, op: Operation,
                    known: Mapping[str, Contact] | None = None) -> None:
    """Preview → confirmation → the job runs in the background, its progress screen shown."""
    runner = ready_runner(app)
    if runner is None:
        return

    def confirmed(plan: Plan | None) -> None:
        if plan is not None:
            start_plan(app, runner, plan)

    app.push_screen(preview_screen(app, target, op, known), confirmed)
