"""The app wired like ``run()`` does, for tests in any folder: real client → page cache →
the runtime; and waiting for it to reach a state."""

from __future__ import annotations

from typing import Any


def build_app(server: Any, cache_path: Any, *, max_retries: int = 0, timeouts: Any = None,
              api_key: str | None = None, page_size: int = 50, **options: Any) -> Any:
    """An ``OrbitApp`` wired like ``run()`` does: real client → PageCache → the runtime."""
    from pathlib import Path

    from orbit_tui.api.base import Timeouts
    from orbit_tui.api.client import OrbitClient
    from orbit_tui.cache import PageCache
    from orbit_tui.runtime import build_runtime
    from orbit_tui.ui.app import OrbitApp
    from orbit_tui.ui.status import ProfileInfo

    profile = ProfileInfo(name="demo", kind="DEMO", demo=True)
    client = OrbitClient(server.base_url, api_key or server.api_key, max_retries=max_retries,
                         timeouts=timeouts or Timeouts(connect=5, read=15))
    cache = PageCache(cache_path, ttl=300)
    runtime = build_runtime(client, profile.policy, cache=cache, page_size=page_size,
                            jobs_db=Path(cache_path).with_name("jobs.db"))
    options.setdefault("search_debounce_s", 0.05)
    app = OrbitApp(runtime, profile=profile, animations=False, on_close=[runtime.aclose],
                   page_size=page_size, **options)
    app.watch_client(client)
    return app


async def wait_until(pilot: Any, predicate: Any, what: str, timeout: float = 15.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what} (screen {pilot.app.screen!r})"
        await pilot.pause(0.02)
    await pilot.pause()


def contacts_loaded(app: Any) -> bool:
    screen = app.contacts_screen
    return bool(screen is not None and screen.loaded_once and not screen.is_loading
                and not screen.is_paging and not screen._activity)
