"""Fixtures for the sandbox's own tests: an httpx client bound to the module's sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orbit_tui.sandbox import SandboxServer


def client_for(server: SandboxServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"X-API-Key": server.api_key, **headers}, timeout=10)


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with client_for(sandbox) as client:
        yield client
