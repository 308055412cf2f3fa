"""``:segments`` — saved segments with their count and a one-line reading of the rules.

``enter`` shows the members, ``n``/``e`` open the rule builder, ``ctrl+d`` deletes after
a confirmation (contacts are untouched: a segment is only a saved search).
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.binding import Binding

from orbit_tui import rules as grammar
from orbit_tui.api.models import Segment
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.screens.records import RecordsScreen, cell, notify_error

MAX_SEGMENTS = 1000


class SegmentsScreen(RecordsScreen[Segment]):
    TITLE_TEXT = "Segments"
    COLUMNS = (
        ("name", "Name", 24),
        ("count", "Contacts", 9),
        ("rules", "Rules", None),
    )
    EMPTY_TEXT = "No segments yet. Press n to build one."

    BINDINGS = [
        Binding("enter", "open", "Members", show=False, id="segments.open"),
        Binding("n", "new", "New", id="segments.new"),
        Binding("e", "edit", "Edit rules", id="segments.edit"),
        Binding("ctrl+d", "delete", "Delete", id="segments.delete"),
    ]

    async def fetch(self, refresh: bool) -> list[Segment]:
        return await self.read_all(self.orbit.segments_page, refresh=refresh, most=MAX_SEGMENTS)

    def mounted(self) -> None:
        self._size_columns()

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        column = self.table.columns.get("rules")  # type: ignore[call-overload]
        if column is not None:
            column.width = max(20, self.size.width - 24 - 9 - 2 * 3 - 2)
            column.auto_width = False
            self.table.refresh()

    def cells(self, item: Segment) -> list[Text]:
        count = "" if item.contact_count is None else format_count(item.contact_count)
        return [
            cell(item.name),
            Text(count, justify="right"),
            cell(grammar.describe(item.rules), "dim"),
        ]

    def counts_line(self) -> str:
        n = len(self.items)
        return f"{format_count(n)} segment{'s' if n != 1 else ''}"

    # -- actions ------------------------------------------------------------------------
    def action_open(self) -> None:
        item = self.current
        if item is not None:
            from orbit_tui.ui.screens.list_members import SegmentMembersScreen

            self.app.push_screen(SegmentMembersScreen(item))

    def _builder(self, segment: Segment | None) -> None:
        from orbit_tui.ui.screens.rule_builder import RuleBuilderScreen

        def done(saved: Segment | None) -> None:
            if saved is None:
                return
            self.notify(f"Saved the segment {clean(saved.name)}", markup=False)
            others = [s for s in self.items if s.id != saved.id]
            if segment is None:
                self.show([*others, saved], keep_key=saved.id)
            else:
                self.show([saved if s.id == saved.id else s for s in self.items], keep_key=saved.id)
            self.reload(refresh=True)

        self.app.push_screen(RuleBuilderScreen(segment), done)

    def action_new(self) -> None:
        if not self.orbit_app.refused():
            self._builder(None)

    def action_edit(self) -> None:
        item = self.current
        if item is not None:
            self._builder(item)

    def action_delete(self) -> None:
        item = self.current
        if item is None or self.orbit_app.refused():
            return
        from orbit_tui.ui.screens.confirm import DeleteConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete(item)

        live = self.gate.policy.live
        consequence = "Its contacts are untouched: only the saved rules go."
        self.app.push_screen(
            DeleteConfirmScreen("the segment", item.name, item.id, live=live,
                                consequence=consequence),
            answer,
        )

    @work(group="segments-change", exit_on_error=False)
    async def _delete(self, item: Segment) -> None:
        try:
            await self.gate.delete_segment(item.id, confirmed=True)  # asked in action_delete
        except Exception as error:  # noqa: BLE001
            notify_error(self, error, "Could not delete the segment")
            return
        self.notify(f"Deleted the segment {clean(item.name)}", markup=False)
        self.show([s for s in self.items if s.id != item.id])
