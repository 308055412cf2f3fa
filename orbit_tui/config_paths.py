"""Where orbit-tui keeps its files.

Every function takes an optional ``env`` mapping (default: ``os.environ``) so tests and
embedding code can redirect everything without touching the real user directories.

- ``ORBIT_TUI_CONFIG`` overrides the config file path; the themes folder sits beside it.
- ``ORBIT_TUI_CACHE_DIR`` and ``ORBIT_TUI_DATA_DIR`` override the cache and data folders.
- Otherwise platformdirs decides (on Linux it honours ``XDG_CONFIG_HOME`` and friends).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "orbit-tui"

CONFIG_ENV = "ORBIT_TUI_CONFIG"
CACHE_DIR_ENV = "ORBIT_TUI_CACHE_DIR"
DATA_DIR_ENV = "ORBIT_TUI_DATA_DIR"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def config_file(env: Mapping[str, str] | None = None) -> Path:
    """The config file: ``$ORBIT_TUI_CONFIG`` or ``<user config dir>/config.toml``."""
    override = _env(env).get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def themes_dir(env: Mapping[str, str] | None = None) -> Path:
    """User themes live in a ``themes`` folder beside the config file."""
    return config_file(env).parent / "themes"


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The page cache folder (``$ORBIT_TUI_CACHE_DIR`` or the platform cache dir)."""
    override = _env(env).get(CACHE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Persistent data: the demo database and the bulk-job journal."""
    override = _env(env).get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def jobs_db(env: Mapping[str, str] | None = None) -> Path:
    """The bulk-job journal (SQLite)."""
    return data_dir(env) / "jobs.db"


def demo_db(env: Mapping[str, str] | None = None) -> Path:
    """The demo sandbox database; it persists between runs."""
    return data_dir(env) / "demo.db"


def sandbox_db(env: Mapping[str, str] | None = None) -> Path:
    """Default database of ``orbit-tui sandbox serve`` (kept apart from the demo's)."""
    return data_dir(env) / "sandbox.db"


def shipped_themes_dir() -> Path:
    """Themes that come with orbit-tui: ``orbit_tui/_themes`` in an installed wheel,
    the repository's ``themes/`` folder when running from a checkout (or editable install)."""
    package = Path(__file__).resolve().parent
    installed = package / "_themes"
    if installed.is_dir():
        return installed
    return package.parent / "themes"
