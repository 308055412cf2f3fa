"""The demo's sandbox in a child process: cold start waits for it, a warm cache defers it.

Real parts: the child process, its loopback socket, the HTTP client and the page cache.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from orbit_tui.config import Settings, resolve
from orbit_tui.policy import DEMO_API_KEY
from orbit_tui.runtime import DEMO_API_PREFIX, DemoServer, Runtime, open_runtime


def test_the_app_spells_the_sandbox_key_and_prefix_as_the_sandbox_does() -> None:
    from orbit_tui.sandbox import DEMO_API_KEY as sandbox_key
    from orbit_tui.sandbox.app import API_PREFIX

    assert DEMO_API_KEY == sandbox_key
    assert DEMO_API_PREFIX == API_PREFIX


def test_a_request_sent_before_the_child_serves_waits_and_is_answered(tmp_path: Path) -> None:
    import httpx

    server = DemoServer(tmp_path / "demo.db", contacts=40)
    try:
        url = server.base_url + "/contacts"
        results: list[httpx.Response] = []

        async def early_request() -> None:
            async with httpx.AsyncClient(timeout=60) as http:
                task = asyncio.create_task(
                    http.get(url, params={"limit": 5}, headers={"X-API-Key": DEMO_API_KEY})
                )
                await asyncio.sleep(0.2)
                assert not task.done()  # nobody serves yet: it waits in the backlog
                await asyncio.to_thread(server.wait_ready)  # spawns the child, seeds
                results.append(await task)

        asyncio.run(early_request())
        assert results[0].status_code == 200
        assert results[0].json()["meta"]["pagination"]["total"] == 40
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):  # stopped: refused, not hanging
        httpx.get(url, timeout=5)


def test_warm_cache_defers_the_child_until_the_first_page_shows(tmp_path: Path) -> None:
    env = {
        "ORBIT_TUI_CONFIG": str(tmp_path / "config" / "config.toml"),
        "ORBIT_TUI_DATA_DIR": str(tmp_path / "data"),
        "ORBIT_TUI_CACHE_DIR": str(tmp_path / "cache"),
    }
    resolved = replace(resolve(env=env), settings=Settings(demo_contacts=60))

    async def first_page(runtime: Runtime) -> int:
        result = await runtime.orbit.contacts_page({"limit": 50}, None)
        await runtime.aclose()
        total: int = result.page.total
        return total

    cold = open_runtime(resolved)  # empty cache: the child is started and seeds first
    try:
        assert cold.server.started
        assert asyncio.run(first_page(cold)) == 60
    finally:
        cold.stop()

    warm = open_runtime(resolved)  # the first page is cached: nothing spawned yet
    try:
        assert not warm.server.started
        warm.after_first_page()
        assert warm.server.started

        async def fresh() -> int:
            page = await warm.client.list_contacts(limit=1)
            await warm.aclose()
            return page.total or 0

        assert asyncio.run(fresh()) == 60
    finally:
        warm.stop()
