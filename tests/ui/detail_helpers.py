"""Helpers for the contact detail tests: open a contact by id, pick seeded contacts,
and make a sparse contact with fixed id and times (for deterministic snapshots)."""

from __future__ import annotations

import sqlite3
from typing import Any

from textual.pilot import Pilot

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.models import Contact
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.detail import ContactDetailScreen
from orbit_tui.ui.widgets.timeline import Timeline

from conftest import loaded, wait_for  # type: ignore[import-not-found]

SPARSE_ID = "con_0000sparse0001"
SPARSE_EMAIL = "only.an.email@example.com"


async def seeded(server: SandboxServer, count: int = 50) -> list[tuple[Contact, int]]:
    """The newest ``count`` contacts with their activity totals."""
    out: list[tuple[Contact, int]] = []
    async with OrbitClient(server.base_url, server.api_key) as client:
        page = await client.list_contacts(limit=count)
        for contact in page.items:
            activity = await client.list_activity(contact.id, limit=1)
            out.append((contact, activity.total or 0))
    return out


async def make_sparse(server: SandboxServer) -> Contact:
    """A contact with only an email, a fixed id and fixed times (idempotent)."""
    async with OrbitClient(server.base_url, server.api_key) as client:
        page = await client.list_contacts(search=SPARSE_EMAIL, limit=5)
        if not any(c.id == SPARSE_ID for c in page.items):
            created = await client.create_contact({"email": SPARSE_EMAIL})
            with sqlite3.connect(server.db_path) as conn:
                conn.execute(
                    "UPDATE contacts SET id = ?, created_at = ?, updated_at = ? WHERE id = ?",
                    (SPARSE_ID, "2026-02-20T09:30:00Z", "2026-02-27T16:45:00Z", created.id),
                )
        return await client.get_contact(SPARSE_ID)


async def open_detail(pilot: Pilot[Any], contact_id: str) -> ContactDetailScreen:
    """Wait for the contacts page, open ``contact_id`` and wait until all is loaded."""
    app: Any = pilot.app
    await wait_for(pilot, loaded(app), what="first page")
    result = await app.orbit.contact(contact_id)
    app.open_contact(result.value)
    await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen), what="detail")
    screen: ContactDetailScreen = app.screen
    await wait_for(pilot, lambda: detail_settled(screen), what="detail loaded")
    return screen


def detail_settled(screen: ContactDetailScreen) -> bool:
    timeline = screen.query_one(Timeline)
    return (
        screen.lists_loaded
        and timeline.loaded_once
        and not timeline.fetching
        and screen.app.status.in_flight == 0  # type: ignore[attr-defined]
    )


def plain(widget: Any, width: int = 200) -> str:
    """What a Static shows, as plain text (tables included)."""
    from rich.console import Console

    import io

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()
