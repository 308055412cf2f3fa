"""Themes in the running app: default, user themes, broken files, unknown names, :theme
remembered per profile, --theme, app variables in every theme."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Input
from conftest import AppFactory
from ui_helpers import loaded, wait_for

from orbit_tui.config import CliOverrides, resolve
from orbit_tui.config_write import write_profile
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.launch import theme_saver
from orbit_tui.ui.themes import APP_VARIABLES, DEFAULT_THEME


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("ORBIT_API_KEY", "ORBIT_BASE_URL", "ORBIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "conf" / "config.toml"
    return {"ORBIT_TUI_CONFIG": str(config), "HOME": str(tmp_path / "home")}


def messages(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_default_theme_user_theme_and_broken_file_notice(
    sandbox: SandboxServer, make_app: AppFactory, tmp_path: Path
) -> None:
    user = tmp_path / "themes"
    user.mkdir()
    (user / "sunny.toml").write_text('name = "sunny"\nprimary = "#ffcc00"\ndark = false\n')
    (user / "oops.toml").write_text('name = "oops"\nprimary = "blurple"\n')
    app = make_app(sandbox, themes_dir=user)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        assert app.theme == DEFAULT_THEME
        assert "sunny" in app.available_themes and "oops" not in app.available_themes
        assert any("oops.toml" in m and "primary" in m for m in messages(app))
        await pilot.press("colon", *"theme sunny", "enter")
        await pilot.pause()
        assert app.theme == "sunny"


async def test_unknown_theme_falls_back_to_the_default_with_a_notice(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox, theme_name="no-such-theme")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        assert app.theme == DEFAULT_THEME
        assert any("no-such-theme" in m and DEFAULT_THEME in m for m in messages(app))
        await pilot.press("colon", *"theme nope", "enter")
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        assert any("Unknown theme 'nope'" in m for m in messages(app))


@pytest.mark.parametrize("theme", ["ansi", "textual-light", "high-contrast"])
async def test_app_variables_exist_in_every_theme(
    sandbox: SandboxServer, make_app: AppFactory, theme: str
) -> None:
    app = make_app(sandbox, theme_name=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        assert app.theme == theme
        variables = app.get_css_variables()
        assert set(APP_VARIABLES) <= set(variables)


async def test_theme_command_is_remembered_in_the_profile_and_theme_flag_wins(
    sandbox: SandboxServer, make_app: AppFactory, env: dict[str, str]
) -> None:
    config = Path(env["ORBIT_TUI_CONFIG"])
    write_profile(config, "work", base_url=sandbox.base_url, api_key=sandbox.api_key)
    write_profile(config, "other", base_url=sandbox.base_url, api_key=sandbox.api_key)
    resolved = resolve(cli=CliOverrides(profile="work"), env=env)
    app = make_app(sandbox, theme_name=resolved.theme, on_theme_chosen=theme_saver(resolved))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("colon", *"theme orbit-light", "enter")
        await pilot.pause()
        assert app.theme == "orbit-light"
    saved = tomllib.loads(config.read_text())
    assert saved["profiles"]["work"]["theme"] == "orbit-light"
    assert "theme" not in saved["profiles"]["other"]
    assert resolve(cli=CliOverrides(profile="work"), env=env).theme == "orbit-light"
    assert resolve(cli=CliOverrides(profile="other"), env=env).theme is None
    flagged = resolve(cli=CliOverrides(profile="work", theme="ansi"), env=env)
    app = make_app(sandbox, theme_name=flagged.theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        assert app.theme == "ansi"


async def test_command_line_completes_commands_and_theme_names(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        await pilot.press("colon", *"seg")
        line = app.screen.query_one(Input)
        await wait_for(pilot, lambda: line._suggestion == "segments", what="a suggestion")
        await pilot.press("tab")
        assert line.value == "segments"
        await pilot.press("escape")
        await pilot.press("colon", *"theme orbit-l")
        line = app.screen.query_one(Input)
        await wait_for(pilot, lambda: line._suggestion == "theme orbit-light", what="theme")
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.theme == "orbit-light"


async def test_status_badge_follows_the_theme_and_keeps_its_words(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    from orbit_tui.ui.widgets.status_bar import StatusBar

    app = make_app(sandbox, theme_name="high-contrast")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app), what="first page")

        def badge() -> tuple[str, str]:
            rendered = app.screen.query_one(StatusBar).content
            span = rendered.spans[0]  # type: ignore[attr-defined]
            label = rendered.plain[span.start:span.end]  # type: ignore[attr-defined]
            return label, str(span.style.bgcolor.get_truecolor().hex)

        assert badge() == (" ◇ DEMO ", "#00ffff")
        await pilot.press("colon", *"theme orbit-light", "enter")
        await wait_for(pilot, lambda: badge()[1] == "#0087af", what="the light badge")
        assert badge()[0] == " ◇ DEMO "
