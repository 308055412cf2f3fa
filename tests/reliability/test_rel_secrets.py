"""A realistic session with a distinctive LIVE key, then every artefact is searched for it.

The app runs through several screens with 5xx errors, a second app uses a wrong key
(401), the client's errors are formatted with their tracebacks, the bulk CLI runs a job
with failures and ``config show`` prints the profile; then the SVG screenshots, the
cache and journal files (every byte under the temporary folders), captured output and
reprs are searched for the key and for its distinctive middle part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.api.base import Timeouts
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import OrbitError
from orbit_tui.sandbox import DEMO_API_KEY, Faults, SandboxServer
from rel_helpers import build_app, contacts_loaded, wait_until  # type: ignore[import-not-found]

SECRET = "dv_live_sk_SECRETSENTINEL7f3a9c21b4e8d6f05a1c"
MIDDLE = "SECRETSENTINEL"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("secret") / "sandbox.db"
    with SandboxServer(db, contacts=60, seed=3, api_keys=[SECRET], faults=Faults()) as running:
        yield running


def leaks(text: str | bytes) -> bool:
    if isinstance(text, bytes):
        return SECRET.encode() in text or MIDDLE.encode() in text or SECRET.encode("utf-16-le") in text
    return SECRET in text or MIDDLE in text


def scan_tree(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and leaks(path.read_bytes())]


async def test_app_session_with_errors_leaves_no_key_anywhere(server: SandboxServer, tmp_path: Path) -> None:
    shots: list[str] = []
    app = build_app(server, tmp_path / "cache.db")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: contacts_loaded(app), "contacts")
            shots.append(app.export_screenshot())
            await pilot.press("enter")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactDetailScreen", "detail")
            await pilot.pause(0.3)
            shots.append(app.export_screenshot())
            server.faults.error_rate = 1.0  # every request now fails with a 5xx
            await pilot.press("r")
            await wait_until(pilot, lambda: bool(app.status.last_error), "an error shown")
            shots.append(app.export_screenshot())
            await pilot.press("escape")
            app.run_command("lists")
            await pilot.pause(0.5)
            shots.append(app.export_screenshot())
            shots.append(repr(app.status) + repr(app.source) + repr(app.orbit))
    finally:
        server.faults.error_rate = 0.0

    # A wrong key: 401 on screen.
    wrong = SECRET[:-4] + "0000"
    bad = build_app(server, tmp_path / "cache2.db", api_key=wrong)
    async with bad.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(bad.status.last_error), "the 401")
        shots.append(bad.export_screenshot())
    for shot in shots:
        assert not leaks(shot) and wrong not in shot
    assert scan_tree(tmp_path) == []


async def test_errors_tracebacks_and_reprs_never_carry_the_key(server: SandboxServer) -> None:
    texts: list[str] = []
    for key, error_rate in ((SECRET + "x", 0.0), (SECRET, 1.0)):
        server.faults.error_rate = error_rate
        try:
            async with OrbitClient(server.base_url, key, max_retries=0,
                                   timeouts=Timeouts(connect=2, read=2)) as client:
                texts.append(repr(client) + str(client))
                with pytest.raises(OrbitError) as caught:
                    await client.list_contacts(limit=5)
                error = caught.value
                texts += ["".join(traceback.format_exception(error)), str(error), repr(error),
                          error.explain(), repr(vars(error))]
        finally:
            server.faults.error_rate = 0.0
    for text in texts:
        assert not leaks(text), text[:500]


def test_bulk_cli_and_config_show_never_print_the_key(server: SandboxServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT")}
    env.update(ORBIT_TUI_CONFIG=str(tmp_path / "config.toml"), ORBIT_TUI_DATA_DIR=str(tmp_path / "data"),
               ORBIT_TUI_CACHE_DIR=str(tmp_path / "cache"), ORBIT_BASE_URL=server.base_url,
               ORBIT_API_KEY=SECRET)
    outputs: list[str] = []
    server.faults.error_rate = 0.3
    try:
        done = subprocess.run([sys.executable, "-m", "orbit_tui", "bulk", "tag", "--add", "rel-secret",
                               "--all", "--yes"], env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        outputs += [done.stdout, done.stderr]
        # The job ran (every item done or reported failed), so its journal holds requests.
        result = json.loads(done.stdout.splitlines()[-1])
        assert result["total"] == 60 and result["remaining"] == 0, done.stderr
    finally:
        server.faults.error_rate = 0.0
    for args in (["config", "show"], ["--smoke"]):
        done = subprocess.run([sys.executable, "-m", "orbit_tui", *args], env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        outputs += [done.stdout, done.stderr]
    assert any("dv_live_sk_" in out for out in outputs), "config show names the key kind/mask"
    for out in outputs:
        assert not leaks(out), out[:800]
    assert scan_tree(tmp_path) == []
    assert (tmp_path / "data" / "jobs.db").exists()  # the journal was written and scanned


def test_api_key_command_output_is_never_echoed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT")}
    env.update(ORBIT_TUI_CONFIG=str(config), ORBIT_TUI_DATA_DIR=str(tmp_path / "data"),
               ORBIT_TUI_CACHE_DIR=str(tmp_path / "cache"))
    commands = {
        "ok": f"printf '{SECRET}\\n'",
        "fails": f"printf '{SECRET}\\n'; printf '{SECRET} on stderr' >&2; exit 3",
        "garbage": f"printf '{SECRET} \\033[2J two words\\n{SECRET}\\n'",
    }
    for name, command in commands.items():
        config.write_text(f'default_profile = "p"\n[profiles.p]\nbase_url = "http://127.0.0.1:9/api/v1"\n'
                          f'api_key_command = "{command}"\n')
        done = subprocess.run([sys.executable, "-m", "orbit_tui", "config", "show"], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert not leaks(done.stdout + done.stderr), f"{name}: {done.stdout}{done.stderr}"
        assert "\x1b" not in done.stdout + done.stderr


def test_demo_key_is_clearly_a_test_key() -> None:
    from orbit_tui.config import key_kind

    assert DEMO_API_KEY.startswith("dv_test_sk_demo")
    assert key_kind(DEMO_API_KEY) != "LIVE"
