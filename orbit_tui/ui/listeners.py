"""Callbacks told when something changes: the marks, the status bar's data, a bulk job.

Plain Python (no Textual): subscribing returns the function that unsubscribes, and a
callback may unsubscribe while the others are being told.
"""

from __future__ import annotations

from collections.abc import Callable


class Listeners:
    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def tell(self) -> None:
        for callback in list(self._callbacks):
            callback()
