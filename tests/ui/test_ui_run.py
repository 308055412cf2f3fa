"""``run()``: the embedded demo starts, seeds once, persists, and --fresh-demo reseeds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orbit_tui.config import Settings, resolve
from orbit_tui.ui.launch import run


def test_demo_smoke_run_seeds_once_and_fresh_demo_starts_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        "ORBIT_TUI_CONFIG": str(tmp_path / "config" / "config.toml"),
        "ORBIT_TUI_DATA_DIR": str(tmp_path / "data"),
        "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache"),
    }
    resolved = resolve(env=env)
    assert resolved.demo
    first = replace(resolved, settings=Settings(demo_contacts=120))
    assert run(first, smoke=True) == 0
    assert capsys.readouterr().out.strip() == "smoke ok: 50 of 120 contacts shown"
    assert (tmp_path / "data" / "demo.db").exists()

    # The demo data persists: asking for fewer contacts does not reseed...
    again = replace(resolved, settings=Settings(demo_contacts=80))
    assert run(again, smoke=True) == 0
    assert "of 120 contacts" in capsys.readouterr().out
    # ...unless asked to start afresh.
    fresh = replace(again, fresh_demo=True)
    assert run(fresh, smoke=True) == 0
    assert "of 80 contacts" in capsys.readouterr().out
