"""``orbit-tui config init|show|path`` and ``orbit-tui keys``."""

from __future__ import annotations

import argparse
import getpass
import sys

from orbit_tui.config import (
    DEFAULT_BASE_URL,
    CliOverrides,
    ConfigError,
    Settings,
    resolve,
)
from orbit_tui.config_paths import (
    cache_dir,
    config_file,
    data_dir,
    demo_db,
    jobs_db,
    sandbox_db,
    themes_dir,
)
from orbit_tui.config_schema import check_base_url, load_config_file
from orbit_tui.config_write import check_profile_name, write_profile
from orbit_tui.keymap import DEFAULT_KEYMAP, effective_keymap, find_clashes, unknown_ids

PROG = "orbit-tui"


def _interactive() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (ValueError, OSError):
        return False


def _ask(prompt: str, default: str = "") -> str:
    suffix = f" [{default}]" if default else ""
    answer = input(f"{prompt}{suffix}: ").strip()
    return answer or default


def _ask_yes(prompt: str, default: bool) -> bool:
    hint = "Y/n" if default else "y/N"
    while True:
        answer = input(f"{prompt} [{hint}]: ").strip().lower()
        if not answer:
            return default
        if answer in {"y", "yes"}:
            return True
        if answer in {"n", "no"}:
            return False
        print("Please answer y or n.")


def config_init(args: argparse.Namespace) -> int:
    path = config_file()
    name: str | None = args.name
    base_url: str | None = args.base_url
    api_key: str | None = args.api_key
    api_key_env: str | None = args.api_key_env
    api_key_command: str | None = args.api_key_command
    read_only: bool | None = args.read_only
    make_default: bool = args.default
    has_source = any(v is not None for v in (api_key, api_key_env, api_key_command))

    interactive = _interactive()
    if not has_source and not interactive:
        # Updating fields of an existing profile needs no key source.
        if (name or "default") not in load_config_file(path).config.profiles:
            raise ConfigError(
                "config init: expected one of --api-key-env VAR, --api-key-command CMD or "
                "--api-key KEY (or run it in a terminal to be asked)"
            )
    elif not has_source:
        print(f"Adding a profile to {path}")
        existing = load_config_file(path).config
        while True:
            name = name or _ask("Profile name", "default")
            try:
                check_profile_name(name)
                break
            except ConfigError as exc:
                print(exc)
                name = None
        current = existing.profiles.get(name)
        if current is not None:
            print(f"Profile {name!r} exists: your answers update it.")
        suggested = (current.base_url if current else None) or DEFAULT_BASE_URL
        while base_url is None:
            try:
                base_url = check_base_url(_ask("API base URL", suggested))
            except ValueError as exc:
                print(exc)
        print("Where should orbit-tui get the API key?")
        print("  1) an environment variable (recommended)")
        print("  2) a command that prints it, e.g. a password manager")
        print("  3) stored in this file (mode 0600)")
        choice = _ask("Choice", "1")
        while choice not in {"1", "2", "3"}:
            choice = _ask("Choice (1, 2 or 3)", "1")
        if choice == "1":
            api_key_env = _ask("Variable name", f"ORBIT_API_KEY_{name.upper().replace('-', '_')}")
        elif choice == "2":
            while not api_key_command:
                api_key_command = _ask("Command (e.g. pass show orbit/work)")
        else:
            while not api_key:
                api_key = getpass.getpass("API key (not shown): ").strip()
        if read_only is None:
            read_only = _ask_yes("Read-only (refuse every change)?", False)
        if not make_default and existing.default_profile not in (None, name):
            make_default = _ask_yes("Make it the default profile?", False)
    elif api_key is not None:
        print(
            f"{PROG}: warning: --api-key stays in your shell history; "
            f"--api-key-env or --api-key-command keep it out.",
            file=sys.stderr,
        )

    result = write_profile(
        path,
        name or "default",
        base_url=base_url,
        api_key=api_key,
        api_key_env=api_key_env,
        api_key_command=api_key_command,
        read_only=read_only,
        theme=args.theme,
        make_default=make_default,
    )
    verb = "Updated" if result.updated_profile else "Added"
    print(f"{verb} profile {result.profile!r} in {result.path} (mode 0600).")
    if result.default_profile == result.profile:
        print("It is the default profile.")
    else:
        print(
            f"The default profile is still {result.default_profile!r}; "
            f"use --profile {result.profile}."
        )
    flag = "" if result.default_profile == result.profile else f" --profile {result.profile}"
    print(f"Check it with: {PROG} config show{flag}")
    return 0


