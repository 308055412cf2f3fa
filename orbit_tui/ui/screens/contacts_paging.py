"""Paging on the contacts screen: the sliding window's loads, revalidation and jumps.

The table holds a window of at most ``max_pages`` pages (see :mod:`orbit_tui.ui.window`).
As the cursor nears an edge of the window the next (or previous) page is loaded by its
cursor, from the cache when it is there, and the page at the other end is dropped. Every
load carries the generation of the query it was made for, so a page of an older search is
thrown away.
"""

from __future__ import annotations

from textual import work

from orbit_tui.ui.errors import is_offline_error
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.screens.contacts_marking import MarkingScreen
from orbit_tui.ui.source import PageResult
from orbit_tui.ui.window import PageWindow

class PagingScreen(MarkingScreen):
    """Base of the contacts screen: loading pages into the sliding window."""

    page_window: PageWindow
    generation: int
    is_loading: bool
    is_paging: bool
    _freshness: dict[int, PageResult]

    # Provided by the contacts screen.
    def _show_error(self, error: BaseException) -> None:
        raise NotImplementedError

    def _show_empty(self) -> None:
        raise NotImplementedError

    def _paint_counts(self) -> None:
        raise NotImplementedError

    def _paint_freshness(self) -> None:
        raise NotImplementedError

    def _notify_loaded(self) -> None:
        raise NotImplementedError

    def _maybe_page(self, row: int) -> None:
        if self.is_loading or self.is_paging or not self.page_window.loaded:
            return
        if self.page_window.wants_next(row):
            self.is_paging = True
            self._begin("loading more…")
            self._load_page(self.generation, self.query_state, self.page_window.last + 1, forward=True)
        elif self.page_window.wants_previous(row):
            self.is_paging = True
            self._begin("loading earlier…")
            self._load_page(
                self.generation, self.query_state, self.page_window.first - 1, forward=False
            )

    @work(group="contacts-page", exit_on_error=False)
    async def _load_page(
        self, generation: int, query: ContactQuery, index: int, *, forward: bool
    ) -> None:
        app = self.orbit_app
        cursor = self.page_window.cursor_for(index)
        try:
            result = await app.source.contacts_page(query, cursor, limit=app.page_size)
        except Exception as error:  # noqa: BLE001
            if generation == self.generation:
                self.is_paging = False
                self._end()
                self._show_error(error)
            return
        if generation != self.generation:
            return
        table = self.table
        self._freshness[index] = result
        if forward:
            dropped = self.page_window.append(result.page)
            table.append(result.page.items)
            table.drop_head(dropped)
        else:
            dropped = self.page_window.prepend(result.page)
            table.prepend(result.page.items)
            table.drop_tail(dropped)
        self._freshness = {
            k: v for k, v in self._freshness.items() if self.page_window.first <= k <= self.page_window.last
        }
        self.is_paging = False
        self._end()
        self._paint_freshness()
        self._notify_loaded()
        if result.from_cache and result.stale and not result.offline:
            self._revalidate(generation, query, index, cursor)
        # The cursor may already sit near the new edge (a held key): keep going.
        self.call_after_refresh(lambda: self._maybe_page(self.table.cursor_row))

    @work(group="contacts-revalidate", exit_on_error=False)
    async def _revalidate(
        self, generation: int, query: ContactQuery, index: int, cursor: str | None
    ) -> None:
        app = self.orbit_app
        try:
            result = await app.source.contacts_page(query, cursor, limit=app.page_size, refresh=True)
        except Exception as error:  # noqa: BLE001
            if generation == self.generation and index in self._freshness:
                old = self._freshness[index]
                offline = is_offline_error(error)
                self._freshness[index] = PageResult(
                    page=old.page,
                    from_cache=True,
                    age_s=old.age_s,
                    stale=old.stale,
                    offline=offline or old.offline,
                )
                self._paint_freshness()
                if not offline:
                    app.report_error(error)
            return
        if generation != self.generation or not (
            self.page_window.first <= index <= self.page_window.last
        ):
            return
        if result.offline:
            old_result = self._freshness.get(index)
            self._freshness[index] = PageResult(
                page=result.page,
                from_cache=True,
                age_s=result.age_s if result.age_s is not None else (
                    old_result.age_s if old_result else None
                ),
                stale=True,
                offline=True,
            )
            self._paint_freshness()
            return
        old_items = self.page_window.pages[index]
        new_items = result.page.items
        self._freshness[index] = result
        if [c.id for c in old_items] == [c.id for c in new_items]:
            for old, new in zip(old_items, new_items, strict=True):
                if old != new:
                    self.table.replace_contact(new)
            self.page_window.replace(index, result.page)
        else:
            self.page_window.replace(index, result.page)
            if not self.page_window.row_count:
                self._show_empty()
            else:
                self.table.show(self.page_window.contacts(), cursor_row=self.table.cursor_row)
        self._paint_freshness()
        self._paint_counts()
