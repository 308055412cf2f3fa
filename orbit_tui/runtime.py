"""The one place that builds orbit-tui's services from a resolved configuration.

:func:`open_runtime` (the app), :func:`open_bulk_runtime` (``orbit-tui bulk``) and
:func:`build_runtime` (both, the screenshots and the tests) make a :class:`Runtime`: the
``OrbitClient`` with the profile's timeouts, retries and read-only flag, the page cache
and the ``CachedOrbit`` facade over it, the :class:`~orbit_tui.gate.Gate` every change
goes through, the bulk engine (its journal opened on first use) and, for the demo, the
sandbox. Nothing here imports the UI: the app is handed what this builds.

For the demo this runs the sandbox on an ephemeral loopback port, its database in the
user data folder (seeded on first start, kept between runs, wiped with
``--fresh-demo``), and connects with the demo key.

The demo's sandbox runs in a child process (:mod:`orbit_tui.sandbox.child`) on a
socket this process binds and listens on first, so the base URL is known at once and
requests sent before the child serves simply wait in the backlog. When the page cache
already holds the first page, the child is started only once that page is on screen
(:meth:`Runtime.after_first_page`): start-up does not pay for the sandbox's imports,
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from orbit_tui.api.base import Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.gate import Gate
from orbit_tui.policy import DEMO_API_KEY, ChangePolicy
from orbit_tui.private_files import open_private, prepare_sqlite

if TYPE_CHECKING:
    import httpx

    from orbit_tui.bulk import BulkEngine
    from orbit_tui.cache import CachedOrbit, PageCache
    from orbit_tui.config import ResolvedConfig
    from orbit_tui.config_schema import Settings

DEMO_CACHE_NAME = "orbit-tui-demo"


@dataclass
class Runtime:
    """The services of one session (see the module docstring)."""

    client: OrbitClient
    orbit: CachedOrbit
    policy: ChangePolicy
    cache: PageCache | None = None
    server: DemoServer | Any = None
    jobs_db: Path | None = None
    bulk_concurrency: int = 8
    warnings: list[str] = field(default_factory=list)
    gate: Gate = field(init=False)
    engine_error: str = ""
    """Why the bulk journal could not be opened where configured (the default is used)."""
    account_key: str | None = field(default=None, repr=False)
    """The key whose account owns this session's jobs: the journal keeps only a keyed
    fingerprint of it (see :meth:`Journal.account_for`); never shown."""
    _engine: BulkEngine | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.gate = Gate(self.orbit, self.policy, self.engine)

    @property
    def engine_ready(self) -> bool:
        """Whether the bulk engine (and its journal) has been opened yet."""
        return self._engine is not None

    def engine(self) -> BulkEngine:
        """The bulk engine, its journal opened on first use (after the first page)."""
        if self._engine is None:
            from orbit_tui.bulk import BulkEngine, Journal
            from orbit_tui.config_paths import jobs_db

            path = self.jobs_db or jobs_db()
            try:
                journal = Journal(path)  # it makes its folder, owner-only
            except Exception as exc:  # noqa: BLE001 - fall back to the default journal
                if self.jobs_db is None:
                    raise
                self.engine_error = (
                    f"The bulk-job journal could not be opened ({type(exc).__name__}: {exc}); "
                    "jobs use the default journal instead."
                )
                journal = Journal(jobs_db())
            self._engine = BulkEngine(
                self.client, journal, concurrency=self.bulk_concurrency,
                live=self.policy.live, read_only=self.policy.read_only,
                base_url=self.client.base_url, api_key=self.account_key,
            )
        return self._engine

    def adopt_engine(self, engine: BulkEngine) -> None:
        """Use an engine made elsewhere (a test's engine with other delays); the gate
        runs its jobs like any other."""
        self._engine = engine

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.cache is not None:
            self.cache.close()
        if self._engine is not None:
            self._engine.journal.close()

    def after_first_page(self) -> None:
        """The first page is on screen: start what was deferred (the demo's sandbox)."""
        if isinstance(self.server, DemoServer):
            self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def policy_for(resolved: ResolvedConfig) -> ChangePolicy:
    return ChangePolicy(kind="DEMO" if resolved.demo else resolved.key_kind,
                        read_only=resolved.read_only)


def make_client(base_url: str, api_key: str, settings: Settings, policy: ChangePolicy, *,
                transport: httpx.AsyncBaseTransport | None = None) -> OrbitClient:
    """The client with the profile's timeouts and retries; read-only refuses every write."""
    return OrbitClient(
        base_url,
        api_key,
        timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout,
                          deadline=settings.request_deadline),
        max_retries=settings.max_retries,
        read_only=policy.read_only,
        transport=transport,
    )


def build_runtime(
    client: OrbitClient,
    policy: ChangePolicy,
    *,
    cache: PageCache,
    page_size: int = 50,
    jobs_db: Path | None = None,
    bulk_concurrency: int = 8,
    server: Any = None,
    account_key: str | None = None,
) -> Runtime:
    """A runtime over a client and a page cache already made (tests, screenshots).
    ``account_key``: the client's key, whose account owns the jobs (none: only jobs of no
    account are seen)."""
    from orbit_tui.cache import CachedOrbit

    orbit = CachedOrbit(client, cache, page_size=page_size)
    return Runtime(client=client, orbit=orbit, policy=policy, cache=cache, server=server,
                   jobs_db=jobs_db, bulk_concurrency=bulk_concurrency,
                   warnings=list(getattr(cache, "warnings", [])), account_key=account_key)


def open_cache(client: OrbitClient, resolved: ResolvedConfig, api_key: str) -> PageCache:
    """The page cache for this server and key."""
    from orbit_tui.cache import PageCache, cache_path

    settings = resolved.settings
    # The demo server listens on a new port each run: key its cache on a stable name
    # so pages survive between runs (and start afresh with the demo data).
    server_name = DEMO_CACHE_NAME if resolved.demo else client.base_url
    path = cache_path(resolved.cache_dir, server_name, api_key)
    if resolved.demo and resolved.fresh_demo:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return PageCache(path, ttl=settings.cache_ttl, max_bytes=settings.cache_max_mb * 1024 * 1024)


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
                    [sys.executable, "-m", "orbit_tui.sandbox.child", str(sock.fileno()),
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


def open_runtime(resolved: ResolvedConfig) -> Runtime:
    """The app's services: for the demo, its sandbox (started now only on a cold cache)."""
    server: Any = None
    if resolved.demo:
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
        policy = policy_for(resolved)
        client = make_client(base_url, api_key, settings, policy)
        runtime = build_runtime(
            client, policy, cache=open_cache(client, resolved, api_key),
            page_size=settings.page_size, jobs_db=Path(resolved.jobs_db),
            bulk_concurrency=settings.bulk_concurrency, server=server, account_key=api_key,
        )
        if isinstance(server, DemoServer) and not _first_page_cached(runtime.orbit, settings):
            server.wait_ready()  # nothing to show until it serves: start it now
    except BaseException:
        if server is not None:
            server.stop()
        raise
    return runtime


def open_bulk_runtime(resolved: ResolvedConfig, *, concurrency: int | None = None) -> Runtime:
    """``orbit-tui bulk``'s services: the same client settings as the app's, no cache
    on disk (a job reads the server), the configured journal."""
    from orbit_tui.cache import PageCache

    if not resolved.api_key:
        raise ValueError("no API key: set ORBIT_API_KEY or run `orbit-tui config init`")
    settings = resolved.settings
    policy = policy_for(resolved)
    client = make_client(resolved.base_url, resolved.api_key, settings, policy)
    return build_runtime(
        client, policy, cache=PageCache(None, ttl=settings.cache_ttl),
        page_size=settings.page_size, jobs_db=Path(resolved.jobs_db),
        bulk_concurrency=concurrency or settings.bulk_concurrency, account_key=resolved.api_key,
    )


def _first_page_cached(orbit: CachedOrbit, settings: Settings) -> bool:
    """Whether the contacts screen's first page (no search, no filter) is in the cache."""
    try:
        return orbit.peek_contacts_page({"limit": settings.page_size}, None) is not None
    except Exception:  # noqa: BLE001 - a cache that cannot answer is a cold cache
        return False
