"""Scroll a 100,000-contact result from row 0 to row 20,000 in the real app.

Prints figures, never passes or fails:

- peak resident memory of the process while scrolling, against the same process
  right after the first page was shown (the baseline);
- event-loop stalls while scrolling (a ticker asks to wake every 10 ms and records how
  late it was): longest, percentiles and counts over 16/33/50/100/200 ms, against the
  same ticker in the app while it sits idle (3 s before scrolling) and against the same
  ticker in a separate idle process running over the same time (what the machine's load
  alone does to an event loop);
- rows materialised in the table at the end (the window keeps it near 1,000).

    python bench/bench_scroll.py [--contacts 100000] [--rows 20000] [--db FILE] [--why]

``--why`` also samples the app's stack whenever its loop is more than 30 ms late and
prints which functions the stalls were spent in.

The sandbox runs in a child process (so the figures are the app's alone); its database
is seeded on first use; pass ``--db`` to keep and reuse it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from common import percentile, sandbox_process, shown_path, write_result

from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import PageCache
from orbit_tui.sandbox import DEMO_API_KEY
from orbit_tui.ui.app import OrbitApp
from orbit_tui.policy import ChangePolicy
from orbit_tui.runtime import build_runtime
from orbit_tui.ui.status import ProfileInfo


BUCKETS_MS = (16, 33, 50, 100, 200)


class StallMeter:
    """Records how late a 10 ms ticker wakes up: a stand-in for a frame stall."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.cpu: list[float] = []
        """CPU time the event loop's thread used between two ticks: the app's own work,
        whatever the machine's load (a stall with little CPU in it was a wait for a CPU)."""
        self.beat = time.perf_counter()
        """When the ticker last ran (read by :class:`StallSampler` from its thread)."""
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            cpu = time.thread_time()
            self.beat = time.perf_counter()
            await asyncio.sleep(0.01)
            self.beat = time.perf_counter()
            self.lags.append(loop.time() - start - 0.01)
            self.cpu.append(time.thread_time() - cpu)

    def start(self) -> None:
        self.lags = []
        self.cpu = []
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> list[float]:
        if self._task:
            self._task.cancel()
        return self.lags


class StallSampler(threading.Thread):
    """While the event loop is late by more than ``threshold_s``, sample its stack.

    A thread watches the ticker's heartbeat every 2 ms; when the loop has not come back
    for longer than the threshold, it records which functions are on the main thread's
    stack (``sys._current_frames``). The counts say what the loop was doing during the
    stalls (``--why``); off by default so that the figures are not disturbed.
    """

    def __init__(self, meter: StallMeter, threshold_s: float = 0.03) -> None:
        super().__init__(daemon=True)
        self.meter = meter
        self.threshold_s = threshold_s
        self.main_id = threading.main_thread().ident
        self.samples = 0
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.leaf: collections.Counter[str] = collections.Counter()
        self.episodes: list[tuple[float, collections.Counter[str]]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        episode_beat = -1.0
        episode: collections.Counter[str] = collections.Counter()
        episode_late = 0.0
        while not self._stop_event.wait(0.002):
            beat = self.meter.beat
            late = time.perf_counter() - beat
            if beat != episode_beat and episode:
                self.episodes.append((episode_late, episode))
                episode = collections.Counter()
            if late < self.threshold_s:
                continue
            frame = sys._current_frames().get(self.main_id)  # type: ignore[arg-type]
            if frame is None:
                continue
            episode_beat, episode_late = beat, late
            self.samples += 1
            names: list[str] = []
            leaf_app = ""
            while frame is not None:
                code = frame.f_code
                where = code.co_filename
                short = where.rsplit("site-packages/", 1)[-1].rsplit("orbit_tui/", 1)[-1]
                name = f"{short}:{code.co_name}"
                names.append(name)
                if not leaf_app and "orbit_tui" in where:
                    leaf_app = name
                frame = frame.f_back
            for name in set(names):
                self.inclusive[name] += 1
            self.leaf[names[0] if names else "?"] += 1
            if leaf_app:
                self.leaf["(innermost orbit_tui frame) " + leaf_app] += 1
            # What this stall is made of: the few frames nearest the loop's callback.
            marker = next((n for n in names if "orbit_tui" in n or "gc" in n), names[0])
            episode[" < ".join(names[:3]) + " | " + marker] += 1
        if episode:
            self.episodes.append((episode_late, episode))

    def stop(self) -> None:
        self._stop_event.set()

    def report(self, top: int = 40) -> dict[str, object]:
        print(f"\nstack samples while the loop was late > {self.threshold_s * 1000:.0f} ms: "
              f"{self.samples}")
        print("inclusive (function on the stack):")
        for name, count in self.inclusive.most_common(top):
            print(f"  {count:6d} {100 * count / max(self.samples, 1):5.1f} %  {name}")
        print("innermost:")
        for name, count in self.leaf.most_common(top):
            print(f"  {count:6d} {100 * count / max(self.samples, 1):5.1f} %  {name}")
        print("longest stalls (lateness when last sampled; most sampled stacks):")
        for late, counter in sorted(self.episodes, key=lambda e: -e[0])[:12]:
            print(f"  {late * 1000:6.0f} ms")
            for name, count in counter.most_common(3):
                print(f"      {count:3d} x {name}")
        return {
            "samples": self.samples,
            "inclusive": dict(self.inclusive.most_common(top)),
            "innermost": dict(self.leaf.most_common(top)),
        }


class GcMeter:
    """Durations of the garbage collector's passes (per generation) while it is on."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0
        self.on = False

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if not self.on:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def __enter__(self) -> GcMeter:
        gc.callbacks.append(self._callback)
        self.on = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.on = False
        gc.callbacks.remove(self._callback)

    def figures(self) -> dict[str, object]:
        return {
            f"gen{g}": {
                "count": len(v),
                "max_ms": round(max(v) * 1000, 1) if v else 0.0,
                "total_ms": round(sum(v) * 1000, 1),
            }
            for g, v in self.pauses.items()
        }


NOISE_TICKER = """
import asyncio, json, sys, time
async def main():
    loop = asyncio.get_running_loop()
    lags = []
    stop = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or stop.set_result(None))
    while not stop.done():
        start = loop.time()
        await asyncio.sleep(0.01)
        lags.append(loop.time() - start - 0.01)
    print(json.dumps(lags))
