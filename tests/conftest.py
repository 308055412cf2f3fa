"""Shared fixtures: a running sandbox server over a real loopback socket.

- ``sandbox``: a :class:`SandboxServer` seeded with 300 contacts (seed 7), fresh for
  each test module, on a temporary database and an ephemeral port.
- ``sandbox_factory``: ``sandbox_factory(contacts=100, faults=Faults(...), seed=7,
  api_keys=[...], hostile=False, db_path=None)`` starts another server (stopped after
  the test); use it when a test needs faults, its own data or a mutable database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    server = SandboxServer(db, contacts=300, seed=7)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def make(*, contacts: int = 100, db_path: Path | str | None = None, **kwargs: Any) -> SandboxServer:
        path = Path(db_path) if db_path is not None else tmp_path / f"sandbox-{len(started)}.db"
        server = SandboxServer(path, contacts=contacts, **kwargs)
        server.start()
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            server.stop()
