"""Any theme file, however malformed, is answered with a clear problem, never an exception.

Hypothesis writes random bytes, random TOML-ish text and random tables of keys and values
(wrong types, unknown keys, bad colours) into a theme folder; ``load_themes`` must return
each broken file as a problem naming the file, and load the good file beside it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from orbit_tui.ui.themes import load_themes

GOOD = 'name = "mine"\nprimary = "#336699"\n'
KEYS = st.sampled_from(["name", "primary", "secondary", "background", "dark", "variables", "accent",
                        "sparkle", "foreground", "surface"])
VALUES = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.floats(allow_nan=False),
                   st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=6), st.text(max_size=8), max_size=2))
CONTENT = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")),
    st.dictionaries(KEYS, VALUES, max_size=6).map(lambda d: tomli_w.dumps(d).encode()),
)


@settings(max_examples=80, deadline=None)
@given(content=CONTENT)
def test_any_theme_file_is_loaded_or_reported_clearly(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "good.toml").write_text(GOOD, encoding="utf-8")
        (root / "fuzz.toml").write_bytes(content)
        themes, problems = load_themes([root])
        assert "mine" in themes
        if problems:
            assert len(problems) == 1
            message = str(problems[0])
            assert "fuzz.toml" in message and len(message) > len("fuzz.toml") + 5
            assert "Traceback" not in message
        else:
            assert len(themes) in (1, 2)
