"""One odd value does not sink a page: the other contacts read normally, the odd one
with what could be read and a mark; a contact without a readable id is left out and
counted; a bulk job skips the odd one and says why."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any, Callable

import pytest
from starlette.requests import Request

from hostile_server import HostileServer, contact, json, page_body  # type: ignore[import-not-found]
from orbit_tui.api.client import OrbitClient

ODD: list[dict[str, Any]] = [
    contact("tags", tags=["a", 1]),
    contact("prefs", preferences={"sms": "opted_out", "email": True}),
    contact("meta", metadata=[1, 2, 3]),
    contact("name", first_name={"x": 1}),
    contact("num", id=123),  # shown (as "123") with a mark; no change goes through it
]
NO_ID: list[Any] = [contact("y", id=""), contact("z", id=None), "not a contact", None]


def odd_page(request: Request) -> Any:
    items = [contact(0), *ODD, contact(1), *NO_ID, contact(2)]
    return json(page_body(items, None, False, total=len(items)))


def routes() -> list[Any]:
    return [("GET", "/contacts", odd_page)]


async def test_a_page_with_odd_contacts_reads_the_rest(
        hostile_server: Callable[..., HostileServer]) -> None:
    server = hostile_server(routes())
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        page = await client.list_contacts()
    by_id = {c.id: c for c in page.items}
    assert list(by_id) == ["con_0", "con_tags", "con_prefs", "con_meta", "con_name", "123", "con_1",
                           "con_2"]
    assert by_id["123"].unreadable == ("id",) and by_id["123"].email == "cnum@example.com"
    for normal in ("con_0", "con_1", "con_2"):
        assert by_id[normal].unreadable == () and by_id[normal].tags == ["old"]
    assert by_id["con_tags"].tags == ["a"] and by_id["con_tags"].unreadable == ("tags",)
    assert by_id["con_prefs"].preferences == {"email": True}
    assert by_id["con_prefs"].unreadable == ("preferences",)
    assert by_id["con_meta"].metadata == {} and by_id["con_meta"].unreadable == ("metadata",)
    assert by_id["con_name"].first_name is None and by_id["con_name"].email == "cname@example.com"
    assert page.unreadable == len(NO_ID)


def test_a_bulk_dry_run_skips_the_odd_contacts_and_says_why(
        hostile_server: Callable[..., HostileServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from test_hostile_walks import cli_env, run_bulk  # type: ignore[import-not-found]

    server = hostile_server(routes())
    code, out, err = run_bulk(monkeypatch, capsys, cli_env(tmp_path, server),
                              "tag", "--add", "x", "--all", "--dry-run")
    assert code == 0, (out, err)
    summary = jsonlib.loads(out.splitlines()[-1])
    assert summary["total"] == 3 and summary["will_change"] == 3, summary
    skipped = {s["contact_id"]: s["reason"] for s in summary["skipped"]}
    assert set(skipped) == {"con_tags", "con_prefs", "con_meta", "con_name", "123"}
    assert "could not be read (tags)" in skipped["con_tags"]
    assert "could not be read (id)" in skipped["123"]
    assert "5 contact(s) skipped because Orbit sent values that could not be read" in err


async def test_the_contacts_screen_shows_the_odd_row_with_a_mark(
        hostile_server: Callable[..., HostileServer], tmp_path: Path) -> None:
    from hostile_app import build_app, contacts_loaded, wait_until  # type: ignore[import-not-found]

    server = hostile_server(routes())
    app = build_app(server, tmp_path / "cache.db")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: contacts_loaded(app), "first page")
        table = app.contacts_screen.table
        rows = {table.contact_at(r).id: " ".join(c.plain for c in table.get_row_at(r))
                for r in range(table.row_count)}
        assert len(rows) == 8
        assert "⚠ First" in rows["con_tags"] and "⚠" not in rows["con_0"]
        assert "⚠ First" in rows["123"]
        # The ones without any id are not shown, and the screen says so.
        await wait_until(pilot, lambda: any("without a readable id" in str(n.message)
                                            for n in app._notifications), "the notice")
        assert any(f"{len(NO_ID)} contact" in str(n.message) for n in app._notifications)
        assert app.is_running
