"""Settings and profiles: what orbit-tui connects to, with which key, and how it behaves.

Precedence, highest first: command-line flags (:class:`CliOverrides`), the environment
(``ORBIT_API_KEY``, ``ORBIT_BASE_URL``, ``ORBIT_PROFILE``), the config file (see
:mod:`orbit_tui.config_schema` for its shape), defaults. With no API key from any source
the result is the demo (``resolved.demo``; the UI starts the embedded sandbox).

The API key is only ever held in :attr:`ResolvedConfig.api_key`; reprs, messages and
:func:`mask_key` never show it whole.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orbit_tui.config_paths import (
    cache_dir,
    config_file,
    data_dir,
    demo_db,
    jobs_db,
    sandbox_db,
    themes_dir,
)
from orbit_tui.config_schema import (
    ConfigError,
    ConfigFile,
    LoadedFile,
    Profile,
    Settings,
    check_base_url,
    load_config_file,
)
from orbit_tui.keymap import textual_keys
from orbit_tui.policy import KEY_PREFIXES, KeyKind, key_kind

__all__ = [
    "DEFAULT_BASE_URL",
    "CliOverrides",
    "ConfigError",
    "ConfigFile",
    "KeyKind",
    "Profile",
    "ResolvedConfig",
    "Settings",
    "cache_dir",
    "config_file",
    "data_dir",
    "demo_db",
    "jobs_db",
    "key_kind",
    "mask_key",
    "resolve",
    "sandbox_db",
    "themes_dir",
]

DEFAULT_BASE_URL = "https://orbit-api.devotel.io/api/v1"
API_KEY_COMMAND_TIMEOUT = 60.0


ENV_API_KEY = "ORBIT_API_KEY"
ENV_BASE_URL = "ORBIT_BASE_URL"
ENV_PROFILE = "ORBIT_PROFILE"


def mask_key(key: str | None) -> str:
    """Show a key's kind prefix and last four characters: ``dv_live_sk_…9f2c``."""
    if not key:
        return "(no key)"
    prefix = ""
    for candidate in KEY_PREFIXES:
        if key.startswith(candidate):
            prefix = candidate
            break
    rest = key[len(prefix) :]
    if len(rest) < 12:
        return f"{prefix}…"
    return f"{prefix}…{rest[-4:]}"


@dataclass(frozen=True)
class CliOverrides:
    """Values given on the command line (None / False = not given)."""

    profile: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    read_only: bool = False
    theme: str | None = None
    fresh_demo: bool = False


@dataclass(frozen=True, repr=False)
class ResolvedConfig:
    """The effective configuration. ``sources`` says where each value came from."""

    profile_name: str | None
    base_url: str
    api_key: str | None = field(repr=False)
    key_kind: KeyKind
    read_only: bool
    theme: str | None
    settings: Settings
    keymap: dict[str, str]
    demo: bool
    config_path: Path
    config_exists: bool = False
    fresh_demo: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    themes_dir: Path = field(default_factory=themes_dir)
    cache_dir: Path = field(default_factory=cache_dir)
    data_dir: Path = field(default_factory=data_dir)
    jobs_db: Path = field(default_factory=jobs_db)

    @property
    def masked_key(self) -> str:
        return mask_key(self.api_key)

    def __repr__(self) -> str:
        return (
            f"ResolvedConfig(profile_name={self.profile_name!r}, base_url={self.base_url!r}, "
            f"api_key={self.masked_key!r}, key_kind={self.key_kind!r}, "
            f"read_only={self.read_only!r}, theme={self.theme!r}, demo={self.demo!r}, "
            f"config_path={str(self.config_path)!r})"
        )

    __str__ = __repr__


