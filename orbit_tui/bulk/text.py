"""Plain-text renderings of bulk jobs for terminals and logs (the CLI uses them; the UI
may): a one-line progress bar, the preview sentence, the JSON summary, and ``clean()``
which makes server-provided text inert (no escape or control sequence reaches a terminal).
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from orbit_tui.bulk.model import JobInfo, Plan, Progress

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0, 9), *range(11, 32), 127, *range(128, 160)]}


def clean(text: str) -> str:
    """Make server-provided text inert on a terminal (no escape or control sequence)."""
    return text.translate(_CONTROL)


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """A plain one-line bar on stderr (only when stderr is a terminal), ~10 redraws/s."""

    def __init__(self, stream: TextIO, enabled: bool, width: int = 24) -> None:
        self.stream = stream
        self.enabled = enabled
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = p.counts.remaining == 0 or p.state != "running"
        if not final and now - self._last < 0.1:
            return
        self._last = now
        c = p.counts
        filled = int(self.width * p.fraction)
        bar = "#" * filled + "." * (self.width - filled)
        line = (
            f"\r[{bar}] {p.fraction * 100:3.0f}% {c.finished}/{c.total} · {c.changed} changed · "
            f"{c.unchanged} unchanged · {c.failed} failed · {p.rate:.0f}/s · ETA {fmt_eta(p.eta_seconds)}"
        )
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def plan_text(plan: Plan) -> str:
    s = plan.summary()
    text = (
        f"{s['operation']} on {s['target']}: {s['total']} contacts — "
        f"{s['will_change']} will change, {s['already_match']} already match"
    )
    if s["unknown"]:
        text += f", {s['unknown']} not known yet"
    for note in plan.notes:
        text += f"\n  note: {note}"
    return text


def job_summary(job: JobInfo, *, elapsed: float | None = None, failures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = job.to_json()
    data["job"] = data.pop("id")
    if elapsed is not None:
        data["elapsed_s"] = round(elapsed, 3)
    if failures is not None:
        data["failures"] = failures
    return data
