"""The contacts table: a DataTable that shows a sliding window of a long result.

Rows are appended at the bottom (next page), prepended at the top (an earlier page
reloaded when scrolling back) and dropped at either end, so the table never holds more
than about 1,000 rows however long the result. The columns adapt to the width: tags
and created date appear from 100 columns up.

Every cell is a ``rich.text.Text`` built from cleaned plain strings: nothing from the
server is read as markup or reaches the terminal as a control sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from orbit_tui.api.models import Contact
from orbit_tui.ui.safe import fit, format_date, format_phone

MARK_SYMBOL = "●"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    min_width: int
    weight: int = 0
    """Share of the spare width (0: fixed at ``min_width``)."""
    min_table_width: int = 0
    """Shown only when the table is at least this wide."""


COLUMNS: tuple[Column, ...] = (
    Column("mark", MARK_SYMBOL, 1),
    Column("name", "Name", 13, weight=3),
    Column("phone", "Phone", 17),
    Column("email", "Email", 16, weight=3),
    Column("country", "CC", 2),
    Column("stage", "Stage", 10),
    Column("tags", "Tags", 12, weight=2, min_table_width=100),
    Column("created", "Created", 10, min_table_width=100),
)

CELL_PADDING = 1
SCROLLBAR = 2


def layout_columns(table_width: int) -> list[tuple[Column, int]]:
    """Which columns fit in ``table_width`` and how wide each is."""
    shown = [c for c in COLUMNS if table_width >= c.min_table_width]
    fixed = sum(c.min_width + 2 * CELL_PADDING for c in shown) + SCROLLBAR
    spare = max(0, table_width - fixed)
    weights = sum(c.weight for c in shown) or 1
    widths: list[tuple[Column, int]] = []
    given = 0
    flexible = [c for c in shown if c.weight]
    for column in shown:
        extra = 0
        if column.weight:
            if column is flexible[-1]:
                extra = spare - given
            else:
                extra = spare * column.weight // weights
                given += extra
        widths.append((column, column.min_width + extra))
    return widths


def contact_cells(
    contact: Contact, marked: bool, widths: Sequence[tuple[Column, int]]
) -> list[Text]:
    values = {
        "mark": Text(MARK_SYMBOL, style="bold", end="") if marked else Text("", end=""),
        "name": fit(contact.display_name, 0),
        "phone": fit(format_phone(contact.phone, contact.country_code), 0),
        "email": fit(contact.email, 0),
        "country": fit(contact.country_code, 0),
        "stage": fit(contact.lifecycle_stage, 0),
        "tags": fit(", ".join(contact.tags), 0),
        "created": fit(format_date(contact.created_at), 0),
    }
    cells: list[Text] = []
    for column, width in widths:
        text = values[column.key]
        if text.cell_len > width:
            text.truncate(width, overflow="ellipsis")
        cells.append(text)
    return cells


class ContactsTable(DataTable[Text]):
    """A row-cursor table of contacts with a marks column and a sliding window."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,ctrl+home", "first_row", "First", show=False, id="table.first"),
        Binding("G,ctrl+end", "last_row", "Last", show=False, id="table.last"),
    ]

    def __init__(
        self, is_marked: Callable[[str], bool], *, id: str | None = None
    ) -> None:
        super().__init__(
            id=id, cursor_type="row", cell_padding=CELL_PADDING, zebra_stripes=False
        )
        self._is_marked = is_marked
        self._widths: list[tuple[Column, int]] = []
        self._keys: list[RowKey] = []  # in display order
        self._ids: dict[RowKey, str] = {}
        self._contacts: dict[RowKey, Contact] = {}
        self._serial = 0

    # -- columns ------------------------------------------------------------------
    def on_mount(self) -> None:
        self._relayout(self.size.width or 80)

    def on_resize(self) -> None:
        self._relayout(self.size.width)

    def _relayout(self, width: int) -> None:
        widths = layout_columns(width)
        if widths == self._widths:
            return
        contacts = [self._contacts[k] for k in self._keys]
        row = self.cursor_row
        self._widths = widths
        self.clear(columns=True)
        self._keys, self._ids, self._contacts = [], {}, {}
        for column, w in widths:
            self.add_column(Text(column.label, end=""), width=w, key=column.key)
        self._add(contacts)
        if contacts:
            self.move_cursor(row=min(row, len(contacts) - 1), scroll=True)

    # -- rows -----------------------------------------------------------------------
    def contact_at(self, row: int) -> Contact | None:
        if 0 <= row < len(self._keys):
            return self._contacts[self._keys[row]]
        return None

    @property
    def current(self) -> Contact | None:
        return self.contact_at(self.cursor_row)

    def _add(self, contacts: Iterable[Contact]) -> list[RowKey]:
        keys = []
        for contact in contacts:
            self._serial += 1
            key = self.add_row(
                *contact_cells(contact, self._is_marked(contact.id), self._widths),
                key=f"r{self._serial}",
            )
            self._keys.append(key)
            self._ids[key] = contact.id
            self._contacts[key] = contact
            keys.append(key)
        return keys

    def show(self, contacts: Sequence[Contact], *, cursor_row: int = 0) -> None:
        """Replace every row."""
        self.clear()
        self._keys, self._ids, self._contacts = [], {}, {}
        self._add(contacts)
        if contacts:
            self.move_cursor(row=max(0, min(cursor_row, len(contacts) - 1)), scroll=True)

    def append(self, contacts: Sequence[Contact]) -> None:
        self._add(contacts)

    def prepend(self, contacts: Sequence[Contact]) -> None:
        """Put rows above the current first row, keeping the cursor on its contact."""
        if not contacts:
            return
        row = self.cursor_row
        old = list(self._keys)
        self._keys = []
        new = self._add(contacts)
        self._keys = new + old
        self._reindex()
        self._shift_cursor(row + len(new), len(new))

    def drop_head(self, count: int) -> None:
        """Remove the first ``count`` rows, keeping the cursor on its contact."""
        if count <= 0:
            return
        row = self.cursor_row
        gone, self._keys = self._keys[:count], self._keys[count:]
        self._forget(gone)
        self._reindex()
        self._shift_cursor(max(0, row - count), -count)

    def drop_tail(self, count: int) -> None:
        if count <= 0:
            return
        row = self.cursor_row
        gone, self._keys = self._keys[-count:], self._keys[:-count]
        self._forget(gone)
        self._reindex()
        if self._keys:
            self.move_cursor(row=min(row, len(self._keys) - 1), scroll=False)

    def _forget(self, keys: Iterable[RowKey]) -> None:
        for key in keys:
            del self.rows[key]
            del self._data[key]
            self._new_rows.discard(key)
            self._ids.pop(key, None)
            self._contacts.pop(key, None)

    def _reindex(self) -> None:
        # DataTable can only append; reorder its index the way its own sort() does.
        self._row_locations = TwoWayDict({key: i for i, key in enumerate(self._keys)})
        self._update_count += 1
        self._require_update_dimensions = True
        self.check_idle()
        self.refresh(layout=True)

    def _shift_cursor(self, row: int, delta: int) -> None:
        scroll_y = self.scroll_y + delta
        self.move_cursor(row=row, scroll=False)
        self.call_after_refresh(self._restore_scroll, scroll_y)

    def _restore_scroll(self, scroll_y: float) -> None:
        self.scroll_to(y=max(0, scroll_y), animate=False, immediate=True)

    def refresh_marks(self) -> None:
        if not self._widths or self._widths[0][0].key != "mark":
            return
        for key in self._keys:
            marked = self._is_marked(self._ids[key])
            cell = Text(MARK_SYMBOL, style="bold", end="") if marked else Text("", end="")
            if self._data[key].get("mark", Text("")).plain != cell.plain:
                self.update_cell(key, "mark", cell)

    def replace_contact(self, contact: Contact) -> None:
        for key in self._keys:
            if self._ids[key] == contact.id:
                self._contacts[key] = contact
                for (column, _), cell in zip(
                    self._widths,
                    contact_cells(contact, self._is_marked(contact.id), self._widths),
                    strict=True,
                ):
                    self.update_cell(key, column.key, cell)

    # -- moves ----------------------------------------------------------------------
    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
