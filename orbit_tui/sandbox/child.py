"""The demo's sandbox in a child process, serving a listening socket the app made.

The app (see :mod:`orbit_tui.runtime`) binds a loopback socket and listens on it
first, so it knows its base URL at once and can show a cached page before this process
has even started: a request sent meanwhile waits in the socket's backlog and is
answered once the server runs. This process seeds the database if it is empty, serves
the socket with uvicorn, writes ``ready`` on its standard output, and stops when its
standard input closes (the app quit, or died).

    python -m orbit_tui.sandbox.child FD DB CONTACTS

Nothing here imports Textual: the child pays only for the sandbox.
"""

from __future__ import annotations

import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path

from orbit_tui.policy import DEMO_API_KEY

READY = "ready"


def needs_seed(db_path: Path) -> bool:
    """Whether the demo database has no contacts yet (missing file or table included)."""
    if not db_path.exists():
        return True
    try:
        conn = sqlite3.connect(db_path)
        try:
            return conn.execute("SELECT 1 FROM contacts LIMIT 1").fetchone() is None
        finally:
            conn.close()
    except sqlite3.Error:
        return True


def serve_socket(sock: socket.socket, db_path: Path, contacts: int) -> None:
    """Seed if needed, serve ``sock`` until stdin closes; say ``ready`` once serving."""
    import uvicorn

    from orbit_tui.sandbox import create_app, seed_database

    if contacts > 0 and needs_seed(db_path):
        seed_database(db_path, contacts=contacts, seed=7)
    app = create_app(db_path, api_keys=[DEMO_API_KEY])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2, timeout_keep_alive=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="orbit-demo-sandbox", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the demo sandbox did not start")
        time.sleep(0.01)
    print(READY, flush=True)
    try:
        sys.stdin.read()  # returns when the app closes the pipe or exits
    except (KeyboardInterrupt, OSError):
        pass
    server.should_exit = True
    thread.join(timeout=10)


def main(argv: list[str]) -> int:
    fd, db, contacts = int(argv[0]), Path(argv[1]), int(argv[2])
    sock = socket.socket(fileno=fd)
    try:
        serve_socket(sock, db, contacts)
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
