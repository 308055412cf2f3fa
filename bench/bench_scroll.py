"""Scroll a 100,000-contact result from row 0 to row 20,000 in the real app.

Prints figures, never passes or fails:

- peak resident memory of the process while scrolling, against the same process
  right after the first page was shown (the baseline);
- the longest event-loop stall while scrolling (a ticker asks to wake every 10 ms and
  records how late it was), against the longest stall while the app sits idle;
- rows materialised in the table at the end (the window keeps it near 1,000).

    python bench/bench_scroll.py [--contacts 100000] [--rows 20000] [--db FILE]

The sandbox runs in a child process (so the figures are the app's alone); its database
is seeded on first use; pass ``--db`` to keep and reuse it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

from common import sandbox_process, shown_path, write_result

from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import CachedOrbit, PageCache
from orbit_tui.sandbox import DEMO_API_KEY
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.sources import CachedOrbitSource
from orbit_tui.ui.status import ProfileInfo


class StallMeter:
    """Records how late a 10 ms ticker wakes up: a stand-in for a frame stall."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.01)
            self.lags.append(loop.time() - start - 0.01)

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> list[float]:
        if self._task:
            self._task.cancel()
        return self.lags


async def scroll(base_url: str, rows: int, workdir: Path) -> dict[str, object]:
    process = psutil.Process()
    client = OrbitClient(base_url, DEMO_API_KEY)
    cache = PageCache(workdir / "cache.db")
    app = OrbitApp(
        CachedOrbitSource(CachedOrbit(client, cache)),
        profile=ProfileInfo(name="bench", kind="TEST"),
        animations=False,
        on_close=[client.aclose],
    )
    meter = StallMeter()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.contacts_screen
        assert screen is not None
        while not (screen.loaded_once and not screen.is_loading):
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        baseline_rss = process.memory_info().rss
        meter.start()
        await asyncio.sleep(1.0)
        idle_lags = meter.stop()

        peak_rss = baseline_rss
        meter.start()
        started = time.perf_counter()
        table = screen.table
        while screen.page_window.absolute_start() + table.cursor_row < rows:
            await pilot.press("pagedown")
            if screen.is_paging:
                while screen.is_paging:
                    await pilot.pause(0.005)
            peak_rss = max(peak_rss, process.memory_info().rss)
            if screen.message_text:
                print("stopped by an error:", screen.message_text, file=sys.stderr)
                break
        elapsed = time.perf_counter() - started
        busy_lags = meter.stop()
        reached = screen.page_window.absolute_start() + table.cursor_row
        materialised = table.row_count

    cache.close()
    mb = 1024 * 1024
    print(f"scrolled to row {reached:,} of {screen.page_window.total or 0:,} in {elapsed:.1f} s")
    print(f"rows in the table at the end: {materialised:,}")
    print(
        f"memory: baseline {baseline_rss / mb:.0f} MB, peak {peak_rss / mb:.0f} MB "
        f"(x{peak_rss / baseline_rss:.2f})"
    )
    idle_max = max(idle_lags) * 1000 if idle_lags else 0.0
    busy_max = max(busy_lags) * 1000 if busy_lags else 0.0
    busy_p99 = (
        statistics.quantiles(busy_lags, n=100)[98] * 1000 if len(busy_lags) > 100 else busy_max
    )
    print(
        f"longest stall: idle {idle_max:.1f} ms, scrolling {busy_max:.1f} ms "
        f"(p99 {busy_p99:.1f} ms; x{busy_max / max(idle_max, 0.1):.1f} the idle baseline)"
    )
    return {
        "reached_row": reached,
        "total_rows": screen.page_window.total,
        "scroll_seconds": round(elapsed, 2),
        "rows_in_table_at_end": materialised,
        "rss_baseline_mb": round(baseline_rss / mb, 1),
        "rss_peak_mb": round(peak_rss / mb, 1),
        "rss_peak_over_baseline": round(peak_rss / baseline_rss, 2),
        "stall_idle_max_ms": round(idle_max, 1),
        "stall_scrolling_max_ms": round(busy_max, 1),
        "stall_scrolling_p99_ms": round(busy_p99, 1),
        "targets": {"rss_peak_mb_max": 250, "stall_max_ms": 100},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = args.db or workdir / "sandbox.db"
        t0 = time.perf_counter()
        # The sandbox runs in a child process: the memory and stalls measured here are
        # the app's alone, as against a real Orbit server.
        with sandbox_process(db, contacts=args.contacts) as base_url:
            print(f"sandbox ready with {args.contacts:,} contacts in {time.perf_counter() - t0:.1f} s")
            figures = asyncio.run(scroll(base_url, args.rows, workdir))
    path = write_result("scroll", {"contacts": args.contacts, "rows": args.rows, **figures})
    print(f"written {shown_path(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
