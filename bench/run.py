"""Run every benchmark, one after the other, and summarise them against their targets.

    python bench/run.py            # full sizes (what bench/README.md reports; ~20 min,
                                   # most of it seeding 1,000,000 sandbox contacts)
    python bench/run.py --quick    # small sizes, a few minutes: proves everything runs
    python bench/run.py --only startup search      # a subset (names below)
    python bench/run.py --sandbox-contacts 200000  # a smaller sandbox benchmark

Each benchmark runs as its own process (``python bench/bench_<name>.py ...``); its
output goes to the terminal and to ``bench/results/<name>.log``, its figures to
``bench/results/<name>.json`` (machine, load average, commit and command included).
The runs are recorded in ``bench/results/run.json`` (the latest of each benchmark, so
``--only`` updates some and keeps the others). Benchmarks print figures;
none of them passes or fails on timing. A benchmark that crashes is reported and the
others still run (exit status 1 at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BENCH, RESULTS, ROOT, machine_info, write_result

NAMES = ["startup", "search", "navigation", "scroll", "bulk", "sandbox"]

QUICK: dict[str, list[str]] = {
    "startup": ["--runs", "3"],
    "search": ["--queries", "10"],
    "navigation": ["--rounds", "5"],
    "scroll": ["--contacts", "10000", "--rows", "2000"],
    "bulk": ["--contacts", "300", "--sequential-sample", "60"],
    "sandbox": ["--contacts", "20000", "--queries", "100"],
}
FULL: dict[str, list[str]] = {
    "startup": ["--runs", "15"],
    "search": ["--queries", "50"],
    "navigation": ["--rounds", "30"],
    "scroll": ["--contacts", "100000", "--rows", "20000"],
    "bulk": ["--contacts", "2000"],
    "sandbox": ["--contacts", "1000000"],
}


def run_one(name: str, args: list[str], out_dir: Path = RESULTS) -> dict[str, Any]:
    script = BENCH / f"bench_{name}.py"
    command = [sys.executable, str(script), *args]
    public = [a for i, a in enumerate(args) if a != "--out" and (i == 0 or args[i - 1] != "--out")]
    shown = " ".join(["python", f"bench/bench_{name}.py", *public])
    print(f"\n=== {name}: {shown}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").unlink(missing_ok=True)  # never report an older run's figures
    started = time.perf_counter()
    before = {p.name for p in out_dir.glob(f"{name}-*.json")}
    env = dict(os.environ, PYTHONUNBUFFERED="1", ORBIT_BENCH_OUT=str(out_dir))
    with (RESULTS / f"{name}.log").open("w", encoding="utf-8") as log:
        log.write(f"$ {shown}\n")
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        code = proc.wait()
    seconds = time.perf_counter() - started
    made = sorted(p for p in out_dir.glob(f"{name}-*.json") if p.name not in before)
    if made:
        adopt(name, made, shown)
    return {"name": name, "command": shown, "exit_code": code, "seconds": round(seconds, 1)}


def adopt(name: str, new: list[Path], shown: str) -> None:
    """The bulk and sandbox benchmarks write ``<name>-<size>-<time>.json`` (into a
    temporary folder when run from here): keep it as ``<name>.json`` with the machine facts."""
    data = json.loads(new[-1].read_text(encoding="utf-8"))
    data.pop("command", None)
    path = write_result(name, data)
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["command"] = shown
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for p in new:
        p.unlink()


def load(name: str, names: list[str]) -> dict[str, Any] | None:
    if name not in names:
        return None
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def headlines(names: list[str]) -> list[str]:
    """One line per figure the issues promise, read back from the result files."""
    lines: list[str] = []
    if (d := load("startup", names)) is not None:
        r = d["ratio_median_app_over_floor"]
        lines.append(
            f"start-up: app {d['app']['median_ms']:.0f} ms vs floor "
            f"{d['floor_bare_textual_datatable']['median_ms']:.0f} ms (median) = x{r:.2f}, "
            f"target <= x1.5: {verdict(r <= 1.5)}"
        )
    if (d := load("search", names)) is not None:
        r = d["ratio_minus_debounce_over_round_trip"]
        t, f = d["keystroke_to_painted"], d["keystroke_to_painted_minus_debounce"]
        lines.append(
            f"search: keystroke to painted {t['median_ms']:.0f} ms median / {t['p95_ms']:.0f} ms p95 "
            f"(debounce {d['debounce_ms']:.0f} ms included); minus debounce {f['median_ms']:.0f} / "
            f"{f['p95_ms']:.0f} ms vs round trip {d['baseline_round_trip_httpx']['median_ms']:.0f} ms "
            f"= x{r:.2f}, target <= x1.5: {verdict(r <= 1.5)}"
        )
    if (d := load("navigation", names)) is not None:
        m = d["back_to_page"]["median_ms"]
        lines.append(
            f"navigation: back to a page seen {m:.1f} ms median (p95 "
            f"{d['back_to_page']['p95_ms']:.1f} ms) vs round trip "
            f"{d['baseline_round_trip']['median_ms']:.0f} ms, target <= 50 ms: {verdict(m <= 50)}"
        )
    if (d := load("scroll", names)) is not None:
        ok = d["rss_peak_mb"] <= 250 and d["stall_scrolling_max_ms"] <= 100
        lines.append(
            f"scroll: to row {d['reached_row']:,} of {d['total_rows'] or 0:,}, peak RSS "
            f"{d['rss_peak_mb']:.0f} MB, longest stall {d['stall_scrolling_max_ms']:.0f} ms "
            f"(idle {d['stall_idle_max_ms']:.0f} ms), targets <= 250 MB and <= 100 ms: {verdict(ok)}"
        )
    if (d := load("bulk", names)) is not None:
        lim, unl = d["rate_limited"], d["unlimited"]
        ok1 = lim["fraction_of_limit"] >= 0.9 and lim["lost"] == 0 and lim["share_429"] < 0.01
        lines.append(
            f"bulk: {lim['fraction_of_limit'] * 100:.0f} % of the rate limit, "
            f"{lim['share_429'] * 100:.2f} % answered 429, {lim['lost']} lost "
            f"(targets >= 90 %, < 1 %, 0): {verdict(ok1)}"
        )
        s = unl["speedup_vs_sequential"]
        lines.append(f"bulk: x{s:.1f} the sequential loop, target >= x6: {verdict(s >= 6)}")
    if (d := load("sandbox", names)) is not None:
        m = d["search_page_50"]["median_ms"]
        line = (
            f"sandbox ({d['contacts']:,} contacts): search page median {m:.1f} ms "
            f"(p95 {d['search_page_50']['p95_ms']:.1f} ms), target <= 25 ms: {verdict(m <= 25)}"
        )
        if d.get("seed_seconds") is not None:
            line += f"; seeding {d['seed_seconds']:.0f} s"
            if d["contacts"] >= 1_000_000:
                line += f", target <= 120 s: {verdict(d['seed_seconds'] <= 120)}"
        lines.append(line)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME",
                        help=f"run only these ({', '.join(NAMES)})")
    parser.add_argument("--skip", nargs="+", choices=NAMES, default=[], metavar="NAME")
    parser.add_argument("--sandbox-contacts", type=int, default=None,
                        help="contacts for the sandbox benchmark (full: 1,000,000)")
    args = parser.parse_args()

    sizes = QUICK if args.quick else FULL
    chosen = [n for n in (args.only or NAMES) if n not in args.skip]
    if args.sandbox_contacts is not None:
        sizes = {**sizes, "sandbox": ["--contacts", str(args.sandbox_contacts)]}
    started = machine_info()
    print(f"machine: {started['nproc']} CPUs, {started['cpu_model']}, Python {started['python']}, "
          f"load average {started['load_average']}", flush=True)
    runs: list[dict[str, Any]] = []
    for name in chosen:
        extra: list[str] = list(sizes[name])
        tmp = None
        if name in ("sandbox", "bulk"):  # they write <name>-<size>-<time>.json: elsewhere
            tmp = tempfile.mkdtemp(prefix=f"orbit-bench-{name}-out-")
            if name == "sandbox":
                extra += ["--out", tmp]
        try:
            run = run_one(name, extra, Path(tmp) if tmp else RESULTS)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        runs.append(run)
    # run.json keeps the latest run of every benchmark, so a partial re-run (--only)
    # updates its entries and leaves the others' as they were.
    previous = load("run", ["run"]) or {}
    merged = {r["name"]: r for r in previous.get("runs", []) if r.get("name") in NAMES}
    size = "quick" if args.quick else "full"
    for run in runs:
        merged[run["name"]] = {**run, "size": size, "machine_at_start": started}
    all_runs = [merged[n] for n in NAMES if n in merged]
    summary = headlines([r["name"] for r in all_runs if r["exit_code"] == 0])
    write_result("run", {"runs": all_runs, "headlines": summary})
    print("\n=== summary")
    for run in runs:
        state = "ok" if run["exit_code"] == 0 else f"FAILED (exit {run['exit_code']})"
        print(f"{run['name']:<11} {state:<18} {run['seconds']:7.1f} s  {run['command']}")
    print()
    for line in summary:
        print(line)
    print("\nfigures in bench/results/*.json, output in bench/results/*.log")
    return 0 if all(run["exit_code"] == 0 for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
