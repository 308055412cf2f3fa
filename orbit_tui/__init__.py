"""orbit-tui: a keyboard-first terminal client for operating contacts on Orbit."""

__version__ = "0.1.0"
