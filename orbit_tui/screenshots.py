"""SVG screenshots of every screen, from the real app against a freshly seeded sandbox.

    python -m orbit_tui.screenshots [--out screenshots] [--contacts 400] [--only NAME...]

A sandbox is seeded with a fixed seed into a temporary folder and served on a loopback
port; the app talks HTTP to it through the real client and cache (cache in the same
temporary folder), with a fixed clock (relative times), no animations and no cursor
blink, and each step of :data:`STEPS` drives it with Pilot and saves one SVG. Running it
again on unchanged code gives the same files byte for byte.

To add a screen, add a ``Step`` to :data:`STEPS`: a file name, a terminal size, a theme
and an async function that takes the Pilot to that screen from the contacts screen (the
app is brought back to the contacts screen before every step).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXED_NOW = 1_772_323_200.0  # 2026-03-01T00:00:00Z, the end of the seeded data
SEED = 7
SETTLE_TIMEOUT_S = 20.0

Drive = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    name: str
    drive: Drive
    size: tuple[int, int] = (120, 40)
    theme: str = "orbit-dark"
    title: str = ""


# -- waiting --------------------------------------------------------------------------
async def settle(pilot: Any, *, timeout: float = SETTLE_TIMEOUT_S) -> None:
    """Wait until no worker runs and nothing is loading, then let the screen repaint."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3 and loop.time() < deadline:
        await pilot.pause(0.05)
        busy = any(w.is_running for w in app.workers) or _loading(app.screen)
        quiet = 0 if busy else quiet + 1
    if quiet < 3:
        running = [w.name for w in app.workers if w.is_running]
        print(f"  (still busy after {timeout:.0f} s: {running or type(app.screen).__name__})",
              file=sys.stderr)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def _loading(screen: Any) -> bool:
    for name in ("is_loading", "is_paging", "loading"):
        value = getattr(screen, name, False)
        if isinstance(value, bool) and value:
            return True
    return False


async def press(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)
    await settle(pilot)


# -- the steps ------------------------------------------------------------------------
async def contacts(pilot: Any) -> None:
    await settle(pilot)


async def search(pilot: Any) -> None:
    await press(pilot, "slash")
    await type_text(pilot, "john")
    await press(pilot, "escape")


async def marked(pilot: Any) -> None:
    await press(pilot, "space", "down", "space", "down", "down", "space")


async def filters(pilot: Any) -> None:
    await press(pilot, "f")


async def detail(pilot: Any) -> None:
    await press(pilot, "down", "down", "enter")


async def edit_form(pilot: Any) -> None:
    await detail(pilot)
    await press(pilot, "e")


def go(name: str, *then: str) -> Drive:
    """``:name`` then the keys ``then``."""

    async def drive(pilot: Any) -> None:
        pilot.app.run_command(name)
        await settle(pilot)
        if then:
            await press(pilot, *then)

    return drive


async def help_screen(pilot: Any) -> None:
    await press(pilot, "question_mark")


async def palette(pilot: Any) -> None:
    await press(pilot, "ctrl+p")
    await type_text(pilot, "theme: orbit")


async def command_line(pilot: Any) -> None:
    await press(pilot, "colon")
    await type_text(pilot, "theme orbit-l")


STEPS: tuple[Step, ...] = (
    Step("contacts", contacts, title="Contacts"),
    Step("contacts-80x24", contacts, size=(80, 24), title="Contacts at 80×24"),
    Step("search", search, title="Search as you type"),
    Step("marked", marked, title="Marked rows"),
    Step("filters", filters, title="Filter panel"),
    Step("detail", detail, title="Contact detail"),
    Step("detail-80x24", detail, size=(80, 24), title="Contact detail at 80×24"),
    Step("edit-form", edit_form, title="Edit form"),
    Step("lists", go("lists"), title="Lists"),
    Step("list-members", go("lists", "enter"), title="List members"),
    Step("segments", go("segments"), title="Segments"),
    Step("rule-builder", go("segments", "e"), title="Rule builder"),
    Step("segment-members", go("segments", "enter"), title="Segment members"),
    Step("optouts", go("optouts"), title="Opt-outs"),
    Step("jobs", go("jobs"), title="Bulk jobs"),
    Step("help", help_screen, title="Keys of the contacts screen"),
    Step("palette", palette, title="Command palette"),
    Step("command-line", command_line, title="Command line with completion"),
    Step("theme-orbit-light", contacts, theme="orbit-light", title="orbit-light theme"),
    Step("theme-high-contrast", contacts, theme="high-contrast", title="high-contrast theme"),
    Step("theme-ansi", contacts, theme="ansi", title="ansi theme"),
)


