"""UI fixtures: an ``OrbitApp`` wired to a real sandbox through the real cache.

``make_app(server, **options)`` builds the app the way ``run()`` does (OrbitClient →
PageCache in a temporary folder → the runtime: CachedOrbit, gate, bulk engine with its
journal in the same folder) but with a controllable clock for the
cache, no animations and no cursor blink, so Pilot and snapshot tests are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import PageCache
from orbit_tui.runtime import build_runtime
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.status import ProfileInfo

FIXED_NOW = 1_772_323_200.0  # 2026-03-01T00:00:00Z, the end of the seeded data


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


AppFactory = Callable[..., OrbitApp]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(tmp_path: Path, clock: Clock) -> Iterator[AppFactory]:
    caches: list[PageCache] = []

    def make(
        server: SandboxServer,
        *,
        profile: ProfileInfo | None = None,
        cache_name: str = "cache.db",
        jobs_name: str = "jobs.db",
        bulk_concurrency: int = 8,
        max_retries: int = 0,
        **options: Any,
    ) -> OrbitApp:
        profile = profile or ProfileInfo(name="demo", kind="DEMO", demo=True)
        client = OrbitClient(server.base_url, server.api_key, max_retries=max_retries,
                             read_only=profile.read_only)
        cache = PageCache(tmp_path / cache_name, ttl=300, clock=clock)
        caches.append(cache)
        runtime = build_runtime(client, profile.policy, cache=cache,
                                page_size=options.get("page_size", 50),
                                jobs_db=tmp_path / jobs_name, bulk_concurrency=bulk_concurrency)
        options.setdefault("search_debounce_s", 0.05)
        app = OrbitApp(
            runtime,
            profile=profile,
            animations=False,
            # as the app's own runtime does: pages written behind land now
            on_close=[runtime.aclose],
            **options,
        )
        app.watch_client(client)
        return app

    yield make
    for cache in caches:
        cache.close()


# The helpers live in ui_helpers (a unique module name); re-exported for older imports.
from ui_helpers import loaded, settle, wait_for  # noqa: E402,F401
