"""Everything the app talks to, built from a ``ResolvedConfig``.

For the demo this runs the sandbox on an ephemeral loopback port, its database in the
user data folder (seeded on first start, kept between runs, wiped with
``--fresh-demo``), and connects with the demo key. Then: the ``OrbitClient``, the page
cache and the ``CachedOrbit`` facade the screens read through.

The demo's sandbox runs in a child process (:mod:`orbit_tui.ui.demo_process`) on a
socket this process binds and listens on first, so the base URL is known at once and
requests sent before the child serves simply wait in the backlog. When the page cache
already holds the first page, the child is started only once that page is on screen
(:meth:`Services.after_first_page`): start-up does not pay for the sandbox's imports,
and the sandbox's work never shares this process's interpreter lock with painting.
With an empty cache (or a new database) the child is started, and waited for, before
the app. Where child processes cannot inherit a socket (not POSIX), the sandbox runs in
this process as before.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from orbit_tui.api.base import Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.private_files import open_private, prepare_sqlite
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
        app.call_when_first_page_shown(self.after_first_page, at_once=True)

    async def aclose(self) -> None:
        for detach in self._detach:
            detach()
        await self.client.aclose()
        close = getattr(self.cache, "close", None)
        if callable(close):
            close()

    def after_first_page(self) -> None:
        """The first page is on screen: start what was deferred (the demo's sandbox)."""
        if isinstance(self.server, DemoServer):
            self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def demo_database(resolved: ResolvedConfig) -> Path:
    return Path(resolved.data_dir) / "demo.db"


DEMO_API_PREFIX = "/api/v1"  # the sandbox's API_PREFIX (a test keeps them equal)
READY_TIMEOUT_S = 600.0  # seeding a large demo on a loaded machine takes a while


class DemoServer:
    """The demo's sandbox in a child process, serving a socket bound here.

    ``base_url`` is known as soon as this object exists; :meth:`start` spawns the child
    (once), :meth:`wait_ready` blocks until it serves, :meth:`stop` ends it. Its errors
    go to ``demo-sandbox.log`` beside the database, never to the terminal.
    """

    def __init__(self, db_path: Path, *, contacts: int) -> None:
        self.db_path = db_path
        self.contacts = contacts
        # IPPROTO_TCP lets asyncio turn Nagle off on accepted connections (see the
        # sandbox's server); listening now queues early requests in the backlog.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket: socket.socket | None = sock
        self.port: int = sock.getsockname()[1]
        self._proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{DEMO_API_PREFIX}"

    def __repr__(self) -> str:
        return f"DemoServer(base_url={self.base_url!r}, db={self.db_path.name!r})"

    @property
    def started(self) -> bool:
        return self._proc is not None

    def start(self) -> None:
        """Spawn the child (idempotent); this process's copy of the socket is closed."""
        with self._lock:
            if self._proc is not None or self._socket is None:
                return
            sock = self._socket
            log_path = self.db_path.with_name("demo-sandbox.log")
            with open_private(log_path, "w") as log:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "orbit_tui.ui.demo_process", str(sock.fileno()),
                     str(self.db_path), str(self.contacts)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                    pass_fds=(sock.fileno(),), start_new_session=True, close_fds=True,
                )
            # Once the child holds it, a dead child means refused connections (the app
            # says offline) rather than requests hanging in a backlog nobody reads.
            sock.close()
            self._socket = None
            stdout = self._proc.stdout
            assert stdout is not None
            threading.Thread(target=self._watch, args=(stdout,), name="orbit-demo-ready",
                             daemon=True).start()

    def _watch(self, stdout: IO[str]) -> None:
        for line in stdout:
            if line.strip() == "ready":
                self._ready.set()
                return

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Block until the child serves; raise with its last words if it cannot."""
        self.start()
        proc = self._proc
        assert proc is not None
        waited = 0.0
        while not self._ready.wait(0.05):
            waited += 0.05
            if proc.poll() is not None or waited > timeout:
                self.stop()
                raise RuntimeError(f"the demo sandbox did not start{self._last_words()}")

    def _last_words(self) -> str:
        try:
            lines = self.db_path.with_name("demo-sandbox.log").read_text().strip().splitlines()
        except OSError:
            return ""
        return f": {lines[-1][:200]}" if lines else ""

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
            if self._socket is not None:
                self._socket.close()
                self._socket = None
        if proc is None:
            return
        if proc.stdin is not None:
            try:
                proc.stdin.close()  # the child's signal to stop serving
            except OSError:
                pass
        if not self._ready.is_set():
            proc.terminate()  # still starting: nothing to finish cleanly
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _fresh_start(resolved: ResolvedConfig) -> Path:
    db_path = demo_database(resolved)
    if resolved.fresh_demo:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    prepare_sqlite(db_path)  # customer-like data: owner-only before the sandbox opens it
    return db_path


def demo_server(resolved: ResolvedConfig) -> DemoServer:
    """The demo's sandbox, bound but not started (see :class:`DemoServer`)."""
    return DemoServer(_fresh_start(resolved), contacts=resolved.settings.demo_contacts)


def start_demo_server(resolved: ResolvedConfig) -> Any:
    """The sandbox in this process (where a child cannot inherit the socket)."""
    from orbit_tui.sandbox import DEMO_API_KEY, SandboxServer

    db_path = _fresh_start(resolved)
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
    server: Any = None
    if resolved.demo:
        from orbit_tui.ui.demo_process import DEMO_API_KEY

        if os.name == "posix":
            server = demo_server(resolved)
        else:
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
        if isinstance(server, DemoServer) and not _first_page_cached(source, settings):
            server.wait_ready()  # nothing to show until it serves: start it now
    except BaseException:
        if server is not None:
            server.stop()
        raise
    return Services(client=client, source=source, server=server, cache=cache)


def _first_page_cached(source: ContactSource, settings: Any) -> bool:
    """Whether the contacts screen's first page (no search, no filter) is in the cache."""
    orbit = getattr(source, "orbit", None)
    peek = getattr(orbit, "peek_contacts_page", None)
    if not callable(peek):
        return False
    try:
        return peek({"limit": settings.page_size}, None) is not None
    except Exception:  # noqa: BLE001 - a cache that cannot answer is a cold cache
        return False
