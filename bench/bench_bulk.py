"""Benchmark the bulk engine against the sandbox, as issue 7 asks.

1. Rate-limited: tag N contacts (default 2,000) through the real engine (journal,
   pacer, retries) against a sandbox answering with 50 ms latency and a 3,000/min limit.
   Reports the request rate reached as a fraction of the limit, the share of requests
   answered 429, and items lost (journal and server state both checked).
2. No limit: the engine's throughput against the sequential loop of Orbit's documented
   Python example (one ``POST /contacts/{id}/tags`` at a time, waiting for each answer),
   both measured in the same run on the same server, 50 ms latency.

Both also report, per item, the CPU time of the client's process and of the sandbox's
and the time each spent runnable but waiting for a CPU (Linux schedstat): on a shared
machine that wait, not the engine's own work, is what bounds the engine's rate.

The sandbox runs in its own process (``orbit_tui.sandbox.serve``) so that the client and
the server do not share one interpreter lock; each scenario gets a fresh copy of one
seeded database.

Run:  python bench/bench_bulk.py                      (the issue's figures)
      python bench/bench_bulk.py --contacts 500 --sequential-sample 100   (quick check)
Results go to bench/results/bulk-<time>.json and are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from orbit_tui.api.client import OrbitClient
from orbit_tui.bulk import BulkEngine, Journal, Operation, Target
from orbit_tui.sandbox import DEMO_API_KEY, seed_database

# bench/run.py points this elsewhere, then keeps the file as bench/results/bulk.json.
RESULTS = Path(os.environ.get("ORBIT_BENCH_OUT") or Path(__file__).resolve().parent / "results")


def sched_seconds(pid: int) -> tuple[float, float] | None:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) of every thread of
    ``pid`` so far, from Linux's /proc/<pid>/task/*/schedstat; None elsewhere."""
    run = wait = 0.0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as fh:
                fields = fh.read().split()
            run += int(fields[0]) / 1e9
            wait += int(fields[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
    return run, wait


class SchedMeter:
    """CPU time and run-queue wait of this process and the sandbox's, per item.

    On a shared 2-CPU machine the engine's throughput is bounded by how soon its event
    loop gets a CPU back; this says how much of the wall time went to waiting for one.
    """

    def __init__(self, sandbox_pid: int | None) -> None:
        self.pids = {"client_process": os.getpid(), "sandbox_process": sandbox_pid}
        self.start = {name: sched_seconds(pid) for name, pid in self.pids.items() if pid}

    def per_item(self, items: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, before in self.start.items():
            now = sched_seconds(self.pids[name] or 0)
            if before is None or now is None or not items:
                continue
            out[name] = {
                "cpu_ms_per_item": round((now[0] - before[0]) / items * 1000, 2),
                "runqueue_wait_ms_per_item": round((now[1] - before[1]) / items * 1000, 2),
            }
        return out


SANDBOX_PID: int | None = None  # the running sandbox child, for SchedMeter


@contextmanager
def sandbox_process(db: Path, *, latency_ms: float, limit: int | None) -> Iterator[str]:
    """Serve ``db`` in a child process; yield its base URL."""
    global SANDBOX_PID
    code = (
        "import sys\n"
        "from orbit_tui.sandbox import Faults, serve\n"
        f"serve(host='127.0.0.1', port=0, db={str(db)!r}, contacts=0, "
        f"faults=Faults(latency_ms={latency_ms!r}, rate_limit_per_min={limit!r}))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    SANDBOX_PID = proc.pid
    try:
        assert proc.stdout is not None
        base_url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if "listening on" in line:
                base_url = line.rsplit(" ", 1)[-1].strip()
                break
        if not base_url:
            raise RuntimeError("the sandbox process did not start")
        yield base_url
    finally:
        SANDBOX_PID = None
        proc.terminate()
        proc.wait(timeout=10)


class Count429:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, event: Any) -> None:
        if getattr(event, "status", None) == 429 and event.kind in ("retrying", "failed"):
            self.n += 1


class PeakInFlight:
    """The most requests the client had out at once (the concurrency really used)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, event: Any) -> None:
        self.n = max(self.n, int(getattr(event, "in_flight", 0) or 0))


async def run_engine(base_url: str, journal: Path, tag: str, concurrency: int) -> dict[str, Any]:
    async with OrbitClient(base_url, DEMO_API_KEY) as client:
        counter = Count429()
        client.add_listener(counter)
        peak = PeakInFlight()
        client.add_listener(peak)
        engine = BulkEngine(client, Journal(journal), concurrency=concurrency)
        t0 = time.monotonic()
        plan = await engine.plan(Target.matching(), Operation.tags(add=[tag]))
        sent_after_plan = client.requests_sent
        meter = SchedMeter(SANDBOX_PID)
        t1 = time.monotonic()
        job = await engine.execute(plan)
        t2 = time.monotonic()
        sched = meter.per_item(job.counts.done)
        requests = client.requests_sent  # plan + run, retries included
        # Verify on the server: every contact carries the tag.
        tagged = 0
        total = 0
        async for contact in client.iter_contacts(tags=None, page_size=100):
            total += 1
            tagged += tag in contact.tags
        c = job.counts
        job_requests = requests - sent_after_plan
        return {
            "contacts": plan.total,
            "plan_s": round(t1 - t0, 3),
            "run_s": round(t2 - t1, 3),
            "total_s": round(t2 - t0, 3),
            "items_per_s": round(c.done / (t2 - t1), 2),
            "requests_plan_and_run": requests,
            "requests_per_min": round(requests / (t2 - t0) * 60, 1),
            "job_requests_per_min": round(job_requests / (t2 - t1) * 60, 1),
            "answered_429": counter.n,
            "state": job.state,
            "done": c.done,
            "failed": c.failed,
            "remaining": c.remaining,
            "lost": c.total - c.done - c.failed - c.skipped - c.remaining,
            "server_contacts_tagged": tagged,
            "server_contacts": total,
            "concurrency": engine.concurrency,
            "max_requests_in_flight": peak.n,
            "during_run": sched,
        }


def run_sequential(base_url: str, sample: int, tag: str) -> dict[str, Any]:
    """Orbit's documented Python example: a plain loop, one request at a time."""
    headers = {"X-API-Key": DEMO_API_KEY, "Content-Type": "application/json"}
    with httpx.Client(base_url=base_url + "/", headers=headers, timeout=30) as http:
        ids: list[str] = []
        cursor = None
        while len(ids) < sample:
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            body = http.get("contacts", params=params).json()
            ids += [c["id"] for c in body["data"]]
            page = body["meta"]["pagination"]
            if not page.get("has_more"):
                break
            cursor = page["cursor"]
        ids = ids[:sample]
        meter = SchedMeter(SANDBOX_PID)
        t0 = time.monotonic()
        for contact_id in ids:
            response = http.post(f"contacts/{contact_id}/tags", json={"tags": [tag]})
            response.raise_for_status()
        elapsed = time.monotonic() - t0
    return {"contacts": len(ids), "run_s": round(elapsed, 3), "items_per_s": round(len(ids) / elapsed, 2),
            "during_run": meter.per_item(len(ids))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--limit", type=int, default=3000, help="rate limit per minute for scenario 1")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sequential-sample", type=int, default=300, help="contacts the sequential loop tags")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    template = work / "template.db"
    t = time.monotonic()
    seed_database(template, contacts=args.contacts, seed=7)
    print(f"seeded {args.contacts} contacts in {time.monotonic() - t:.1f} s", flush=True)

    results: dict[str, Any] = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python bench/bench_bulk.py " + " ".join(sys.argv[1:]),
        "contacts": args.contacts,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }

    db1 = work / "limited.db"
    shutil.copy(template, db1)
    with sandbox_process(db1, latency_ms=args.latency_ms, limit=args.limit) as url:
        limited = asyncio.run(run_engine(url, work / "jobs1.db", "bench-limited", args.concurrency))
    limited["limit_per_min"] = args.limit
    limited["fraction_of_limit"] = round(limited["requests_per_min"] / args.limit, 3)
    limited["share_429"] = round(limited["answered_429"] / max(1, limited["requests_plan_and_run"]), 4)
    results["rate_limited"] = limited
    print(json.dumps({"rate_limited": limited}, indent=2), flush=True)

    db2 = work / "unlimited.db"
    shutil.copy(template, db2)
    with sandbox_process(db2, latency_ms=args.latency_ms, limit=None) as url:
        sequential = run_sequential(url, args.sequential_sample, "bench-seq")
        engine = asyncio.run(run_engine(url, work / "jobs2.db", "bench-engine", args.concurrency))
    results["unlimited"] = {
        "sequential_loop": sequential,
        "engine": engine,
        "speedup_vs_sequential": round(engine["items_per_s"] / sequential["items_per_s"], 2),
    }
    print(json.dumps({"unlimited": results["unlimited"]}, indent=2), flush=True)

    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bulk-{args.contacts}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(RESULTS.parent.parent)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
