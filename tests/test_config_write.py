"""config init's writer: 0600, round trips, other profiles and tables kept."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from orbit_tui.config import CliOverrides, ConfigError, resolve
from orbit_tui.config_write import save_theme, write_profile

LIVE = "dv_live_sk_0123456789abcdef9f2c"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ORBIT_API_KEY", "ORBIT_BASE_URL", "ORBIT_PROFILE", "ORBIT_TUI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_creates_file_and_folders_with_private_modes(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "config.toml"
    result = write_profile(path, "work", api_key=LIVE, base_url="https://w.example/api/v1/")
    assert result.created_file is True
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    data = tomllib.loads(path.read_text())
    assert data["default_profile"] == "work"
    assert data["profiles"]["work"] == {"api_key": LIVE, "base_url": "https://w.example/api/v1"}
    assert not [p for p in path.parent.iterdir() if p.name != "config.toml"]  # no temp left


def test_round_trip_through_resolve(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_profile(
        path,
        "staging",
        base_url="https://s.example/api/v1",
        api_key_env="STAGING_KEY",
        read_only=True,
        theme="light",
    )
    resolved = resolve(env={"ORBIT_TUI_CONFIG": str(path), "STAGING_KEY": LIVE})
    assert resolved.profile_name == "staging"
    assert resolved.base_url == "https://s.example/api/v1"
    assert resolved.api_key == LIVE
    assert resolved.read_only is True
    assert resolved.theme == "light"
    assert resolved.warnings == ()  # written 0600


def test_other_profiles_and_tables_survive(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'default_profile = "work"\ntheme = "dark"\n'
        f'[profiles.work]\napi_key = "{LIVE}"\nread_only = true\n'
        '[keymap]\n"table.mark" = "x"\n'
        "[settings]\npage_size = 20\n"
    )
    path.chmod(0o644)
    result = write_profile(path, "personal", api_key_command="pass show orbit")
    assert result.created_file is False and result.updated_profile is False
    assert result.default_profile == "work"  # not changed without make_default
    assert mode_of(path) == 0o600  # tightened
    data = tomllib.loads(path.read_text())
    assert data["profiles"]["work"] == {"api_key": LIVE, "read_only": True}
    assert data["profiles"]["personal"] == {"api_key_command": "pass show orbit"}
    assert data["keymap"] == {"table.mark": "x"}
    assert data["settings"] == {"page_size": 20}
    assert data["theme"] == "dark"
    assert data["default_profile"] == "work"


def test_make_default_switches_the_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_profile(path, "a", api_key_env="A")
    write_profile(path, "b", api_key_env="B", make_default=True)
    assert tomllib.loads(path.read_text())["default_profile"] == "b"


def test_updating_a_profile_replaces_its_key_source_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_profile(path, "a", api_key=LIVE, base_url="https://a.example/api/v1", theme="t")
    result = write_profile(path, "a", api_key_env="A_KEY")
    assert result.updated_profile is True
    profile = tomllib.loads(path.read_text())["profiles"]["a"]
    assert profile == {"api_key_env": "A_KEY", "base_url": "https://a.example/api/v1", "theme": "t"}


def test_refuses_two_key_sources(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="one of api_key"):
        write_profile(path, "a", api_key=LIVE, api_key_env="X")
    assert not path.exists()


def test_refuses_a_bad_profile_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile name"):
        write_profile(tmp_path / "c.toml", "my profile", api_key_env="X")


def test_refuses_a_profile_without_a_key_source(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="exactly one of"):
        write_profile(path, "a", base_url="https://a.example/api/v1")
    assert not path.exists()


def test_never_overwrites_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = "[profiles.work\napi_key = 'x'\n"
    path.write_text(original)
    with pytest.raises(ConfigError, match="line 1"):
        write_profile(path, "b", api_key_env="B")
    assert path.read_text() == original


def test_save_theme_per_profile_and_globally(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_profile(path, "a", api_key_env="A")
    save_theme(path, "solar", profile="a")
    save_theme(path, "night")
    data = tomllib.loads(path.read_text())
    assert data["profiles"]["a"]["theme"] == "solar"
    assert data["theme"] == "night"
    assert mode_of(path) == 0o600
    resolved = resolve(cli=CliOverrides(), env={"ORBIT_TUI_CONFIG": str(path), "A": LIVE})
    assert resolved.theme == "solar"
