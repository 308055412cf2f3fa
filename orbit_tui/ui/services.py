"""Everything the app talks to, built from a ``ResolvedConfig``.

For the demo this starts the embedded sandbox on an ephemeral loopback port, its
database in the user data folder (seeded on first start, kept between runs, wiped with
``--fresh-demo``), and connects with the demo key. Then: the ``OrbitClient``, the page
cache and the ``CachedOrbit`` facade the screens read through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbit_tui.api.base import Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.ui.source import ContactSource

if TYPE_CHECKING:
    from orbit_tui.config import ResolvedConfig
    from orbit_tui.ui.app import OrbitApp


@dataclass
class Services:
    client: OrbitClient
    source: ContactSource
    server: Any = None
    cache: Any = None
    _detach: list[Callable[[], None]] = field(default_factory=list)

    def attach(self, app: OrbitApp) -> None:
        self._detach.append(app.watch_client(self.client))

    async def aclose(self) -> None:
        for detach in self._detach:
            detach()
        await self.client.aclose()
        close = getattr(self.cache, "close", None)
        if callable(close):
            close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def demo_database(resolved: ResolvedConfig) -> Path:
    return Path(resolved.data_dir) / "demo.db"


def start_demo_server(resolved: ResolvedConfig) -> Any:
    from orbit_tui.sandbox import DEMO_API_KEY, SandboxServer

    db_path = demo_database(resolved)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if resolved.fresh_demo:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    server = SandboxServer(
        db_path,
        api_keys=[DEMO_API_KEY],
        contacts=resolved.settings.demo_contacts,
        host="127.0.0.1",
        port=0,
    )
    server.start()
    return server


def build_source(client: OrbitClient, resolved: ResolvedConfig, key: str) -> tuple[
    ContactSource, Any
]:
    from orbit_tui.ui.sources import CachedOrbitSource, open_cache

    cache, orbit = open_cache(client, resolved, key)
    return CachedOrbitSource(orbit), cache


def open_services(resolved: ResolvedConfig) -> Services:
    server = None
    if resolved.demo:
        from orbit_tui.sandbox import DEMO_API_KEY

        server = start_demo_server(resolved)
        base_url, api_key = server.base_url, DEMO_API_KEY
    else:
        if not resolved.api_key:
            raise ValueError("no API key: set ORBIT_API_KEY or run `orbit-tui config init`")
        base_url, api_key = resolved.base_url, resolved.api_key
    try:
        settings = resolved.settings
        client = OrbitClient(
            base_url,
            api_key,
            timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout),
            max_retries=settings.max_retries,
        )
        source, cache = build_source(client, resolved, api_key)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    return Services(client=client, source=source, server=server, cache=cache)
