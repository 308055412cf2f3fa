"""`orbit-tui bulk …`: the command line of the bulk-job engine (:mod:`orbit_tui.bulk`).

    orbit-tui bulk tag --add vip --remove trial [--search TEXT] [--stage S] [--country CC]
                       [--tag T]... | --list ID | --segment ID | --ids-file FILE
    orbit-tui bulk list --add LIST_ID | --remove LIST_ID   (same targets)
    orbit-tui bulk stage --set customer                    (same targets)
    orbit-tui bulk jobs | resume JOB [--take-over] | undo JOB | retry JOB [--take-over]

Every job command previews first (to stderr): how many contacts, how many will change,
how many already match. ``--dry-run`` stops there. On a LIVE key the job needs ``--yes``
or a typed confirmation on a terminal; without a terminal and without ``--yes`` it is
refused. While it runs, a plain progress bar is drawn on stderr when stderr is a
terminal; Ctrl-C cancels cleanly (requests in flight finish, the rest stay pending and
`bulk resume JOB` continues), a second Ctrl-C aborts. When stdout is not a terminal,
exactly one JSON line summarising the outcome is written to it.

Exit codes: 0 job completed without failures (or dry run / listing), 1 the job ended
with failed items or was cancelled/stopped (resumable), 2 it could not start, 130
interrupted (Ctrl-C while still planning: no job was made, the JSON line says
``"status": "cancelled", "job": null``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from typing import Any

from orbit_tui.bulk import (
    JOB_COMPLETED,
    BulkEngine,
    BulkError,
    JobBusy,
    JobInfo,
)
from orbit_tui.policy import treated_as_live, typed_count_confirms
from orbit_tui.bulk.text import ProgressBar, clean, job_summary, plan_text
from orbit_tui.bulk_cli_args import (  # noqa: F401 - read_ids and builders: public here too
    BULK_DESCRIPTION,
    BULK_EPILOG,
    connection_args,
    target_args,
    build_operation,
    build_target,
    read_ids,
)

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CANNOT_START = 2
EXIT_INTERRUPTED = 130


# -- parser ---------------------------------------------------------------------------
def add_bulk_parser(subparsers: Any) -> None:
    """Register `bulk` and its sub-commands on the top-level sub-parsers."""
    bulk = subparsers.add_parser(
        "bulk",
        help="tag, list or re-stage many contacts at once (journalled, resumable, undoable)",
        description=BULK_DESCRIPTION,
        epilog=BULK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bulk.set_defaults(func=_usage(bulk), handler=_usage(bulk))
    sub = bulk.add_subparsers(dest="bulk_command", metavar="COMMAND")

    tag = sub.add_parser("tag", help="add and/or remove tags")
    tag.add_argument("--add", action="append", default=[], metavar="TAG", help="tag to add (repeatable, or comma-separated)")
    tag.add_argument("--remove", action="append", default=[], metavar="TAG", help="tag to remove (repeatable, or comma-separated)")
    target_args(tag)
    connection_args(tag)
    tag.set_defaults(func=cmd_run, handler=cmd_run, bulk_op="tags")

    lst = sub.add_parser("list", help="add to or remove from a list")
    mode = lst.add_mutually_exclusive_group(required=True)
    mode.add_argument("--add", dest="list_add", metavar="LIST_ID", help="add the contacts to this list")
    mode.add_argument("--remove", dest="list_remove", metavar="LIST_ID", help="remove the contacts from this list")
    target_args(lst)
    connection_args(lst)
    lst.set_defaults(func=cmd_run, handler=cmd_run, bulk_op="list")

    stage = sub.add_parser("stage", help="set the lifecycle stage")
    stage.add_argument("--set", dest="set_stage", required=True, metavar="STAGE", help="the stage to set")
    target_args(stage)
    connection_args(stage)
    stage.set_defaults(func=cmd_run, handler=cmd_run, bulk_op="stage")

    jobs = sub.add_parser("jobs", help="list bulk jobs and their outcome")
    jobs.add_argument("--limit", type=int, default=30)
    connection_args(jobs)
    jobs.set_defaults(func=cmd_jobs, handler=cmd_jobs)

    for name, text in (
        ("resume", "continue an interrupted or cancelled job"),
        ("undo", "reverse what a job changed (a new job)"),
        ("retry", "send a job's failed items again"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("job_id", metavar="JOB")
        if name == "undo":
            p.add_argument("--dry-run", action="store_true", help="preview only: change nothing")
        else:
            p.add_argument(
                "--take-over", dest="take_over", action="store_true",
                help="run the job even though another orbit-tui holds its lock (that one "
                     "stops before its next request)",
            )
        connection_args(p)
        p.set_defaults(func=cmd_job_action, handler=cmd_job_action, bulk_action=name)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_CANNOT_START

    return show


# -- helpers --------------------------------------------------------------------------
def _say(text: str) -> None:
    print(clean(text), file=sys.stderr, flush=True)


def _failures(engine: BulkEngine, job_id: str, limit: int = 20) -> list[dict[str, Any]]:
    return [
        {"contact_id": f.contact_id, "code": f.code, "message": f.message, "status": f.status, "request_id": f.request_id}
        for f in engine.journal.latest_failures(job_id, limit)
    ]


def _emit_json(data: dict[str, Any]) -> None:
    if not sys.stdout.isatty():
        sys.stdout.write(json.dumps(data, sort_keys=True) + "\n")
        sys.stdout.flush()


def _key_words(resolved: Any) -> str:
    if resolved.key_kind == "LIVE":
        return f"LIVE key ({resolved.masked_key})"
    return f"key not recognisably a test key ({resolved.masked_key}), treated as LIVE"


def _confirm(resolved: Any, args: argparse.Namespace, what: str, count: int) -> bool:
    """True when the job may run. A key treated as live (LIVE, or not provably a test
    key) needs ``--yes`` or the number of contacts typed at a terminal."""
    if not treated_as_live(resolved.key_kind) or args.yes:
        return True
    key = _key_words(resolved)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        message = (
            f"Refused: this profile uses a {key} and there is no terminal to confirm on. "
            "Re-run with --yes once you have checked the preview (or --dry-run)."
        )
        _say(message)
        _emit_json({"error": message, "confirmation_required": True})
        return False
    sys.stderr.write(f"{key[0].upper()}{key[1:]}: {what}. Type {count} (the number of contacts) "
                     "to go ahead: ")
    sys.stderr.flush()
    if not typed_count_confirms(sys.stdin.readline(), count):
        _say("Not confirmed: nothing was changed.")
        _emit_json({"error": "not confirmed", "confirmation_required": True})
        return False
    return True


def _resolve(args: argparse.Namespace) -> Any:
    from orbit_tui.config import CliOverrides, ConfigError, resolve

    overrides = CliOverrides(
        profile=getattr(args, "profile", None),
        base_url=getattr(args, "base_url", None),
        api_key_env=getattr(args, "api_key_env", None),
        read_only=bool(getattr(args, "read_only", False)),
    )
    try:
        resolved = resolve(cli=overrides)
    except ConfigError as exc:
        raise BulkError(f"Configuration problem: {exc}") from None
    for warning in resolved.warnings:
        _say(f"warning: {warning}")
    if resolved.demo:
        raise BulkError(
            "Bulk jobs need an Orbit account to work on: choose a profile (--profile, or "
            "`orbit-tui config init`), or set ORBIT_API_KEY and --base-url / ORBIT_BASE_URL "
            "— for a try-out, point them at `orbit-tui sandbox serve`."
        )
    return resolved


class _Session:
    """Config and the runtime (client, journal, engine, gate) for one command; closes them
    afterwards. The client has the profile's timeouts and retries, as in the app."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.resolved = _resolve(args)

    async def __aenter__(self) -> BulkEngine:
        from orbit_tui.runtime import open_bulk_runtime

        self.runtime = open_bulk_runtime(self.resolved, concurrency=self.args.concurrency)
        self.gate = self.runtime.gate
        self.engine = self.runtime.engine()
        for warning in [*self.engine.journal.warnings, *self.engine.notices]:
            sys.stderr.write(f"orbit-tui bulk: {warning}\n")
        return self.engine

    async def __aexit__(self, *exc: object) -> None:
        await self.runtime.aclose()


