"""Helpers for the reliability tests: what the app would write to the terminal, hostile values.

``screen_dump(app)`` renders the current screen the way Textual does before writing it
to the terminal (the compositor's full update) and returns its text lines and the styles
used, so a test can assert that no escape or control character from server data, no
hyperlink and no click action from markup ever reaches the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

# Control characters that must never be written as text: C0 (ESC, BEL, …), DEL and C1.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Invisible formatting from server data is removed for display (orbit_tui.ui.safe):
# bidi overrides, isolates and marks, and the zero-width characters.
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
ZERO_WIDTH_NAME = "Zero\u200bWidth\u200c\u200dJoin\u2060er\ufeffBom\u202eRtl\u2066Iso\u2069"

# Values the sandbox's hostile seed lacks, added through the API by the tests.
EXTRA_HOSTILE = (
    "Clear\x1b[2Jscreen",
    "Clip\x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\x07board",
    "C1\x9b31mcsi\x85nel",
    "Bell\x07\x07ring",
    "[@click=app.quit]Quit me[/]",
    "[link=https://evil.example]linked[/link]",
    ZERO_WIDTH_NAME,
)


@dataclass
class Dump:
    lines: list[str]
    links: list[str]
    metas: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def screen_dump(app: Any) -> Dump:
    """The current screen as Textual would send it to the terminal (text and styles)."""
    update = app.screen._compositor.render_full_update()
    lines: list[str] = []
    links: list[str] = []
    metas: list[dict[str, Any]] = []
    for line in update.strips:
        text = ""
        for strip in line:
            for segment in strip:
                if segment.control:
                    continue
                text += segment.text
                style = segment.style
                if style is not None:
                    if style.link:
                        links.append(style.link)
                    if style.meta:
                        metas.append(dict(style.meta))
        lines.append(text)
    return Dump(lines, links, metas)


def assert_harmless(app: Any, where: str) -> Dump:
    """The app still runs, and nothing from server data acts on the terminal."""
    assert app.is_running and app.return_code is None, f"{where}: the app exited"
    dump = screen_dump(app)
    bad = sorted({repr(m.group()) for line in dump.lines for m in CONTROL.finditer(line)})
    assert not bad, f"{where}: control characters on screen: {bad}"
    hidden = sorted({repr(m.group()) for line in dump.lines for m in INVISIBLE.finditer(line)})
    assert not hidden, f"{where}: bidi or zero-width characters on screen: {hidden}"
    assert not [link for link in dump.links if "evil" in link], f"{where}: a hostile link is live"
    from rich.cells import cell_len

    widths = {cell_len(line) for line in dump.lines}
    assert widths == {app.size.width}, f"{where}: a line is wider or narrower than the screen: {widths}"
    assert len(dump.lines) == app.size.height, f"{where}: the screen has {len(dump.lines)} lines"
    clicks = [meta for meta in dump.metas if "quit" in str(meta.get("@click", ""))]
    assert not clicks, f"{where}: a hostile click action is live: {clicks}"
    svg = app.export_screenshot()
    bad_svg = sorted({repr(c) for c in CONTROL.findall(svg) if c not in "\n\t\r"}
                     | {repr(c) for c in INVISIBLE.findall(svg)})
    assert not bad_svg, f"{where}: control characters in the screenshot: {bad_svg}"
    return dump


def api(base_url: str, key: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{base_url}/{path}", headers={"X-API-Key": key}, **kwargs)
    response.raise_for_status()
    return response.json()["data"] if response.content else None


from app_harness import build_app, contacts_loaded, wait_until  # noqa: E402,F401  (shared with tests/hostile)
