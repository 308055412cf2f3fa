"""Config and theme paths that are not plain files: a symlink is written through, a FIFO,
a device or a directory is refused in one plain sentence (exit status 2), and a file is
read only up to a size cap.

Real file system objects: a symlink, a FIFO (``os.mkfifo``: the code must check the type
before opening, or the test would hang), ``/dev/zero``, an oversize file. Each refusal
runs in a subprocess with a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from orbit_tui.config_write import write_profile

KEY_ENV = "ORBIT_TEST_KEY"


def orbit(config: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT")}
    env["ORBIT_TUI_CONFIG"] = str(config)
    env["ORBIT_TUI_DATA_DIR"] = str(config.parent / "data")
    env["ORBIT_TUI_CACHE_DIR"] = str(config.parent / "cache")
    return subprocess.run([sys.executable, "-m", "orbit_tui", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_config_init_writes_through_a_symlink_atomically_and_keeps_0600(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "orbit.toml"
    real.parent.mkdir()
    write_profile(real, "old", api_key_env="OLD_KEY")
    link = tmp_path / "config" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    proc = orbit(link, "config", "init", "--name", "work", "--api-key-env", KEY_ENV)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    profiles = tomllib.loads(real.read_text())["profiles"]
    assert set(profiles) == {"old", "work"}
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert [p.name for p in real.parent.iterdir()] == ["orbit.toml"]  # no temp file left
    assert [p.name for p in link.parent.iterdir()] == ["config.toml"]


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_config_path_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        config = tmp_path / "config.toml"
        os.mkfifo(config)
    elif kind == "device":
        config = Path("/dev/zero")
    else:
        config = tmp_path / "config.toml"
        config.mkdir()
    for args in (("config", "show"), ("config", "init", "--name", "w", "--api-key-env", KEY_ENV),
                 ("bulk", "jobs")):
        proc = orbit(config, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "not a regular file" in lines[0], (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_an_oversize_config_file_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    with open(config, "wb") as handle:
        handle.write(b"# padding\n" * 200_000)  # 2 MB of comments: valid TOML, too large
    proc = orbit(config, "config", "show")
    assert proc.returncode == 2
    assert "too large" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_theme_files_that_are_not_regular_or_too_large_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#112233"\n')
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "huge.toml").write_bytes(b'name = "huge"\nprimary = "#112233"\n' + b"#\n" * 600_000)
    # In a child with a timeout: a loader that opened the FIFO would wait forever.
    code = ("import json, sys; from pathlib import Path; from orbit_tui.ui.themes import load_themes; "
            "t, p = load_themes([Path(sys.argv[1])]); "
            "print(json.dumps([sorted(t), {x.path.name: x.message for x in p}]))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    themes, reasons = json.loads(proc.stdout)
    assert themes == ["good"]
    assert set(reasons) == {"pipe.toml", "zero.toml", "folder.toml", "huge.toml"}
    assert all("not a regular file" in reasons[n] for n in ("pipe.toml", "zero.toml", "folder.toml"))
    assert "too large" in reasons["huge.toml"]
