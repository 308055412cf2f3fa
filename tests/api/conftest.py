"""Helpers for the client and cache tests: clients with zero backoff, a counting wire."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from orbit_tui.api import OrbitClient, RetryPolicy
from orbit_tui.api.base import ClientEvent


class Recorder:
    """Collects a client's events; counts what went on the wire."""

    def __init__(self) -> None:
        self.events: list[ClientEvent] = []

    def __call__(self, event: ClientEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def retries(self, status: int | None = None) -> int:
        return sum(
            1 for e in self.events
            if e.kind == "retrying" and (status is None or e.status == status)
        )


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., OrbitClient]]:
    """``make_client(base_url, key, **kw)``: an OrbitClient with zero backoff, closed after."""
    made: list[OrbitClient] = []

    def make(base_url: str, api_key: str, **kw: Any) -> OrbitClient:
        kw.setdefault("retry", RetryPolicy(base_delay=0.0, max_retries=kw.pop("max_retries", 3),
                                           rng=random.Random(3)))
        client = OrbitClient(base_url, api_key, **kw)
        client.recorder = Recorder()  # type: ignore[attr-defined]
        client.add_listener(client.recorder)  # type: ignore[attr-defined]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


class CountingTransport(httpx.AsyncHTTPTransport):
    """A real HTTP transport that counts answers by status."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.statuses.append(response.status_code)
        return response
