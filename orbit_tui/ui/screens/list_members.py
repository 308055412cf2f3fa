"""The members of a list or of a segment, in the contacts screen's own table.

It is the contacts screen (search as you type, paging window, marking, ``enter`` to the
contact) reading the members endpoint instead of ``/contacts``: a ``MemberSource``
answers the same ``ContactSource`` protocol. The members endpoints take a search but no
filters, so ``f`` says so. On a list, ``ctrl+d`` takes the current contact out of the
list, or the marked ones through a bulk job; the contacts themselves are kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from orbit_tui.api.models import ContactList, Segment
from orbit_tui.bulk import Counts, Operation
from orbit_tui.ui.list_jobs import job_summary, progress_line, run_list_job
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.screens.records import notify_error
from orbit_tui.ui.source import PageResult

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit


class MemberSource:
    """``ContactSource`` over a list's or a segment's members (search only, no filters)."""

    def __init__(self, orbit: CachedOrbit, kind: str, ident: str) -> None:
        self.orbit = orbit
        self.kind = kind  # "list" or "segment"
        self.ident = ident

    async def contacts_page(
        self, query: ContactQuery, cursor: str | None, *, limit: int, refresh: bool = False
    ) -> PageResult:
        params: dict[str, Any] = {"limit": limit}
        if query.search:
            params["search"] = query.search
        if self.kind == "list":
            result = await self.orbit.list_members_page(self.ident, params, cursor, refresh=refresh)
        else:
            result = await self.orbit.segment_members_page(
                self.ident, params, cursor, refresh=refresh
            )
        return PageResult(
            page=result.page,
            from_cache=bool(result.from_cache),
            age_s=result.age_s if result.from_cache else None,
            stale=bool(result.stale),
            offline=bool(result.offline),
        )

    async def _page(self, search: str | None, limit: int, cursor: str | None) -> Any:
        client = self.orbit.client
        if self.kind == "list":
            return await client.list_members(self.ident, search=search, limit=limit, cursor=cursor)
        return await client.segment_members(self.ident, search=search, limit=limit, cursor=cursor)

    async def count(self, query: ContactQuery) -> int | None:
        page = await self._page(query.search or None, 1, None)
        if page.total is not None:
            return int(page.total)
        return None if page.has_more else len(page.items)

    async def iter_ids(self, query: ContactQuery) -> AsyncIterator[str]:
        client = self.orbit.client
        search = query.search or None
        if self.kind == "list":
            members = client.iter_members(self.ident, search=search, page_size=100)
        else:
            members = client.iter_segment_members(self.ident, search=search, page_size=100)
        async for contact in members:
            yield contact.id


class MembersScreen(ContactsScreen):
    """Members of a list (``kind="list"``) or of a segment (``kind="segment"``)."""

    DEFAULT_CSS = """
    MembersScreen #members-title { height: 1; padding: 0 1; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="members.back"),
        Binding("ctrl+d", "remove", "Remove from list", id="members.remove"),
    ]

    def __init__(self, kind: str, ident: str, name: str) -> None:
        super().__init__()
        self.kind = kind
        self.ident = ident
        self.group_name = name
        self._members: MemberSource | None = None

    @property
    def source(self) -> MemberSource:
        """The members endpoint, made once for this screen's list or segment."""
        if self._members is None:
            self._members = MemberSource(self.orbit_app.orbit, self.kind, self.ident)
        return self._members

    def compose(self) -> ComposeResult:
        parts = iter(super().compose())
        yield next(parts)  # the status bar
        what = "List" if self.kind == "list" else "Segment"
        yield Static(Text(f"{what}: {clean(self.group_name)} · members"), id="members-title")
        yield from parts

    def on_mount(self) -> None:
        # ContactsScreen.on_mount runs once (Textual calls each class's handler).
        self.query_one("#search", Input).placeholder = "/ search members"

    def action_back(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.table.focus()
        else:
            self.app.pop_screen()

    def action_focus_table(self) -> None:
        self.action_back()

    def action_filters(self) -> None:
        self.notify("Members can be searched but not filtered: use / to search", markup=False)

    # -- removing members ------------------------------------------------------------------
    def action_remove(self) -> None:
        if self.kind != "list":
            self.notify(
                "A segment's members follow its rules: edit the rules (e on :segments) to change them",
                markup=False,
            )
            return
        if self.orbit_app.refused():
            return
        marks = self.orbit_app.marks
        name = clean(self.group_name)
        if len(marks):
            # A bulk job: its preview says what will change and asks (typed on LIVE).
            self._remove_many(marks.ids())
            return
        contact = self.table.current
        if contact is None:
            return
        question = (
            f"Take {clean(contact.display_name) or contact.id} out of the list “{name}”?\n\n"
            "The contact is kept; only the membership goes."
        )

        def answer_one(yes: bool | None) -> None:
            if yes:
                self._remove_one(contact.id, contact.display_name)

        self.app.push_screen(ConfirmScreen(question, yes="Remove", no="Keep"), answer_one)

    @work(group="members-change", exit_on_error=False)
    async def _remove_one(self, contact_id: str, label: str) -> None:
        try:
            await self.orbit_app.gate.remove_member(self.ident, contact_id)
        except Exception as error:  # noqa: BLE001
            notify_error(self, error, "Could not remove the member")
            return
        self.notify(f"Removed {clean(label) or contact_id} from the list", markup=False)
        self.load_first(refresh=True)

    @work(group="members-change", exit_on_error=False)
    async def _remove_many(self, ids: list[str]) -> None:
        verb = "removing from the list"
        self._begin(f"{verb}…")

        def progress(counts: Counts) -> None:
            self._begin(progress_line(verb, counts))

        try:
            job = await run_list_job(
                self.orbit_app, Operation.list_remove(self.ident), ids,
                label=f"{len(ids)} marked contacts", on_progress=progress,
            )
        except Exception as error:  # noqa: BLE001
            self._end()
            notify_error(self, error, "Could not remove the members")
            return
        self._end()
        self.notify(job_summary("Removed from the list", job), markup=False, timeout=10)
        self.load_first(refresh=True)


class ListMembersScreen(MembersScreen):
    def __init__(self, contact_list: ContactList) -> None:
        super().__init__("list", contact_list.id, contact_list.name)


class SegmentMembersScreen(MembersScreen):
    def __init__(self, segment: Segment) -> None:
        super().__init__("segment", segment.id, segment.name)
