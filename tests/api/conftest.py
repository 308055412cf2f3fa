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


class ServedApp:
    """Any ASGI app on a real loopback socket (uvicorn in a thread), for wrapped sandboxes."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def start(self) -> "ServedApp":
        import time

        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture
def serve_app() -> Any:
    """``serve_app(asgi_app) -> ServedApp`` (started; stopped after the test)."""
    served: list[ServedApp] = []

    def start(app: Any) -> ServedApp:
        server = ServedApp(app).start()
        served.append(server)
        return server

    yield start
    for server in served:
        server.stop()
