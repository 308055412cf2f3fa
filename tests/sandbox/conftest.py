"""Fixtures for the sandbox's own tests: an httpx client bound to the module's sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox_helpers import client_for

from orbit_tui.sandbox import SandboxServer


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with client_for(sandbox) as client:
        yield client
