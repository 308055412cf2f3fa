"""The screenshot command: unique step names, volatile parts stripped."""

from __future__ import annotations

from orbit_tui.screenshots import STEPS, clean_svg


def test_step_names_are_unique_file_names() -> None:
    names = [step.name for step in STEPS]
    assert len(names) == len(set(names))
    assert all(name.replace("-", "").isalnum() for name in names)


def test_ports_never_reach_a_file() -> None:
    assert clean_svg("at http://127.0.0.1:54321/api/v1") == "at http://127.0.0.1:PORT/api/v1"



# Byte-for-byte reproduction is checked by hand (two runs cost over a minute on this
# machine, too slow for the suite):
#   python -m orbit_tui.screenshots --out shots-a && python -m orbit_tui.screenshots --out shots-b
#   for f in shots-a/*.svg; do cmp "$f" "shots-b/${f##*/}"; done
