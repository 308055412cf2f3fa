"""The ``orbit-tui`` command: start the app, or one of its subcommands.

Heavy modules (Textual, the sandbox server) are imported only by the subcommand that needs
them, so ``--version``, ``--help`` and ``config …`` answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from orbit_tui import __version__
from orbit_tui.config import (
    DEFAULT_BASE_URL,
    CliOverrides,
    ConfigError,
    resolve,
)
from orbit_tui.config_paths import sandbox_db

PROG = "orbit-tui"

DESCRIPTION = """\
A keyboard-first terminal client for operating contacts on Orbit.

Run without a command to start the app. With no API key configured it starts a demo
on an embedded sandbox with a test key (DEMO badge)."""

EPILOG = """\
commands:
  config init     add or update a profile in the config file (asks in a terminal)
  config show     print the effective settings, the key masked, and where each came from
  config path     print where the config, themes, cache, data and jobs live
  keys            print the effective key bindings and report clashes
  sandbox serve   run the local Orbit Contacts API sandbox on a loopback port
  bulk …          tag, list or re-stage many contacts at once (journalled, resumable)

precedence (highest first):
  flags, then ORBIT_API_KEY / ORBIT_BASE_URL / ORBIT_PROFILE, then the config file
  ($ORBIT_TUI_CONFIG or the path `orbit-tui config path` prints), then defaults.

examples:
  orbit-tui                                  the demo, or your default profile
  ORBIT_API_KEY=dv_test_sk_… orbit-tui       a real account, production base URL
  orbit-tui --profile work --read-only       a profile, mutations disabled
  orbit-tui config init --name work --api-key-command "pass show orbit/work"

Run `orbit-tui COMMAND --help` for a command's options."""


def _add_overrides(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The flags that override config; on subcommands they must not reset the main ones."""
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("connection (override the config file and environment)")
    group.add_argument("--profile", metavar="NAME", default=default, help="profile to use")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help=f"API base URL (default: {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--api-key-env",
        metavar="VAR",
        default=default,
        help="read the API key from this environment variable",
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="refuse every change (browse only)",
    )
    group.add_argument("--theme", metavar="NAME", default=default, help="theme to use")


def _wants(argv: Sequence[str] | None, command: str) -> bool:
    """Whether to register a heavy command: when it is used, or when help is asked for."""
    args = list(sys.argv[1:] if argv is None else argv)
    return command in args or "-h" in args or "--help" in args


def _add_bulk(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``orbit-tui bulk …`` lives in orbit_tui.bulk_cli (the bulk engine's own area)."""
    try:
        from orbit_tui.bulk_cli import add_bulk_parser
    except ModuleNotFoundError as exc:
        if exc.name == "orbit_tui.bulk_cli":
            return
        raise
    add_bulk_parser(commands)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_overrides(parser, suppress=False)
    parser.add_argument(
        "--fresh-demo",
        action="store_true",
        help="start the demo on a newly seeded database (discarding demo changes)",
    )
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    config = commands.add_parser(
        "config",
        help="manage the config file",
        description="Manage the config file (profiles, keymap, settings).",
    )
    config_commands = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    config_commands.required = True
    _add_config_init(config_commands)
    show = config_commands.add_parser(
        "show",
        help="print the effective settings (key masked) and their sources",
        description="Print the effective settings after flags, environment, file and "
        "defaults are merged; the API key is masked. Runs api_key_command if the "
        "profile uses one.",
    )
    _add_overrides(show, suppress=True)
    config_commands.add_parser(
        "path",
        help="print where files live",
        description="Print the paths of the config file, themes folder, cache, data "
        "folder, bulk-job journal and demo database.",
    )

    keys = commands.add_parser(
        "keys",
        help="print the effective key bindings",
        description="Print every key binding (defaults merged with [keymap] in the config "
        "file) and report clashes or unknown ids. Exit status 1 if there are any.",
    )
    del keys

    sandbox = commands.add_parser(
        "sandbox",
        help="the local Orbit Contacts API sandbox",
        description="The local Orbit Contacts API sandbox (SQLite), for tests, scripts and curl.",
    )
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")
    sandbox_commands.required = True
    _add_sandbox_serve(sandbox_commands)
    if _wants(argv, "bulk"):
        _add_bulk(commands)
    return parser


def _add_config_init(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="add or update a profile",
        description="Add a profile to the config file, or update the fields given of an "
        "existing one. Other profiles and tables are kept; the file is written with mode "
        "0600. In a terminal, missing answers are asked for; otherwise give a key source.",
    )
    init.add_argument("--name", metavar="NAME", help="profile name (default: default)")
    init.add_argument(
        "--base-url", metavar="URL", help=f"API base URL (default: {DEFAULT_BASE_URL})"
    )
    source = init.add_mutually_exclusive_group()
    source.add_argument("--api-key-env", metavar="VAR", help="read the key from this env variable")
    source.add_argument(
        "--api-key-command",
        metavar="CMD",
        help="shell command that prints the key (e.g. a password manager)",
    )
    source.add_argument(
        "--api-key",
        metavar="KEY",
        help="store the key in the file (it stays in shell history: prefer the others)",
    )
    init.add_argument(
        "--read-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="make the profile read-only",
    )
    init.add_argument("--theme", metavar="NAME", help="theme for this profile")
    init.add_argument("--default", action="store_true", help="make it the default profile")


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a probability from 0 to 1, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of milliseconds ≥ 0, got {text}")
    return value


def _add_sandbox_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the sandbox API until interrupted",
        description="Serve the Orbit Contacts API from a local SQLite database under "
        "/api/v1, print its base URL and key, and run until interrupted (ctrl+c).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks one)")
    serve.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="SQLite database (default: sandbox.db in the data folder)",
    )
    serve.add_argument(
        "--contacts",
        type=int,
        default=3000,
        metavar="N",
        help="contacts to seed when the database is empty (default: 3000)",
    )
    serve.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default: 7)")
    serve.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help="accept this key (repeatable; default: the demo test key)",
    )
    serve.add_argument("--fresh", action="store_true", help="discard the database and reseed")
    serve.add_argument(
        "--hostile",
        action="store_true",
        help="also seed contacts carrying markup, escape sequences and odd text (for testing)",
    )
    faults = serve.add_argument_group("fault injection")
    faults.add_argument(
        "--latency", type=_non_negative, default=0.0, metavar="MS", help="added latency"
    )
    faults.add_argument(
        "--jitter", type=_non_negative, default=0.0, metavar="MS", help="random extra latency"
    )
    faults.add_argument(
        "--error-rate", type=_rate, default=0.0, metavar="P", help="fraction answered 503"
    )
    faults.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="N",
        help="requests a minute per key (429 beyond)",
    )
    faults.add_argument(
        "--drop-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="fraction of connections dropped mid-response",
    )
    faults.add_argument(
        "--ignore-filter",
        action="append",
        default=[],
        choices=("lifecycle_stage", "country_code", "tags", "has_phone", "has_email",
                 "created_after", "created_before"),
        metavar="NAME",
        help="answer GET /contacts as if this filter were not given, as a server that does "
        "not know it would (repeatable)",
    )


