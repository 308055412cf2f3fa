"""Keystroke-to-results-painted latency of search as you type, in the real app.

Against the sandbox with injected latency (default 50 ms), the baseline is the plain
client's round trip for the same searches, measured in the same run. For each query
the whole word is typed, then the clock runs from the last keystroke until the table
shows that query's results and a frame was painted. Figures printed:

- median keystroke-to-paint, with and without the search debounce (the debounce is a
  deliberate wait so that typing does not send a request per key);
- the ratio of the latter to the baseline round trip.

    python bench/bench_search.py [--latency-ms 50] [--contacts 3000] [--debounce-ms 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import CachedOrbit, PageCache
from orbit_tui.sandbox import Faults, SandboxServer
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.sources import CachedOrbitSource
from orbit_tui.ui.status import ProfileInfo

QUERIES = ["jo", "mar", "an", "li", "pe", "sa", "da", "el", "ro", "ka", "mi", "to"]


async def baseline(server: SandboxServer) -> float:
    times: list[float] = []
    async with OrbitClient(server.base_url, server.api_key) as client:
        await client.list_contacts(limit=50)  # warm the connection
        for query in QUERIES:
            start = time.perf_counter()
            await client.list_contacts(search=query, limit=50)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


async def typed(server: SandboxServer, workdir: Path, debounce_s: float) -> list[float]:
    client = OrbitClient(server.base_url, server.api_key)
    cache = PageCache(workdir / "cache.db")
    app = OrbitApp(
        CachedOrbitSource(CachedOrbit(client, cache)),
        profile=ProfileInfo(name="bench", kind="TEST"),
        animations=False,
        search_debounce_s=debounce_s,
        on_close=[client.aclose],
    )
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.contacts_screen
        assert screen is not None
        while not (screen.loaded_once and not screen.is_loading):
            await pilot.pause(0.01)
        await pilot.press("slash")
        for query in QUERIES:
            search = screen.query_one("#search")
            search.value = ""  # type: ignore[attr-defined]
            await pilot.pause(debounce_s + 0.05)
            while screen.is_loading:
                await pilot.pause(0.005)
            generation = screen.generation
            await pilot.press(*query)
            start = time.perf_counter()
            while not (
                screen.query_state.search == query
                and screen.generation > generation
                and not screen.is_loading
            ):
                await asyncio.sleep(0.001)
            await pilot.pause()  # one more turn: the frame with the results is painted
            times.append(time.perf_counter() - start)
    cache.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--debounce-ms", type=float, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        faults = Faults(latency_ms=args.latency_ms)
        with SandboxServer(workdir / "sandbox.db", contacts=args.contacts, faults=faults) as server:
            round_trip = asyncio.run(baseline(server))
            debounce_s = args.debounce_ms / 1000
            times = asyncio.run(typed(server, workdir, debounce_s))
    median = statistics.median(times)
    after_debounce = median - debounce_s
    print(f"queries: {len(times)}, injected latency {args.latency_ms:.0f} ms")
    print(f"baseline client round trip (median): {round_trip * 1000:.1f} ms")
    print(f"keystroke to results painted (median): {median * 1000:.1f} ms "
          f"(debounce {args.debounce_ms:.0f} ms included)")
    print(f"after the debounce: {after_debounce * 1000:.1f} ms = "
          f"x{after_debounce / round_trip:.2f} the round trip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
