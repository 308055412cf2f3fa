"""[keymap] overrides in the running app (Pilot), start-up notices, swallowed-key fallbacks,
and the grouped ``?`` help."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import AppFactory
from textual.widgets import Input
from ui_helpers import loaded, wait_for

from orbit_tui.keymap import DEFAULT_KEYMAP, textual_keys
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.help import GroupedHelpScreen, group_label
from orbit_tui.ui.keys import keymap_notices, swallowed_only
from orbit_tui.ui.screens.detail import ContactDetailScreen

UI_ROOT = Path(__file__).resolve().parents[2] / "orbit_tui" / "ui"


def binding_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(UI_ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "Binding":
                    calls.append((f"{path.name}:{node.lineno}", node))
    return calls


def test_every_ui_binding_has_an_id_so_keymap_can_remap_it() -> None:
    without = [where for where, call in binding_calls()
               if not any(k.arg == "id" for k in call.keywords)]
    assert without == []


def test_no_binding_depends_on_a_key_terminals_swallow() -> None:
    assert [b for b, (keys, _) in DEFAULT_KEYMAP.items() if swallowed_only(keys)] == []
    assert swallowed_only("ctrl+enter") and swallowed_only("ctrl+space,ctrl+enter")
    assert not swallowed_only("ctrl+enter,ctrl+s")


def test_start_notices_name_clashes_unknown_ids_and_swallowed_keys() -> None:
    notices = keymap_notices({"contacts.search": "f", "contacts.nope": "z",
                              "form.save": "ctrl+enter"})
    text = "\n".join(notices)
    assert "contacts.nope" in text and "no such binding" in text
    assert "clash" in text and "contacts.filters" in text and "contacts.search" in text
    assert "form.save" in text and "ctrl+enter" in text
    assert keymap_notices({"contacts.search": "ctrl+f"}) == []


def test_help_groups_come_from_the_id_prefix() -> None:
    assert group_label("table.down") == "Moving in the table"
    assert group_label("app.quit") == "Anywhere"
    assert group_label("brand_new.thing") == "Brand new"


async def test_remapped_keys_take_effect_in_the_running_app(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    keymap = {b: textual_keys(k) for b, k in {
        "contacts.search": "ctrl+f",   # a screen binding
        "table.down": "s",             # a widget binding
        "app.help": "f1",              # an app binding
        "detail.back": "b",            # another screen's binding
    }.items()}
    app = make_app(sandbox, keymap=keymap)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        assert not [n for n in app._notifications if "[keymap]" in n.message]
        screen = app.contacts_screen
        assert screen is not None
        table = screen.table
        await pilot.press("slash")  # the old key no longer focuses the search box
        assert not isinstance(app.focused, Input)
        first = table.current
        await pilot.press("s")
        assert table.current is not None and first is not None and table.current.id != first.id
        await pilot.press("ctrl+f")
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await pilot.press("f1")
        assert isinstance(app.screen, GroupedHelpScreen)
        groups = dict(app.screen._groups)
        assert "Anywhere" in groups and "Contacts" in groups and "Moving in the table" in groups
        assert list(groups)[0] == "Contacts" and list(groups)[-1] == "Anywhere"
        assert any(keys.lower() in ("ctrl+f", "^f") for keys, _ in groups["Contacts"]), groups
        await pilot.press("escape")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await pilot.press("escape")  # remapped away: stays
        assert isinstance(app.screen, ContactDetailScreen)
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is screen, what="back to contacts")


async def test_a_clashing_keymap_is_reported_at_start(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    app = make_app(sandbox, keymap={"contacts.new": "r"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        clashes = [n.message for n in app._notifications if "clash" in n.message]
        assert clashes and "contacts.refresh" in clashes[0]
