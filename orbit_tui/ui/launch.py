"""Running the app: ``run()``, the entry point ``cli.py`` calls, and the smoke start.

``run()`` builds the runtime from a ``ResolvedConfig`` (see :mod:`orbit_tui.runtime`: for
the demo, the sandbox in a child process, started before the app only when the page
cache is cold), hands it to :class:`~orbit_tui.ui.app.OrbitApp` and stops it on exit.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.errors import one_line
from orbit_tui.ui.safe import format_count
from orbit_tui.ui.status import ProfileInfo

if TYPE_CHECKING:
    from orbit_tui.config import ResolvedConfig
    from orbit_tui.policy import ChangePolicy

SMOKE_TIMEOUT_S = 60.0


def _profile_for(resolved: ResolvedConfig, policy: ChangePolicy) -> ProfileInfo:
    """What the status bar shows: the profile's name, and the runtime's own policy."""
    name = "demo" if resolved.demo else resolved.profile_name or "default"
    return ProfileInfo(name=name, kind=policy.kind, read_only=policy.read_only, demo=resolved.demo)


def theme_saver(resolved: ResolvedConfig) -> Callable[[str], None]:
    """Remember a chosen theme in the config: in the profile in use, else at the top."""
    from orbit_tui.config import ConfigError

    def save(name: str) -> None:
        from orbit_tui.config_write import save_theme  # only when a theme is chosen

        profile = None if resolved.demo else resolved.profile_name
        try:
            save_theme(resolved.config_path, name, profile)
        except ConfigError:
            if profile is None:
                raise
            save_theme(resolved.config_path, name, None)  # a profile only from the env

    return save


def run(resolved: ResolvedConfig, *, smoke: bool = False) -> int:
    """Run the app for ``resolved``; with ``smoke``, headless until the first page shows."""
    from orbit_tui.runtime import open_runtime

    try:
        runtime = open_runtime(resolved)
    except Exception as error:  # noqa: BLE001 - tell the user, don't dump a trace
        print(f"orbit-tui: could not start: {one_line(error)}", file=sys.stderr)
        return 1
    try:
        app = OrbitApp(
            runtime,
            profile=_profile_for(resolved, runtime.policy),
            page_size=resolved.settings.page_size,
            search_debounce_s=resolved.settings.search_debounce_ms / 1000,
            theme_name=resolved.theme,
            keymap=resolved.keymap,
            themes_dir=resolved.themes_dir,
            on_theme_chosen=theme_saver(resolved),
            on_close=[runtime.aclose],
            notices=[*resolved.warnings, *runtime.warnings],
        )
        app.watch_client(runtime.client)
        app.call_when_first_page_shown(runtime.after_first_page, at_once=True)
        if smoke:
            return smoke_run(app)
        result = app.run()
        return result if isinstance(result, int) else 0
    finally:
        runtime.stop()


def smoke_run(app: OrbitApp, *, timeout: float = SMOKE_TIMEOUT_S) -> int:
    """Run headless until the first contacts page is painted; print one line."""
    outcome: dict[str, str] = {}

    async def pilot(pilot: object) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = app.contacts_screen
            if screen is not None and screen.loaded_once and not screen.is_loading:
                await asyncio.sleep(0.05)
                total = screen.page_window.total
                shown = screen.page_window.row_count
                of = format_count(total) if total is not None else "?"
                outcome["ok"] = f"smoke ok: {format_count(shown)} of {of} contacts shown"
                break
            if screen is not None and screen.message_text and not screen.is_loading:
                outcome["error"] = "smoke failed: " + " ".join(screen.message_text.split())
                break
            await asyncio.sleep(0.05)
        else:
            outcome["error"] = f"smoke failed: no contacts page within {timeout:.0f} s"
        app.exit(0 if "ok" in outcome else 1)

    app.run(headless=True, size=(120, 40), auto_pilot=pilot)  # type: ignore[arg-type]
    if "ok" in outcome:
        print(outcome["ok"])
        return 0
    print(outcome.get("error", "smoke failed: the app exited early"), file=sys.stderr)
    return 1
