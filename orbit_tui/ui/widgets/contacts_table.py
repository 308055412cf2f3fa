"""The contacts table: a light, line-rendered table over a sliding window of rows.

It draws only the lines on screen, each as one strip of pre-cut cell strings, so paging
and scrolling through a long result stay cheap. Rows are appended at the bottom (next
page), prepended at the top (an earlier page reloaded when scrolling back) and dropped
at either end, so the table never holds more than about 1,000 rows however long the
result. The columns adapt to the width: tags and created date appear from 100 columns.

Every cell is cut from a cleaned plain string: nothing from the server is read as
markup or reaches the terminal as a control sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from orbit_tui.api.models import Contact
from orbit_tui.ui.widgets.contacts_cells import (
    CELL_PADDING,
    COLUMNS,
    MARK_SYMBOL,
    SCROLLBAR,
    Column,
    Widths,
    cell_values,
    cut_row,
    cut_rows,
    fit_cell,
    layout_columns,
    pad_cells,
)

__all__ = [
    "CELL_PADDING",
    "COLUMNS",
    "MARK_SYMBOL",
    "SCROLLBAR",
    "Column",
    "ContactsTable",
    "Widths",
    "cell_values",
    "cut_row",
    "cut_rows",
    "fit_cell",
    "layout_columns",
    "pad_cells",
]


class ContactsTable(ScrollView, can_focus=True):
    """A row-cursor table of contacts with a marks column and a sliding window."""

    COMPONENT_CLASSES = {
        "contacts-table--header",
        "contacts-table--cursor",
        "contacts-table--marked",
    }

    DEFAULT_CSS = """
    ContactsTable {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;
    }
    ContactsTable > .contacts-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    ContactsTable > .contacts-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    ContactsTable:focus > .contacts-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    ContactsTable > .contacts-table--marked {
        color: $accent;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("enter", "select", "Open", show=False, id="table.open"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("g,home,ctrl+home", "first_row", "First", show=False, id="table.first"),
        Binding("G,end,ctrl+end", "last_row", "Last", show=False, id="table.last"),
    ]

    class Highlighted(Message):
        def __init__(self, table: ContactsTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> ContactsTable:
            return self.table

    class Jump(Message):
        """``g`` / ``G`` (home / end): the first or last row of the *result*, which may
        be outside the loaded rows; the cursor has already moved to the first or last
        loaded row, the screen loads the rest."""

        def __init__(self, table: ContactsTable, to_end: bool) -> None:
            super().__init__()
            self.table = table
            self.to_end = to_end

        @property
        def control(self) -> ContactsTable:
            return self.table

    class Selected(Message):
        def __init__(self, table: ContactsTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> ContactsTable:
            return self.table

    def __init__(self, is_marked: Callable[[str], bool], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._is_marked = is_marked
        self._widths: Widths = tuple(layout_columns(80))
        self._rows: list[Contact] = []
        self._marked: list[bool] = []
        self._cells: dict[int, str] = {}  # id(contact) -> its cut cells after the mark
        self._line_styles: tuple[Style, Style, Style, Style, Style] | None = None
        self._mark_cells = self._make_mark_cells()
        self._row_length = self._measure_row()
        self.cursor_row = 0

    # -- size ---------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _update_virtual_size(self) -> None:
        """Set the scrollable size (one line per row, plus the header).

        Setting ``virtual_size`` asks for a layout of the whole screen, which is what
        made each page appended while scrolling cost a full re-layout. When only the row
        count changed and the scrollbars stay as they are, nothing outside the table can
        move: the size is set without a layout and only the table and its scrollbar are
        repainted.
        """
        size = Size(self._row_length, len(self._rows) + 1)
        old = self.virtual_size
        if size == old:
            return
        if not self.is_mounted or size.width != old.width or not self.container_size.height:
            self.virtual_size = size
            return
        bars = (self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        self.set_reactive(ContactsTable.virtual_size, size)
        self._scroll_update(size)  # scrollbars' extent; scroll offsets kept in range
        if bars != (self.show_vertical_scrollbar, self.show_horizontal_scrollbar):
            self.refresh(layout=True)
        else:
            self.refresh()

    def _measure_row(self) -> int:
        """A row's length in cells: every cell is cut to its column's width, padded."""
        return sum(w + 2 * CELL_PADDING for _, w in self._widths)

    def _make_mark_cells(self) -> tuple[str, str]:
        """The mark column's padded cell: unmarked, marked."""
        width = self._widths[0][1]
        return (self._pad([fit_cell("", width)]), self._pad([fit_cell(MARK_SYMBOL, width)]))

    def on_resize(self, event: events.Resize) -> None:
        widths = tuple(layout_columns(event.size.width))
        if widths != self._widths:
            self._widths = widths
            self._mark_cells = self._make_mark_cells()
            self._row_length = self._measure_row()
            self._cells.clear()
            self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.refresh()

    # -- rows -----------------------------------------------------------------------
    def contact_at(self, row: int) -> Contact | None:
        if 0 <= row < len(self._rows):
            return self._rows[row]
        return None

    @property
    def current(self) -> Contact | None:
        return self.contact_at(self.cursor_row)

    def show(self, contacts: Sequence[Contact], *, cursor_row: int = 0) -> None:
        """Replace every row."""
        self._rows = list(contacts)
        self._marked = [self._is_marked(c.id) for c in self._rows]
        self._cells.clear()
        self._update_virtual_size()
        self.set_scroll(0, None)
        self._scroll_rows(0)
        self.move_cursor(row=cursor_row)
        self.refresh()

    def append(self, contacts: Sequence[Contact], *, drop_head: int = 0) -> None:
        """Add rows at the bottom and drop ``drop_head`` rows from the top (the window
        sliding down), keeping the cursor and the view on the same contacts.

        The cost is that of the rows added and dropped, not of the rows kept: no row
        is measured, the screen is not laid out again (see ``_update_virtual_size``).
        """
        self._rows.extend(contacts)
        self._marked.extend(self._is_marked(c.id) for c in contacts)
        self._drop_head(drop_head)
        self._update_virtual_size()
        self.refresh()

    def prepend(self, contacts: Sequence[Contact], *, drop_tail: int = 0) -> None:
        """Add rows at the top and drop ``drop_tail`` rows from the bottom (the window
        sliding up), keeping the cursor and the view on the same contacts."""
        count = len(contacts)
        if count:
            self._rows[:0] = contacts
            self._marked[:0] = [self._is_marked(c.id) for c in contacts]
            self.cursor_row += count
        self._drop_tail(drop_tail)
        self._update_virtual_size()
        if count:
            self._scroll_rows(self.scroll_y + count)
        self.refresh()

    def _drop_head(self, count: int) -> None:
        if count <= 0:
            return
        for contact in self._rows[:count]:
            self._cells.pop(id(contact), None)
        del self._rows[:count]
        del self._marked[:count]
        self.cursor_row = max(0, self.cursor_row - count)
        self._scroll_rows(max(0, self.scroll_y - count))

    def _drop_tail(self, count: int) -> None:
        if count <= 0:
            return
        for contact in self._rows[-count:]:
            self._cells.pop(id(contact), None)
        del self._rows[-count:]
        del self._marked[-count:]
        if self._rows and self.cursor_row >= len(self._rows):
            self.cursor_row = len(self._rows) - 1
            self.post_message(self.Highlighted(self, self.cursor_row))

    def refresh_marks(self) -> None:
        changed = False
        for index, contact in enumerate(self._rows):
            marked = self._is_marked(contact.id)
            if marked != self._marked[index]:
                self._marked[index] = marked
                changed = True
        if changed:
            self.refresh()

    def replace_contact(self, contact: Contact) -> None:
        for index, existing in enumerate(self._rows):
            if existing.id == contact.id:
                self._cells.pop(id(existing), None)
                self._rows[index] = contact
        self.refresh()

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of a row as plain ``Text`` (as shown, before cutting)."""
        values = cell_values(self._rows[row], self._marked[row])
        return [Text(values[column.key]) for column, _ in self._widths]

    def get_cell_at(self, coordinate: tuple[int, int]) -> Text:
        row, column = coordinate
        return self.get_row_at(row)[column]

    # -- cursor ---------------------------------------------------------------------
    def move_cursor(self, *, row: int, scroll: bool = True, announce: bool = True) -> None:
        if not self._rows:
            self.cursor_row = 0
            return
        row = max(0, min(row, len(self._rows) - 1))
        self.cursor_row = row
        if scroll:
            self._scroll_cursor_into_view()
        self.refresh()
        # Posted even when the row did not change: the screen uses it to decide
        # whether to load more, and a held key at the edge must keep asking.
        if announce:
            self.post_message(self.Highlighted(self, row))

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_y)
        height = self._page_height
        if self.cursor_row < top:
            self._scroll_rows(self.cursor_row)
        elif self.cursor_row >= top + height:
            self._scroll_rows(self.cursor_row - height + 1)

    def _scroll_rows(self, y: float) -> None:
        """Scroll to row ``y`` now (no animation, no layout), with the scrollbar's thumb."""
        self.set_scroll(None, y)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._page_height)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._page_height)

    def action_first_row(self) -> None:
        self.move_cursor(row=0, announce=False)
        self.post_message(self.Jump(self, to_end=False))

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._rows) - 1, announce=False)
        self.post_message(self.Jump(self, to_end=True))

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._rows) and event.y >= 1:
            if row == self.cursor_row and event.chain >= 2:
                self.action_select()
            self.move_cursor(row=row)

    # -- drawing ----------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_styles = None
        self.refresh()

    def _styles(self) -> tuple[Style, Style, Style, Style, Style]:
        """base, header, cursor, and the mark cell's style on a plain / cursor row."""
        if self._line_styles is None:
            base = self.rich_style
            marked = self.get_component_rich_style("contacts-table--marked", partial=True)
            cursor = base + self.get_component_rich_style("contacts-table--cursor")
            self._line_styles = (
                base,
                base + self.get_component_rich_style("contacts-table--header"),
                cursor,
                base + marked,
                cursor + marked,
            )
        return self._line_styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base, header, cursor, mark, cursor_mark = self._styles()
        if y == 0:
            cells = [fit_cell(column.label, w) for column, w in self._widths]
            return self._strip(self._pad(cells[:1]), self._pad(cells[1:]), header, header, width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        marked = self._marked[index]
        mark_cell = self._mark_cells[marked]
        if index == self.cursor_row:
            return self._strip(mark_cell, self._cut(index), cursor, cursor_mark, width)
        return self._strip(mark_cell, self._cut(index), base, mark, width)

    _pad = staticmethod(pad_cells)

    def _cut(self, index: int) -> str:
        """The row's cells after the mark as one string (one segment per line instead of
        one per cell: less for Textual to carry), cut when first drawn unless ``adopt``
        was given them."""
        contact = self._rows[index]
        text = self._cells.get(id(contact))
        if text is None:
            text = self._cells[id(contact)] = cut_row(contact, self._widths)
        return text

    @property
    def widths(self) -> Widths:
        """The columns shown and their widths (for ``cut_rows``)."""
        return self._widths

    def adopt(self, widths: Widths, cut: dict[int, str]) -> None:
        """Take rows cut ahead of time (``cut_rows``), if the columns are still as cut.

        Call it before adding those rows (``append``/``prepend``): the cut strings are
        kept by ``id`` of the contacts, which the table holds from then on.
        """
        if widths == self._widths:
            self._cells.update(cut)

    def _strip(self, first: str, rest: str, style: Style, first_style: Style, width: int) -> Strip:
        # Every cell is cut to its column's width: the line's length is known, and is
        # the width of the table but for a narrow terminal or a horizontal scroll.
        length = self._row_length
        segments = [Segment(first, first_style), Segment(rest, style)]
        scroll_x = int(self.scroll_x)
        if not scroll_x and length <= width:
            if length < width:
                segments.append(Segment(" " * (width - length), style))
            return Strip(segments, width)
        strip = Strip(segments, length)
        if scroll_x:
            strip = strip.crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, style).crop(0, width)
