"""Where the demo's start-up time goes: a phase-by-phase split (not a benchmark figure).

Runs the real entry point in a child process on a pseudo-terminal (as
``bench_startup.py`` does), with wrappers around the start-up steps that log
``time.perf_counter`` stamps to a file; the child is started by this script, which
also stamps the spawn. Prints each phase in milliseconds, median over ``--runs``:

- interpreter start (spawn to the first line of the wrapper),
- ``import orbit_tui.cli`` (config, pydantic models...), resolving the config,
- ``import orbit_tui.ui.app`` (Textual and the screens),
- binding the demo sandbox's socket (its child process is spawned only after the first
  page is painted when the cache is warm: ``sandbox_child_spawned`` comes last),
- building the client and opening the page cache,
- the app's own start (Textual boot, mount, CSS) until the contacts screen asks for its
  first page, the page request itself (a cache peek when warm), and painting it:
  the first frames the app hands to its terminal writer (labelled ``with_page`` when
  they hold the first page; rendering them a second time for that label costs a few
  ms) and the moment this script reads the page from the terminal (``painted``).

    python bench/profile_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_startup import APP_MARKER, COLUMNS, LINES, spawn_until

WRAPPER = r'''
import json, sys, time
LOG = sys.argv[1]
stamps = []
def mark(name):
    stamps.append((name, time.perf_counter()))
    with open(LOG, "w") as f:
        json.dump(stamps, f)
mark("wrapper_start")
import orbit_tui.cli as cli
mark("imported_cli")
real_resolve = cli.resolve
def resolve(*a, **k):
    r = real_resolve(*a, **k); mark("resolved_config"); return r
cli.resolve = resolve
import orbit_tui.ui.app as app_module
mark("imported_ui_app")
import orbit_tui.runtime as services
real_demo = services.demo_server
def demo_server(resolved):
    mark("demo_server_begin")
    server = real_demo(resolved)
    mark("demo_socket_bound")
    return server
services.demo_server = demo_server
real_start = services.DemoServer.start
def start(self):
    begin = not self.started
    real_start(self)
    if begin:
        mark("sandbox_child_spawned")
services.DemoServer.start = start
real_open_cache = services.open_cache
def open_cache(*a, **k):
    mark("build_source_begin")
    r = real_open_cache(*a, **k)
    mark("cache_open")
    return r
services.open_cache = open_cache
from orbit_tui.ui.screens.contacts import ContactsScreen
from orbit_tui.ui.sources import CachedOrbitSource
real_on_mount = ContactsScreen.on_mount
def on_mount(self):
    mark("contacts_screen_mounted")
    real_on_mount(self)
ContactsScreen.on_mount = on_mount
real_page = CachedOrbitSource.contacts_page
first = {"done": False}
async def contacts_page(self, *a, **k):
    begin = not first["done"]
    if begin:
        mark("first_page_request")
    r = await real_page(self, *a, **k)
    if begin:
        first["done"] = True
        mark("first_page_answered" + ("_from_cache" if r.from_cache else "_from_server"))
    return r
CachedOrbitSource.contacts_page = contacts_page
from orbit_tui.ui.widgets.contacts_table import ContactsTable
real_show = ContactsTable.show
def show(self, *a, **k):
    mark("table_show_begin")
    real_show(self, *a, **k)
    mark("table_show_end")
ContactsTable.show = show
from textual.app import App
real_display = App._display
frames = {"n": 0}
def _display(self, screen, renderable):
    batched = bool(self._batch_count)  # Textual drops a frame composed in a batch
    real_display(self, screen, renderable)
    if renderable is not None and frames["n"] < 6:
        frames["n"] += 1
        try:
            text = renderable.render_segments(self.console)
            what = "with_page" if "1\u201350 of" in text else f"{len(text)}b"
        except Exception:
            what = "?"
        kind = type(renderable).__name__
        state = "dropped_in_batch" if batched else "written"
        mark(f"frame_{frames['n']}_{state}_{kind}_{what}")
App._display = _display
real_end_batch = App._end_batch
def _end_batch(self):
    real_end_batch(self)
    if not self._batch_count and not frames.get("batch_ended"):
        frames["batch_ended"] = True
        mark("first_batch_ended")
App._end_batch = _end_batch
from orbit_tui.ui.app import OrbitApp
real_app_mount = OrbitApp.on_mount
def app_on_mount(self):
    mark("app_on_mount")
    real_app_mount(self)
    mark("app_on_mount_done")
OrbitApp.on_mount = app_on_mount
sys.argv = ["orbit-tui"]
raise SystemExit(cli.main([]))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="orbit-bench-profile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")}
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES), HOME=str(home),
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"))
    wrapper = home / "wrapper.py"
    wrapper.write_text(WRAPPER)
    log = home / "stamps.json"
    phases: dict[str, list[float]] = {}
    try:
        spawn_until([sys.executable, "-m", "orbit_tui"], env, APP_MARKER)  # prepare
        for _ in range(args.runs):
            log.unlink(missing_ok=True)
            spawn = time.perf_counter()
            total, ok = spawn_until([sys.executable, str(wrapper), str(log)], env, APP_MARKER)
            if not ok:
                print("a run showed no first page", file=sys.stderr)
                continue
            stamps = json.loads(log.read_text())
            # perf_counter is CLOCK_MONOTONIC, shared by parent and child on Linux.
            previous = ("spawn", spawn)
            for name, at in stamps:
                phases.setdefault(f"{previous[0]} -> {name}", []).append(at - previous[1])
                previous = (name, at)
            phases.setdefault(f"{previous[0]} -> painted", []).append(spawn + total - previous[1])
            phases.setdefault("total", []).append(total)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    width = max(len(k) for k in phases)
    for name, values in phases.items():
        print(f"{name:<{width}}  {statistics.median(values) * 1000:8.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
