"""Benchmark the sandbox: seeding time, the latency of a 50-row search page, and of
the filtered pages that read lookup tables or stored counts at scale.

Measured at the server, in-process: requests go through the real ASGI app with
httpx.ASGITransport (routing, auth, SQL, JSON envelope), no sockets. Figures are
reported with baselines measured in the same run on the same database:

- ``baseline_select``: a plain indexed SELECT of 50 contacts (keyset on seq);
- ``baseline_list``: GET /contacts?limit=50 without search (same stack, no FTS).

``endpoints`` times, against ``baseline_list``, the pages that were slow at a
million contacts: the tags filter (one common tag, two tags, a rare tag), the
opt-outs (any channel, one channel), the segments with their counts, a segment's
members, and emoji-only searches. Each is timed twice: ``repeat`` (the same
request again: counts remembered until the next write) and ``after_write`` (an
untimed write to a random contact before every request: a tag added, or a
channel preference flipped, so every count the page shows must be current).

Run:  python bench/bench_sandbox.py --contacts 1000000
      python bench/bench_sandbox.py --contacts 20000      (quick check)
Results go to bench/results/sandbox-<N>-<time>.json and are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from orbit_tui.sandbox import create_app, seed_database

KEY = "dv_test_sk_bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples) * 1000, 3),
            "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
            "max_ms": round(max(samples) * 1000, 3), "n": len(samples)}


def pick_queries(db: Path, count: int, rng: random.Random) -> list[str]:
    """Realistic search texts drawn from the data: name prefixes, full names, phone and email parts."""
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(seq) FROM contacts").fetchone()[0]
        rows = [conn.execute("SELECT first_name, last_name, phone, email FROM contacts WHERE seq >= ? LIMIT 1",
                             (rng.randint(1, top),)).fetchone() for _ in range(count)]
    queries: list[str] = []
    for i, (first, last, phone, email) in enumerate(rows):
        kind = i % 6
        if kind == 0 and first:
            queries.append(first[:3])
        elif kind == 1 and first and last:
            queries.append(f"{first} {last}")
        elif kind == 2 and last:
            queries.append(last.lower())
        elif kind == 3 and phone:
            queries.append(f"{phone[-7:-4]} {phone[-4:]}")
        elif kind == 4 and email:
            queries.append(email.split("@")[0][:6])
        else:
            queries.append((first or email or "a")[:2])
    return queries


async def time_requests(app: Any, requests: list[dict[str, Any]]) -> list[float]:
    transport = httpx.ASGITransport(app=app)
    samples: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/api/v1",
                                 headers={"X-API-Key": KEY}) as client:
        for params in requests[:5]:  # warm-up
            await client.get("/contacts", params=params)
        for params in requests:
            started = time.perf_counter()
            response = await client.get("/contacts", params=params)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")
    return samples


ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("tags_common", "/contacts", {"tags": "vip", "limit": 50}),
    ("tags_two", "/contacts", {"tags": "vip,newsletter", "limit": 50}),
    ("tags_rare", "/contacts", {"tags": "campaign-150", "limit": 50}),
    ("optouts_any", "/contacts/optouts", {"limit": 50}),
    ("optouts_sms", "/contacts/optouts", {"channel": "sms", "limit": 50}),
    ("segments", "/contacts/segments", {"limit": 100}),
    ("segment_members", "/contacts/segments/{segment}/members", {"limit": 50}),
    ("search_emoji", "/contacts", {"search": "🚀", "limit": 50}),
    ("search_emojis", "/contacts", {"search": "👩‍💻🔥", "limit": 50}),
]


async def time_endpoints(app: Any, rounds: int) -> dict[str, Any]:
    """Median/p95 of each endpoint in ENDPOINTS, on repeat and right after a write."""
    transport = httpx.ASGITransport(app=app)
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/api/v1",
                                 headers={"X-API-Key": KEY}, timeout=600) as client:
        segments = (await client.get("/contacts/segments", params={"limit": 100})).json()["data"]
        segment = segments[0]["id"]
        ids = [c["id"] for c in (await client.get("/contacts", params={"limit": 100})).json()["data"]]

        async def write(i: int) -> None:
            contact = ids[i % len(ids)]
            if i % 2:
                await client.post(f"/contacts/{contact}/tags", json={"tags": ["vip", f"bench-{i}"]})
            else:
                await client.put(f"/contacts/{contact}/preferences", json={"preferences": {"sms": bool(i % 4)}})

        step = 0
        for name, path, params in ENDPOINTS:
            url = path.format(segment=segment)
            samples: dict[str, list[float]] = {"repeat": [], "after_write": []}
            first = await client.get(url, params=params)  # warm-up, and the page's facts
            body = first.json()
            if first.status_code != 200:
                raise SystemExit(f"{name}: unexpected {first.status_code}: {first.text[:200]}")
            for mode in ("repeat", "after_write"):
                for _ in range(rounds):
                    if mode == "after_write":
                        step += 1
                        await write(step)
                    started = time.perf_counter()
                    response = await client.get(url, params=params)
                    samples[mode].append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: unexpected {response.status_code}")
            total = body.get("meta", {}).get("pagination", {}).get("total")
            out[name] = {"path": path, "params": params, "items": len(body["data"]), "total": total,
                         "repeat": summary(samples["repeat"]), "after_write": summary(samples["after_write"])}
    return out


def time_plain_select(db: Path, count: int, rng: random.Random) -> list[float]:
    conn = sqlite3.connect(db)
    top = conn.execute("SELECT max(seq) FROM contacts").fetchone()[0]
    samples = []
    for _ in range(count):
        after = rng.randint(51, top)
        started = time.perf_counter()
        conn.execute("SELECT * FROM contacts WHERE seq < ? ORDER BY seq DESC LIMIT 50", (after,)).fetchall()
        samples.append(time.perf_counter() - started)
    conn.close()
    return samples


def _cpu() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"main": own.ru_utime + own.ru_stime, "workers": children.ru_utime + children.ru_stime}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=30, help="requests per endpoint and mode")
    parser.add_argument("--db", type=Path, default=None, help="reuse/keep this database (seeded if empty)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)

    workdir = tempfile.TemporaryDirectory(prefix="orbit-bench-")
    db = args.db or Path(workdir.name) / "bench.db"
    seed_seconds = None
    phases: dict[str, float] = {}
    seed_cpu: dict[str, float] = {}
    seed_loads: list[float] = [round(os.getloadavg()[0], 2)]
    fresh = not db.exists()
    if fresh:
        print(f"seeding {args.contacts:,} contacts…", flush=True)
        started = time.perf_counter()

        def progress(phase: str) -> None:
            phases[phase] = round(time.perf_counter() - started, 2)
            seed_loads.append(round(os.getloadavg()[0], 2))
            print(f"  {phases[phase]:7.1f} s  {phase}  (load {seed_loads[-1]})", flush=True)

        cpu_before = _cpu()
        seed_database(db, contacts=args.contacts, seed=args.seed, progress=progress)
        seed_seconds = time.perf_counter() - started
        cpu_after = _cpu()
        seed_cpu = {k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_before}
        print(f"seeded in {seed_seconds:.1f} s", flush=True)
    rng = random.Random(args.seed)
    queries = pick_queries(db, args.queries, rng)
    app = create_app(db, api_keys=[KEY])
    search = asyncio.run(time_requests(app, [{"search": q, "limit": 50} for q in queries]))
    listing = asyncio.run(time_requests(app, [{"limit": 50}] * args.queries))
    plain = time_plain_select(db, args.queries, rng)
    endpoints = asyncio.run(time_endpoints(app, args.rounds))
    result = {
        "contacts": args.contacts, "seed": args.seed, "fresh_seed": fresh,
        "seed_seconds": None if seed_seconds is None else round(seed_seconds, 2),
        "seed_phases_at_seconds": phases,
        # CPU seconds of this process (writes) and of the generator workers: on an
        # idle machine the wall time is about the larger of main and workers/CPUs
        "seed_cpu_seconds": seed_cpu,
        # 1-minute load average when seeding started and at the end of each phase
        "seed_load_1min": seed_loads,
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        "search_page_50": summary(search),
        "baseline_list": summary(listing),
        "baseline_select": summary(plain),
        "endpoints": endpoints,
    }
    result["ratios"] = {
        "search_median_vs_select": round(result["search_page_50"]["median_ms"] / result["baseline_select"]["median_ms"], 1),
        "search_median_vs_list": round(result["search_page_50"]["median_ms"] / result["baseline_list"]["median_ms"], 2),
    }
    base = result["baseline_list"]["median_ms"]
    result["endpoint_ratios_vs_list"] = {
        name: {mode: round(e[mode]["median_ms"] / base, 2) for mode in ("repeat", "after_write")}
        for name, e in endpoints.items()}
    result["targets"] = {"search_median_ms_max": 25, "seed_seconds_max_at_1M": 120,
                         "endpoint_page_ms_well_under": 100}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"sandbox-{args.contacts}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {path.relative_to(Path(__file__).parent.parent) if path.is_relative_to(Path(__file__).parent.parent) else path}")
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
