"""The contacts table's cells: which columns fit a width, and each row cut to them.

Pure functions (no Textual), so rows can be cut in a worker thread while the event loop
paints. Every cell is cut from a cleaned plain string: nothing from the server is read
as markup or reaches the terminal as a control sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size

from orbit_tui.api.models import Contact
from orbit_tui.ui.safe import clean, format_date, format_phone

MARK_SYMBOL = "●"
UNREADABLE_MARK = "⚠ "
"""Before the name of a contact Orbit sent with values that could not be read."""


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


def cell_values(contact: Contact, marked: bool) -> dict[str, str]:
    return {
        "mark": MARK_SYMBOL if marked else "",
        "name": (UNREADABLE_MARK if contact.unreadable else "") + clean(contact.display_name),
        "phone": format_phone(contact.phone, contact.country_code),
        "email": clean(contact.email),
        "country": clean(contact.country_code),
        "stage": clean(contact.lifecycle_stage),
        "tags": ", ".join(clean(t) for t in contact.tags),
        "created": format_date(contact.created_at),
    }


def fit_cell(value: str, width: int) -> str:
    """``value`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    if value.isascii():  # one cell per character (values are cleaned: no controls)
        if len(value) > width:
            return value[: width - 1] + "…" if width > 0 else ""
        return value.ljust(width)
    if cell_len(value) > width:
        return set_cell_size(value, max(0, width - 1)) + "…" if width > 0 else ""
    return set_cell_size(value, width)


def pad_cells(cells: Sequence[str]) -> str:
    pad = " " * CELL_PADDING
    return "".join(pad + cell + pad for cell in cells)


Widths = tuple[tuple[Column, int], ...]


def cut_row(contact: Contact, widths: Widths) -> str:
    """A contact's cells after the mark column, cleaned, formatted, cut to ``widths``
    and padded, as one string (the mark is drawn apart: marking does not re-cut)."""
    values = cell_values(contact, False)
    return pad_cells([fit_cell(values[column.key], w) for column, w in widths[1:]])


def cut_rows(contacts: Sequence[Contact], widths: Widths) -> dict[int, str]:
    """``cut_row`` for many contacts, keyed by ``id(contact)``: pure, so a worker thread
    can do it while the event loop paints (phone formatting is the costly part)."""
    return {id(contact): cut_row(contact, widths) for contact in contacts}
