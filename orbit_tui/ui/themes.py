"""Themes: TOML files (shipped ones, then the user's) turned into Textual ``Theme`` objects.

A theme file is a table of Textual ``Theme`` fields plus ``[variables]``; orbit-tui's own
variables (:data:`APP_VARIABLES`: status badges, activity events, the marked row) are
given defaults by the app (``OrbitApp.get_theme_variable_defaults``) so every theme,
Textual's built-in ones included, can be used with the app's CSS (``$badge-live``…).

Files are read from the shipped folder first and then from the user's themes folder
(beside the config), so a user theme with a shipped theme's name replaces it. A file that
does not parse or validate is reported (by file name, with the reason) and skipped; it
never stops the app. ``NO_COLOR`` is honoured by Textual itself; the app never relies on
colour alone (badges and marks carry symbols and words).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from orbit_tui.safe_read import NotReadable, read_small_file

DEFAULT_THEME = "orbit-dark"

APP_VARIABLES: dict[str, str] = {
    "badge-live": "#d70000",
    "badge-live-text": "#ffffff",
    "badge-test": "#ffd700",
    "badge-test-text": "#000000",
    "badge-demo": "#5fd7ff",
    "badge-demo-text": "#000000",
    "marked-row": "#ffb347",
    "event-sent": "#5fafff",
    "event-delivered": "#4ec9a0",
    "event-opened": "#af87ff",
    "event-failed": "#ff5f5f",
    "event-received": "#ffd75f",
    "event-note": "#a8b3c2",
    "event-call": "#5fd7d7",
}
"""orbit-tui's own theme variables and their defaults (those of orbit-dark)."""

_COLOUR_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)


def _check_colour(value: str, what: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{what}: {value!r} is not a colour (#rrggbb, a name, ansi_red…)") from None
    return value


class ThemeFile(BaseModel):
    """One theme file, as written (validated before it becomes a Textual ``Theme``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    primary: str
    secondary: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    ansi: bool = False
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator(*_COLOUR_FIELDS)
    @classmethod
    def _colour(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _check_colour(value, info.field_name)

    @field_validator("variables")
    @classmethod
    def _app_colours(cls, value: dict[str, str]) -> dict[str, str]:
        for name, colour in value.items():
            if name in APP_VARIABLES:
                _check_colour(colour, f"variables.{name}")
        return value

    def to_theme(self) -> Theme:
        fields = self.model_dump(exclude={"variables"})
        return Theme(**fields, variables=dict(self.variables))


@dataclass(frozen=True)
class ThemeProblem:
    """A theme file that was skipped, and why."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"Theme file {self.path.name} skipped: {self.message}"


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "file"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def read_theme_file(path: Path) -> Theme:
    """One theme file as a ``Theme``; raises ``ValueError`` saying what is wrong."""
    try:  # a regular file only (a FIFO would hang, /dev/zero never end), size-capped
        raw = tomllib.loads(read_small_file(path).decode("utf-8"))
    except NotReadable as error:
        raise ValueError(str(error)) from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML ({error})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot be read ({error.__class__.__name__})") from None
    try:
        return ThemeFile.model_validate(raw).to_theme()
    except ValidationError as error:
        raise ValueError(_explain(error)) from None


def load_themes(folders: Iterable[Path]) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every ``*.toml`` theme in ``folders`` (later folders win), and the files skipped."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme_file(path)
            except ValueError as error:
                problems.append(ThemeProblem(path, str(error)))
                continue
            themes[theme.name] = theme
    return themes, problems


def theme_folders(user_dir: Path | None) -> list[Path]:
    """The shipped themes folder, then the user's (when given)."""
    from orbit_tui.config_paths import shipped_themes_dir

    folders = [shipped_themes_dir()]
    if user_dir is not None:
        folders.append(user_dir)
    return folders


def install_themes(app: Any, user_dir: Path | None) -> list[str]:
    """Register shipped and user themes with ``app`` and select the default one.

    Returns notices for the user (broken files). Textual's own themes stay available.
    """
    themes, problems = load_themes(theme_folders(user_dir))
    for theme in themes.values():
        app.register_theme(theme)
    if DEFAULT_THEME in themes:
        app.theme = DEFAULT_THEME
    return [str(problem) for problem in problems]


def variable_defaults(base: Mapping[str, str]) -> dict[str, str]:
    """Textual's defaults plus orbit-tui's own variables."""
    return {**base, **APP_VARIABLES}


def badge_styles(variables: Mapping[str, str]) -> dict[str, Any]:
    """Rich styles of the LIVE/TEST/DEMO badges from the theme's ``badge-*`` variables."""
    from rich.style import Style

    styles: dict[str, Any] = {}
    for kind in ("LIVE", "TEST", "DEMO"):
        background = variables.get(f"badge-{kind.lower()}")
        text = variables.get(f"badge-{kind.lower()}-text")
        try:
            styles[kind] = Style(
                bold=True,
                color=Color.parse(text).rich_color if text else None,
                bgcolor=Color.parse(background).rich_color if background else None,
            )
        except ColorParseError:
            continue
    return styles
