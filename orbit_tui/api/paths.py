"""Which ids and tags may become part of a request's address.

HTTP clients and servers normalise ``.`` and ``..`` path segments away: ``DELETE
…/contacts/ID/tags/..`` is sent as ``DELETE …/contacts/ID`` (the contact itself), and an
empty segment merges two. The client never puts such a value into a path (nor a tag into
a body, since removing it later would need one): it raises :class:`UnsafePathError`
before anything is sent. Compared after trimming, as Orbit trims tags.
"""

from __future__ import annotations

from collections.abc import Iterable

from orbit_tui.api.errors import UnsafePathError

UNSAFE_VALUES = ("", ".", "..")


def unsafe(value: object) -> bool:
    """Whether ``value`` may not be an id or a tag (empty, ``.``, ``..`` once trimmed)."""
    return str(value).strip() in UNSAFE_VALUES


def check_path_value(value: object, what: str = "id") -> str:
    """``value`` as text, or :class:`UnsafePathError` when it is not safe in a path."""
    text = str(value)
    if unsafe(text):
        shown = repr(text) if text.strip() else "an empty value"
        raise UnsafePathError(
            f"A {what} of {shown} would send the request to a different address "
            f"(a tag '..' would delete the contact itself)",
            details={"field": what, "value": text},
        )
    return text


def check_tag_values(tags: Iterable[object]) -> list[str]:
    """Every tag checked with :func:`check_path_value`."""
    return [check_path_value(tag, "tag") for tag in tags]