async def _run_job(engine: BulkEngine, start: Any) -> tuple[JobInfo, float]:
    """Run ``start(on_progress, cancel)`` with the bar and Ctrl-C → clean cancel."""
    cancel = asyncio.Event()
    bar = ProgressBar(sys.stderr, sys.stderr.isatty())
    loop = asyncio.get_running_loop()
    presses = 0

    def on_sigint() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            cancel.set()
            bar.close()
            _say("Cancelling: letting the requests in flight finish (Ctrl-C again to abort)…")
        else:
            loop.remove_signal_handler(signal.SIGINT)
            for task in asyncio.all_tasks(loop):
                task.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        installed = False
    started = time.monotonic()
    try:
        job = await start(bar, cancel)
    finally:
        bar.close()
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
    return job, time.monotonic() - started


def _report_end(engine: BulkEngine, job: JobInfo, elapsed: float) -> int:
    c = job.counts
    _say(f"Job {job.id}: {job.outcome()} ({elapsed:.1f} s)")
    for f in engine.journal.latest_failures(job.id, 5):
        rid = f" [request id {f.request_id}]" if f.request_id else ""
        _say(f"  failed {f.contact_id}: {f.code}: {f.message}{rid}")
    if c.failed:
        _say(f"  retry the failures with: orbit-tui bulk retry {job.id}")
    if c.remaining:
        _say(f"  {c.remaining} left: continue with: orbit-tui bulk resume {job.id}")
    if job.error:
        _say(f"  stopped: {job.error}")
    summary = job_summary(job, elapsed=elapsed, failures=_failures(engine, job.id))
    if engine.paused_until:  # Orbit asked for a long wait: when a resume may go on
        summary["resume_after"] = engine.paused_until
    _emit_json(summary)
    if sys.stdout.isatty():
        print(f"{job.id} {job.state}")
    return EXIT_OK if job.state == JOB_COMPLETED and not c.failed else EXIT_INCOMPLETE


