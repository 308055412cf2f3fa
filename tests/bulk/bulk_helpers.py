"""Helpers shared by the bulk tests: a client on a sandbox and server-state snapshots."""

from __future__ import annotations

from typing import Any

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.pacing import RetryPolicy
from orbit_tui.bulk import BulkEngine, Journal


def make_client(server: Any, **kw: Any) -> OrbitClient:
    kw.setdefault("retry", RetryPolicy(max_retries=3, base_delay=0.02, max_delay=0.2))
    return OrbitClient(server.base_url, server.api_key, **kw)


def make_engine(client: OrbitClient, journal_path: Any, **kw: Any) -> BulkEngine:
    kw.setdefault("item_retry_delay", 0.05)
    return BulkEngine(client, Journal(journal_path), **kw)


async def snapshot(client: OrbitClient) -> dict[str, dict[str, Any]]:
    """Every contact on the server, every field but ``updated_at``, tags as a sorted list
    (and the stage also under "stage"), by id."""
    out: dict[str, dict[str, Any]] = {}
    async for c in client.iter_contacts(page_size=100):
        data = c.model_dump(mode="json", exclude={"updated_at", "lifecycle_stage", "tags"})
        out[c.id] = {**data, "tags": sorted(c.tags), "stage": c.lifecycle_stage}
    return out


async def members(client: OrbitClient, list_id: str) -> set[str]:
    return {c.id async for c in client.iter_members(list_id, page_size=100)}


async def first_list(client: OrbitClient, min_members: int = 5) -> str:
    """The smallest seeded list with at least ``min_members`` members."""
    page = await client.list_lists(limit=100)
    usable = sorted((lst.member_count, lst.id) for lst in page.items if lst.member_count >= min_members)
    assert usable, "the seeded sandbox has no list with members"
    return usable[0][1]


# -- fixtures (imported by the test modules) -------------------------------------------
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from orbit_tui.sandbox import Faults, SandboxServer, seed_database

SEED_CONTACTS = 300


@pytest.fixture(scope="session")
def bulk_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database, copied for every test so each starts from the same state."""
    path = tmp_path_factory.mktemp("bulk-template") / "template.db"
    seed_database(path, contacts=SEED_CONTACTS, seed=11)
    return path


@pytest.fixture
def bulk_server(bulk_template_db: Path, tmp_path: Path) -> Iterator[SandboxServer]:
    db = tmp_path / "sandbox.db"
    shutil.copy(bulk_template_db, db)
    server = SandboxServer(db, faults=Faults())
    server.start()
    try:
        yield server
    finally:
        server.stop()
