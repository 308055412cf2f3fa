"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import httpx

from orbit_tui.sandbox import SandboxServer


def client_for(server: SandboxServer, **headers: str) -> httpx.Client:
    """A sync httpx client with the server's key (extra headers added)."""
    return httpx.Client(base_url=server.base_url, headers={"X-API-Key": server.api_key, **headers}, timeout=10)