# -- running --------------------------------------------------------------------------
_VOLATILE = [
    # A port or a temporary path must never reach a file (they change every run).
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
]


def clean_svg(svg: str) -> str:
    for pattern, replacement in _VOLATILE:
        svg = pattern.sub(replacement, svg)
    return svg


async def _back_to_contacts(pilot: Any) -> None:
    app = pilot.app
    for _ in range(8):
        if app.screen is app.contacts_screen:
            break
        await pilot.press("escape")
        await pilot.pause()
        if app.screen is not app.contacts_screen and len(app.screen_stack) > 2:
            try:
                app.pop_screen()
            except Exception:  # noqa: BLE001 - the base screen cannot be popped
                break
    screen = app.contacts_screen
    if screen is not None:
        app.marks.clear()
        screen.table.refresh()
        search = screen.query("#search")
        if search and getattr(search.first(), "value", ""):
            search.first().value = ""  # the next step starts from every contact
    await settle(pilot)


async def _shoot(steps: Sequence[Step], out: Path, base: Path, server: Any) -> list[Path]:
    from orbit_tui.api.client import OrbitClient
    from orbit_tui.cache import PageCache
    from orbit_tui.runtime import build_runtime
    from orbit_tui.ui.app import OrbitApp
    from orbit_tui.ui.status import ProfileInfo
    from orbit_tui.ui.steady import steady_cursors

    written: list[Path] = []
    groups: dict[tuple[tuple[int, int], str], list[Step]] = {}
    for step in steps:
        groups.setdefault((step.size, step.theme), []).append(step)
    for index, ((size, theme), group) in enumerate(groups.items()):
        client = OrbitClient(server.base_url, server.api_key, max_retries=0)
        cache = PageCache(base / f"cache-{index}.db", ttl=300, clock=lambda: FIXED_NOW)
        profile = ProfileInfo(name="demo", kind="DEMO", demo=True)
        runtime = build_runtime(client, profile.policy, cache=cache, page_size=50,
                                jobs_db=base / f"jobs-{index}.db")
        app = OrbitApp(
            runtime,
            profile=profile,
            animations=False,
            on_close=[runtime.aclose],
            search_debounce_s=0.05,
            theme_name=theme,
            themes_dir=base / "no-user-themes",
            clock=lambda: FIXED_NOW,
        )
        app.watch_client(client)
        try:
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                for step in group:
                    await _back_to_contacts(pilot)
                    await step.drive(pilot)
                    await settle(pilot)
                    steady_cursors(app)
                    app.clear_notifications()
                    await settle(pilot)
                    svg = clean_svg(app.export_screenshot(title=step.title or step.name))
                    path = out / f"{step.name}.svg"
                    path.write_text(svg, encoding="utf-8")
                    written.append(path)
                    print(f"  {path}")
        finally:
            cache.close()
    return written


def make_screenshots(
    out: Path, *, contacts: int = 400, only: Sequence[str] = (), seed: int = SEED
) -> list[Path]:
    """Seed a sandbox, run the app through :data:`STEPS` and write ``out/<name>.svg``."""
    from orbit_tui.sandbox import SandboxServer

    steps = [s for s in STEPS if not only or s.name in only]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orbit-shots-") as folder:
        base = Path(folder)
        with SandboxServer(base / "sandbox.db", contacts=contacts, seed=seed) as server:
            return asyncio.run(_shoot(steps, out, base, server))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orbit_tui.screenshots",
        description="Write an SVG of every screen into a folder, from the real app against "
        "a freshly seeded sandbox (same code, same files).",
    )
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--contacts", type=int, default=400, help="contacts to seed")
    parser.add_argument("--only", nargs="*", default=[], help="step names to run")
    args = parser.parse_args(argv)
    unknown = set(args.only) - {s.name for s in STEPS}
    if unknown:
        print(f"unknown steps: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    written = make_screenshots(args.out, contacts=args.contacts, only=args.only)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
