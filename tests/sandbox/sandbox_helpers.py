"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import httpx

from orbit_tui.sandbox import SandboxServer


def client_for(server: SandboxServer, **headers: str) -> httpx.Client:
    """A sync httpx client with the server's key (extra headers added)."""
    return httpx.Client(base_url=server.base_url, headers={"X-API-Key": server.api_key, **headers}, timeout=10)


def all_items(api: httpx.Client, path: str, *, limit: int = 100, **params: object) -> list[dict]:
    """Every item of a list endpoint, following the cursor page by page."""
    items: list[dict] = []
    cursor = None
    while True:
        page = api.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["data"])
        if not body["meta"]["pagination"]["has_more"]:
            return items
        cursor = body["meta"]["pagination"]["cursor"]
