"""Keystroke-to-results-painted latency of search as you type, in the real app.

The app (``OrbitApp`` over the page cache and the HTTP client, driven by Textual's Pilot
at 120×40, headless, in this process) searches the sandbox, which runs in a child
process on loopback with injected latency (default 50 ms). The baseline is the raw
round trip of the same search requests with httpx, measured in the same run (after one
unmeasured pass, so server-side warmth favours neither). For each
query (50 distinct ones, none cached before) the word is typed, and the clock
(``time.perf_counter``) runs from the last keystroke to the first frame composed with
that query's results. Figures printed (median and p95):

- keystroke to results painted, the search debounce included (the debounce is a
  deliberate wait so that typing does not send a request per key);
- the same minus the nominal debounce: what the app adds on top of its deliberate wait,
  the fair figure to hold against the round trip (target: median ≤ 1.5 × the round trip);
- its parts: last keystroke to the request leaving (the debounce as it really fires),
  the request inside the app, and the answer to the frame.

    python bench/bench_search.py [--latency-ms 50] [--contacts 3000] [--debounce-ms 200] [--queries 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from common import FrameClock, ratio, sandbox_process, shown_path, summary_ms, write_result
from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import PageCache
from orbit_tui.sandbox import DEMO_API_KEY
from orbit_tui.ui.app import OrbitApp
from orbit_tui.policy import ChangePolicy
from orbit_tui.runtime import build_runtime
from orbit_tui.ui.status import ProfileInfo

QUERIES = [
    "jo", "mar", "an", "li", "pe", "sa", "da", "el", "ro", "ka", "mi", "to", "ch", "je",
    "ja", "br", "st", "ni", "ma", "al", "be", "ca", "de", "em", "fr", "ge", "ha", "is",
    "ju", "ke", "la", "lu", "me", "na", "ol", "pa", "ra", "ri", "sc", "se", "sh", "ta",
    "th", "va", "wi", "ad", "ar", "co", "do", "ed",
]


async def baseline(base_url: str, queries: list[str]) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(
        base_url=base_url + "/", headers={"X-API-Key": DEMO_API_KEY}, timeout=30
    ) as http:
        # One unmeasured pass first: the server remembers counts between writes, so the
        # app (which comes second) must not be the only one to find them warm.
        for query in queries:
            (await http.get("contacts", params={"search": query, "limit": 50})).raise_for_status()
        for query in queries:
            start = time.perf_counter()
            response = await http.get("contacts", params={"search": query, "limit": 50})
            times.append(time.perf_counter() - start)
            response.raise_for_status()
    return times


async def typed(
    base_url: str, workdir: Path, debounce_s: float, queries: list[str]
) -> dict[str, list[float]]:
    client = OrbitClient(base_url, DEMO_API_KEY)
    events: list[tuple[float, str]] = []
    client.add_listener(lambda event: events.append((time.perf_counter(), event.kind)))
    cache = PageCache(workdir / "cache.db")
    app = OrbitApp(
        build_runtime(client, ChangePolicy(kind="TEST"), cache=cache,
                      jobs_db=workdir / "jobs.db"),
        profile=ProfileInfo(name="bench", kind="TEST"),
        animations=False,
        search_debounce_s=debounce_s,
        on_close=[client.aclose],  # the cache is the benchmark's own to close
    )
    clock = FrameClock(app)
    out: dict[str, list[float]] = {"total": [], "to_request": [], "request": [], "to_frame": []}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.contacts_screen
        assert screen is not None
        clock.probe = lambda s: (screen.query_state.search, screen.generation, screen.is_loading)

        async def settle() -> None:
            while screen.is_loading or client.in_flight:
                await pilot.pause(0.005)
            await pilot.pause(0.05)

        while not (screen.loaded_once and not screen.is_loading):
            await pilot.pause(0.01)
        await pilot.press("slash")
        for query in queries:
            search = screen.query_one("#search")
            search.value = ""  # type: ignore[attr-defined]
            await pilot.pause(debounce_s + 0.05)
            await settle()
            generation = screen.generation
            await pilot.press(*query[:-1])
            start = time.perf_counter()
            await pilot.press(query[-1])
            total = await clock.first_frame(
                start,
                lambda s, p: s is screen and p is not None and p[0] == query
                and p[1] > generation and not p[2],
            )
            sent = [t for t, kind in events if t >= start and kind == "started"]
            done = [t for t, kind in events if t >= start and kind in ("finished", "failed")]
            out["total"].append(total)
            if sent and done:
                out["to_request"].append(sent[0] - start)
                out["request"].append(done[0] - sent[0])
                out["to_frame"].append(start + total - done[0])
    cache.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--debounce-ms", type=float, default=200)
    parser.add_argument("--queries", type=int, default=50, help=f"at most {len(QUERIES)}")
    args = parser.parse_args()
    queries = QUERIES[: max(1, args.queries)]
    debounce_s = args.debounce_ms / 1000
    with tempfile.TemporaryDirectory(prefix="orbit-bench-search-") as tmp:
        workdir = Path(tmp)
        with sandbox_process(
            workdir / "sandbox.db", latency_ms=args.latency_ms, contacts=args.contacts
        ) as base_url:
            round_trips = asyncio.run(baseline(base_url, queries))
            parts = asyncio.run(typed(base_url, workdir, debounce_s, queries))
    times = parts["total"]
    after = [t - debounce_s for t in times]
    round_trip = statistics.median(round_trips)
    result = {
        "what": "last keystroke -> first frame composed with that query's results",
        "clock": "time.perf_counter in the app's process (Pilot, headless 120x40)",
        "latency_ms": args.latency_ms,
        "contacts": args.contacts,
        "queries": len(times),
        "debounce_ms": args.debounce_ms,
        "keystroke_to_painted": summary_ms(times),
        "keystroke_to_painted_minus_debounce": summary_ms(after),
        "parts": {
            "keystroke_to_request_sent": summary_ms(parts["to_request"]),
            "request_in_app": summary_ms(parts["request"]),
            "answer_to_frame": summary_ms(parts["to_frame"]),
        },
        "baseline_round_trip_httpx": summary_ms(round_trips),
        "ratio_minus_debounce_over_round_trip": ratio(statistics.median(after), round_trip),
        "ratio_total_over_round_trip": ratio(statistics.median(times), round_trip),
        "target_ratio_max": 1.5,
    }
    path = write_result("search", result)
    ms = result["keystroke_to_painted"]
    fair = result["keystroke_to_painted_minus_debounce"]
    print(f"queries: {len(times)}, injected latency {args.latency_ms:.0f} ms")
    print(f"baseline httpx round trip: median {round_trip * 1000:.1f} ms")
    print(f"keystroke to results painted: median {ms['median_ms']:.1f} ms, p95 {ms['p95_ms']:.1f} ms "
          f"(debounce {args.debounce_ms:.0f} ms included)")
    print(f"minus the debounce: median {fair['median_ms']:.1f} ms, p95 {fair['p95_ms']:.1f} ms "
          f"= x{result['ratio_minus_debounce_over_round_trip']:.2f} the round trip (target <= x1.5)")
    p = result["parts"]
    print(f"parts (median): to request sent {p['keystroke_to_request_sent'].get('median_ms', 0):.1f} ms, "
          f"request {p['request_in_app'].get('median_ms', 0):.1f} ms, "
          f"answer to frame {p['answer_to_frame'].get('median_ms', 0):.1f} ms")
    print(f"written {shown_path(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
