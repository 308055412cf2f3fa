"""``orbit-tui bulk …`` run in this process with the given environment (faster than a
subprocess): ``(exit status, standard output, standard error)``."""

from __future__ import annotations

import os
from typing import Any

import pytest


def run_bulk(monkeypatch: pytest.MonkeyPatch, capsys: Any, env: dict[str, str],
             *args: str) -> tuple[int, str, str]:
    from orbit_tui import bulk_cli

    for name in list(os.environ):
        if name.startswith("ORBIT"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = bulk_cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err
