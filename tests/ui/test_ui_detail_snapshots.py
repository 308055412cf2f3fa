"""Snapshots of the contact detail at 80×24 and 120×40: a full contact, a sparse one, the
edit form with errors, the LIVE delete confirmation (seeded sandbox, fixed clock).

Update with ``pytest tests/ui/test_ui_detail_snapshots.py --snapshot-update`` and look at
the SVGs under ``tests/ui/__snapshots__`` before committing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.screens.contact_form import ContactFormScreen
from orbit_tui.ui.status import ProfileInfo

from conftest import AppFactory, wait_for  # type: ignore[import-not-found]
from detail_helpers import make_sparse, open_detail, seeded  # type: ignore[import-not-found]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(scope="module")
def ids(sandbox: SandboxServer) -> dict[str, str]:
    rows = asyncio.run(seeded(sandbox, 20))
    full = max(rows, key=lambda row: (len(row[0].metadata) + len(row[0].tags), row[1]))[0]
    sparse = asyncio.run(make_sparse(sandbox))
    return {"full": full.id, "sparse": sparse.id}


def quiet(app: Any) -> Any:
    return lambda: app.status.in_flight == 0


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_detail_full(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                              clock: Any, ids: dict[str, str], size: tuple[int, int]) -> None:
    app = make_app(sandbox, clock=clock)

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_detail(pilot, ids["full"])

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_detail_sparse(snap_compare: Any, sandbox: SandboxServer, make_app: AppFactory,
                                clock: Any, ids: dict[str, str], size: tuple[int, int]) -> None:
    app = make_app(sandbox, clock=clock)

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_detail(pilot, ids["sparse"])

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_edit_form_errors(snap_compare: Any, sandbox: SandboxServer,
                                   make_app: AppFactory, clock: Any, ids: dict[str, str],
                                   size: tuple[int, int]) -> None:
    app = make_app(sandbox, clock=clock)

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_detail(pilot, ids["full"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")
        form = app.screen
        form.set_value("phone", "555 12")
        form.set_value("email", "someone@")
        form.set_value("country_code", "Germny")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(form.error_for("phone")), what="errors")
        await wait_for(pilot, quiet(app), what="quiet")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_delete_confirmation_live(snap_compare: Any, sandbox: SandboxServer,
                                           make_app: AppFactory, clock: Any,
                                           ids: dict[str, str], size: tuple[int, int]) -> None:
    app = make_app(sandbox, clock=clock, profile=ProfileInfo(name="production", kind="LIVE"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_detail(pilot, ids["full"])
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen), what="ask")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