def _mention_pending(engine: BulkEngine) -> None:
    pending = engine.pending_jobs()
    if pending:
        ids = ", ".join(j.id for j in pending[:3])
        more = f" (+{len(pending) - 3} more)" if len(pending) > 3 else ""
        _say(f"Note: {len(pending)} unfinished job(s): {ids}{more}. `orbit-tui bulk resume JOB` continues one.")


# -- commands -------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    return _guarded(_cmd_run(args))


def cmd_jobs(args: argparse.Namespace) -> int:
    return _guarded(_cmd_jobs(args))


def cmd_job_action(args: argparse.Namespace) -> int:
    return _guarded(_cmd_job_action(args))


def _guarded(coro: Any) -> int:
    try:
        return asyncio.run(coro)
    except BulkError as exc:
        _say(f"orbit-tui bulk: {exc}")
        _emit_json({"error": str(exc)})
        return EXIT_CANNOT_START
    except (KeyboardInterrupt, asyncio.CancelledError):
        _say("Aborted. The job is in the journal: `orbit-tui bulk resume JOB` continues it.")
        return EXIT_INTERRUPTED
    except Exception as exc:  # an OrbitError outside a job (e.g. reading the target)
        explain = getattr(exc, "explain", None)
        if explain is None:
            raise
        _say(f"orbit-tui bulk: {explain()}")
        _emit_json({"error": str(exc)})
        return EXIT_CANNOT_START


async def _cmd_run(args: argparse.Namespace) -> int:
    op = build_operation(args)
    target = build_target(args)
    session = _Session(args)
    async with session as engine:
        _mention_pending(engine)
        reading = sys.stderr.isatty() and target.kind != "ids"

        def on_count(n: int) -> None:
            sys.stderr.write(f"\rReading the target… {n} contacts\x1b[K")
            sys.stderr.flush()

        if not reading and target.kind != "ids":
            _say("Reading the target…")  # a log shows what it was doing if stopped here
        try:
            plan = await engine.plan(target, op, on_count=on_count if reading else None)
        except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels the main task
            return _stopped_while_planning(reading)
        if reading:
            sys.stderr.write("\r\x1b[K")
        _say(plan_text(plan))
        if args.dry_run:
            _emit_json({"dry_run": True, **plan.summary()})
            if sys.stdout.isatty():
                print(f"dry run: {plan.total} contacts, {plan.will_change} would change")
            return EXIT_OK
        if not plan.contact_ids:
            _emit_json({"nothing_to_do": True, **plan.summary()})
            _say("No contact matches: nothing to do.")
            return EXIT_OK
        session.gate.ensure_writable("start a bulk job")  # before asking for the count
        if not _confirm(session.resolved, args, f"{op.describe()} on {plan.total} contacts", plan.total):
            return EXIT_CANNOT_START
        gate = session.gate
        job_id = gate.create_job(plan, confirmed=True)  # confirmed by _confirm
        _say(f"Job {job_id} started.")
        job, elapsed = await _run_job(
            engine, lambda bar, cancel: gate.run_job(job_id, confirmed=True, on_progress=bar, cancel=cancel)
        )
        return _report_end(engine, job, elapsed)


