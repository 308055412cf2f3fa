"""Helpers shared by the benchmarks: machine facts, percentiles, result files.

Every benchmark writes ``bench/results/<name>.json`` through :func:`write_result`, which
adds the date, the machine (CPUs, CPU model, Python, load average) and the git commit,
so a figure in ``bench/README.md`` can be traced to the run that produced it.
Benchmarks print figures and never assert timing.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT, capture_output=True, text=True, timeout=5, check=False,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_info() -> dict[str, Any]:
    """Facts about this machine and this moment, for the result file."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        from importlib.metadata import version

        textual_version = version("textual")
    except Exception:  # noqa: BLE001 - optional fact
        textual_version = "unknown"
    return {
        "when_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": usable,
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "textual": textual_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": git_commit(),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """Median, p95, min and max in milliseconds of samples given in seconds."""
    if not samples_s:
        return {"n": 0}
    return {
        "n": len(samples_s),
        "median_ms": round(statistics.median(samples_s) * 1000, 2),
        "p95_ms": round(percentile(samples_s, 0.95) * 1000, 2),
        "min_ms": round(min(samples_s) * 1000, 2),
        "max_ms": round(max(samples_s) * 1000, 2),
    }


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 2) if baseline else math.inf


def command_line() -> str:
    script = Path(sys.argv[0])
    try:
        shown = str(script.resolve().relative_to(ROOT))
    except ValueError:
        shown = script.name
    return " ".join(["python", shown, *sys.argv[1:]])


def write_result(name: str, data: dict[str, Any], *, directory: Path | None = None) -> Path:
    """Write ``<directory or bench/results>/<name>.json`` with the machine facts added."""
    target_dir = directory or RESULTS
    target_dir.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "command": command_line(), "machine": machine_info(), **data}
    path = target_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return path.name



@contextmanager
def sandbox_process(
    db: Path, *, latency_ms: float = 0, contacts: int = 3000, timeout_s: float = 600
) -> Iterator[str]:
    """Serve ``db`` (seeded with ``contacts`` if empty) in a child process; yield its base URL.

    A child process keeps the server's work off the benchmarked process's interpreter
    lock, as with a real Orbit server.
    """
    code = (
        "from orbit_tui.sandbox import Faults, serve\n"
        f"serve(host='127.0.0.1', port=0, db={str(db)!r}, contacts={contacts!r}, "
        f"faults=Faults(latency_ms={latency_ms!r}))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base_url = ""
        deadline = time.monotonic() + timeout_s
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
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class FrameClock:
    """Stamps every frame a Textual app composes (``App._display``), with a probe's answer.

    ``probe`` is evaluated at the moment of each frame, so "the first frame showing X
    after t0" is exact even if the waiting coroutine only wakes later. In headless runs
    (``run_test``) the frame is composed but not serialised to a terminal.
    """

    def __init__(self, app: Any) -> None:
        self.frames: list[tuple[float, Any, Any]] = []
        self.probe: Callable[[Any], Any] = lambda screen: None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), screen, self.probe(screen)))

        app._display = display

    async def first_frame(
        self, after: float, accept: Callable[[Any, Any], bool], timeout_s: float = 30.0
    ) -> float:
        """Seconds from ``after`` to the first frame for which ``accept(screen, probed)``."""
        import asyncio

        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            for stamp, screen, probed in self.frames:
                if stamp >= after and accept(screen, probed):
                    return stamp - after
            await asyncio.sleep(0.001)
        raise TimeoutError("no matching frame")
