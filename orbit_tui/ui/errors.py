"""Errors in plain words for the screens and the status bar."""

from __future__ import annotations

from orbit_tui.api.errors import NetworkError, OrbitError
from orbit_tui.ui.safe import clean


def describe_error(error: BaseException) -> str:
    """What failed, why, what to do, and the request id (when the API gave one)."""
    if isinstance(error, OrbitError):
        return clean(error.explain())
    return clean(
        f"Something unexpected went wrong ({type(error).__name__}: {error}). "
        "Try again; if it keeps happening, report it with these words."
    )


def one_line(error: BaseException) -> str:
    """A short form for the status bar: title and request id."""
    if isinstance(error, OrbitError):
        text = f"{error.title}: {error.message}" if error.message != error.title else error.title
        if error.request_id:
            text += f" (request {error.request_id})"
        return clean(text)
    return clean(f"{type(error).__name__}: {error}")


def is_offline_error(error: BaseException) -> bool:
    return isinstance(error, NetworkError)
