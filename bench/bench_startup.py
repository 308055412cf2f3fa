"""Start-up: process start to the first contacts page painted, against a bare Textual app.

Both programs run as child processes in a real pseudo-terminal (120×40, TERM
xterm-256color), with the real terminal driver, exactly as a user starts them:

- **app**: ``python -m orbit_tui`` on the demo, with temporary XDG config/data/cache
  folders prepared by one unmeasured first run, so the demo database exists and the page
  cache is warm (the measured runs are what a user sees from the second start on);
- **floor**: a bare Textual app with one ``DataTable`` of 50 rows and nothing else.

Clock: ``time.perf_counter`` in this (the parent) process, from just before the child is
spawned until the bytes the child wrote to the terminal contain its first page: the
contacts counter "1–50 of" (painted in the same frame as the table rows) for the app,
a marker in the table's first row for the floor. Then ctrl+q ends the child (killed if
it lingers). App and floor runs alternate (in each round, one then the other) so that
load on this shared machine hits both alike; the figures are the ratio of the medians
and the median of each round's app/floor ratio.

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from common import ratio, shown_path, summary_ms, write_result

APP_MARKER = "1–50 of".encode()
FLOOR_MARKER = b"floor-first-row"
COLUMNS, LINES = 120, 40
TIMEOUT_S = 120.0

FLOOR_APP = '''
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer


class Floor(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield DataTable(id="table")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Phone", "Email", "Country", "Stage", "Tags")
        for i in range(50):
            name = "floor-first-row" if i == 0 else f"Contact {i}"
            table.add_row(name, f"+1 555 010 {i:04d}", f"c{i}@example.com", "US", "lead", "vip")


Floor().run()
'''


def spawn_until(argv: list[str], env: dict[str, str], marker: bytes) -> tuple[float, bool]:
    """Seconds from spawn until ``marker`` appears on the child's terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    found_at: float | None = None
    try:
        while time.perf_counter() - start < TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = seen[-len(marker):] + chunk
            if marker in seen:
                found_at = time.perf_counter() - start
                break
        # Quit politely (ctrl+q); the demo's sandbox then stops cleanly.
        try:
            os.write(master, b"\x11")
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        os.close(master)
    if found_at is None:
        return (time.perf_counter() - start, False)
    return (found_at, True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each program")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="orbit-bench-startup-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ORBIT_") and key not in {"NO_COLOR", "TEXTUAL"}
    }
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        HOME=str(home),
    )
    floor_script = home / "floor_app.py"
    floor_script.write_text(FLOOR_APP)
    app_argv = [sys.executable, "-m", "orbit_tui"]
    floor_argv = [sys.executable, str(floor_script)]

    try:
        prepared, ok = spawn_until(app_argv, env, APP_MARKER)
        if not ok:
            print("the first (preparing) run of the app never showed its first page",
                  file=sys.stderr)
            return 1
        print(f"prepared the demo database and cache in {prepared:.1f} s (not counted)")
        spawn_until(floor_argv, env, FLOOR_MARKER)  # warm the floor's byte-code cache too

        app_times: list[float] = []
        floor_times: list[float] = []
        paired: list[float] = []  # app / floor within one round: load drift cancels out
        failures = 0
        for i in range(args.runs):
            order = [("app", app_argv, APP_MARKER), ("floor", floor_argv, FLOOR_MARKER)]
            if i % 2:
                order.reverse()
            this_round: dict[str, float] = {}
            for name, argv, marker in order:
                seconds, found = spawn_until(argv, env, marker)
                if not found:
                    failures += 1
                    print(f"  run {i + 1}: {name} showed no first page", file=sys.stderr)
                    continue
                this_round[name] = seconds
                (app_times if name == "app" else floor_times).append(seconds)
            if len(this_round) == 2:
                paired.append(this_round["app"] / this_round["floor"])
            print(f"  run {i + 1}/{args.runs}: app {this_round.get('app', 0) * 1000:.0f} ms, "
                  f"floor {this_round.get('floor', 0) * 1000:.0f} ms, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    if not app_times or not floor_times:
        print("no complete measurement", file=sys.stderr)
        return 1
    app_median = statistics.median(app_times)
    floor_median = statistics.median(floor_times)
    result = {
        "what": "process spawn to first contacts page painted, demo with warm cache",
        "clock": "time.perf_counter in the parent, spawn -> marker bytes read from the pty",
        "runs": args.runs,
        "failures": failures,
        "app": summary_ms(app_times),
        "floor_bare_textual_datatable": summary_ms(floor_times),
        "ratio_median_app_over_floor": ratio(app_median, floor_median),
        "ratio_median_of_paired_rounds": round(statistics.median(paired), 2) if paired else None,
        "target_ratio_max": 1.5,
        "samples_ms": {
            "app": [round(t * 1000, 1) for t in app_times],
            "floor": [round(t * 1000, 1) for t in floor_times],
        },
    }
    path = write_result("startup", result)
    print(f"app   (demo, warm cache): median {app_median * 1000:.0f} ms, "
          f"p95 {result['app']['p95_ms']:.0f} ms")
    print(f"floor (bare DataTable)  : median {floor_median * 1000:.0f} ms, "
          f"p95 {result['floor_bare_textual_datatable']['p95_ms']:.0f} ms")
    print(f"ratio app/floor: x{result['ratio_median_app_over_floor']:.2f} of the medians, "
          f"x{result['ratio_median_of_paired_rounds'] or 0:.2f} median of the rounds' ratios "
          f"(target <= x1.5)")
    print(f"written {shown_path(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
