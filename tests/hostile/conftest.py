"""Fixtures for the misbehaving-server tests: ``hostile_server(routes)`` starts one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hostile_server import HostileServer  # type: ignore[import-not-found]


@pytest.fixture
def hostile_server() -> Iterator[Callable[..., HostileServer]]:
    started: list[HostileServer] = []

    def make(routes: Any) -> HostileServer:
        server = HostileServer(routes).start()
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            server.stop()
