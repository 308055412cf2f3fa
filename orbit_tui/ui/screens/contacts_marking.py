"""Marking on the contacts screen: one row, every row matching, or none.

Marks live in the app's ``MarkStore`` (by contact id), so they survive paging, new
searches and other screens. "Mark all matching" first asks the server how many match,
asks the user to confirm that number, then walks every page of the result.

A server may ignore a filter it does not know and send everybody: the rows that arrive
are checked against the filters (:mod:`orbit_tui.api.filters`), the screen says so, and
"mark all matching" refuses, before or during its walk, rather than mark everybody.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from orbit_tui.api.filters import FilterIgnored, FilterMismatch, first_mismatch
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.screens.modals import ConfirmScreen

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp
    from orbit_tui.ui.source import ContactSource
    from orbit_tui.ui.widgets.contacts_table import ContactsTable
    from orbit_tui.ui.window import PageWindow

MARK_BATCH = 200


class MarkingScreen(Screen[None]):
    """Base of the contacts screen: the marking actions and their workers."""

    query_state: ContactQuery
    page_window: PageWindow
    ignored_filter: FilterMismatch | None = None
    """The first row shown that a filter of the query excludes (the server ignored it)."""
    _walk_ignored: tuple[ContactQuery, FilterMismatch] | None = None
    """What a "mark all" walk met beyond the rows shown, for the query it walked."""

    @property
    def orbit_app(self) -> OrbitApp:
        raise NotImplementedError

    @property
    def source(self) -> ContactSource:
        raise NotImplementedError

    @property
    def table(self) -> ContactsTable:
        raise NotImplementedError

    def _begin(self, activity: str, *, quiet_for: float = 0.0) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        raise NotImplementedError

    def _show_chips(self) -> None:
        raise NotImplementedError

    def _check_filters(self) -> None:
        """After rows arrive: do they honour the query's filters? Says so once if not."""
        params = self.query_state.to_params()
        window = self.page_window
        found = None
        for index in sorted(window.pages):
            found = first_mismatch(params, window.pages[index], page=index + 1)
            if found is not None:
                break
        walked = self._walk_ignored
        if found is None and walked is not None and walked[0] == self.query_state:
            found = walked[1]
        was = self.ignored_filter
        self.ignored_filter = found
        if (found and found.filter_text) == (was and was.filter_text):
            return
        self._show_chips()
        if found is not None:
            self.notify(clean(found.notice()), title="Filter ignored", severity="warning",
                        markup=False)

    def _refuse_ignored(self, found: FilterMismatch) -> None:
        self.notify(clean(found.explain("Nothing was marked")), title="Mark all refused",
                    severity="error", markup=False)

    def action_toggle_mark(self) -> None:
        contact = self.table.current
        if contact is None:
            return
        self.orbit_app.marks.toggle(contact.id)
        table = self.table
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_clear_marks(self) -> None:
        count = self.orbit_app.marks.clear()
        if count:
            self.notify(f"Cleared {format_count(count)} marks")

    def action_mark_all(self) -> None:
        if self.ignored_filter is not None:
            self._refuse_ignored(self.ignored_filter)
            return
        self._count_then_confirm(self.query_state)

    @work(group="mark-all", exclusive=True, exit_on_error=False)
    async def _count_then_confirm(self, query: ContactQuery) -> None:
        app = self.orbit_app
        self._begin("counting…")
        try:
            count = await self.source.count(query)
        except Exception as error:  # noqa: BLE001
            self._end()
            app.report_error(error)
            self.notify(describe_error(error), title="Could not count", severity="error")
            return
        self._end()
        if count == 0:
            self.notify("Nothing matches: no contacts to mark")
            return
        amount = format_count(count) if count is not None else "every"
        what = "contacts matching this search and filters"
        if not query.search and not query.has_filters:
            what = "contacts (no search or filter is set)"

        def answer(yes: bool | None) -> None:
            if yes:
                self._mark_all(query, count)

        app.push_screen(
            ConfirmScreen(f"Mark all {amount} {what}?", yes="Mark all", no="Cancel"), answer
        )

    @work(group="mark-all", exclusive=True, exit_on_error=False)
    async def _mark_all(self, query: ContactQuery, expected: int | None) -> None:
        app = self.orbit_app
        batch: list[str] = []
        newly: list[str] = []  # marked by this walk, unmarked again if it is refused
        seen = 0
        try:
            async for contact_id in self.source.iter_ids(query):
                batch.append(contact_id)
                seen += 1
                if len(batch) >= MARK_BATCH:
                    newly.extend(i for i in batch if i not in app.marks)
                    app.marks.add_many(batch)
                    batch = []
                    total = f" / {format_count(expected)}" if expected else ""
                    self._begin(f"marking… {format_count(seen)}{total} (esc stops)")
        except asyncio.CancelledError:
            app.marks.add_many(batch)
            self._end()
            self.notify(f"Stopped marking: {format_count(seen)} marked so far", title="Mark all")
            raise
        except FilterIgnored as refused:
            app.marks.discard_many(newly)
            self._end()
            self._refuse_ignored(refused.mismatch)
            self._walk_ignored = (query, refused.mismatch)
            self._check_filters()  # the screen says so too, and M refuses at once now
            return
        except Exception as error:  # noqa: BLE001
            app.marks.add_many(batch)
            self._end()
            app.report_error(error)
            self.notify(
                f"Marked {format_count(seen)} before it failed: {describe_error(error)}",
                title="Mark all stopped",
                severity="error",
            )
            return
        app.marks.add_many(batch)
        self._end()
        self.notify(f"Marked {format_count(seen)} contacts")

    def stop_marking(self) -> bool:
        """Cancel a running "mark all"; returns whether one was running."""
        running = [w for w in self.workers if w.group == "mark-all" and w.is_running]
        for worker in running:
            worker.cancel()
        return bool(running)