def _stopped_while_planning(reading: bool) -> int:
    """Ctrl-C before any job was written: say so, and still give the one JSON line."""
    if reading:
        sys.stderr.write("\r\x1b[K")
    message = "Stopped while planning: no job was made, nothing was changed."
    _say(message)
    _emit_json({"status": "cancelled", "job": None, "stage": "planning", "changed": 0,
                "message": message})
    return EXIT_INTERRUPTED


async def _cmd_jobs(args: argparse.Namespace) -> int:
    session = _Session(args)
    async with session as engine:
        jobs = engine.list_jobs(args.limit)
        if not jobs:
            _say("No bulk jobs yet.")
        for job in jobs:
            line = f"{job.id}  {job.created[:19]}  {job.op.describe()} · {job.description} — {job.outcome()}"
            if sys.stdout.isatty():
                print(clean(line))
            else:
                _say(line)
        _emit_json({"jobs": [j.to_json() for j in jobs]})
        return EXIT_OK


async def _cmd_job_action(args: argparse.Namespace) -> int:
    session = _Session(args)
    async with session as engine:
        action = args.bulk_action
        job = engine.get_job(args.job_id)
        if action == "undo":
            plan = engine.plan_undo(args.job_id)
            _say(f"Undo of {job.id} ({job.op.describe()}): {plan.total} contacts it changed will be reverted.")
            if args.dry_run:
                _emit_json({"dry_run": True, **plan.summary()})
                return EXIT_OK
            if not plan.contact_ids:
                _say("The job changed no contact: nothing to undo.")
                _emit_json({"nothing_to_do": True, **plan.summary()})
                return EXIT_OK
            session.gate.ensure_writable("undo a bulk job")
            if not _confirm(session.resolved, args, f"undo {job.id} on {plan.total} contacts", plan.total):
                return EXIT_CANNOT_START
            gate = session.gate
            undo_id = gate.create_job(plan, confirmed=True)  # confirmed by _confirm
            _say(f"Undo job {undo_id} started.")
            result, elapsed = await _run_job(
                engine, lambda bar, cancel: gate.run_job(undo_id, confirmed=True, on_progress=bar, cancel=cancel)
            )
            return _report_end(engine, result, elapsed)
        what = (
            f"resume {job.id} ({job.counts.remaining} items left)"
            if action == "resume"
            else f"retry {job.counts.failed} failed items of {job.id}"
        )
        _say(f"{job.op.describe()} on {job.description}: {job.outcome()}")
        if action == "resume" and job.counts.remaining == 0:
            _say("Nothing left to do in this job.")
            return _report_end(engine, job, 0.0)
        take_over = _take_over(engine, job.id, bool(args.take_over))
        count = job.counts.remaining if action == "resume" else job.counts.failed
        session.gate.ensure_writable(f"{action} a bulk job")
        if not _confirm(session.resolved, args, what, count):
            return EXIT_CANNOT_START
        gate = session.gate  # confirmed by _confirm
        run = gate.run_job if action == "resume" else gate.retry_job

        def start(bar: Any, cancel: asyncio.Event) -> Any:
            return run(job.id, confirmed=True, on_progress=bar, cancel=cancel, take_over=take_over)

        result, elapsed = await _run_job(engine, start)
        return _report_end(engine, result, elapsed)


def _take_over(engine: BulkEngine, job_id: str, asked: bool) -> bool:
    """Refuse in plain words when another live orbit-tui runs the job, unless asked to
    take over: then say what that does."""
    holder = engine.runner_elsewhere(job_id)
    if holder is None:
        return False
    if not asked:
        raise JobBusy(job_id, holder)
    _say(
        f"{holder.describe()} may still be running this job; taking over: it stops before "
        "its next request, and this one continues the job."
    )
    return True


def main(argv: list[str] | None = None) -> int:
    """Run `bulk` on its own (``python -m orbit_tui.bulk_cli …``), for tests and scripts."""
    parser = argparse.ArgumentParser(prog="orbit-tui")
    sub = parser.add_subparsers(dest="command")
    add_bulk_parser(sub)
    args = parser.parse_args(["bulk", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
