"""A guard for cursor walks: stop a server that keeps returning pages past the end.

Every walk that follows cursors until ``has_more`` is false (the client's ``iter_*``,
the bulk targets, the contacts screen's ``G``) feeds each page to one
:class:`WalkGuard`, which raises :class:`~orbit_tui.api.errors.RunawayPaginationError`
when the answers cannot be true:

- a cursor comes back that the walk was already given (on any earlier page, so an
  A → B → A alternation is caught, not only a cursor repeated at once);
- a page holds only contacts the walk has already seen (a new cursor, the same items);
  a few repeats are normal (a contact added while walking moves a page boundary), so
  only a whole page of them, or more repeats than ``max(100, 10 %)`` of the items, stop it;
- more items arrive than the largest ``total`` a page announced, with a margin of
  ``max(100, 10 %)`` (contacts created during the walk).

Memory stays bounded: the guard keeps cursor and id strings in sets (never the pages)
and stops adding to them past ``max_cursors`` / ``max_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable

from orbit_tui.api.errors import RunawayPaginationError

__all__ = ["WalkGuard", "RunawayPaginationError", "total_margin"]

MAX_IDS = 2_000_000
MAX_CURSORS = 200_000


def total_margin(total: int) -> int:
    """How many items past an announced ``total`` a walk may still read."""
    return total + max(100, total // 10)


class WalkGuard:
    """Fed every page of one walk, in order; raises when the walk has run away."""

    def __init__(
        self, *, what: str = "items", max_ids: int = MAX_IDS, max_cursors: int = MAX_CURSORS
    ) -> None:
        self.what = what
        self.max_ids = max_ids
        self.max_cursors = max_cursors
        self.pages = 0
        self.items = 0
        self.repeats = 0
        self.total: int | None = None
        self._cursors: set[str] = set()
        self._ids: set[str] = set()

    def seed(self, cursors: Iterable[str | None], ids: Iterable[str], items: int) -> None:
        """Start from a walk already under way (the pages a screen has loaded)."""
        for cursor in cursors:
            self._remember_cursor(cursor)
        for ident in ids:
            self._remember_id(ident)
        self.items = max(self.items, items)

    def _remember_cursor(self, cursor: str | None) -> None:
        if cursor and len(self._cursors) < self.max_cursors:
            self._cursors.add(cursor)

    def _remember_id(self, ident: str) -> None:
        if len(self._ids) < self.max_ids:
            self._ids.add(ident)

    def _stop(self, why: str) -> RunawayPaginationError:
        return RunawayPaginationError(
            f"Orbit kept returning pages past the end ({why}); stopped after "
            f"{self.pages:,} pages and {self.items:,} {self.what}"
        )

    def feed(
        self,
        ids: Iterable[str],
        *,
        cursor: str | None,
        next_cursor: str | None,
        has_more: bool,
        total: int | None,
    ) -> None:
        """Check one page: ``cursor`` fetched it, ``next_cursor`` is what it gave back.

        Raises :class:`RunawayPaginationError` (the page's items are then not to be used).
        """
        self.pages += 1
        self._remember_cursor(cursor)
        page_ids = list(ids)
        self.items += len(page_ids)
        repeated = sum(1 for ident in page_ids if ident in self._ids)
        self.repeats += repeated
        if page_ids and repeated == len(page_ids) and self.items > len(page_ids):
            raise self._stop(f"the same {self.what} again")
        if self.repeats > max(100, self.items // 10):
            raise self._stop(f"the same {self.what} again")
        for ident in page_ids:
            self._remember_id(ident)
        if total is not None and total >= 0:
            self.total = total if self.total is None else max(self.total, total)
        if self.total is not None and self.items > total_margin(self.total):
            raise self._stop(f"more than the {self.total:,} {self.what} it said it had")
        if has_more and next_cursor and next_cursor in self._cursors:
            raise self._stop("a cursor it had already given came back")
