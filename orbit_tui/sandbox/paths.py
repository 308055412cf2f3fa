"""Path segments exactly as the client sent them.

An ASGI server hands the application a *decoded* path: ``DELETE /contacts/x%2Ftags%2Fvip``
arrives as ``/contacts/x/tags/vip`` and would be routed to "remove tag vip from contact
x", although the client meant the contact whose id is ``x/tags/vip``. The sandbox
therefore routes on the raw path: :class:`SegmentPaths` rebuilds ``scope["path"]`` from
``raw_path`` with each segment decoded on its own and any ``/`` inside a segment replaced
by :data:`SLASH` (so routing sees the client's own segment boundaries), and
:func:`path_params` reads the route's parameters back from the raw segments.

:func:`refused_param` is the contract's rule for ids and tags in a path: an empty value,
``.`` or ``..`` (after trimming) is refused with 422 before any lookup.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

SLASH = "\x00"
"""Stands for an encoded ``/`` inside a segment while routing (never shown to handlers)."""


def _raw_segments(scope: Scope) -> list[str] | None:
    raw = scope.get("raw_path")
    if not isinstance(raw, (bytes, bytearray)):
        return None
    text = bytes(raw).split(b"?", 1)[0].decode("latin-1")
    return text.split("/")


def client_path(scope: Scope) -> str:
    """The path as the client sent it (still encoded), for records and messages."""
    segments = _raw_segments(scope)
    return "/".join(segments) if segments is not None else str(scope.get("path", ""))


class SegmentPaths:
    """Route on the client's own segments (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            segments = _raw_segments(scope)
            if segments is not None:
                routed = [unquote(s, errors="replace").replace("/", SLASH) for s in segments]
                scope = {**scope, "path": "/".join(routed), "orbit_segments": segments}
        await self.app(scope, receive, send)


def path_params(scope: Scope, template: str, prefix: str) -> dict[str, str]:
    """The parameters of ``template`` (``/contacts/{contact_id}/tags/{tag:path}``) read
    from the raw segments of the request, each decoded once."""
    segments = scope.get("orbit_segments")
    if segments is None:  # not routed through SegmentPaths: Starlette's own reading
        found = scope.get("path_params") or {}
        return {k: str(v) for k, v in found.items()}
    wanted = (prefix + template).split("/")
    params: dict[str, str] = {}
    for index, name in enumerate(wanted):
        if not (name.startswith("{") and name.endswith("}")) or index >= len(segments):
            continue
        key, _, kind = name[1:-1].partition(":")
        raw = segments[index:] if kind == "path" else segments[index : index + 1]
        params[key] = "/".join(unquote(s, errors="replace") for s in raw)
    return params


def refused_param(params: dict[str, str]) -> str | None:
    """The name of the first parameter the contract refuses (empty, ``.``, ``..``)."""
    for name, value in params.items():
        if value.strip() in ("", ".", ".."):
            return name
    return None
