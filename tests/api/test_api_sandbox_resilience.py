"""Retries, idempotency keys and pacing against the real sandbox over HTTP, with faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.api import NetworkError, OrbitClient, Pacer
from orbit_tui.api.base import ClientEvent
from orbit_tui.sandbox import DEMO_API_KEY, Faults, SandboxServer, create_app, seed_database
from orbit_tui.sandbox.faults import RateLimiter


def drop_first_attempt(client: OrbitClient, faults: Faults) -> None:
    """Drop the connection of the first attempt only (after the server acted)."""
    faults.drop_rate = 1.0

    def heal(event: ClientEvent) -> None:
        if event.kind in ("retrying", "failed"):
            faults.drop_rate = 0.0

    client.add_listener(heal)


async def test_retried_changes_are_applied_once_thanks_to_the_idempotency_key(
    sandbox_factory: Callable[..., SandboxServer], make_client: Callable[..., OrbitClient]
) -> None:
    server = sandbox_factory(contacts=20)
    client = make_client(server.base_url, server.api_key)
    target = (await client.list_contacts(limit=1)).items[0]

    drop_first_attempt(client, server.faults)
    created = await client.create_list("Dropped once")
    # Not repeated: the client found the list its lost attempt had made (api/creates.py).
    assert client.recorder.retries() == 0  # type: ignore[attr-defined]
    names = [lst.name async for lst in client.iter_lists()]
    assert names.count("Dropped once") == 1

    drop_first_attempt(client, server.faults)
    contact = await client.create_contact({"email": "dropped.once@example.org"})
    matches = await client.list_contacts(search="dropped.once@example.org")
    assert [c.id for c in matches.items] == [contact.id]

    drop_first_attempt(client, server.faults)
    result = await client.add_members(created.id, [target.id])
    assert result.added == [target.id]  # the replayed answer, not "already_member"

    drop_first_attempt(client, server.faults)
    await client.delete_contact(contact.id)
    # add_members and delete were retried by the client; the contact create was sent
    # again by api/creates.py under the same key, which the sandbox replays.
    assert client.recorder.retries() == 2  # type: ignore[attr-defined]


async def test_reads_are_retried_but_an_unsafe_create_is_not(
    sandbox_factory: Callable[..., SandboxServer], make_client: Callable[..., OrbitClient]
) -> None:
    server = sandbox_factory(contacts=20)
    reader = make_client(server.base_url, server.api_key)
    server.faults.drop_rate = 1.0
    with pytest.raises(NetworkError):
        await reader.list_contacts()
    assert reader.recorder.retries() == 3  # type: ignore[attr-defined]
    assert reader.requests_sent == 4

    def create_retries(client: OrbitClient) -> int:
        return sum(1 for e in client.recorder.events  # type: ignore[attr-defined]
                   if e.kind == "retrying" and e.method == "POST")

    cautious = make_client(server.base_url, server.api_key, trust_idempotency_keys=False)
    with pytest.raises(NetworkError):  # and the check for the list fails as well
        await cautious.create_list("Maybe created")
    assert create_retries(cautious) == 0
    server.faults.drop_rate = 0.0
    names = [lst.name async for lst in cautious.iter_lists()]
    assert names.count("Maybe created") == 1  # the server did act: never twice

    server.faults.error_rate = 1.0
    with pytest.raises(Exception):
        await cautious.create_segment("Never", {"lifecycle_stage": "lead"})
    assert create_retries(cautious) == 0


def _ignoring_keys(app: Any) -> Any:
    """A server that does not honour Idempotency-Key (the header is stripped)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k.lower() != b"idempotency-key"]}
        await app(scope, receive, send)

    return wrapped


async def test_a_retried_delete_that_finds_nothing_counts_as_done(
    tmp_path: Path, serve_app: Callable[..., Any], make_client: Callable[..., OrbitClient]
) -> None:
    db = tmp_path / "nokeys.db"
    seed_database(db, contacts=10)
    faults = Faults()
    server = serve_app(_ignoring_keys(create_app(db, api_keys=[DEMO_API_KEY], faults=faults)))
    client = make_client(server.base_url, DEMO_API_KEY)
    contact = (await client.list_contacts(limit=1)).items[0]
    drop_first_attempt(client, faults)
    await client.delete_contact(contact.id)  # attempt 1 deleted it, attempt 2 answers 404
    assert client.recorder.retries() == 1  # type: ignore[attr-defined]
    assert contact.id not in {c.id async for c in client.iter_contacts()}


async def test_a_burst_well_over_the_rate_limit_succeeds_with_a_handful_of_429s(
    tmp_path: Path, serve_app: Callable[..., Any], make_client: Callable[..., OrbitClient]
) -> None:
    # Time runs 60x faster for both sides: the sandbox's one-minute window lasts one second.
    scale = 60.0

    def fast_wall() -> float:
        return time.time() * scale

    def fast_clock() -> float:
        return time.monotonic() * scale

    async def fast_sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / scale)

    db = tmp_path / "limited.db"
    seed_database(db, contacts=10)
    limit = 20
    app = create_app(db, api_keys=[DEMO_API_KEY], faults=Faults(rate_limit_per_min=limit))
    app.state.api.limiter = RateLimiter(clock=fast_wall)
    server = serve_app(app)

    pacer = Pacer(clock=fast_clock, wall=fast_wall, sleep=fast_sleep)
    clients = [  # two clients of one key share the pacer
        make_client(server.base_url, DEMO_API_KEY, pacer=pacer, sleep=fast_sleep, wall=fast_wall)
        for _ in range(2)
    ]
    contact = (await clients[0].list_contacts(limit=1)).items[0]
    gate = asyncio.Semaphore(8)

    async def one(i: int) -> str:
        async with gate:
            return (await clients[i % 2].get_contact(contact.id)).id

    burst = 3 * limit
    ids = await asyncio.gather(*(one(i) for i in range(burst)))
    assert ids == [contact.id] * burst
    rejected = sum(c.recorder.retries(429) for c in clients)  # type: ignore[attr-defined]
    assert rejected <= 4
    assert pacer.waits > 0
