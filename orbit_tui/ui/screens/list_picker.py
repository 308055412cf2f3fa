"""A fuzzy picker of lists: type to narrow, enter to pick, or create a new list from it.

Used by ``l`` on the contacts screen and on the contact detail screen. Lists are ranked by
a fuzzy match (rapidfuzz) of what was typed against their names, plain substring matches
first. When the typed name is not an existing list, a last entry ``+ Create list “…”``
creates it (through the cache facade) and picks it. The result is the chosen
``ContactList`` (a created one included), or ``None`` when cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from orbit_tui.api.models import ContactList
from orbit_tui.api.walk import WalkGuard
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.list_jobs import DIRECT_ADD_LIMIT
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.context import orbit_app

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit
    from orbit_tui.ui.app import OrbitApp

CREATE_ID = "\x00create"
FUZZY_CUTOFF = 55.0
MAX_SHOWN = 50


def rank_lists(lists: Sequence[ContactList], text: str) -> list[ContactList]:
    """Lists matching ``text``: substring matches first, then fuzzy ones, best first."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return list(lists)
    names = [clean(item.name).casefold() for item in lists]
    scored = process.extract(
        needle, names, scorer=fuzz.WRatio, limit=None, score_cutoff=FUZZY_CUTOFF
    )
    order: dict[int, tuple[int, float]] = {}
    for _name, score, index in scored:
        order[index] = (0 if needle in names[index] else 1, -score)
    for index, name in enumerate(names):
        if needle in name and index not in order:
            order[index] = (0, -100.0)
    return [lists[i] for i in sorted(order, key=lambda i: (order[i], i))]


def close_match(lists: Sequence[ContactList], text: str) -> bool:
    """Whether some list name contains ``text`` or resembles it closely (score ≥ 80)."""
    needle = " ".join(text.split()).casefold()
    names = [clean(item.name).casefold() for item in lists]
    if any(needle in name for name in names):
        return True
    best = process.extractOne(needle, names, scorer=fuzz.WRatio, score_cutoff=80.0)
    return best is not None


