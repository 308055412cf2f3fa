"""Every file and folder orbit-tui makes for a profile's data is owner-only.

A real session under a permissive umask (022): the config written, the demo started (its
database, its log), the page cache written, a bulk job journalled, a damaged journal and
a damaged cache (left 0644 by an older version) set aside. Then the config, data and
cache folders are walked: every folder 0700, every file 0600 — checked while the
session is still open (SQLite's -wal and -shm exist then) and again after it closed.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from orbit_tui.bulk import BulkEngine, Journal, Operation, Target
from orbit_tui.cache import cache_path
from orbit_tui.config import Settings, resolve
from orbit_tui.config_write import write_atomic
from orbit_tui.policy import DEMO_API_KEY
from orbit_tui.runtime import open_runtime
from orbit_tui.runtime import DEMO_CACHE_NAME


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def not_owner_only(*roots: Path) -> list[str]:
    """Paths under ``roots`` (roots included) that others may read, write or enter."""
    found: list[str] = []
    for root in roots:
        assert root.is_dir(), f"{root} was not made"
        for folder, dirs, files in os.walk(root):
            for path in [Path(folder)] + [Path(folder) / n for n in dirs + files]:
                mode = stat.S_IMODE(os.lstat(path).st_mode)
                if mode & 0o077:
                    found.append(f"{path.relative_to(root.parent)} {mode:04o}")
    return sorted(set(found))


def test_a_session_leaves_only_owner_only_files(tmp_path: Path, permissive_umask: None) -> None:
    config = tmp_path / "config" / "orbit-tui" / "config.toml"
    data, cache = tmp_path / "data" / "orbit-tui", tmp_path / "cache" / "orbit-tui"
    env = {"ORBIT_TUI_CONFIG": str(config), "ORBIT_TUI_DATA_DIR": str(data),
           "ORBIT_TUI_CACHE_DIR": str(cache)}
    write_atomic(config, {"settings": {"demo_contacts": 40}})
    # An older version left these world-readable, and damaged.
    data.mkdir(parents=True, mode=0o755)
    (data / "jobs.db").write_bytes(b"not a database" * 100)
    os.chmod(data / "jobs.db", 0o644)
    cache.mkdir(parents=True, mode=0o755)
    old_cache = cache_path(cache, DEMO_CACHE_NAME + "-old", DEMO_API_KEY)
    old_cache.write_bytes(b"garbage" * 100)
    os.chmod(old_cache, 0o644)

    resolved = replace(resolve(env=env), settings=Settings(demo_contacts=40))
    assert resolved.demo
    services = open_runtime(resolved)  # empty cache: the demo child seeds and serves
    try:
        from orbit_tui.cache import PageCache

        PageCache(old_cache).close()  # the damaged cache is set aside

        async def session() -> list[str]:
            page = await services.orbit.contacts_page({"limit": 20}, None)
            engine = BulkEngine(services.client, Journal(resolved.jobs_db),
                                base_url=services.client.base_url)
            assert engine.journal.warnings  # the damaged journal was set aside
            ids = [c.id for c in page.page.items[:3]]
            plan = await engine.plan(Target.explicit(ids), Operation.tags(add=["modes"]))
            job = await engine.execute(plan)
            assert job.counts.changed == 3
            services.cache.put_entity("contact", "con_probe", {"id": "con_probe"})  # type: ignore[union-attr]
            services.cache.settle()  # type: ignore[union-attr]
            open_now = not_owner_only(config.parent, data, cache)
            engine.journal.close()
            await services.aclose()
            return open_now

        while_open = asyncio.run(session())
    finally:
        services.stop()
    names = {p.name for p in data.iterdir()} | {p.name for p in cache.iterdir()}
    assert {"jobs.db", "demo.db", "demo-sandbox.log"} <= names
    assert any(n.startswith("jobs.db.corrupt-") for n in names)
    assert any(".corrupt-" in n and n.startswith(old_cache.name) for n in names)
    assert while_open == []
    assert not_owner_only(config.parent, data, cache) == []
