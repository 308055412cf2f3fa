"""The app wired like ``run()`` does, on a misbehaving server: client → cache → source."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import PageCache
from orbit_tui.runtime import build_runtime
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.status import ProfileInfo


def build_app(server: Any, cache_path: Path, *, page_size: int = 50, **options: Any) -> OrbitApp:
    profile = ProfileInfo(name="demo", kind="DEMO", demo=True)
    client = OrbitClient(server.base_url, server.api_key, max_retries=0)
    cache = PageCache(cache_path, ttl=300)
    runtime = build_runtime(client, profile.policy, cache=cache, page_size=page_size,
                            jobs_db=cache_path.with_name("jobs.db"))
    options.setdefault("search_debounce_s", 0.05)
    app = OrbitApp(runtime, profile=profile, animations=False, on_close=[runtime.aclose],
                   page_size=page_size, **options)
    app.watch_client(client)
    return app


async def wait_until(pilot: Any, predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
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


def notifications(app: Any) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]
