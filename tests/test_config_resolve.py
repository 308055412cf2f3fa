"""Precedence, key kinds, masking, key sources and warnings of orbit_tui.config.resolve."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from orbit_tui.config import (
    DEFAULT_BASE_URL,
    CliOverrides,
    ConfigError,
    key_kind,
    mask_key,
    resolve,
)

LIVE = "dv_live_sk_0123456789abcdef9f2c"
TEST = "dv_test_sk_fedcba98765432101a2b"
OTHER = "dv_live_sk_otherkeyotherkey7777"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a test see the real user's config, cache or data folders."""
    for name in ("ORBIT_API_KEY", "ORBIT_BASE_URL", "ORBIT_PROFILE", "ORBIT_TUI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def env_for(path: Path, **extra: str) -> dict[str, str]:
    return {"ORBIT_TUI_CONFIG": str(path), **extra}


TWO_PROFILES = f"""
default_profile = "work"

[profiles.work]
base_url = "https://work.example/api/v1"
api_key = "{LIVE}"
read_only = true
theme = "work-theme"

[profiles.staging]
base_url = "https://staging.example/api/v1/"
api_key_env = "STAGING_KEY"
theme = "staging-theme"
"""


# --- key kinds and masking -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (LIVE, "LIVE"),
        (TEST, "TEST"),
        ("dv_test_sk_demo_0000000000000000", "DEMO"),
        (None, "DEMO"),
        ("", "DEMO"),
        ("sk_something_else", "UNKNOWN"),
    ],
)
def test_key_kind(key: str | None, kind: str) -> None:
    assert key_kind(key) == kind


def test_mask_key_shows_prefix_and_last_four_only() -> None:
    assert mask_key(LIVE) == "dv_live_sk_…9f2c"
    assert mask_key(TEST) == "dv_test_sk_…1a2b"
    assert mask_key("abcdefghijklmnopqrstuvwxyz") == "…wxyz"


def test_mask_key_hides_short_keys_entirely() -> None:
    assert mask_key("dv_live_sk_abc") == "dv_live_sk_…"
    assert "abc" not in mask_key("dv_live_sk_abc")
    assert mask_key(None) == "(no key)"


# --- precedence ------------------------------------------------------------------------


def test_defaults_without_file_or_env_is_the_demo(tmp_path: Path) -> None:
    resolved = resolve(env=env_for(tmp_path / "missing.toml"))
    assert resolved.demo is True
    assert resolved.key_kind == "DEMO"
    assert resolved.api_key is None
    assert resolved.base_url == DEFAULT_BASE_URL
    assert resolved.profile_name is None
    assert resolved.read_only is False
    assert resolved.settings.page_size == 50
    assert resolved.config_exists is False


def test_file_default_profile_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(env=env_for(path))
    assert resolved.profile_name == "work"
    assert resolved.base_url == "https://work.example/api/v1"
    assert resolved.api_key == LIVE
    assert resolved.key_kind == "LIVE"
    assert resolved.demo is False
    assert resolved.read_only is True
    assert resolved.theme == "work-theme"
    assert resolved.sources["api_key"] == "profile 'work' (api_key)"