asyncio.run(main())
"""


class NoiseTicker:
    """The same 10 ms ticker in a separate, otherwise idle process, over the same time.

    Its lags are what the machine's load alone does to an event loop that has nothing
    to do: the baseline against which the app's stalls while scrolling are read.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", NOISE_TICKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> list[float]:
        assert self.proc.stdin is not None
        out, _ = self.proc.communicate("stop\n", timeout=30)
        return [float(x) for x in json.loads(out or "[]")]


def distribution(lags: list[float]) -> dict[str, object]:
    """Percentiles and counts over thresholds of a list of lags (seconds), in ms."""
    if not lags:
        return {"n": 0}
    ms = sorted(x * 1000 for x in lags)
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 1),
        "p90_ms": round(percentile(ms, 0.90), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "p999_ms": round(percentile(ms, 0.999), 1),
        "max_ms": round(ms[-1], 1),
        "over_ms": {str(b): sum(1 for x in ms if x > b) for b in BUCKETS_MS},
    }


def show(label: str, d: dict[str, object]) -> None:
    if not d.get("n"):
        print(f"{label:>30}: no samples")
        return
    over = d["over_ms"]
    assert isinstance(over, dict)
    counts = " ".join(f">{b}:{over[str(b)]}" for b in BUCKETS_MS)
    print(
        f"{label:>30}: n={d['n']} p50 {d['p50_ms']} p90 {d['p90_ms']} p99 {d['p99_ms']} "
        f"p99.9 {d['p999_ms']} max {d['max_ms']} ms | {counts}"
    )


