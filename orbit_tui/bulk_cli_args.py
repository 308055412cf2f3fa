"""The arguments of `orbit-tui bulk …`: shared options, the target and the operation.

Used by :mod:`orbit_tui.bulk_cli`, which registers the sub-commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from orbit_tui.bulk import BulkError, Operation, Target

BULK_DESCRIPTION = """Change many contacts at once: add/remove tags, add to/remove from a list, set the
lifecycle stage. Every job is previewed first, journalled item by item (it survives
Ctrl-C, a crash or kill -9 and resumes), and can be undone."""

BULK_EPILOG = """examples:
  orbit-tui bulk tag --add vip --remove trial --stage lead --country US --dry-run
  orbit-tui bulk tag --add vip --ids-file marked.txt
  orbit-tui bulk list --add lst_123 --segment seg_456
  orbit-tui bulk stage --set customer --list lst_123 --yes
  orbit-tui bulk jobs;  orbit-tui bulk resume JOB;  orbit-tui bulk undo JOB

When stdout is not a terminal, exactly one JSON line summarises the outcome.
Exit codes: 0 done, 1 finished with failures or cancelled (resumable), 2 not started."""


def connection_args(p: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps values given to the top-level parser (if it has the same options).
    p.add_argument("--profile", default=argparse.SUPPRESS, help="profile from the config file")
    p.add_argument("--base-url", dest="base_url", default=argparse.SUPPRESS, help="API base URL")
    p.add_argument(
        "--api-key-env", dest="api_key_env", metavar="VAR", default=argparse.SUPPRESS,
        help="read the API key from this environment variable",
    )
    p.add_argument("--read-only", dest="read_only", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument(
        "--concurrency", type=_concurrency, default=None, metavar="N",
        help="requests at once, 1-64 (default: settings.bulk_concurrency, 8)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="confirm without asking (needed for LIVE keys when not on a terminal)")


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("expected a number from 1 to 64")
    return value


def target_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("target (default: every contact matching the filters)")
    g.add_argument("--search", help="full-text search over name, phone, email")
    g.add_argument("--stage", help="only contacts in this lifecycle stage")
    g.add_argument("--country", help="only contacts of this country (ISO code)")
    g.add_argument("--tag", action="append", default=[], help="only contacts with this tag (repeatable)")
    g.add_argument("--list", dest="list_id", metavar="LIST_ID", help="the members of this list")
    g.add_argument("--segment", dest="segment_id", metavar="SEGMENT_ID", help="the members of this segment")
    g.add_argument("--ids-file", type=Path, metavar="FILE", help="contact ids, one per line ('-' = stdin)")
    g.add_argument("--all", dest="all_contacts", action="store_true", help="allow a job on every contact (no filter)")
    p.add_argument("--dry-run", action="store_true", help="preview only: change nothing")


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def read_ids(path: Path, stdin: TextIO | None = None) -> list[str]:
    """Ids one per line; blank lines and '#' comments ignored; '-' reads stdin."""
    if str(path) == "-":
        text = (stdin or sys.stdin).read()
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BulkError(f"Cannot read --ids-file {path}: {exc.strerror or exc}.") from None
    ids = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line)
    return ids


def build_target(args: argparse.Namespace) -> Target:
    chosen = [n for n, v in (("--list", args.list_id), ("--segment", args.segment_id), ("--ids-file", args.ids_file)) if v]
    if len(chosen) > 1:
        raise BulkError(f"Choose one target: {' or '.join(chosen)}.")
    if args.ids_file:
        if args.search or args.stage or args.country or args.tag:
            raise BulkError("--ids-file cannot be combined with --search/--stage/--country/--tag.")
        ids = read_ids(args.ids_file)
        if not ids:
            raise BulkError(f"--ids-file {args.ids_file} holds no contact id.")
        return Target.explicit(ids)
    if args.list_id or args.segment_id:
        if args.stage or args.country or args.tag:
            raise BulkError("--list/--segment take only --search as a filter.")
        if args.list_id:
            return Target.list_members(args.list_id, search=args.search)
        return Target.segment_members(args.segment_id, search=args.search)
    if not (args.search or args.stage or args.country or args.tag) and not args.all_contacts:
        raise BulkError(
            "No target given: use --search/--stage/--country/--tag, --list, --segment or "
            "--ids-file (or --all to mean every contact)."
        )
    return Target.matching(search=args.search, stage=args.stage, country=args.country, tags=_split(args.tag))


def build_operation(args: argparse.Namespace) -> Operation:
    if args.bulk_op == "tags":
        return Operation.tags(add=_split(args.add), remove=_split(args.remove))
    if args.bulk_op == "list":
        return Operation.list_add(args.list_add) if args.list_add else Operation.list_remove(args.list_remove)
    return Operation.set_stage(args.set_stage)