def test_env_profile_beats_file_default(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(env=env_for(path, ORBIT_PROFILE="staging", STAGING_KEY=TEST))
    assert resolved.profile_name == "staging"
    assert resolved.base_url == "https://staging.example/api/v1"
    assert resolved.api_key == TEST
    assert resolved.key_kind == "TEST"
    assert resolved.read_only is False
    assert resolved.sources["profile"] == "$ORBIT_PROFILE"


def test_cli_profile_beats_env_profile(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(
        cli=CliOverrides(profile="work"),
        env=env_for(path, ORBIT_PROFILE="staging", STAGING_KEY=TEST),
    )
    assert resolved.profile_name == "work"
    assert resolved.sources["profile"] == "--profile"


def test_env_key_and_url_beat_the_profile(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(
        env=env_for(path, ORBIT_API_KEY=OTHER, ORBIT_BASE_URL="https://env.example/api/v1")
    )
    assert resolved.profile_name == "work"
    assert resolved.api_key == OTHER
    assert resolved.base_url == "https://env.example/api/v1"
    assert resolved.sources["api_key"] == "$ORBIT_API_KEY"
    assert resolved.sources["base_url"] == "$ORBIT_BASE_URL"
    # the profile's own key was set aside: say so
    assert any("instead of the key of profile 'work'" in w for w in resolved.warnings)
    assert not any(OTHER in w or LIVE in w for w in resolved.warnings)


def test_cli_flags_beat_env_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(
        cli=CliOverrides(
            profile="staging",
            base_url="http://127.0.0.1:8765/api/v1",
            api_key_env="MY_KEY",
            read_only=True,
            theme="cli-theme",
        ),
        env=env_for(
            path,
            ORBIT_API_KEY=OTHER,
            ORBIT_BASE_URL="https://env.example/api/v1",
            ORBIT_PROFILE="work",
            MY_KEY=TEST,
            STAGING_KEY="dv_test_sk_notusednotused0000",
        ),
    )
    assert resolved.profile_name == "staging"
    assert resolved.base_url == "http://127.0.0.1:8765/api/v1"
    assert resolved.api_key == TEST
    assert resolved.read_only is True
    assert resolved.theme == "cli-theme"
    assert resolved.sources["base_url"] == "--base-url"
    assert resolved.sources["read_only"] == "--read-only"
    assert resolved.sources["theme"] == "--theme"


def test_env_key_without_any_file_connects_to_production(tmp_path: Path) -> None:
    resolved = resolve(env=env_for(tmp_path / "none.toml", ORBIT_API_KEY=LIVE))
    assert resolved.demo is False
    assert resolved.base_url == DEFAULT_BASE_URL
    assert resolved.key_kind == "LIVE"


def test_empty_env_values_count_as_unset(tmp_path: Path) -> None:
    resolved = resolve(env=env_for(tmp_path / "none.toml", ORBIT_API_KEY="  ", ORBIT_BASE_URL=""))
    assert resolved.demo is True
    assert resolved.base_url == DEFAULT_BASE_URL


def test_top_level_theme_applies_when_profile_has_none(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'theme = "global"\n[profiles.a]\napi_key = "{LIVE}"\n',
    )
    assert resolve(env=env_for(path)).theme == "global"  # no default profile: demo
    assert resolve(cli=CliOverrides(profile="a"), env=env_for(path)).theme == "global"


def test_settings_and_keymap_come_from_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[settings]\npage_size = 25\nread_timeout = 30\n'
        '[keymap]\n"contacts.mark" = "x"\n"contacts.search" = "/,ctrl+f"\n',
    )
    resolved = resolve(env=env_for(path))
    assert resolved.settings.page_size == 25
    assert resolved.settings.read_timeout == 30
    assert resolved.settings.cache_ttl == 300
    # characters become the key names Textual matches ("/" is "slash")
    assert resolved.keymap == {"contacts.mark": "x", "contacts.search": "slash,ctrl+f"}
    assert resolved.sources["settings.page_size"] == "config file"
    assert resolved.sources["settings.cache_ttl"] == "default"


def test_fresh_demo_flag_is_carried(tmp_path: Path) -> None:
    resolved = resolve(cli=CliOverrides(fresh_demo=True), env=env_for(tmp_path / "x.toml"))
    assert resolved.fresh_demo is True


def test_paths_follow_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    resolved = resolve(
        env=env_for(path, ORBIT_TUI_DATA_DIR=str(tmp_path / "d"), ORBIT_TUI_CACHE_DIR=str(tmp_path / "c"))
    )
    assert resolved.config_path == path
    assert resolved.themes_dir == tmp_path / "conf" / "themes"
    assert resolved.data_dir == tmp_path / "d"
    assert resolved.cache_dir == tmp_path / "c"
    assert resolved.jobs_db == tmp_path / "d" / "jobs.db"


# --- secrets ---------------------------------------------------------------------------


def test_repr_and_str_never_show_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    resolved = resolve(env=env_for(path))
    for text in (repr(resolved), str(resolved), f"{resolved}"):
        assert LIVE not in text
        assert "dv_live_sk_…9f2c" in text


# --- key sources -----------------------------------------------------------------------


def test_api_key_command_output_is_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'default_profile = "pm"\n[profiles.pm]\napi_key_command = "printf \'  {LIVE}\\\\n\'"\n',
    )
    resolved = resolve(env=env_for(path))
    assert resolved.api_key == LIVE
    assert resolved.sources["api_key"] == "profile 'pm' (api_key_command)"


def test_api_key_command_failure_is_a_clear_error_without_its_output(tmp_path: Path) -> None:
    secretish = "dv_live_sk_leakedleakedleaked00"
    path = write(
        tmp_path,
        "default_profile = \"pm\"\n[profiles.pm]\n"
        f"api_key_command = \"echo {secretish}; echo {secretish} >&2; exit 3\"\n",
    )
    with pytest.raises(ConfigError) as caught:
        resolve(env=env_for(path))
    message = str(caught.value)
    assert "profiles.pm.api_key_command" in message
    assert "status 3" in message
    assert secretish not in message


def test_api_key_command_with_empty_output_fails(tmp_path: Path) -> None:
    path = write(tmp_path, 'default_profile = "pm"\n[profiles.pm]\napi_key_command = "true"\n')
    with pytest.raises(ConfigError, match="exactly one API key"):
        resolve(env=env_for(path))


def test_api_key_command_is_not_run_when_a_higher_layer_gives_the_key(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path,
        f'default_profile = "pm"\n[profiles.pm]\napi_key_command = "touch {marker}; echo k"\n',
    )
    resolved = resolve(env=env_for(path, ORBIT_API_KEY=LIVE))
    assert resolved.api_key == LIVE
    assert not marker.exists()


def test_profile_api_key_env_unset_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    with pytest.raises(ConfigError, match="STAGING_KEY is not set"):
        resolve(cli=CliOverrides(profile="staging"), env=env_for(path))


def test_cli_api_key_env_unset_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--api-key-env NOPE"):
        resolve(cli=CliOverrides(api_key_env="NOPE"), env=env_for(tmp_path / "x.toml"))


def test_unknown_profile_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    with pytest.raises(ConfigError) as caught:
        resolve(env=env_for(path, ORBIT_PROFILE="prod"))
    message = str(caught.value)
    assert "'prod'" in message and "staging, work" in message and "$ORBIT_PROFILE" in message


def test_bad_base_url_from_env_names_its_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\$ORBIT_BASE_URL: expected an http"):
        resolve(env=env_for(tmp_path / "x.toml", ORBIT_API_KEY=LIVE, ORBIT_BASE_URL="ftp://x"))


# --- warnings --------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_world_readable_file_warns_but_works(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES, mode=0o644)
    resolved = resolve(env=env_for(path))
    assert resolved.api_key == LIVE
    assert any("chmod 600" in w and str(path) in w for w in resolved.warnings)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_private_file_draws_no_warning(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES, mode=0o600)
    assert resolve(env=env_for(path)).warnings == ()


def test_demo_with_a_configured_base_url_warns(tmp_path: Path) -> None:
    resolved = resolve(env=env_for(tmp_path / "x.toml", ORBIT_BASE_URL="https://e.example/api/v1"))
    assert resolved.demo is True
    assert any("demo" in w for w in resolved.warnings)


def test_plain_http_to_a_remote_host_with_a_key_warns(tmp_path: Path) -> None:
    resolved = resolve(
        env=env_for(tmp_path / "x.toml", ORBIT_API_KEY=LIVE, ORBIT_BASE_URL="http://e.example/api/v1")
    )
    assert any("unencrypted" in w for w in resolved.warnings)
    local = resolve(
        env=env_for(tmp_path / "x.toml", ORBIT_API_KEY=LIVE, ORBIT_BASE_URL="http://127.0.0.1:1/api/v1")
    )
    assert local.warnings == ()
