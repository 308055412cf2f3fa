"""The config file's shape, and reading it with errors a person can act on.

The file is TOML::

    default_profile = "work"
    theme = "nord"                  # optional: theme when a profile names none

    [profiles.work]
    base_url = "https://orbit-api.devotel.io/api/v1"
    api_key_command = "pass show orbit/work"   # or api_key_env = "VAR", or api_key = "..."
    read_only = false
    theme = "textual-light"

    [keymap]
    "table.mark" = "x"

    [settings]
    page_size = 50

Every problem becomes one :class:`ConfigError` whose message names the file, the line
(TOML syntax errors, and keys where the line can be found) or the key path, and what was
expected. A secret value is never quoted back.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from orbit_tui.safe_read import NotReadable, read_small_file

KEY_SOURCES = ("api_key", "api_key_env", "api_key_command")
_SECRET_KEYS = frozenset({"api_key"})


class ConfigError(Exception):
    """A configuration problem, explained in one message (never containing a secret)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Settings(_Strict):
    """App settings from ``[settings]``; every one has a default."""

    page_size: int = 50
    cache_ttl: int = 300
    cache_max_mb: int = 200
    bulk_concurrency: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    request_deadline: float = 60.0
    max_retries: int = 3
    search_debounce_ms: int = 200
    demo_contacts: int = 3000

    @model_validator(mode="after")
    def _ranges(self) -> Settings:
        checks: list[tuple[str, float, float, float]] = [
            ("page_size", self.page_size, 1, 100),
            ("cache_ttl", self.cache_ttl, 0, 7 * 24 * 3600),
            ("cache_max_mb", self.cache_max_mb, 1, 100_000),
            ("bulk_concurrency", self.bulk_concurrency, 1, 64),
            ("connect_timeout", self.connect_timeout, 0.1, 600),
            ("read_timeout", self.read_timeout, 0.1, 600),
            ("request_deadline", self.request_deadline, 1, 3600),
            ("max_retries", self.max_retries, 0, 10),
            ("search_debounce_ms", self.search_debounce_ms, 0, 5000),
            ("demo_contacts", self.demo_contacts, 0, 2_000_000),
        ]
        for name, value, low, high in checks:
            if not low <= value <= high:
                raise PydanticCustomError(
                    "out_of_range",
                    "{name}: expected a number from {low} to {high}, got {value}",
                    {"name": name, "low": _num(low), "high": _num(high), "value": value},
                )
        return self


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Profile(_Strict):
    """One ``[profiles.NAME]`` table."""

    base_url: str | None = None
    api_key: str | None = None
    api_key_env: str | None = None
    api_key_command: str | None = None
    read_only: bool = False
    theme: str | None = None

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_base_url(value)

    @field_validator("api_key", "api_key_env", "api_key_command", "theme")
    @classmethod
    def _non_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise PydanticCustomError("empty", "expected a non-empty string")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> Profile:
        given = [name for name in KEY_SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise PydanticCustomError(
                "key_sources",
                "expected exactly one of api_key, api_key_env, api_key_command (found: {found})",
                {"found": found},
            )
        return self

    @property
    def key_source(self) -> str:
        """Which of :data:`KEY_SOURCES` this profile uses."""
        return next(name for name in KEY_SOURCES if getattr(self, name) is not None)


class ConfigFile(_Strict):
    """The whole file."""

    default_profile: str | None = None
    theme: str | None = None
    profiles: dict[str, Profile] = {}
    keymap: dict[str, str] = {}
    settings: Settings = Settings()

    @field_validator("keymap")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for binding, key in value.items():
            if not key.strip() or (len(key) > 1 and any(ch.isspace() for ch in key)):
                raise PydanticCustomError(
                    "bad_key",
                    "{binding}: expected a key such as \"x\", \"ctrl+t\" or \"f5\", got \"{key}\"",
                    {"binding": binding, "key": key},
                )
        return value

    @model_validator(mode="after")
    def _default_exists(self) -> ConfigFile:
        if self.default_profile is not None and self.default_profile not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise PydanticCustomError(
                "unknown_profile",
                "names \"{name}\" but there is no [profiles.{name}] table "
                "(defined profiles: {known})",
                {"name": self.default_profile, "known": known},
            )
        return self


def check_base_url(value: str) -> str:
    """Return the URL without a trailing slash, or raise ValueError saying what is expected."""
    url = value.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ValueError(
            f"expected an http:// or https:// URL such as "
            f"https://orbit-api.devotel.io/api/v1, got {value!r}"
        )
    return url


@dataclass
class LoadedFile:
    """A parsed config file, with the raw table (for writers) and warnings."""

    path: Path
    exists: bool
    config: ConfigFile
    raw: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def permission_warning(path: Path) -> str | None:
    """A warning when the file is readable or writable by group or others."""
    if os.name != "posix":
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"{path} can be read by other users (mode {mode:04o}); it may hold API keys. "
            f"Fix it with: chmod 600 {path}"
        )
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors become a ConfigError naming the line."""
    return read_toml_text(path)[0]


def read_toml_text(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed file and its text. Only a regular file of at most 1 MiB is read (a
    FIFO, a device or a directory is refused before it is opened)."""
    try:
        data = read_small_file(path)
    except NotReadable as exc:
        raise ConfigError(f"{path}: cannot use this config file: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line}: expected UTF-8 text (TOML files must be UTF-8)"
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_message(path, str(exc))) from None


