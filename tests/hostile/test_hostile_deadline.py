"""An answer that trickles in a byte at a time never trips the read timeout (it counts
from the last byte); the whole-answer deadline ends it as a timeout like any other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import pytest
from starlette.requests import Request
from starlette.responses import StreamingResponse

from hostile_server import HostileServer  # type: ignore[import-not-found]
from orbit_tui.api.base import Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import RequestTimeoutError
from orbit_tui.api.pacing import RetryPolicy


def trickle(request: Request) -> StreamingResponse:
    async def body() -> Any:
        yield b'{"data": ['
        for _ in range(10_000):
            await asyncio.sleep(0.2)  # well inside the read timeout, every time
            yield b" "

    return StreamingResponse(body(), media_type="application/json")


async def test_a_trickling_answer_ends_at_the_deadline_and_is_retried_as_a_timeout(
        hostile_server: Callable[..., HostileServer]) -> None:
    server = hostile_server([("GET", "/contacts", trickle)])
    client = OrbitClient(server.base_url, server.api_key,
                         timeouts=Timeouts(connect=2, read=2, deadline=1.0),
                         retry=RetryPolicy(max_retries=1, base_delay=0, max_delay=0))
    async with client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.list_contacts()
        assert client.in_flight == 0
    assert "no complete answer within 1 s" in caught.value.explain()
    assert server.hits["GET /contacts"] == 2  # retried once, per the existing rules


def test_the_deadline_is_a_setting(tmp_path: Path) -> None:
    from orbit_tui.config_schema import Settings

    assert Settings().request_deadline == 60.0
    assert Settings(request_deadline=5).request_deadline == 5
    with pytest.raises(ValueError, match="request_deadline"):
        Settings(request_deadline=0)
