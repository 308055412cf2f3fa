"""Marking on the contacts screen: one row, every row matching, or none.

Marks live in the app's ``MarkStore`` (by contact id), so they survive paging, new
searches and other screens. "Mark all matching" first asks the server how many match,
asks the user to confirm that number, then walks every page of the result.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.safe import format_count
from orbit_tui.ui.screens.modals import ConfirmScreen

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp
    from orbit_tui.ui.source import ContactSource
    from orbit_tui.ui.widgets.contacts_table import ContactsTable

MARK_BATCH = 200


class MarkingScreen(Screen[None]):
    """Base of the contacts screen: the marking actions and their workers."""

    query_state: ContactQuery

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
        seen = 0
        try:
            async for contact_id in self.source.iter_ids(query):
                batch.append(contact_id)
                seen += 1
                if len(batch) >= MARK_BATCH:
                    app.marks.add_many(batch)
                    batch = []
                    total = f" / {format_count(expected)}" if expected else ""
                    self._begin(f"marking… {format_count(seen)}{total} (esc stops)")
        except asyncio.CancelledError:
            app.marks.add_many(batch)
            self._end()
            self.notify(f"Stopped marking: {format_count(seen)} marked so far", title="Mark all")
            raise
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
