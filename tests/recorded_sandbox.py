"""The sandbox in-process (ASGI) with a record of every request it routed.

``RecordedSandbox(db).seen`` lists ``(method, route template, path parameters)`` as the
sandbox read them from the raw path, so a test can check on the server's side which
path a client call reached, or that nothing arrived at all."""

from __future__ import annotations

from pathlib import Path

import httpx

from orbit_tui.api.client import OrbitClient
from orbit_tui.policy import DEMO_API_KEY
from orbit_tui.sandbox.app import API_PREFIX, create_app
from orbit_tui.sandbox.seed import seed_database

BASE_URL = "http://sandbox.test" + API_PREFIX


class RecordedSandbox:
    def __init__(self, db: Path) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.app = create_app(db, api_keys=[DEMO_API_KEY],
                              on_request=lambda m, r, p: self.seen.append((m, r, dict(p))))

    def writes(self) -> list[tuple[str, str, dict[str, str]]]:
        return [s for s in self.seen if s[0] != "GET"]

    def client(self, *, read_only: bool = False) -> OrbitClient:
        return OrbitClient(BASE_URL, DEMO_API_KEY, max_retries=0, read_only=read_only,
                           transport=httpx.ASGITransport(app=self.app))


def seeded(folder: Path, *, contacts: int, seed: int) -> Path:
    """A seeded sandbox database in ``folder`` (made once per module, copied per test)."""
    db = folder / "sandbox.db"
    seed_database(db, contacts=contacts, seed=seed)
    return db


def recorded_copy(template: Path, folder: Path) -> RecordedSandbox:
    """A recorded sandbox on a fresh copy of ``template``, so tests may change its data."""
    db = folder / "sandbox.db"
    db.write_bytes(template.read_bytes())
    return RecordedSandbox(db)
