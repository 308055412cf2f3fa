"""The UI's main actions under each of the sandbox's fault switches.

For each fault (latency with jitter, 20 % errors, a 429 storm, dropped connections,
answers slower than the client's read timeout) the app loads contacts, searches, opens a
contact and the lists: it never exits, still answers a key, and every failure it shows
is in plain words (no exception class names, no traceback) with the request id when
the server gave one. The 1,000-contact bulk job under faults is covered in tests/bulk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.api.base import Timeouts
from orbit_tui.sandbox import Faults, SandboxServer
from rel_helpers import assert_harmless, build_app, contacts_loaded  # type: ignore[import-not-found]

FAULTS: dict[str, dict[str, Any]] = {
    "latency-jitter": {"latency_ms": 150, "jitter_ms": 100},
    "errors-20pct": {"error_rate": 0.2},
    "429-storm": {"rate_limit_per_min": 3},
    "drops": {"drop_rate": 0.3},
    "slower-than-timeout": {"latency_ms": 1500},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("faults") / "sandbox.db"
    with SandboxServer(db, contacts=80, seed=11, faults=Faults()) as running:
        yield running


async def idle(pilot: Any, seconds: float) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    app = pilot.app
    while loop.time() < end and (app.status.in_flight or not contacts_loaded(app)):
        await pilot.pause(0.05)


@pytest.mark.parametrize("name", list(FAULTS))
async def test_main_actions_survive_the_fault(server: SandboxServer, tmp_path: Path, name: str) -> None:
    for key, value in FAULTS[name].items():
        setattr(server.faults, key, value)
    errors: list[str] = []
    try:
        app = build_app(server, tmp_path / "cache.db", timeouts=Timeouts(connect=2, read=0.5))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            app.status.subscribe(lambda *_: errors.append(app.status.last_error or ""))
            await idle(pilot, 2.5)
            await pilot.press("slash", *"a", "enter")
            await idle(pilot, 1.5)
            if app.contacts_screen is not None and app.contacts_screen.table.row_count:
                await pilot.press("enter")
                await idle(pilot, 1.5)
                await pilot.press("escape")
            app.run_command("lists")
            await idle(pilot, 1.5)
            # Still alive and answering: the help screen opens on "?".
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            assert type(app.screen).__name__.endswith("HelpScreen")
            assert_harmless(app, name)
            shown = [str(n.message) for n in app._notifications] + [e for e in errors if e]
        assert app.return_code in (None, 0)
    finally:
        server.faults.__init__()  # type: ignore[misc]
    if name in ("429-storm", "slower-than-timeout"):  # the others are random, maybe lucky
        assert shown, f"{name}: no failure was shown"
    for text in shown:
        assert "Traceback" not in text and not re.search(r"\b[A-Z][a-z]+Error\b", text), text
        if "503" in text or "429" in text or "server" in text.lower():
            assert "request" in text.lower() or "req_" in text, f"no request id: {text}"