def _overrides(args: argparse.Namespace) -> CliOverrides:
    return CliOverrides(
        profile=getattr(args, "profile", None),
        base_url=getattr(args, "base_url", None),
        api_key_env=getattr(args, "api_key_env", None),
        read_only=bool(getattr(args, "read_only", False)),
        theme=getattr(args, "theme", None),
        fresh_demo=bool(getattr(args, "fresh_demo", False)),
    )


def _warn(messages: Sequence[str]) -> None:
    for message in messages:
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        handler = getattr(args, "handler", None)
        if callable(handler):  # commands registered by other modules (bulk)
            return int(handler(args) or 0)
        if args.command == "config":
            from orbit_tui import cli_config

            if args.config_command == "init":
                return cli_config.config_init(args)
            if args.config_command == "show":
                return cli_config.config_show(_overrides(args))
            return cli_config.config_path()
        if args.command == "keys":
            from orbit_tui import cli_config

            return cli_config.keys()
        if args.command == "sandbox":
            return _sandbox_serve(args)
        return _run_app(args)
    except ConfigError as exc:
        print(f"{PROG}: config error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print(f"\n{PROG}: cancelled", file=sys.stderr)
        return 130


def _run_app(args: argparse.Namespace) -> int:
    resolved = resolve(cli=_overrides(args))
    _warn(resolved.warnings)
    try:
        from orbit_tui.ui.launch import run
    except ModuleNotFoundError as exc:
        if exc.name in {"orbit_tui.ui", "orbit_tui.ui.app", "orbit_tui.ui.launch"}:
            print(
                f"{PROG}: the terminal UI is not part of this build yet "
                f"({exc.name} is missing). `orbit-tui --help` lists what works.",
                file=sys.stderr,
            )
            return 1
        raise
    return int(run(resolved, smoke=args.smoke) or 0)


def _sandbox_serve(args: argparse.Namespace) -> int:
    try:
        from orbit_tui.sandbox import DEMO_API_KEY, Faults, serve
    except ImportError as exc:
        print(f"{PROG}: the sandbox is not part of this build yet ({exc}).", file=sys.stderr)
        return 1
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        _warn([f"binding to {args.host}: the sandbox is reachable from other machines"])
    faults = Faults(
        latency_ms=args.latency,
        jitter_ms=args.jitter,
        error_rate=args.error_rate,
        rate_limit_per_min=args.rate_limit,
        drop_rate=args.drop_rate,
        ignore_filters=tuple(args.ignore_filter),
    )
    db = args.db if args.db is not None else sandbox_db()
    from orbit_tui.private_files import prepare_sqlite

    # Owner-only before the sandbox opens it; a folder the user chose keeps its mode.
    prepare_sqlite(db, tighten_folder=args.db is None)
    serve(
        host=args.host,
        port=args.port,
        db=db,
        contacts=args.contacts,
        seed=args.seed,
        api_keys=args.api_key or [DEMO_API_KEY],
        faults=faults,
        fresh=args.fresh,
        hostile=args.hostile,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