async def scroll(base_url: str, rows: int, workdir: Path, *, why: bool) -> dict[str, object]:
    process = psutil.Process()
    client = OrbitClient(base_url, DEMO_API_KEY)
    cache = PageCache(workdir / "cache.db")
    app = OrbitApp(
        build_runtime(client, ChangePolicy(kind="TEST"), cache=cache,
                      jobs_db=workdir / "jobs.db"),
        profile=ProfileInfo(name="bench", kind="TEST"),
        animations=False,
        on_close=[client.aclose],  # the cache is the benchmark's own to close
    )
    meter = StallMeter()
    sampler: StallSampler | None = None
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.contacts_screen
        assert screen is not None
        while not (screen.loaded_once and not screen.is_loading):
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        baseline_rss = process.memory_info().rss
        meter.start()
        await asyncio.sleep(3.0)
        idle_lags = meter.stop()

        peak_rss = baseline_rss
        noise = NoiseTicker()
        meter.start()
        if why:
            sampler = StallSampler(meter)
            sampler.start()
        started = time.perf_counter()
        table = screen.table
        presses = 0
        gc_meter = GcMeter().__enter__()
        while screen.page_window.absolute_start() + table.cursor_row < rows:
            await pilot.press("pagedown")
            presses += 1
            if screen.is_paging:
                while screen.is_paging:
                    await pilot.pause(0.005)
            peak_rss = max(peak_rss, process.memory_info().rss)
            if screen.message_text:
                print("stopped by an error:", screen.message_text, file=sys.stderr)
                break
        elapsed = time.perf_counter() - started
        gc_meter.__exit__()
        busy_lags = meter.stop()
        busy_cpu = list(meter.cpu)
        noise_lags = noise.stop()
        if sampler is not None:
            sampler.stop()
        reached = screen.page_window.absolute_start() + table.cursor_row
        materialised = table.row_count

    cache.close()
    mb = 1024 * 1024
    print(f"scrolled to row {reached:,} of {screen.page_window.total or 0:,} in {elapsed:.1f} s "
          f"({presses} page-down presses)")
    print(f"rows in the table at the end: {materialised:,}")
    print(
        f"memory: baseline {baseline_rss / mb:.0f} MB, peak {peak_rss / mb:.0f} MB "
        f"(x{peak_rss / baseline_rss:.2f})"
    )
    idle, busy, other = distribution(idle_lags), distribution(busy_lags), distribution(noise_lags)
    print("event-loop lag of a 10 ms ticker (ms):")
    show("app idle (3 s, before)", idle)
    show("app while scrolling", busy)
    show("idle process, same time", other)
    work = distribution(busy_cpu)
    show("loop CPU between ticks (scroll)", work)
    busy_max = float(busy.get("max_ms", 0.0))  # type: ignore[arg-type]
    idle_max = float(idle.get("max_ms", 0.0))  # type: ignore[arg-type]
    other_max = float(other.get("max_ms", 0.0))  # type: ignore[arg-type]
    print(
        f"longest stall: scrolling {busy_max:.1f} ms (p99 {busy.get('p99_ms')} ms); "
        f"x{busy_max / max(idle_max, 0.1):.1f} the app idle, "
        f"x{busy_max / max(other_max, 0.1):.1f} an idle process over the same time"
    )
    gc_figures = gc_meter.figures()
    print("garbage collector while scrolling: " + ", ".join(
        f"{g} {d['count']} passes, longest {d['max_ms']} ms"  # type: ignore[index]
        for g, d in gc_figures.items()
    ))
    figures: dict[str, object] = {
        "reached_row": reached,
        "total_rows": screen.page_window.total,
        "page_down_presses": presses,
        "scroll_seconds": round(elapsed, 2),
        "rows_in_table_at_end": materialised,
        "rss_baseline_mb": round(baseline_rss / mb, 1),
        "rss_peak_mb": round(peak_rss / mb, 1),
        "rss_peak_over_baseline": round(peak_rss / baseline_rss, 2),
        "stall_idle_max_ms": idle_max,
        "stall_scrolling_max_ms": busy_max,
        "stall_scrolling_p99_ms": busy.get("p99_ms"),
        "stall_noise_max_ms": other_max,
        "lag_app_idle": idle,
        "lag_app_scrolling": busy,
        "lag_idle_process_same_time": other,
        "loop_cpu_between_ticks_scrolling": work,
        "gc_while_scrolling": gc_figures,
        "targets": {"rss_peak_mb_max": 250, "stall_max_ms": 100},
    }
    if sampler is not None:
        figures["stall_stacks"] = sampler.report()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument(
        "--why", action="store_true",
        help="sample the event loop's stack while it is late (what the stalls are made of)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = args.db or workdir / "sandbox.db"
        t0 = time.perf_counter()
        # The sandbox runs in a child process: the memory and stalls measured here are
        # the app's alone, as against a real Orbit server.
        with sandbox_process(db, contacts=args.contacts) as base_url:
            print(f"sandbox ready with {args.contacts:,} contacts in {time.perf_counter() - t0:.1f} s")
            figures = asyncio.run(scroll(base_url, args.rows, workdir, why=args.why))
    path = write_result(
        "scroll", {"contacts": args.contacts, "rows": args.rows, **figures}, directory=args.out
    )
    print(f"written {shown_path(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