class ListPickerScreen(ModalScreen[ContactList | None]):
    DEFAULT_CSS = """
    ListPickerScreen { align: center middle; }
    #picker-box { width: 64; max-width: 100%; height: auto; max-height: 80%;
                  border: round $accent; background: $surface; padding: 0 1; }
    #picker-filter { margin-bottom: 1; }
    #picker-options { height: auto; max-height: 14; border: none; }
    #picker-error { color: $error; height: auto; display: none; }
    #picker-error.active { display: block; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, lists: Sequence[ContactList], *, title: str = "Add to list",
                 exclude: set[str] | None = None, allow_create: bool = True) -> None:
        super().__init__()
        excluded = exclude or set()
        self.lists = [item for item in lists if item.id not in excluded]
        self.all_names = {clean(item.name).casefold() for item in lists}
        self.title_text = title
        self.allow_create = allow_create
        self.creating = False

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "type to narrow · enter pick · esc cancel"
            field = Input(placeholder="list name (or a new one)", id="picker-filter",
                          compact=True)
            field.cursor_blink = self.app.animation_level != "none"
            yield field
            yield OptionList(id="picker-options", markup=False)
            yield Static("", id="picker-error", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, text: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        found: list[Option] = []
        for item in rank_lists(self.lists, text)[:MAX_SHOWN]:
            name = clean(item.name) or item.id
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(name[:60])
            prompt.append(f"  {format_count(item.member_count)} members", style="dim")
            found.append(Option(prompt, id=item.id))
        typed = " ".join(text.split())
        if self.allow_create and typed and typed.casefold() not in self.all_names:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append("+ Create list ", style="bold")
            prompt.append(f"“{clean(typed)[:50]}”")
            create = Option(prompt, id=CREATE_ID)
            if found and close_match(self.lists, typed):
                found.append(create)
            else:  # nothing close: creating is the likely wish, offer it first
                found.insert(0, create)
        if found:
            options.add_options(found)
            options.highlighted = 0
        else:
            options.add_option(Option(Text("no list matches", style="dim"), disabled=True))

    @property
    def option_ids(self) -> list[str]:
        options = self.query_one(OptionList)
        return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]

    @on(Input.Changed, "#picker-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        option = options.highlighted_option
        if option is not None and option.id:
            self._pick(option.id)

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._pick(event.option.id)

    def _pick(self, list_id: str) -> None:
        if list_id == CREATE_ID:
            name = " ".join(self.query_one(Input).value.split())
            if name and not self.creating:
                self.creating = True
                self._create(name)
            return
        for item in self.lists:
            if item.id == list_id:
                self.dismiss(item)
                return

    @work(group="picker-create", exclusive=True, exit_on_error=False)
    async def _create(self, name: str) -> None:
        try:
            created = await orbit_app(self).gate.create_list(name)
        except Exception as error:  # noqa: BLE001 - shown in the picker
            self.creating = False
            orbit_app(self).report_error(error)
            message = self.query_one("#picker-error", Static)
            message.update(Text(f"Could not create the list: {describe_error(error)}"))
            message.add_class("active")
            return
        self.notify(f"Created the list {clean(created.name)}", markup=False)
        self.dismiss(created)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- ``l``: add contacts to a list -------------------------------------------------------------
async def _all_lists(orbit: CachedOrbit) -> list[ContactList]:
    items: list[ContactList] = []
    cursor: str | None = None
    guard = WalkGuard(what="lists")  # a server whose cursors never end stops, and says so
    while len(items) < 1000:
        result = await orbit.lists_page({"limit": 100}, cursor)
        page = result.page
        guard.feed((lst.id for lst in page.items), cursor=cursor, next_cursor=page.cursor,
                   has_more=page.has_more, total=page.total)
        items.extend(page.items)
        if not result.page.has_more or not result.page.cursor:
            break
        cursor = result.page.cursor
    return items


def add_to_list(app: OrbitApp, contact_ids: Sequence[str]) -> None:
    """``l``: pick (or create) a list, then add the contacts: one request for up to 100,
    a bulk job (after a confirmation) for more."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        app.notify("No contact to add: move to a row or mark some first", markup=False)
        return
    if app.refused():
        return
    orbit = app.orbit

    async def pick() -> None:
        try:
            lists = await _all_lists(orbit)
        except Exception as error:  # noqa: BLE001
            _failed(app, error, "Could not read the lists")
            return
        what = "1 contact" if len(ids) == 1 else f"{format_count(len(ids))} marked contacts"

        def picked(chosen: ContactList | None) -> None:
            if chosen is None:
                return
            if len(ids) <= DIRECT_ADD_LIMIT:
                app.run_worker(add_now(chosen), group="add-to-list", exit_on_error=False)
                return
            # A bulk job: its preview says what will change and asks (typed on LIVE).
            app.run_worker(add_by_job(chosen), group="add-to-list", exit_on_error=False)

        app.push_screen(ListPickerScreen(lists, title=f"Add {what} to a list"), picked)

    async def add_now(chosen: ContactList) -> None:
        try:
            result = await app.gate.add_members(chosen.id, ids)
        except Exception as error:  # noqa: BLE001
            _failed(app, error, "Could not add to the list")
            return
        text = f"Added {format_count(len(result.added))} to {clean(chosen.name)}"
        if result.already_member:
            text += f" ({format_count(len(result.already_member))} already there)"
        if result.not_found:
            text += f"; {format_count(len(result.not_found))} no longer exist"
        app.notify(text, markup=False)

    async def add_by_job(chosen: ContactList) -> None:
        from orbit_tui.bulk import Operation
        from orbit_tui.ui.list_jobs import job_summary, run_list_job

        app.notify(f"Adding {format_count(len(ids))} contacts to {clean(chosen.name)}…",
                   markup=False)
        try:
            job = await run_list_job(app, Operation.list_add(chosen.id), ids,
                                     label=f"{len(ids)} marked contacts")
        except Exception as error:  # noqa: BLE001
            _failed(app, error, "Could not add to the list")
            return
        app.notify(job_summary(f"Added to {clean(chosen.name)}", job), markup=False, timeout=10)

    app.run_worker(pick(), group="add-to-list-pick", exclusive=True, exit_on_error=False)


def _failed(app: OrbitApp, error: BaseException, title: str) -> None:
    app.report_error(error)
    app.notify(describe_error(error), title=title, severity="error", markup=False, timeout=10)
