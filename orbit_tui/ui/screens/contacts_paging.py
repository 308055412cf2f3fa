"""Paging on the contacts screen: the sliding window's loads, revalidation and jumps.

The table holds a window of at most ``max_pages`` pages (see :mod:`orbit_tui.ui.window`).
As the cursor nears an edge of the window the next (or previous) page is loaded by its
cursor, from the cache when it is there (scrolling back up costs no request), and the
page at the other end is dropped. Every load carries the generation of the query it was
made for, so a page of an older search is thrown away.

``G`` (end) goes to the last row of the whole result. The API pages forwards only, by
cursor, so the screen walks the pages after the window one by one (cached ones at once)
without painting them, saying "to the end… row N of M · esc stops" as it goes; ``escape``
stops the walk where it got to, and the table then shows the rows reached. ``g`` (home)
goes to the first row: page 1 again (from the cache) when the window has slid past it.
"""

from __future__ import annotations

import asyncio
import gc
import time

from textual import on, work
from textual.worker import Worker

from orbit_tui.api.walk import RunawayPaginationError, WalkGuard
from orbit_tui.ui.errors import is_offline_error
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.safe import format_count
from orbit_tui.ui.screens.contacts_marking import MarkingScreen
from orbit_tui.ui.source import PageResult
from orbit_tui.ui.widgets.contacts_table import ContactsTable, cut_rows
from orbit_tui.ui.window import PageWindow

QUIET_PAGE_S = 0.3
"""A page that takes longer than this says "loading more…"; a quicker one (the usual
case: it is asked for two pages ahead) changes the header only by its counts."""

WALK_PAINT_EVERY_S = 0.25
"""While walking to the end, how often the progress line is repainted."""

_heap_frozen = False


