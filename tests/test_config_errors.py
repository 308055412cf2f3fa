"""Every bad config file answers with one clear ConfigError: file, line or key, expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbit_tui.config import ConfigError, resolve

SECRET = "dv_live_sk_topsecrettopsecret42"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ORBIT_API_KEY", "ORBIT_BASE_URL", "ORBIT_PROFILE", "ORBIT_TUI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def error_for(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        resolve(env={"ORBIT_TUI_CONFIG": str(path)})
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert "Traceback" not in message
    return message


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'default_profile = "a"\n\n[profiles.a\napi_key = "x"\n')
    assert "line 3" in message
    assert "invalid TOML" in message


def test_syntax_error_missing_value_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[settings]\npage_size =\n")
    assert "line 2" in message


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'theme = "unterminated')
    assert "invalid TOML" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    message = error_for(tmp_path, b'theme = "ok"\ntheme2 = "\xff"\n')
    assert "line 2" in message and "UTF-8" in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'default_profil = "a"\n')
    assert "unknown key 'default_profil'" in message
    assert "did you mean 'default_profile'" in message
    assert "line 1" in message


def test_unknown_profile_key_lists_the_expected_keys(tmp_path: Path) -> None:
    message = error_for(tmp_path, f'[profiles.a]\napi_key = "{SECRET}"\nreadonly = true\n')
    assert "profiles.a.readonly" in message
    assert "read_only" in message
    assert "line 3" in message
    assert SECRET not in message


def test_unknown_settings_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[settings]\npagesize = 10\n")
    assert "settings.pagesize" in message and "page_size" in message


def test_wrong_type_bool(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[profiles.a]\napi_key_env = "K"\nread_only = "yes"\n')
    assert "profiles.a.read_only" in message
    assert "expected true or false" in message
    assert "line 3" in message


def test_wrong_type_int(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[settings]\npage_size = "fifty"\n')
    assert "settings.page_size" in message and "whole number" in message


def test_wrong_type_table(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'profiles = "work"\n')
    assert "profiles" in message and "table" in message


def test_out_of_range_setting(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[settings]\nbulk_concurrency = 0\n")
    assert "settings.bulk_concurrency" in message and "from 1 to 64" in message
    assert "line 2" in message


def test_wrong_type_of_api_key_never_echoes_the_value(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[profiles.a]\napi_key = 123456789987654321\n")
    assert "profiles.a.api_key" in message and "a string" in message
    assert "123456789987654321" not in message


def test_two_key_sources(tmp_path: Path) -> None:
    message = error_for(
        tmp_path, f'[profiles.a]\napi_key = "{SECRET}"\napi_key_env = "ORBIT_KEY"\n'
    )
    assert "profiles.a" in message
    assert "exactly one of api_key, api_key_env, api_key_command" in message
    assert "found: api_key, api_key_env" in message
    assert SECRET not in message


def test_no_key_source_in_a_profile(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[profiles.a]\nbase_url = "https://x.example/api/v1"\n')
    assert "found: none" in message


def test_bad_base_url(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[profiles.a]\napi_key_env = "K"\nbase_url = "orbit.example"\n')
    assert "profiles.a.base_url" in message and "http" in message


def test_default_profile_must_exist(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'default_profile = "prod"\n[profiles.a]\napi_key_env = "K"\n')
    assert '"prod"' in message and "defined profiles: a" in message
    assert "line 1: default_profile" in message


def test_keymap_value_must_be_a_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[keymap]\n"app.quit" = "ctrl q"\n')
    assert 'keymap."app.quit"' in message and "line 2" in message


def test_keymap_value_must_be_a_string(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[keymap]\n"app.quit" = 5\n')
    assert "keymap.app.quit" in message and "a string" in message


def test_several_problems_in_one_message(tmp_path: Path) -> None:
    message = error_for(tmp_path, "oops = 1\n[settings]\npage_size = true\n")
    assert "2 problems" in message
    assert "oops" in message and "settings.page_size" in message


def test_config_path_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="found a directory"):
        resolve(env={"ORBIT_TUI_CONFIG": str(folder)})
