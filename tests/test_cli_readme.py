"""The README stays true: Quick start, the config example, the key table, and .ci/run."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

from orbit_tui.config_schema import validate_config
from orbit_tui.keymap import DEFAULT_KEYMAP, unknown_ids

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\s*\n(.*?)^```", text, re.M | re.S)


def test_quick_start_has_exactly_the_two_commands() -> None:
    (block,) = code_blocks(section("Quick start"), "sh")[:1]
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/orbit-tui",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]


def test_screenshot_slot_is_marked() -> None:
    assert "<!-- screenshot -->" in README


def test_config_example_is_a_valid_config() -> None:
    (block,) = code_blocks(section("Configuration"), "toml")
    raw = tomllib.loads(block)
    config = validate_config(raw, Path("README.md"), block)
    assert config.default_profile in config.profiles
    assert unknown_ids(config.keymap) == []


README_SCOPES = ("app", "contacts", "table", "detail")  # the rest: `orbit-tui keys` and `?`


def test_key_table_names_every_main_binding_id() -> None:
    keys = section("Keys")
    main = [b for b in DEFAULT_KEYMAP if b.split(".", 1)[0] in README_SCOPES]
    missing = [binding for binding in main if f"`{binding}`" not in keys]
    assert missing == []
    assert "orbit-tui keys" in keys


def test_ci_script_reads_the_readme_and_is_executable() -> None:
    script = ROOT / ".ci" / "run"
    text = script.read_text(encoding="utf-8")
    assert os.access(script, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "README.md" in text
    for name in ("ORBIT_TUI_CONFIG", "ORBIT_TUI_CACHE_DIR", "ORBIT_TUI_DATA_DIR"):
        assert f"export {name}=" in text  # CI never uses the user's own config or data
    subprocess.run(["bash", "-n", str(script)], check=True)
