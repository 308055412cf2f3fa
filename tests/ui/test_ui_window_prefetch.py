"""The sliding window's prefetch distance and restart (pure bookkeeping, no Textual)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orbit_tui.api.models import Contact, Page
from orbit_tui.ui.window import PREFETCH_PAGES, PageWindow


def page(index: int, size: int, more: bool = True) -> Page[Contact]:
    items = [Contact(id=f"con_{index}_{i}") for i in range(size)]
    return Page[Contact](items=items, cursor=f"c{index + 1}" if more else None,
                         has_more=more, total=None)


def full_window(size: int, pages: int, first: int) -> PageWindow:
    window = PageWindow(page_size=size, max_pages=pages)
    window.reset(page(0, size))
    for k in range(1, first + pages):
        window.append(page(k, size))
    return window


def test_the_next_page_is_asked_for_two_pages_ahead_in_a_full_window() -> None:
    window = full_window(50, 20, first=3)
    assert window.row_count == 1000 and window.first == 3
    assert window.edge_rows() == PREFETCH_PAGES * 50
    assert not window.wants_next(1000 - 101)
    assert window.wants_next(1000 - 100)
    assert window.wants_previous(99) and not window.wants_previous(100)


def test_a_first_page_alone_does_not_load_a_second_until_the_cursor_moves() -> None:
    window = PageWindow(page_size=50, max_pages=20)
    window.reset(page(0, 50))
    assert not window.wants_next(0)
    assert window.wants_next(25)


# Any window of at least four rows (a two-row window has no room for a prefetch distance).
@given(size=st.integers(2, 100), pages=st.integers(2, 30), first=st.integers(1, 5),
       data=st.data())
def test_sliding_one_page_never_leaves_the_cursor_near_both_ends(
    size: int, pages: int, first: int, data: st.DataObject
) -> None:
    window = full_window(size, pages, first)
    # Forwards: any row that asks for the next page, once it is in.
    row = data.draw(st.integers(0, window.row_count - 1))
    if window.wants_next(row):
        dropped = window.append(page(window.last + 1, size))
        assert not window.wants_previous(row - dropped)
    # Backwards: any row that asks for the previous page, once it is in.
    window = full_window(size, pages, first)
    row = data.draw(st.integers(0, window.row_count - 1))
    if window.wants_previous(row):
        window.prepend(page(window.first - 1, size))
        assert not window.wants_next(row + size)


def test_restart_at_the_first_page_keeps_every_cursor() -> None:
    window = full_window(10, 3, first=4)
    cursors = list(window.cursors)
    window.restart_at(0, page(0, 10))
    assert (window.first, window.last, window.row_count) == (0, 0, 10)
    assert window.cursors == cursors
    assert window.more_after() and window.cursor_for(5) == cursors[5]
    dropped = window.append(page(1, 10))
    assert dropped == 0 and window.last == 1
