"""The app-wide set of marked contacts.

Marks are kept by contact id, so they survive paging, new searches and moving between
screens. Widgets subscribe to be told when the set changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from orbit_tui.ui.listeners import Listeners


class MarkStore:
    def __init__(self) -> None:
        self._ids: dict[str, None] = {}
        self._listeners = Listeners()

    def __contains__(self, contact_id: object) -> bool:
        return contact_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        """Marked ids in the order they were marked."""
        return list(self._ids)

    def toggle(self, contact_id: str) -> bool:
        """Mark or unmark one id; returns whether it is now marked."""
        if contact_id in self._ids:
            del self._ids[contact_id]
            marked = False
        else:
            self._ids[contact_id] = None
            marked = True
        self._changed()
        return marked

    def add_many(self, contact_ids: Iterable[str]) -> int:
        """Mark every id; returns how many were newly marked."""
        before = len(self._ids)
        for contact_id in contact_ids:
            self._ids.setdefault(contact_id, None)
        added = len(self._ids) - before
        if added:
            self._changed()
        return added

    def discard(self, contact_id: str) -> None:
        if self._ids.pop(contact_id, 0) is None:
            self._changed()

    def discard_many(self, contact_ids: Iterable[str]) -> int:
        """Unmark every id; returns how many were marked."""
        removed = sum(1 for contact_id in contact_ids if self._ids.pop(contact_id, 0) is None)
        if removed:
            self._changed()
        return removed

    def clear(self) -> int:
        count = len(self._ids)
        self._ids.clear()
        if count:
            self._changed()
        return count

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns a function that unsubscribes."""
        return self._listeners.subscribe(callback)

    def _changed(self) -> None:
        self._listeners.tell()
