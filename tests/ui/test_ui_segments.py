"""Segments and the rule builder against the real sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from textual.widgets import Input, TextArea

from orbit_tui import rules as grammar
from orbit_tui.api.errors import ValidationError
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.screens.list_members import SegmentMembersScreen
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.screens.rule_builder import RuleBuilderScreen
from orbit_tui.ui.screens.segments import SegmentsScreen

try:
    from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]
except ImportError:  # the helpers lived in conftest before
    from conftest import AppFactory, loaded, wait_for  # type: ignore[no-redef]


def api(server: SandboxServer, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method, f"{server.base_url}/{path}", headers={"X-API-Key": server.api_key}, **kwargs
    )
    response.raise_for_status()
    return response.json() if response.content else None


def server_segments(server: SandboxServer) -> dict[str, dict[str, Any]]:
    data = api(server, "GET", "contacts/segments", params={"limit": 100})["data"]
    return {item["name"]: item for item in data}


async def open_segments(pilot: Any) -> SegmentsScreen:
    app = pilot.app
    await wait_for(pilot, loaded(app), what="contacts")
    app.run_command("segments")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, SegmentsScreen) and app.screen.loaded_once
        and not app.screen.is_loading,
        what="the segments",
    )
    return app.screen


async def open_builder(pilot: Any, key: str = "n") -> RuleBuilderScreen:
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, RuleBuilderScreen), what="the builder")
    builder = app.screen
    await wait_for(pilot, lambda: bool(builder.paths) or not builder.rows)
    return builder


async def type_row(pilot: Any, field: str, op_downs: int, value: str) -> None:
    """In a focused field input: type the field, pick an operator, type the value."""
    await pilot.press(*field, "tab")
    if op_downs:
        await pilot.press("enter", *["down"] * op_downs, "enter")
    await pilot.press("tab", *value)


async def test_build_a_nested_rule_from_the_keyboard_and_save_it(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_segments(pilot)
        builder = await open_builder(pilot)
        await pilot.press(*"Keyboard built", "tab")
        await type_row(pilot, "country_code", 0, "US")
        await pilot.press("ctrl+g")  # any of (…)
        await pilot.pause(0.1)
        await type_row(pilot, "tags", 0, "vip")  # tags: $contains is the first operator
        await pilot.press("ctrl+g")  # a group inside the group
        await pilot.pause(0.1)
        await pilot.press("shift+tab")  # to the inner group's kind: none of
        await pilot.press("enter", "down", "enter")
        await pilot.press("tab")
        await type_row(pilot, "lifecycle_stage", 0, "churned")
        await pilot.press("ctrl+n")  # a sibling inside the inner group
        await pilot.pause(0.1)
        await type_row(pilot, "created_at", 1, "2026-01-01")  # $lt
        await pilot.pause(0.1)
        expected = {
            "country_code": "US",
            "$or": [
                {"tags": {"$contains": "vip"}},
                {"$not": {"lifecycle_stage": "churned", "created_at": {"$lt": "2026-01-01"}}},
            ],
        }
        assert builder.current_rules() == expected
        assert json.loads(builder.query_one("#rb-json", TextArea).text) == expected
        # The count: the local estimate at once, then Orbit's count and a sample.
        await wait_for(pilot, lambda: bool(builder.server_text), what="the server count")
        assert builder.estimate_text.startswith("≈")
        preview = api(sandbox, "POST", "contacts/segments/preview", json={"rules": expected})
        assert builder.server_text.startswith(f"{preview['data']['contact_count']:,} contact")

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="back to the segments")
        saved = server_segments(sandbox)["Keyboard built"]
        assert grammar.serialise(grammar.parse(saved["rules"])) == grammar.serialise(
            grammar.parse(expected)
        )
        await wait_for(pilot, lambda: any(s.name == "Keyboard built" for s in screen.items))

        # e reopens it with the same rows; a changed value is saved by update.
        screen.table.move_cursor(row=next(i for i, s in enumerate(screen.items) if s.name == "Keyboard built"))
        builder = await open_builder(pilot, "e")
        assert [r.kind for r in builder.rows] == ["cond", "any", "cond", "not", "cond", "cond"]
        builder.query_one("#rb-name", Input).value = "Keyboard built 2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Keyboard built 2" in server_segments(sandbox)


async def test_json_edits_round_trip_into_rows_and_bad_json_is_never_saved(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_segments(pilot)
        before = set(server_segments(sandbox))
        builder = await open_builder(pilot)
        builder.query_one("#rb-name", Input).value = "From JSON"
        json_view = builder.query_one("#rb-json", TextArea)
        json_view.focus()
        rules = {"$or": [{"country_code": {"$in": ["US", "GB"]}}, {"$not": {"tags": "vip"}}],
                 "preferences.sms": False}
        json_view.load_text(json.dumps(rules))
        await wait_for(pilot, lambda: len(builder.rows) == 5, what="rows from the JSON")
        assert [(r.kind, r.depth, r.field, r.op, r.value) for r in builder.rows] == [
            ("any", 0, "", "$eq", ""),
            ("cond", 1, "country_code", "$in", "US, GB"),
            ("not", 1, "", "$eq", ""),
            ("cond", 2, "tags", "$eq", "vip"),
            ("cond", 0, "preferences.sms", "$eq", "false"),
        ]
        assert builder.current_rules() == rules

        # Broken JSON: the error names line and column; the rows stay; save refuses.
        json_view.load_text('{\n  "country_code": "US",\n  "tags": \n}')
        await wait_for(pilot, lambda: builder.json_invalid)
        assert "line 4, column 1" in builder.json_error_text
        assert len(builder.rows) == 5
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RuleBuilderScreen)

        # Valid JSON but an invalid rule: the path is shown, and nothing is saved.
        json_view.load_text('{"$or": [{"country_code": "US"}, {"tags": {"$gt": 3}}]}')
        await wait_for(pilot, lambda: "rules.$or[1].tags" in builder.json_error_text)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RuleBuilderScreen)
        assert set(server_segments(sandbox)) == before

        # Fixed: saved.
        json_view.load_text('{"$or": [{"country_code": "US"}, {"tags": {"$in": ["a", "b"]}}]}')
        await wait_for(pilot, lambda: not builder.json_invalid and len(builder.rows) == 3)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        assert server_segments(sandbox)["From JSON"]["rules"] == {
            "$or": [{"country_code": "US"}, {"tags": {"$in": ["a", "b"]}}]
        }


async def test_invalid_rows_show_their_errors_and_the_server_errors_land_on_rows(
    sandbox: SandboxServer, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_segments(pilot)
        before = set(server_segments(sandbox))
        builder = await open_builder(pilot)
        await pilot.press(*"Bad dates", "tab")
        await type_row(pilot, "country_code", 0, "US")
        await pilot.press("ctrl+g")
        await pilot.pause(0.1)
        await type_row(pilot, "created_at", 0, "last tuesday")
        await pilot.pause(0.1)
        assert "not a date" in builder.row_errors()[2]
        assert set(builder.row_errors()) == {2}
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RuleBuilderScreen)
        assert set(server_segments(sandbox)) == before

        # Fix it; the server then refuses a part (as a newer server might): its
        # details.field lands on the row it names.
        value = builder.query(".rb-value").last()
        assert isinstance(value, Input)
        value.value = "2026-01-01"
        await pilot.pause(0.1)
        assert builder.row_errors() == {}
        orbit = app.source.orbit

        async def refuse(name: str, rules: Any) -> Any:
            raise ValidationError(
                "created_at is not allowed in segments here",
                status=422,
                details={"field": "rules.$or[0].created_at"},
                request_id="req_test",
            )

        monkeypatch.setattr(orbit, "create_segment", refuse)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: 2 in builder.row_errors(), what="the server error on row 2")
        assert "not allowed" in builder.row_errors()[2]
        assert isinstance(app.screen, RuleBuilderScreen)


async def test_segments_table_members_and_delete(sandbox: SandboxServer, make_app: AppFactory) -> None:
    created = api(sandbox, "POST", "contacts/segments",
                  json={"name": "[red]Doomed[/red]", "rules": {"lifecycle_stage": "lead"}})["data"]
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_segments(pilot)
        row = next(i for i, s in enumerate(screen.items) if s.id == created["id"])
        cells = screen.table.get_row_at(row)
        assert str(cells[0]) == "[red]Doomed[/red]"  # shown literally
        assert str(cells[2]) == "stage = lead"
        assert str(cells[1]) == f"{created['contact_count']:,}"
        screen.table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SegmentMembersScreen))
        members = app.screen
        await wait_for(pilot, lambda: members.loaded_once and not members.is_loading)
        assert members.page_window.row_count > 0
        assert all(c.lifecycle_stage == "lead" for c in members.page_window.contacts())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen))
        assert "contacts are untouched" in str(app.screen.query_one("#delete-question").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: all(s.id != created["id"] for s in screen.items))
        assert "[red]Doomed[/red]" not in server_segments(sandbox)


async def test_rules_the_app_cannot_read_open_in_the_json_editor(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    from orbit_tui.api.models import Segment

    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app), what="contacts")
        odd = Segment(id="seg_odd", name="Odd", rules={"loyalty_tier": {"$gte": 3}})
        app.push_screen(RuleBuilderScreen(odd))
        await wait_for(pilot, lambda: isinstance(app.screen, RuleBuilderScreen))
        builder = app.screen
        await wait_for(pilot, lambda: builder.json_invalid)
        assert "loyalty_tier" in builder.json_error_text
        assert json.loads(builder.query_one("#rb-json", TextArea).text) == odd.rules
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert app.screen is builder  # never saved as it is