def resolve(
    *, cli: CliOverrides | None = None, env: Mapping[str, str] | None = None
) -> ResolvedConfig:
    """Merge flags, environment, config file and defaults; raise ConfigError on any problem."""
    cli = cli or CliOverrides()
    env = os.environ if env is None else env
    path = config_file(env)
    loaded = load_config_file(path)
    cfg = loaded.config
    sources: dict[str, str] = {}
    warnings = list(loaded.warnings)

    profile_name, profile = _pick_profile(cli, env, loaded, sources)

    base_url, sources["base_url"] = DEFAULT_BASE_URL, "default"
    for value, source in (
        (cli.base_url, "--base-url"),
        (_env_value(env, ENV_BASE_URL), f"${ENV_BASE_URL}"),
        (profile.base_url if profile else None, f"profile {profile_name!r}"),
    ):
        if value:
            try:
                base_url = check_base_url(value)
            except ValueError as exc:
                raise ConfigError(f"{source}: {exc}") from None
            sources["base_url"] = source
            break

    api_key, key_source = _pick_key(cli, env, profile_name, profile)
    sources["api_key"] = key_source
    if profile is not None and key_source == f"${ENV_API_KEY}":
        warnings.append(
            f"${ENV_API_KEY} is set, so it is used instead of the key of profile "
            f"{profile_name!r} (unset it to use the profile's own key)."
        )

    read_only, sources["read_only"] = False, "default"
    if cli.read_only:
        read_only, sources["read_only"] = True, "--read-only"
    elif profile is not None and "read_only" in profile.model_fields_set:
        read_only, sources["read_only"] = profile.read_only, f"profile {profile_name!r}"

    theme, sources["theme"] = None, "default"
    if cli.theme:
        theme, sources["theme"] = cli.theme, "--theme"
    elif profile is not None and profile.theme:
        theme, sources["theme"] = profile.theme, f"profile {profile_name!r}"
    elif cfg.theme:
        theme, sources["theme"] = cfg.theme, "config file"

    for name in Settings.model_fields:
        sources[f"settings.{name}"] = (
            "config file" if name in cfg.settings.model_fields_set else "default"
        )

    demo = api_key is None
    kind = key_kind(api_key)
    if demo and sources["base_url"] != "default":
        warnings.append(
            f"No API key from any source, so the demo starts; the base URL from "
            f"{sources['base_url']} is not used. Set {ENV_API_KEY} or run "
            f"`orbit-tui config init` to connect to it."
        )
    if not demo and base_url.startswith("http://") and not _is_loopback(base_url):
        warnings.append(
            f"{base_url} is plain http: the API key would cross the network unencrypted."
        )
    return ResolvedConfig(
        profile_name=profile_name,
        base_url=base_url,
        api_key=api_key,
        key_kind=kind,
        read_only=read_only,
        theme=theme,
        settings=cfg.settings,
        keymap={binding: textual_keys(keys) for binding, keys in cfg.keymap.items()},
        demo=demo,
        config_path=path,
        config_exists=loaded.exists,
        fresh_demo=cli.fresh_demo,
        sources=sources,
        warnings=tuple(warnings),
        themes_dir=themes_dir(env),
        cache_dir=cache_dir(env),
        data_dir=data_dir(env),
        jobs_db=jobs_db(env),
    )


def _env_value(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _is_loopback(url: str) -> bool:
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    return host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")


def _pick_profile(
    cli: CliOverrides,
    env: Mapping[str, str],
    loaded: LoadedFile,
    sources: dict[str, str],
) -> tuple[str | None, Profile | None]:
    cfg = loaded.config
    for name, source in (
        (cli.profile, "--profile"),
        (_env_value(env, ENV_PROFILE), f"${ENV_PROFILE}"),
        (cfg.default_profile, "default_profile in the config file"),
    ):
        if name:
            if name not in cfg.profiles:
                known = ", ".join(sorted(cfg.profiles)) or "none"
                where = str(loaded.path) if loaded.exists else f"{loaded.path} (does not exist)"
                raise ConfigError(
                    f"{source}: profile {name!r} is not defined in {where}; "
                    f"defined profiles: {known}. Create it with "
                    f"`orbit-tui config init --name {name}`."
                )
            sources["profile"] = source
            return name, cfg.profiles[name]
    sources["profile"] = "none"
    return None, None


def _pick_key(
    cli: CliOverrides,
    env: Mapping[str, str],
    profile_name: str | None,
    profile: Profile | None,
) -> tuple[str | None, str]:
    if cli.api_key_env:
        value = _env_value(env, cli.api_key_env)
        if value is None:
            raise ConfigError(
                f"--api-key-env {cli.api_key_env}: the environment variable "
                f"{cli.api_key_env} is not set or is empty; expected it to hold the API key"
            )
        return value, f"--api-key-env (${cli.api_key_env})"
    value = _env_value(env, ENV_API_KEY)
    if value is not None:
        return value, f"${ENV_API_KEY}"
    if profile is None:
        return None, "none (demo)"
    label = f"profile {profile_name!r}"
    if profile.api_key is not None:
        return profile.api_key.strip(), f"{label} (api_key)"
    if profile.api_key_env is not None:
        value = _env_value(env, profile.api_key_env)
        if value is None:
            raise ConfigError(
                f"profiles.{profile_name}.api_key_env: the environment variable "
                f"{profile.api_key_env} is not set or is empty; expected it to hold the API key"
            )
        return value, f"{label} (${profile.api_key_env})"
    assert profile.api_key_command is not None
    return run_key_command(profile.api_key_command, f"profiles.{profile_name}.api_key_command"), (
        f"{label} (api_key_command)"
    )


def run_key_command(command: str, what: str, timeout: float = API_KEY_COMMAND_TIMEOUT) -> str:
    """Run a shell command and return its stripped stdout as the key.

    Its output is never shown, not even on failure (it may hold the secret); the user's
    terminal stays attached to stdin so a password manager can ask for a passphrase.
    """
    try:
        done = subprocess.run(
            command,
            shell=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"{what}: the command did not finish within {timeout:g} s; expected it to "
            f"print the API key and exit"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{what}: the command could not be started ({exc.strerror})") from None
    if done.returncode != 0:
        raise ConfigError(
            f"{what}: the command exited with status {done.returncode}; expected it to print "
            f"the API key and exit with 0 (its output is not shown, as it may hold secrets; "
            f"run it yourself to see why)"
        )
    try:
        key = done.stdout.decode("utf-8").strip()
    except UnicodeDecodeError:
        key = ""
    if not key or "\n" in key or any(ch.isspace() for ch in key):
        raise ConfigError(
            f"{what}: expected the command to print exactly one API key on one line, "
            f"but its output was empty or had several words or lines (not shown)"
        )
    return key
