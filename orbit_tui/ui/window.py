"""Which pages of a result are loaded, and which to load or drop next.

A result can be 100,000 contacts long; the table keeps at most ``max_pages`` pages
(about 1,000 rows) at a time. ``PageWindow`` is the bookkeeping, free of Textual:

- ``cursors[k]`` is the cursor that fetches page ``k`` (``cursors[0]`` is ``None``), so
  any page seen once can be fetched again (from the cache, usually) when scrolling back;
- ``first``..``last`` is the contiguous range of pages whose rows are in the table;
- the table asks ``wants_next(row)`` / ``wants_previous(row)`` as the cursor moves and
  calls ``append`` / ``prepend``, which return how many rows to drop at the other end.
  The next page is asked for well before the cursor reaches the last loaded row (up to
  two pages ahead, see ``edge_rows``), so scrolling does not wait on it;
- ``restart_at`` starts the loaded range afresh at a page whose cursor is known (``g``
  back to the first page after the window has slid), keeping every cursor learnt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orbit_tui.api.models import Contact, Page

PREFETCH_PAGES = 2
"""Ask for the next page when the cursor is this many pages from the loaded end."""


@dataclass
class PageWindow:
    page_size: int = 50
    max_pages: int = 20
    cursors: list[str | None] = field(default_factory=lambda: [None])
    pages: dict[int, list[Contact]] = field(default_factory=dict)
    first: int = 0
    last: int = -1
    total: int | None = None

    # -- state ------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self.last >= self.first

    @property
    def row_count(self) -> int:
        return sum(len(self.pages[k]) for k in range(self.first, self.last + 1))

    @property
    def known_pages(self) -> int:
        """Pages whose cursor is known (fetched or fetchable)."""
        return len(self.cursors)

    def contacts(self) -> list[Contact]:
        rows: list[Contact] = []
        for k in range(self.first, self.last + 1):
            rows.extend(self.pages[k])
        return rows

    def absolute_start(self) -> int:
        """0-based index, in the whole result, of the first loaded row."""
        return self.first * self.page_size

    def contact_at(self, row: int) -> Contact | None:
        for k in range(self.first, self.last + 1):
            items = self.pages[k]
            if row < len(items):
                return items[row]
            row -= len(items)
        return None

    def page_offset(self, page_index: int) -> int:
        """Table row where page ``page_index`` starts (it must be loaded)."""
        return sum(len(self.pages[k]) for k in range(self.first, page_index))

    def more_after(self) -> bool:
        """Whether a page exists after ``last`` (loaded or fetchable)."""
        return self.last + 1 < len(self.cursors)

    # -- decisions ----------------------------------------------------------------
    def edge_rows(self) -> int:
        """How near an end of the loaded rows the cursor asks for the page beyond it.

        ``PREFETCH_PAGES`` pages, but never more than half the rows loaded (the first
        page alone does not load a second until the cursor moves down it) nor a quarter
        of the full window, so that sliding by one page can never leave the cursor near
        both ends at once (which would load forwards and backwards in turn forever).
        """
        full = self.page_size * self.max_pages
        return max(1, min(PREFETCH_PAGES * self.page_size, full // 4, self.row_count // 2))

    def wants_next(self, row: int) -> bool:
        return self.loaded and self.more_after() and row >= self.row_count - self.edge_rows()

    def wants_previous(self, row: int) -> bool:
        return self.loaded and self.first > 0 and row < self.edge_rows()

    def cursor_for(self, page_index: int) -> str | None:
        return self.cursors[page_index]

    # -- changes ------------------------------------------------------------------
    def reset(self, page: Page[Contact]) -> None:
        """Start over with ``page`` as page 0."""
        self.cursors = [None]
        self.pages = {}
        self.first, self.last = 0, -1
        self.total = None
        self.append(page)

    def restart_at(self, page_index: int, page: Page[Contact]) -> None:
        """Drop the loaded pages and load ``page`` as page ``page_index`` alone.

        The cursors learnt so far are kept, so the pages after it load by cursor (from
        the cache when they are there) as the user scrolls on.
        """
        if not 0 <= page_index < len(self.cursors):
            raise ValueError(f"page {page_index} has no known cursor")
        self.pages = {page_index: list(page.items)}
        self.first = self.last = page_index
        self._learn(page_index, page)

    def _learn(self, page_index: int, page: Page[Contact]) -> None:
        if page.total is not None:
            self.total = page.total
        if page.has_more and page.cursor:
            if page_index + 1 < len(self.cursors):
                self.cursors[page_index + 1] = page.cursor
            else:
                self.cursors.append(page.cursor)
        elif page_index >= self.last:
            # The result ends here (it may have shrunk since we last looked).
            del self.cursors[page_index + 1 :]
            if self.total is None:
                self.total = page_index * self.page_size + len(page.items)

    def append(self, page: Page[Contact]) -> int:
        """Add the page after ``last``; returns rows to drop from the top."""
        index = self.last + 1
        self.pages[index] = list(page.items)
        self.last = index
        self._learn(index, page)
        dropped = 0
        while self.last - self.first + 1 > self.max_pages:
            dropped += len(self.pages.pop(self.first))
            self.first += 1
        return dropped

    def prepend(self, page: Page[Contact]) -> int:
        """Add the page before ``first``; returns rows to drop from the bottom."""
        index = self.first - 1
        if index < 0:
            raise ValueError("no page before the first")
        self.pages[index] = list(page.items)
        self.first = index
        self._learn(index, page)
        dropped = 0
        while self.last - self.first + 1 > self.max_pages:
            dropped += len(self.pages.pop(self.last))
            self.last -= 1
        return dropped

    def replace(self, page_index: int, page: Page[Contact]) -> None:
        """A revalidated copy of a loaded page."""
        if self.first <= page_index <= self.last:
            self.pages[page_index] = list(page.items)
        self._learn(page_index, page)

    def replace_contact(self, contact: Contact) -> bool:
        found = False
        for items in self.pages.values():
            for i, existing in enumerate(items):
                if existing.id == contact.id:
                    items[i] = contact
                    found = True
        return found
