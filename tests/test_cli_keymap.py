"""The keymap registry: no clashes by default, Textual's key names, and every UI binding listed."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from textual.keys import _character_to_key

from orbit_tui.keymap import (
    CONTEXTS,
    DEFAULT_KEYMAP,
    effective_keymap,
    find_clashes,
    normalise_key,
    split_keys,
    textual_keys,
    unknown_ids,
)

UI_ROOT = Path(__file__).resolve().parent.parent / "orbit_tui" / "ui"


def ui_binding_ids() -> dict[str, str]:
    """id → "file:line" of every ``Binding(..., id="...")`` in orbit_tui/ui."""
    found: dict[str, str] = {}
    for path in sorted(UI_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "Binding":
                continue
            for keyword in node.keywords:
                if keyword.arg == "id" and isinstance(keyword.value, ast.Constant):
                    found[str(keyword.value.value)] = f"{path.name}:{node.lineno}"
    return found


def test_every_ui_binding_id_is_in_the_keymap() -> None:
    """`orbit-tui keys` and [keymap] only know ids listed in orbit_tui/keymap.py."""
    missing = {bid: where for bid, where in ui_binding_ids().items() if bid not in DEFAULT_KEYMAP}
    assert missing == {}, "add these binding ids to DEFAULT_KEYMAP in orbit_tui/keymap.py"


def test_every_binding_scope_has_a_context() -> None:
    scopes = {binding.split(".", 1)[0] for binding in DEFAULT_KEYMAP}
    covered = {scope for members in CONTEXTS.values() for scope in members}
    assert scopes <= covered


def test_defaults_have_no_clashes() -> None:
    assert find_clashes(effective_keymap()) == []


def test_a_remap_onto_a_used_key_is_a_clash() -> None:
    clashes = find_clashes(effective_keymap({"table.down": "/"}))
    assert len(clashes) == 1
    assert {clashes[0].first, clashes[0].second} == {"table.down", "contacts.search"}
    assert clashes[0].context == "contacts screen"


def test_one_action_at_two_levels_is_no_clash_but_a_stranger_is() -> None:
    assert find_clashes(effective_keymap()) == []  # table.open and contacts.open share enter
    clashes = find_clashes(effective_keymap({"contacts.mark": "enter"}))
    assert len(clashes) == 1
    assert {clashes[0].first, clashes[0].second} == {"contacts.open", "contacts.mark"}


def test_same_key_in_different_screens_is_no_clash() -> None:
    # M marks all on the contacts screen; the detail screen does not use it
    assert find_clashes(effective_keymap({"detail.copy": "M"})) == []


def test_overrides_apply_and_unknown_ids_are_reported() -> None:
    keymap = effective_keymap({"contacts.mark": "x,ctrl+x", "nope.nothing": "z"})
    assert keymap["contacts.mark"] == "x,ctrl+x"
    assert "nope.nothing" not in keymap
    assert unknown_ids({"contacts.mark": "x", "nope.nothing": "z"}) == ["nope.nothing"]


@pytest.mark.parametrize("character", list(string.punctuation + string.ascii_letters + string.digits))
def test_single_characters_get_textuals_names(character: str) -> None:
    assert normalise_key(character) == _character_to_key(character)


def test_textual_keys_translates_every_key_of_a_list() -> None:
    assert textual_keys("/, ctrl+/ ,G") == "slash,ctrl+slash,G"
    assert textual_keys(",") == "comma"
    assert split_keys("g,ctrl+home") == ["g", "ctrl+home"]