def _syntax_message(path: Path, message: str) -> str:
    where = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if where:
        detail = message[: where.start()]
        return (
            f"{path}: line {where.group(1)}, column {where.group(2)}: "
            f"invalid TOML: {detail}"
        )
    end = re.search(r"\s*\(at end of document\)\s*$", message)
    if end:
        return f"{path}: at the end of the file: invalid TOML: {message[: end.start()]}"
    return f"{path}: invalid TOML: {message}"


def load_config_file(path: Path) -> LoadedFile:
    """Read and validate the config file; a missing file means all defaults."""
    if not path.exists():
        return LoadedFile(path=path, exists=False, config=ConfigFile())
    raw, text = read_toml_text(path)
    config = validate_config(raw, path, text)
    warnings = [w for w in [permission_warning(path)] if w]
    return LoadedFile(path=path, exists=True, config=config, raw=raw, warnings=warnings)


def validate_config(raw: dict[str, Any], path: Path, text: str = "") -> ConfigFile:
    """Validate a parsed table; every problem goes into one ConfigError."""
    try:
        return ConfigFile.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(err, text) for err in exc.errors()]
        if len(problems) == 1:
            raise ConfigError(f"{path}: {problems[0]}") from None
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} problems:\n{listed}") from None


_TYPE_WORDS = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    dict: "a table",
    list: "an array",
}

_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def _describe(err: Any, text: str) -> str:
    loc = tuple(str(part) for part in err["loc"])
    kind = err["type"]
    key_path = ".".join(loc) if loc else "(top level)"
    line = _find_line(text, loc) if text else None
    where = f"line {line}: " if line else ""
    secret = any(part in _SECRET_KEYS for part in loc)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = ""
        close = difflib.get_close_matches(loc[-1], allowed, n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
        return (
            f"{where}unknown key {key_path!r}{hint}; expected one of: {', '.join(allowed)}"
        )
    if kind in _EXPECTED:
        got = "" if secret else f", got {_show(err.get('input'))}"
        return f"{where}{key_path}: expected {_EXPECTED[kind]}{got}"
    message = str(err.get("msg", "invalid value"))
    message = re.sub(r"^(Value error|Assertion failed), ", "", message)
    message = message.replace("Input should be ", "expected ")
    if kind == "out_of_range":
        ctx = err.get("ctx") or {}
        key_path = ".".join([*loc, str(ctx.get("name", ""))]).strip(".")
        line = _find_line(text, (*loc, str(ctx.get("name", "")))) if text else None
        where = f"line {line}: " if line else ""
        message = message.split(": ", 1)[-1]
    elif kind == "unknown_profile":
        key_path = "default_profile"
        line = _find_line(text, ("default_profile",)) if text else None
        where = f"line {line}: " if line else ""
    elif kind == "bad_key":
        ctx = err.get("ctx") or {}
        binding = str(ctx.get("binding", ""))
        key_path = f'{key_path}."{binding}"'
        line = _find_line(text, (*loc, binding)) if text else None
        where = f"line {line}: " if line else ""
        message = message.split(": ", 1)[-1]
    return f"{where}{key_path}: {message}"


def _show(value: Any) -> str:
    word = _TYPE_WORDS.get(type(value), type(value).__name__)
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({word})"


def _allowed_keys(parent: tuple[str, ...]) -> list[str]:
    model: type[BaseModel] = ConfigFile
    if parent[:1] == ("profiles",) and len(parent) == 2:
        model = Profile
    elif parent == ("settings",):
        model = Settings
    return list(model.model_fields)


def _find_line(text: str, loc: tuple[str, ...]) -> int | None:
    """Best-effort line number of a key path (plain ``[table]`` / ``key =`` layouts)."""
    if not loc:
        return None
    table, key = loc[:-1], loc[-1]
    lines = text.splitlines()
    current: tuple[str, ...] = ()
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]\s*(#.*)?", line)
        if header:
            current = tuple(p.strip().strip("\"'") for p in header.group(1).split("."))
            if current == loc:
                return number
            continue
        match = re.match(r"""^("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""", line)
        if match and current == table and match.group(1).strip("\"'") == key:
            return number
    return None
