"""Cached navigation: open a contact, go back, and see the page already seen at once.

The real app (``OrbitApp`` over the page cache and the HTTP client, in this process,
driven by Textual's Pilot at 120×40, headless) talks to the sandbox in a child
process over loopback, answering every request after 200 ms of injected latency.

Figures (``time.perf_counter`` in this process):

- **back**: from the ``escape`` key on a contact's detail to the first frame composed
  with the contacts page again (the page already seen; no request is on that path);
- **open**: from ``enter`` on a row to the first frame of the contact's detail;
- **seen search**: from ``enter`` in the search box, submitting a search already made
  earlier in the session, to the first frame showing its rows (served by the page
  cache; the app revalidates it behind, which is not waited for);
- **baseline**: the raw round trip of ``GET /contacts?limit=50`` with httpx against
  the same server in the same run (about the injected 200 ms).

Target: back ≤ 50 ms median.

    python bench/bench_navigation.py [--latency-ms 200] [--rounds 30] [--contacts 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from common import FrameClock, ratio, sandbox_process, shown_path, summary_ms, write_result
from orbit_tui.api.client import OrbitClient
from orbit_tui.cache import PageCache
from orbit_tui.sandbox import DEMO_API_KEY
from orbit_tui.ui.app import OrbitApp
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.screens.detail import ContactDetailScreen
from orbit_tui.policy import ChangePolicy
from orbit_tui.runtime import build_runtime
from orbit_tui.ui.status import ProfileInfo

SEEN_SEARCHES = ["jo", "mar", "an", "li", "sa"]


async def round_trips(base_url: str, count: int) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(
        base_url=base_url + "/", headers={"X-API-Key": DEMO_API_KEY}, timeout=30
    ) as http:
        (await http.get("contacts", params={"limit": 50})).raise_for_status()  # warm
        for _ in range(count):
            start = time.perf_counter()
            response = await http.get("contacts", params={"limit": 50})
            times.append(time.perf_counter() - start)
            response.raise_for_status()
    return times


async def settle(pilot: object, client: OrbitClient, screen: ContactsScreen) -> None:
    """Wait until nothing is loading or in flight (revalidations included)."""
    while screen.is_loading or screen.is_paging or client.in_flight:
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    await pilot.pause(0.05)  # type: ignore[attr-defined]


async def navigate(base_url: str, workdir: Path, rounds: int) -> dict[str, object]:
    client = OrbitClient(base_url, DEMO_API_KEY)
    requests_started: list[float] = []
    client.add_listener(
        lambda event: requests_started.append(time.perf_counter())
        if event.kind == "started" else None
    )
    cache = PageCache(workdir / "cache.db")
    app = OrbitApp(
        build_runtime(client, ChangePolicy(kind="TEST"), cache=cache,
                      jobs_db=workdir / "jobs.db"),
        profile=ProfileInfo(name="bench", kind="TEST"),
        animations=False,
        on_close=[client.aclose],  # the cache is the benchmark's own to close
    )
    clock = FrameClock(app)
    back: list[float] = []
    opened: list[float] = []
    seen: list[float] = []
    requests_on_back = 0
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.contacts_screen
        assert screen is not None
        while not (screen.loaded_once and not screen.is_loading):
            await pilot.pause(0.01)
        await settle(pilot, client, screen)

        for i in range(rounds):
            if i:
                await pilot.press("down")
            start = time.perf_counter()
            await pilot.press("enter")
            opened.append(await clock.first_frame(
                start, lambda s, _: isinstance(s, ContactDetailScreen)))
            await pilot.pause(0.05)
            before = len(requests_started)
            start = time.perf_counter()
            await pilot.press("escape")
            back.append(await clock.first_frame(start, lambda s, _: s is screen))
            requests_on_back += sum(1 for t in requests_started[before:] if t <= start + back[-1])
            await settle(pilot, client, screen)

        # Searches made once (from the server), then returned to (from the cache).
        search = screen.query_one("#search")
        clock.probe = lambda s: (screen.query_state.search, screen.generation, screen.is_loading)

        async def submit(text: str) -> float:
            await pilot.press("slash")
            search.value = text  # type: ignore[attr-defined]
            generation = screen.generation
            start = time.perf_counter()
            await pilot.press("enter")
            return await clock.first_frame(
                start,
                lambda s, p: s is screen and p is not None and p[0] == text
                and p[1] > generation and not p[2],
            )

        for text in SEEN_SEARCHES:
            await submit(text)
            await settle(pilot, client, screen)
        for i in range(rounds):
            seen.append(await submit(SEEN_SEARCHES[i % len(SEEN_SEARCHES)]))
            await settle(pilot, client, screen)
    cache.close()
    return {"back": back, "open": opened, "seen": seen, "requests_on_back": requests_on_back}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--contacts", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orbit-bench-nav-") as tmp:
        workdir = Path(tmp)
        with sandbox_process(
            workdir / "sandbox.db", latency_ms=args.latency_ms, contacts=args.contacts
        ) as base_url:
            baseline = asyncio.run(round_trips(base_url, 20))
            measured = asyncio.run(navigate(base_url, workdir, args.rounds))
    back = measured["back"]
    assert isinstance(back, list) and isinstance(measured["open"], list)
    assert isinstance(measured["seen"], list)
    round_trip = statistics.median(baseline)
    back_median = statistics.median(back)
    seen_median = statistics.median(measured["seen"])
    result = {
        "what": "escape from a contact's detail to the contacts page painted again",
        "clock": "time.perf_counter in the app's process, key press -> first frame composed",
        "latency_ms": args.latency_ms,
        "contacts": args.contacts,
        "rounds": args.rounds,
        "back_to_page": summary_ms(back),
        "open_contact": summary_ms(measured["open"]),
        "seen_search_from_cache": summary_ms(measured["seen"]),
        "requests_started_before_back_painted": measured["requests_on_back"],
        "baseline_round_trip": summary_ms(baseline),
        "ratio_back_over_round_trip": ratio(back_median, round_trip),
        "ratio_seen_search_over_round_trip": ratio(seen_median, round_trip),
        "target_back_median_ms_max": 50,
    }
    path = write_result("navigation", result)
    print(f"server latency {args.latency_ms:.0f} ms, {args.rounds} rounds")
    print(f"baseline round trip (httpx, median): {round_trip * 1000:.0f} ms")
    print(f"back to the page seen (median): {back_median * 1000:.1f} ms, "
          f"p95 {result['back_to_page']['p95_ms']:.1f} ms "
          f"= x{result['ratio_back_over_round_trip']:.2f} the round trip (target <= 50 ms)")
    print(f"open a contact (median): {statistics.median(measured['open']) * 1000:.1f} ms")
    print(f"a search already made, from the cache (median): {seen_median * 1000:.1f} ms "
          f"= x{result['ratio_seen_search_over_round_trip']:.2f} the round trip")
    print(f"requests started before the page came back: {measured['requests_on_back']}")
    print(f"written {shown_path(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