def _line(label: str, value: str, source: str = "") -> str:
    text = f"{label:<22}{value}"
    if source and not source.startswith("none"):
        text = f"{text:<62}  ({source})"
    return text


def config_show(overrides: CliOverrides) -> int:
    resolved = resolve(cli=overrides)
    loaded = load_config_file(resolved.config_path)
    src = resolved.sources
    state = "exists" if resolved.config_exists else "not found: defaults apply"
    print(_line("config file", f"{resolved.config_path} ({state})"))
    print(_line("profile", resolved.profile_name or "(none)", src.get("profile", "")))
    if resolved.demo:
        print(_line("mode", "DEMO: embedded sandbox with a test key"))
        print(_line("api key", "(none)", src.get("api_key", "")))
    else:
        kind: str = resolved.key_kind
        if kind == "UNKNOWN":  # not recognisably a test key: handled as live
            kind = "UNKNOWN (not recognisably a test key: treated as LIVE)"
        mode = kind + (" · read-only" if resolved.read_only else "")
        print(_line("mode", mode))
        print(_line("api key", resolved.masked_key, src.get("api_key", "")))
        print(_line("base url", resolved.base_url, src.get("base_url", "")))
    print(_line("read only", "yes" if resolved.read_only else "no", src.get("read_only", "")))
    print(_line("theme", resolved.theme or "(app default)", src.get("theme", "")))
    print("settings")
    for name in Settings.model_fields:
        value = getattr(resolved.settings, name)
        print(_line(f"  {name}", str(value), src.get(f"settings.{name}", "")))
    if resolved.keymap:
        print("keymap overrides")
        for binding, key in sorted(resolved.keymap.items()):
            print(_line(f"  {binding}", key))
    if loaded.config.profiles:
        names = [
            f"{n}{' (default)' if n == loaded.config.default_profile else ''}"
            for n in sorted(loaded.config.profiles)
        ]
        print(_line("profiles in file", ", ".join(names)))
    if resolved.demo:
        print(
            f"\nTo use a real Orbit account: set ORBIT_API_KEY, or run `{PROG} config init`."
        )
    for warning in resolved.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return 0


def config_path() -> int:
    rows = [
        ("config", config_file()),
        ("themes", themes_dir()),
        ("cache", cache_dir()),
        ("data", data_dir()),
        ("jobs", jobs_db()),
        ("demo db", demo_db()),
        ("sandbox db", sandbox_db()),
    ]
    for label, path in rows:
        print(f"{label:<12}{path}")
    return 0


def keys() -> int:
    loaded = load_config_file(config_file())
    overrides = loaded.config.keymap
    keymap = effective_keymap(overrides)
    width = max(len(b) for b in keymap)
    for binding, key in keymap.items():
        mark = " *" if binding in overrides else ""
        print(f"{binding:<{width}}  {key + mark:<16}  {DEFAULT_KEYMAP[binding][1]}")
    if overrides:
        print(f"\n* remapped in {loaded.path}")
    problems = 0
    for binding in unknown_ids(overrides):
        problems += 1
        print(f"{PROG}: warning: [keymap] {binding!r} names no binding; ignored", file=sys.stderr)
    for clash in find_clashes(keymap):
        problems += 1
        print(f"{PROG}: warning: key clash: {clash}", file=sys.stderr)
    for warning in loaded.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return 1 if problems else 0
