"""The Textual application and ``run()``, the entry point ``cli.py`` calls.

``OrbitApp`` is built from parts so tests can inject them: a ``ContactSource`` (the
cache facade in real use), the profile shown in the status bar, the marks store.
``run()`` builds those parts from a ``ResolvedConfig`` (see :mod:`orbit_tui.runtime`:
for the demo, the sandbox in a child process, started before the app only when the page
cache is cold) and stops them on exit.

Start-up order: the first contacts page is painted first; what it does not need (the
demo's sandbox, the bulk journal, importing httpx and the detail screen) runs after it
(:meth:`OrbitApp.call_when_first_page_shown`).
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input

from orbit_tui.api.models import Contact
from orbit_tui.gate import Gate
from orbit_tui.ui.errors import one_line
from orbit_tui.ui.keys import keymap_notices
from orbit_tui.ui.marks import MarkStore
from orbit_tui.ui.palette import PROVIDERS
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.source import ContactSource
from orbit_tui.ui.status import AppStatus, ProfileInfo
from orbit_tui.ui.themes import DEFAULT_THEME, install_themes, variable_defaults

if TYPE_CHECKING:
    from orbit_tui.api.base import ClientEvent
    from orbit_tui.api.client import OrbitClient
    from orbit_tui.cache import CachedOrbit
    from orbit_tui.runtime import Runtime
    from orbit_tui.ui.bulk_runner import BulkRunner

FIRST_PAGE_HOOKS_LATEST_S = 3.0
WARM_MODULES = (
    "httpx",  # the first request (revalidating the cached first page)
    "orbit_tui.ui.bulk_hooks",  # the bulk journal, attached after the first page
    "orbit_tui.ui.screens.detail",  # enter on a row
)


class OrbitApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "orbit-tui"
    COMMANDS = App.COMMANDS | set(PROVIDERS)
    RECENT_CONTACTS = 20

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_anywhere"),
        Binding("colon", "command_line", "Command", key_display=":", show=False, id="app.command"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True,
                id="app.palette"),
    ]

    def __init__(
        self,
        runtime: Runtime,
        *,
        source: ContactSource | None = None,
        profile: ProfileInfo | None = None,
        marks: MarkStore | None = None,
        page_size: int = 50,
        max_pages: int = 20,
        search_debounce_s: float = 0.2,
        theme_name: str | None = None,
        keymap: dict[str, str] | None = None,
        on_close: Sequence[Callable[[], Awaitable[None]]] = (),
        animations: bool = True,
        notices: Sequence[str] = (),
        clock: Callable[[], float] | None = None,
        themes_dir: Path | None = None,
        on_theme_chosen: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.clock: Callable[[], float] = clock or time.time
        """Unix seconds now (relative times); tests inject a fixed one."""
        profile = profile or ProfileInfo()
        if profile.policy != runtime.policy:
            raise ValueError(f"the profile's policy {profile.policy} is not the runtime's "
                             f"{runtime.policy}")
        self.runtime = runtime
        self.gate: Gate = runtime.gate
        """Every change goes through here."""
        self.orbit: CachedOrbit = runtime.orbit
        """Reads through the page cache."""
        if source is None:
            from orbit_tui.ui.sources import CachedOrbitSource

            source = CachedOrbitSource(runtime.orbit)
        self.source: ContactSource = source
        self._bulk_runner: BulkRunner | None = None
        self._asking_to_quit = False
        self.status = AppStatus(profile=profile)
        self.marks = marks or MarkStore()
        self.page_size = page_size
        self.max_pages = max_pages
        self.search_debounce_s = search_debounce_s
        self._theme_name = theme_name
        self._keymap = dict(keymap or {})
        self._on_close = list(on_close)
        self._notices = list(notices)
        # Shipped and user themes (broken files become notices); orbit-dark by default.
        self._notices.extend(install_themes(self, themes_dir))
        self._notices.extend(keymap_notices(self._keymap))
        self._on_theme_chosen = on_theme_chosen
        self.recent_contacts: list[Contact] = []
        """Contacts opened lately, newest first (the palette offers them)."""
        self._first_page_hooks: list[Callable[[], None]] | None = []
        self._later_hooks: list[Callable[[], None]] | None = []
        if not animations:
            self.animation_level = "none"

    # -- lifecycle ----------------------------------------------------------------
    def on_mount(self) -> None:
        if self._theme_name and not self.apply_theme(self._theme_name):
            self._notices.append(
                f"Unknown theme {self._theme_name!r}: using the default ({DEFAULT_THEME})"
            )
        if self._keymap:
            self.set_keymap(self._keymap)
        self.push_screen(ContactsScreen())
        self.set_timer(FIRST_PAGE_HOOKS_LATEST_S, self.first_page_shown)
        # The journal is opened, and unfinished jobs announced, once the first page shows.
        self.call_when_first_page_shown(self._announce_pending_jobs)
        for notice in self._notices:
            self.notify(clean(notice), severity="warning", timeout=10, markup=False)

    def on_key(self, event: events.Key) -> None:
        """Keys typed in a burst after ``/`` belong in the search box.

        The app hands each key to the widget focused when the key comes in. Keys typed
        right after ``/`` (a fast typist, or the app busy starting) are handed to the
        table before its ``/`` has moved focus; they come back here unhandled once the
        search box has focus. An Input keeps every printable key it is given, so a
        printable key reaching the app while one has focus was meant for it: give it
        there (otherwise it is lost, mid-word). Runs before Textual's own key handling,
        which is skipped for such keys."""
        focused = self.focused
        if isinstance(focused, Input) and event.is_printable and event.character:
            event.prevent_default()
            event.stop()
            focused.post_message(events.Key(event.key, event.character))

    def call_when_first_page_shown(
        self, callback: Callable[[], None], *, at_once: bool = False
    ) -> None:
        """Run ``callback`` once the first contacts page (or its error) is on screen.

        What start-up can do without (starting the demo's sandbox when the page came
        from the cache, the bulk journal) waits for this, so the first frame comes
        sooner. At the latest it runs a few seconds after mounting. Unless ``at_once``,
        it also waits until the modules needed next (:data:`WARM_MODULES`) have been
        imported in a background thread: imported on the event loop they would hold
        it for a few hundred milliseconds just as the user starts typing (and a key
        typed then can reach the table before a ``/`` typed just before it has moved
        the focus to the search box).
        """
        if self._first_page_hooks is None and self._later_hooks is None:
            callback()
        elif at_once and self._first_page_hooks is not None:
            self._first_page_hooks.append(callback)
        elif self._later_hooks is not None:
            self._later_hooks.append(callback)
        else:
            callback()

    def _announce_pending_jobs(self) -> None:
        from orbit_tui.ui.bulk_hooks import announce_pending_jobs

        announce_pending_jobs(self)

    def first_page_shown(self) -> None:
        hooks, self._first_page_hooks = self._first_page_hooks, None
        if hooks is None:
            return
        self._run_hooks(hooks)
        threading.Thread(target=self._warm_imports, name="orbit-warm-imports",
                         daemon=True).start()

    def _warm_imports(self) -> None:
        for name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - imported (and reported) again when used
                pass
        try:
            self.call_from_thread(self._imports_warm)
        except RuntimeError:
            pass  # the app has ended

    def _imports_warm(self) -> None:
        hooks, self._later_hooks = self._later_hooks, None
        self._run_hooks(hooks or [])

    def _run_hooks(self, hooks: list[Callable[[], None]]) -> None:
        for hook in hooks:
            try:
                hook()
            except Exception as error:  # noqa: BLE001 - say it, keep the app up
                self.report_error(error)

    async def on_unmount(self) -> None:
        for close in self._on_close:
            try:
                await close()
            except Exception:  # noqa: BLE001 - closing must not hide the real exit
                pass

    @property
    def bulk_runner(self) -> BulkRunner:
        """The one runner of bulk jobs in this app (made when first needed)."""
        if self._bulk_runner is None:
            from orbit_tui.ui.bulk_runner import BulkRunner

            self._bulk_runner = BulkRunner(self)
        return self._bulk_runner

    def watch_client(self, client: OrbitClient) -> Callable[[], None]:
        """Feed an ``OrbitClient``'s events into the status bar; returns the unsubscriber."""

        def sync_in_flight() -> None:
            self.status.update(in_flight=client.in_flight)

        def listener(event: ClientEvent) -> None:
            kind = event.kind
            if kind == "offline":
                self.status.update(online=False)
            elif kind == "online":
                self.status.update(online=True)
            elif kind == "failed" and event.error is not None:
                self.status.update(last_error=one_line(event.error))
            elif kind == "retrying" and event.status == 429 and event.error is not None:
                wait = f" in {event.delay:.0f} s" if event.delay else ""
                self.status.update(last_error=f"Retrying{wait}: {one_line(event.error)}")
            elif kind == "throttled":
                # Say why requests wait instead of leaving the agent staring at a spinner.
                self.status.update(last_error="Pacing requests to stay under Orbit's rate limit")
            # The client counts a request out after telling us it finished: read the
            # count once the current step is over.
            self.status.update(in_flight=event.in_flight)
            self.call_later(sync_in_flight)

        return client.add_listener(listener)

    # -- quitting -------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """``q``, ``ctrl+q``, ``:q``: quit; while a bulk job runs, ask first."""
        self.quit_safely()

    def quit_safely(self) -> None:
        """Quit at once, unless a bulk job is running: then say what happens to it and
        ask; on yes the job stops taking items, those in flight finish, the rest stay
        in the journal (resumable), and the app quits."""
        from orbit_tui.ui.screens.modals import ConfirmScreen

        runner = self._bulk_runner
        view = runner.view if runner is not None else None
        if runner is None or view is None or not runner.busy:
            self.exit(0)
            return
        if self._asking_to_quit:
            return
        self._asking_to_quit = True
        counts = view.counts
        where = ":jobs (p)"
        if not self.status.profile.demo:  # the command line works on real accounts only
            where += f" or `orbit-tui bulk resume {view.job_id or 'JOB'}`"
        question = (
            f"A bulk job is running: {counts.finished:,} of {counts.total:,} contacts done "
            f"({clean(view.title)}).\n\n"
            "Quit anyway? The job stops once the requests in flight are answered; the "
            f"{counts.remaining:,} contacts left stay in the journal, and {where} "
            "continues it later."
        )

        def answered(yes: bool | None) -> None:
            self._asking_to_quit = False
            if yes:
                self.notify("Stopping the bulk job, then quitting…", markup=False)
                self.run_worker(self._quit_after_job(), group="quit", exit_on_error=False)

        self.push_screen(ConfirmScreen(question, yes="Quit", no="Keep running"), answered)

    async def _quit_after_job(self) -> None:
        runner = self.bulk_runner
        runner.cancel()
        await runner.wait()
        self.exit(0)

    # -- services for screens ----------------------------------------------------------
    def report_error(self, error: BaseException) -> None:
        self.status.update(last_error=one_line(error))

    def open_contact(self, contact: Contact) -> None:
        self.recent_contacts = [contact] + [
            c for c in self.recent_contacts if c.id != contact.id
        ][: self.RECENT_CONTACTS - 1]
        # Imported when first needed: the detail screen (forms, list picker, bulk engine,
        # e-mail validation) costs ~0.3 s to import, which start-up need not pay.
        from orbit_tui.ui.screens.detail import ContactDetailScreen

        self.push_screen(ContactDetailScreen(contact, self.status))

    def new_contact(self) -> None:
        """``n``: the contact form, empty; the new contact opens once saved."""
        from orbit_tui.ui.screens.contact_form import ContactFormScreen

        if self.refused():
            return

        def created(contact: Contact | None) -> None:
            if contact is not None:
                self.contact_saved(contact, created=True)
                self.open_contact(contact)

        known = list(self.orbit.known_stages())
        self.push_screen(ContactFormScreen(self.gate, self.status, None, known_stages=known),
                         created)

    def refused(self) -> bool:
        """Say so and return True when the gate refuses every change (read-only)."""
        reason = self.gate.refusal()
        if reason:
            self.notify(reason, title="Read-only", severity="warning", markup=False)
        return reason is not None

    def contact_saved(self, contact: Contact, *, created: bool = False) -> None:
        """A contact was changed or created: the contacts table follows."""
        screen = self.contacts_screen
        if screen is not None:
            screen.contact_changed(contact, created=created)

    def contact_deleted(self, contact_id: str) -> None:
        """A contact was deleted: unmark it and take it out of the contacts table."""
        self.marks.discard(contact_id)
        screen = self.contacts_screen
        if screen is not None:
            screen.forget_contact(contact_id)

    def apply_theme(self, name: str) -> bool:
        if name in self.available_themes:
            self.theme = name
            return True
        return False

    def choose_theme(self, name: str) -> bool:
        """Switch to ``name`` at the user's request (``:theme``, palette) and remember it."""
        if not self.apply_theme(name):
            return False
        if self._on_theme_chosen is not None:
            try:
                self._on_theme_chosen(name)
            except Exception as error:  # noqa: BLE001 - the switch worked; say why not saved
                self.notify(f"Theme not remembered: {one_line(error)}", severity="warning",
                            markup=False)
        return True

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """orbit-tui's own variables ($badge-live, $marked-row…) exist in every theme."""
        return variable_defaults(super().get_theme_variable_defaults())

    @property
    def contacts_screen(self) -> ContactsScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, ContactsScreen):
                return screen
        return None

    # -- actions ------------------------------------------------------------------------
    def action_command_line(self) -> None:
        from orbit_tui.ui.command_line import CompletingCommandLine

        self.push_screen(CompletingCommandLine(), self.run_command)

    def run_command(self, text: str | None) -> None:
        if not text:
            return
        name, _, argument = text.strip().partition(" ")
        argument = argument.strip()
        if name in ("q", "quit"):
            self.quit_safely()
        elif name in GO_TO:
            self.go_to(name)
        elif name == "theme":
            if not argument:
                names = ", ".join(sorted(self.available_themes))
                self.notify(f"Usage: :theme NAME — one of {names}", markup=False)
            elif self.choose_theme(argument):
                self.notify(f"Theme: {argument}", markup=False)
            else:
                self.notify(
                    f"Unknown theme {clean(argument)!r}; try :theme with no name to list them",
                    severity="error",
                    markup=False,
                )
        elif name == "tag":
            from orbit_tui.ui.bulk_hooks import run_bulk_command

            run_bulk_command(self, name, argument)
        else:
            self.notify(
                f"Unknown command :{clean(name)} — try :contacts, :theme NAME or :q",
                severity="error",
                markup=False,
            )

    def go_to(self, name: str) -> None:
        """``:contacts``, ``:lists``, ``:segments``, ``:optouts``, ``:jobs``.

        Every go-to screen sits straight on the root contacts screen, so ``escape``
        always leads back there. If a screen of that kind is already open it is
        returned to (with its state), never stacked a second time; otherwise what is
        above the contacts screen is closed first. A form with unsaved changes is
        never closed this way.
        """
        root = self.contacts_screen
        if root is None:
            return
        stack = self.screen_stack
        above = stack[stack.index(root) + 1 :]
        if any(getattr(screen, "dirty", False) for screen in above):
            self.notify("Save the form (ctrl+s) or leave it (escape) first.",
                        severity="warning", markup=False)
            return
        kind = _go_to_screen(name)
        target = next((screen for screen in above if type(screen) is kind), root)
        while self.screen is not target and len(self.screen_stack) > 2:
            self.pop_screen()
        if target is not root or kind is ContactsScreen:
            return
        if name == "jobs":
            from orbit_tui.ui.bulk_hooks import run_bulk_command

            run_bulk_command(self, "jobs", "")
        else:
            from orbit_tui.ui.screens.groups import SCREENS

            self.push_screen(SCREENS[name]())

    def open_group_screen(self, name: str) -> None:
        """``:lists``, ``:segments``, ``:optouts`` (see :meth:`go_to`)."""
        self.go_to(name)

    def action_help(self) -> None:
        from orbit_tui.ui.help import GroupedHelpScreen, help_groups

        screen = self.screen
        title = type(screen).__name__.removesuffix("Screen") or "Screen"
        self.push_screen(GroupedHelpScreen(title, help_groups(self, screen)))


GO_TO = ("contacts", "lists", "segments", "optouts", "jobs")


def _go_to_screen(name: str) -> type:
    """The screen class a go-to command opens (imported when first used)."""
    from importlib import import_module

    module, cls = {
        "contacts": ("orbit_tui.ui.screens.contacts", "ContactsScreen"),
        "lists": ("orbit_tui.ui.screens.lists", "ListsScreen"),
        "segments": ("orbit_tui.ui.screens.segments", "SegmentsScreen"),
        "optouts": ("orbit_tui.ui.screens.optouts", "OptOutsScreen"),
        "jobs": ("orbit_tui.ui.screens.jobs", "JobsScreen"),
    }[name]
    found: type = getattr(import_module(module), cls)
    return found
