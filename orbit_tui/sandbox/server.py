"""Running the sandbox: ``SandboxServer`` (uvicorn in a thread) and ``serve``."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from orbit_tui.private_files import prepare_sqlite

from .app import API_PREFIX, RequestListener, create_app
from .faults import Faults
from .seed import seed_database
from .store import Store

DEMO_API_KEY = "dv_test_sk_demo_0rb1t5andb0x"
"""The sandbox's default key: a test key, useless anywhere but here."""


class ThreadedServer:
    """Any ASGI app served by uvicorn in a background thread, on a socket bound here (port 0
    picks one); :meth:`start` returns once it serves. The sandbox and the tests' small
    misbehaving servers both run this way."""

    def __init__(self, app: object, *, host: str = "127.0.0.1", port: int = 0, name: str = "sandbox",
                 lifespan: str = "on", log_level: str = "warning", graceful_s: int = 2) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.name = name
        self.lifespan = lifespan
        self.log_level = log_level
        self.graceful_s = graceful_s
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15.0) -> ThreadedServer:
        if self._thread is not None:
            raise RuntimeError(f"the {self.name} is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP lets asyncio turn Nagle off on accepted connections; without it
        # every answer on a kept-alive connection waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(self.app, log_level=self.log_level, access_log=False,  # type: ignore[arg-type]
                                lifespan=self.lifespan,  # type: ignore[arg-type]
                                timeout_graceful_shutdown=self.graceful_s, timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"orbit-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {self.name} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


def _needs_seed(db_path: str | Path) -> bool:
    store = Store(db_path)
    try:
        return store.contact_count() == 0
    finally:
        store.close()


class SandboxServer:
    """The sandbox on a real loopback socket, served by uvicorn in a background thread."""

    def __init__(self, db_path: str | Path, *, api_keys: list[str] | None = None, faults: Faults | None = None,
                 contacts: int = 0, seed: int = 7, host: str = "127.0.0.1", port: int = 0,
                 hostile: bool = False, on_request: RequestListener | None = None) -> None:
        self.db_path = Path(db_path)
        self.on_request = on_request
        self.api_keys = list(api_keys) if api_keys else [DEMO_API_KEY]
        self.faults = faults if faults is not None else Faults()
        self.contacts = contacts
        self.seed = seed
        self.hostile = hostile
        self.host = host
        self.port = port
        self._served: ThreadedServer | None = None

    @property
    def api_key(self) -> str:
        return self.api_keys[0]

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{API_PREFIX}"

    def __repr__(self) -> str:  # never shows the key
        return f"SandboxServer(base_url={self.base_url!r}, db={self.db_path.name!r})"

    def start(self, timeout: float = 15.0) -> "SandboxServer":
        """Seed if asked and the db is empty, bind, serve; return once listening."""
        if self._served is not None:
            raise RuntimeError("the sandbox is already running")
        if self.contacts > 0 and _needs_seed(self.db_path):
            seed_database(self.db_path, contacts=self.contacts, seed=self.seed, hostile=self.hostile)
        app = create_app(self.db_path, api_keys=self.api_keys, faults=self.faults,
                         on_request=self.on_request)
        served = ThreadedServer(app, host=self.host, port=self.port, name="sandbox server")
        self._served = served.start(timeout)
        self.port = served.port
        return self

    @property
    def running(self) -> bool:
        return self._served is not None and self._served.running

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()
        self._served = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(*, host: str = "127.0.0.1", port: int = 8765, db: str | Path, contacts: int = 3000, seed: int = 7,
          api_keys: list[str] | None = None, faults: Faults | None = None, fresh: bool = False,
          hostile: bool = False) -> None:
    """Serve until interrupted (Ctrl+C); prints the base URL and the key to use."""
    db_path = Path(db)
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    prepare_sqlite(db_path, tighten_folder=False)  # 0600 before SQLite creates it
    server = SandboxServer(db_path, api_keys=api_keys, faults=faults, contacts=contacts, seed=seed,
                           host=host, port=port, hostile=hostile)
    started = time.monotonic()
    server.start(timeout=600)
    print(f"Orbit sandbox listening on {server.base_url}", flush=True)
    print(f"API key: {server.api_key}", flush=True)
    print(f"Database: {db_path} (ready in {time.monotonic() - started:.1f} s; Ctrl+C to stop)", flush=True)
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
