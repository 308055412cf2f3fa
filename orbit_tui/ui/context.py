"""Typed access to the app's services from any widget or screen.

Screens and widgets reach the runtime's services (the gate, the cache facade, the bulk
runner, the status) through :func:`orbit_app`, typed, never by ``getattr``. The import
of :class:`~orbit_tui.ui.app.OrbitApp` is for type checking only, so no screen module
imports the app module at run time (no import loop).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from orbit_tui.gate import Gate
    from orbit_tui.ui.app import OrbitApp


def orbit_app(node: DOMNode) -> OrbitApp:
    """The running :class:`OrbitApp` of ``node``."""
    return cast("OrbitApp", node.app)


def gate_of(node: DOMNode) -> Gate:
    """The gate every change of ``node``'s app goes through."""
    return orbit_app(node).gate
