"""Writing the config file: add or update one profile, remember a theme.

The file is read, changed in memory, validated, and written back with tomli-w through a
temporary file and an atomic rename, with mode 0600 (it may hold API keys). Other
profiles and tables are kept as they were; comments are not (tomli-w cannot keep them).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from orbit_tui.private_files import private_dir
from orbit_tui.config_schema import (
    KEY_SOURCES,
    ConfigError,
    check_base_url,
    read_toml_text,
    validate_config,
)

PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class WriteResult:
    path: Path
    profile: str
    created_file: bool
    updated_profile: bool
    default_profile: str | None


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME_RE.fullmatch(name):
        raise ConfigError(
            f"profile name {name!r}: expected 1-64 letters, digits, '-' or '_'"
        )
    return name


def write_profile(
    path: Path,
    name: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    api_key_env: str | None = None,
    api_key_command: str | None = None,
    read_only: bool | None = None,
    theme: str | None = None,
    make_default: bool = False,
) -> WriteResult:
    """Add profile ``name`` or update the fields given; other content is kept.

    The profile becomes the default when ``make_default`` is true or when the file names
    no default yet. Giving one key source replaces whichever the profile had before.
    """
    check_profile_name(name)
    given = {
        key: value
        for key, value in (
            ("api_key", api_key),
            ("api_key_env", api_key_env),
            ("api_key_command", api_key_command),
        )
        if value is not None
    }
    if len(given) > 1:
        raise ConfigError(
            f"profile {name!r}: expected one of api_key, api_key_env, api_key_command, "
            f"got {len(given)}"
        )
    raw, existed = _read(path)
    profiles = raw.setdefault("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: profiles: expected a table")
    profile = profiles.get(name)
    updated = isinstance(profile, dict)
    table: dict[str, Any] = dict(profile) if isinstance(profile, dict) else {}
    if base_url is not None:
        try:
            table["base_url"] = check_base_url(base_url)
        except ValueError as exc:
            raise ConfigError(f"base URL: {exc}") from None
    if given:
        for key in KEY_SOURCES:
            table.pop(key, None)
        table.update(given)
    if read_only is not None:
        table["read_only"] = read_only
    if theme is not None:
        table["theme"] = theme
    profiles[name] = table
    if make_default or not raw.get("default_profile"):
        raw["default_profile"] = name
    _ordered = _order(raw)
    validate_config(_ordered, path)
    write_atomic(path, _ordered)
    return WriteResult(
        path=path,
        profile=name,
        created_file=not existed,
        updated_profile=updated,
        default_profile=_ordered.get("default_profile"),
    )


def save_theme(path: Path, theme: str, profile: str | None = None) -> None:
    """Remember a theme choice: in the profile when one is in use, else at the top level."""
    raw, _ = _read(path)
    if profile is not None:
        profiles = raw.get("profiles")
        if not isinstance(profiles, dict) or not isinstance(profiles.get(profile), dict):
            raise ConfigError(f"{path}: profile {profile!r} is not defined")
        profiles[profile]["theme"] = theme
    else:
        raw["theme"] = theme
    ordered = _order(raw)
    validate_config(ordered, path)
    write_atomic(path, ordered)


def _read(path: Path) -> tuple[dict[str, Any], bool]:
    if not path.exists():
        return {}, False
    raw, text = read_toml_text(path)  # a regular file only, size-capped
    # Refuse to rewrite a file that is already invalid: the user should see and fix it.
    validate_config(raw, path, text)
    return raw, True


def _order(raw: dict[str, Any]) -> dict[str, Any]:
    """Plain keys first, then tables in a stable, readable order."""
    first = [k for k in ("default_profile", "theme") if k in raw]
    tables = [k for k in ("profiles", "keymap", "settings") if k in raw]
    rest = [k for k in raw if k not in first and k not in tables]
    return {k: raw[k] for k in [*first, *rest, *tables]}


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write TOML with mode 0600 via a temporary file in the same folder.

    A symlinked config file is written through: the temporary file goes beside the
    link's TARGET and is renamed onto it, so the link stays a link (a dotfiles setup)."""
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    private_dir(path.parent, tighten_existing=False)  # 0700 when made here
    text = tomli_w.dumps(data)
    fd, tmp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    os.chmod(path, 0o600)
