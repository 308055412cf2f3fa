"""The app wired like ``run()`` does, on a misbehaving server: client → cache → source."""

from __future__ import annotations

from typing import Any

from app_harness import build_app, contacts_loaded, wait_until  # noqa: F401


def notifications(app: Any) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]
