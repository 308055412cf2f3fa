"""The journal's tables, row types and helpers (see :mod:`orbit_tui.bulk.journal`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from orbit_tui.bulk.model import ItemFailure, Operation

SCHEMA_VERSION = 2
"""2: ``jobs.account`` (the fingerprint of the key that made the job) and
``jobs.runner_token`` (which claim of the job is current). A schema 1 journal gets them
added, empty (:data:`ADDED_COLUMNS`)."""

ADDED_COLUMNS = (("account", "TEXT"), ("runner_token", "TEXT"))

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'run',
    parent_job TEXT,
    undone_by TEXT,
    op TEXT NOT NULL,
    target TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    base_url TEXT NOT NULL,
    error TEXT,
    runner_pid INTEGER,
    runner_host TEXT,
    account TEXT,
    runner_token TEXT
);
CREATE TABLE IF NOT EXISTS items (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    state TEXT NOT NULL,
    op TEXT,
    before TEXT,
    after TEXT,
    changed INTEGER,
    error_code TEXT,
    error_message TEXT,
    error_status INTEGER,
    request_id TEXT,
    idem_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    PRIMARY KEY (job_id, contact_id)
);
CREATE INDEX IF NOT EXISTS items_job_state ON items(job_id, state);
CREATE INDEX IF NOT EXISTS items_job_seq ON items(job_id, seq);
"""


_FINISH_SQL = (
    "UPDATE items SET state=?, after=?, changed=?, error_code=?, error_message=?, "
    "error_status=?, request_id=?, before=COALESCE(?, before), updated=? "
    "WHERE job_id=? AND contact_id=?"
)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_job_id() -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"job_{stamp}_{uuid.uuid4().hex[:6]}"


@dataclass
class Item:
    job_id: str
    seq: int
    contact_id: str
    state: str
    op: Operation | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: bool | None
    error_code: str | None
    error_message: str | None
    error_status: int | None
    request_id: str | None
    idem_key: str | None
    attempts: int


@dataclass
class Finished:
    """The result of one item, as the engine records it."""

    contact_id: str
    state: str
    after: dict[str, Any] | None = None
    changed: bool | None = None
    error: ItemFailure | None = None
    before: dict[str, Any] | None = None


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
