"""Theme files: shipped ones valid, broken ones reported by name and skipped, user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbit_tui.config_paths import shipped_themes_dir
from orbit_tui.ui.themes import APP_VARIABLES, DEFAULT_THEME, load_themes, read_theme_file

GOOD = """
name = "mine"
primary = "#336699"
background = "#000000"
[variables]
badge-live = "#ff0000"
"""


def test_shipped_themes_load_and_define_every_app_variable() -> None:
    themes, problems = load_themes([shipped_themes_dir()])
    assert problems == []
    assert {"orbit-dark", "orbit-light", "high-contrast", "ansi"} <= set(themes)
    assert DEFAULT_THEME in themes
    assert themes["orbit-light"].dark is False
    for theme in themes.values():
        assert set(APP_VARIABLES) <= set(theme.variables), theme.name


def test_the_ansi_theme_uses_only_terminal_colours() -> None:
    theme = read_theme_file(shipped_themes_dir() / "ansi.toml")
    assert theme.ansi is True
    colours = [theme.primary, theme.secondary, theme.accent, theme.warning, theme.error,
               theme.success, theme.foreground, theme.background, theme.surface, theme.panel]
    colours += [theme.variables[name] for name in APP_VARIABLES]
    assert all(str(c).startswith("ansi_") for c in colours), colours
    assert theme.background == "ansi_default"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('name = "x"\nprimary = "#12345"\n', "primary"),
        ('name = "x"\nprimary = "#123456"\n[variables]\nbadge-live = "reddish"\n', "badge-live"),
        ('name = "x"\n', "primary"),
        ('primary = "#123456"\n', "name"),
        ('name = "x"\nprimary = "#123456"\nsparkle = true\n', "sparkle"),
        ('name = "x\nprimary = 1', "not valid TOML"),
        ('name = "Bad Name"\nprimary = "#123456"\n', "name"),
    ],
)
def test_a_broken_file_is_reported_by_name_and_skipped(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.toml").write_text(content, encoding="utf-8")
    themes, problems = load_themes([tmp_path])
    assert list(themes) == ["mine"]
    assert len(problems) == 1
    message = str(problems[0])
    assert "broken.toml" in message and expected in message
    assert str(tmp_path) not in message  # the name, not the full path


def test_a_user_theme_replaces_a_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "dark.toml").write_text(
        'name = "orbit-dark"\nprimary = "#abcdef"\n', encoding="utf-8"
    )
    themes, problems = load_themes([shipped_themes_dir(), tmp_path])
    assert problems == []
    assert themes["orbit-dark"].primary == "#abcdef"
    assert "orbit-light" in themes


def test_missing_folders_are_fine(tmp_path: Path) -> None:
    themes, problems = load_themes([tmp_path / "nowhere"])
    assert themes == {} and problems == []