def freeze_startup_heap() -> None:
    """Move what start-up allocated out of the garbage collector's sight, once.

    The app holds a few hundred thousand long-lived objects after start-up (Textual,
    pydantic, the imports); every full collection walked them all, which was a stall of
    up to ~300 ms every few hundred rows while scrolling. Frozen, they are never
    scanned again; what the app allocates later is collected as usual.
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


def walk_guard(window: PageWindow) -> WalkGuard:
    """A guard for a walk from the window as it is: its cursors and rows count as seen."""
    guard = WalkGuard(what="contacts")
    guard.seed(window.cursors[: window.last + 1], (c.id for c in window.contacts()),
               window.absolute_start() + window.row_count)
    return guard


def walk_text(window: PageWindow) -> str:
    reached = window.absolute_start() + window.row_count
    known = window.total if window.total is not None and window.total >= reached else None
    total = f" of {format_count(known)}" if known is not None else ""
    return f"to the end… row {format_count(reached)}{total} · esc stops"


class PagingScreen(MarkingScreen):
    """Base of the contacts screen: loading pages into the sliding window."""

    page_window: PageWindow
    generation: int
    is_loading: bool
    is_paging: bool
    _freshness: dict[int, PageResult]
    _jump = 0
    """Bumped by every jump (``g``/``G``): a walk that is no longer current stays quiet."""

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

    # -- the window follows the cursor ------------------------------------------------
    def _maybe_page(self, row: int) -> None:
        freeze_startup_heap()  # start-up is over once the first rows are on screen
        if self.is_loading or self.is_paging or not self.page_window.loaded:
            return
        if self.page_window.wants_next(row):
            self.is_paging = True
            self._begin("loading more…", quiet_for=QUIET_PAGE_S)
            self._load_page(self.generation, self.query_state, self.page_window.last + 1, forward=True)
        elif self.page_window.wants_previous(row):
            self.is_paging = True
            self._begin("loading earlier…", quiet_for=QUIET_PAGE_S)
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
            result = await self.source.contacts_page(query, cursor, limit=app.page_size)
        except Exception as error:  # noqa: BLE001
            if generation == self.generation:
                self.is_paging = False
                self._end()
                self._show_error(error)
            return
        if generation != self.generation:
            return
        table = self.table
        # Format and cut the new rows in a worker thread while the loop paints: the
        # page is usually asked for well before its rows are on screen.
        widths = table.widths
        cut = await asyncio.to_thread(cut_rows, result.page.items, widths)
        if generation != self.generation:
            return
        self._freshness[index] = result
        table.adopt(widths, cut)
        if forward:
            dropped = self.page_window.append(result.page)
            table.append(result.page.items, drop_head=dropped)
        else:
            dropped = self.page_window.prepend(result.page)
            table.prepend(result.page.items, drop_tail=dropped)
        self._forget_freshness_outside()
        self.is_paging = False
        self._end()
        self._paint_freshness()
        self._notify_loaded()
        if result.needs_revalidation:
            self._revalidate(generation, query, index, cursor)
        # The cursor may already sit near the new edge (a held key): keep going.
        self.call_after_refresh(lambda: self._maybe_page(self.table.cursor_row))

    def _forget_freshness_outside(self) -> None:
        window = self.page_window
        self._freshness = {k: v for k, v in self._freshness.items() if window.first <= k <= window.last}

    # -- g / G: first and last row of the whole result ----------------------------------
    @on(ContactsTable.Jump, "#contacts")
    def _jump_requested(self, event: ContactsTable.Jump) -> None:
        event.stop()
        window = self.page_window
        if self.is_loading or not window.loaded:
            return
        # A walk to the end moves the window ahead of the table: while one runs, g or G
        # always goes through a load that leaves them in step again.
        if not self._walkers():
            if event.to_end and not window.more_after():
                return  # the last row of the result is loaded: the table is on it
            if not event.to_end and window.first == 0:
                return
        self._jump += 1  # a walk still running goes quiet: what follows replaces it
        self.workers.cancel_group(self, "contacts-page")  # a page on its way is moot
        self.is_paging = True
        if event.to_end:
            self._begin(walk_text(window))
            self._walk_to_end(self.generation, self.query_state, self._jump)
        else:
            self._begin("loading…")
            self._back_to_start(self.generation, self.query_state, self._jump)

    def _current(self, generation: int, jump: int) -> bool:
        return generation == self.generation and jump == self._jump

    @work(group="contacts-page", exit_on_error=False)
    async def _walk_to_end(self, generation: int, query: ContactQuery, jump: int) -> None:
        """Load the pages after the window one by one until the last, then show it.

        The pages go into the window (which keeps the last ``max_pages`` of them) but
        not into the table until the walk ends or is stopped: nothing is painted per
        page but the progress line, a few times a second.
        """
        app = self.orbit_app
        window = self.page_window
        painted = time.monotonic()
        result: PageResult | None = None
        guard = walk_guard(window)
        try:
            while window.more_after():
                index = window.last + 1
                cursor = window.cursor_for(index)
                result = await self.source.contacts_page(query, cursor, limit=app.page_size)
                # A cached page comes back without waiting: yield, so that escape and q
                # are heard however fast the pages come.
                await asyncio.sleep(0)
                if not self._current(generation, jump):
                    return
                page = result.page
                guard.feed((c.id for c in page.items), cursor=cursor, next_cursor=page.cursor,
                           has_more=page.has_more, total=page.total)
                window.append(page)
                self._freshness[index] = result
                self._forget_freshness_outside()
                if time.monotonic() - painted >= WALK_PAINT_EVERY_S:
                    painted = time.monotonic()
                    self._begin(walk_text(window))
        except asyncio.CancelledError:
            if self._current(generation, jump):  # escape: show where the walk got to
                self._show_window_end(stopped=True)
            raise
        except RunawayPaginationError as error:
            if self._current(generation, jump):  # the rows reached, and why it stopped
                self._show_window_end(stopped=False)
                app.report_error(error)
                self.notify(error.explain(), title="Stopped going to the end",
                            severity="warning", timeout=15, markup=False)
            return
        except Exception as error:  # noqa: BLE001
            if self._current(generation, jump):
                self._show_window_end(stopped=False)  # the rows reached, then why it stopped
                self._show_error(error)
            return
        if not self._current(generation, jump):
            return
        self._show_window_end(stopped=False)
        index = window.last
        if result is not None and result.needs_revalidation:
            self._revalidate(generation, query, index, window.cursor_for(index))

    def _show_window(self, *, last_row: bool) -> None:
        """After a jump: the table shows the window, the cursor on its first or last row."""
        self._forget_freshness_outside()
        self.is_paging = False
        self._end()
        rows = self.page_window.contacts()
        self.table.show(rows, cursor_row=max(0, len(rows) - 1) if last_row else 0)
        self._paint_freshness()
        self._notify_loaded()

    def _show_window_end(self, *, stopped: bool) -> None:
        """After a walk: the table shows the window, the cursor on its last row."""
        self._show_window(last_row=True)
        if stopped:
            reached = self.page_window.absolute_start() + self.table.row_count
            self.notify(f"Stopped at row {format_count(reached)}", title="Go to the end")

    @work(group="contacts-page", exit_on_error=False)
    async def _back_to_start(self, generation: int, query: ContactQuery, jump: int) -> None:
        """Page 1 again (from the cache at once when it is there) as the only page."""
        app = self.orbit_app
        try:
            result = await self.source.contacts_page(query, None, limit=app.page_size)
        except Exception as error:  # noqa: BLE001
            if self._current(generation, jump):
                self.is_paging = False
                self._end()
                self._show_error(error)
            return
        if not self._current(generation, jump):
            return
        self.page_window.restart_at(0, result.page)
        self._freshness[0] = result
        self._show_window(last_row=False)
        if result.needs_revalidation:
            self._revalidate(generation, query, 0, None)

    def _walkers(self) -> list[Worker[None]]:
        return [
            w for w in self.workers
            if w.group == "contacts-page" and w.is_running and w.name == "_walk_to_end"
        ]

    def stop_jump(self) -> bool:
        """Stop a walk to the end (``escape``) where it got to; returns whether one ran."""
        running = self._walkers()
        for worker in running:
            worker.cancel()
        return bool(running)

    def stop_marking(self) -> bool:
        """``escape`` stops what runs long: a walk to the end, and "mark all"."""
        walking = self.stop_jump()
        return super().stop_marking() or walking

    @work(group="contacts-revalidate", exit_on_error=False)
    async def _revalidate(
        self, generation: int, query: ContactQuery, index: int, cursor: str | None
    ) -> None:
        app = self.orbit_app
        try:
            result = await self.source.contacts_page(query, cursor, limit=app.page_size, refresh=True)
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
        if self._walkers():
            return  # the window is ahead of the table; the walk's end shows it afresh
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
            for was, now in zip(old_items, new_items, strict=True):
                if was != now:
                    self.table.replace_contact(now)
            self.page_window.replace(index, result.page)
        else:
            self.page_window.replace(index, result.page)
            if not self.page_window.row_count:
                self._show_empty()
            else:
                self.table.show(self.page_window.contacts(), cursor_row=self.table.cursor_row)
        self._paint_freshness()
        self._paint_counts()
