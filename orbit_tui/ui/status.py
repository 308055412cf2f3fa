"""What the status bar shows, kept by the app and shared by every screen.

``AppStatus`` is plain data (no Textual) updated from the client's listener and from
the screens; the app tells status bars to repaint when it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from orbit_tui.policy import ChangePolicy, KeyKind
from orbit_tui.ui.listeners import Listeners


@dataclass(frozen=True)
class ProfileInfo:
    name: str = "demo"
    kind: KeyKind = "DEMO"
    read_only: bool = False
    demo: bool = False

    @property
    def policy(self) -> ChangePolicy:
        return ChangePolicy(kind=self.kind, read_only=self.read_only)

    @property
    def live(self) -> bool:
        """Treated as touching real customers (a LIVE key, or one not provably a test key)."""
        return self.policy.live


@dataclass
class AppStatus:
    profile: ProfileInfo = field(default_factory=ProfileInfo)
    online: bool = True
    in_flight: int = 0
    last_error: str = ""
    job: str = ""  # a running bulk job's progress ("job 40%"), empty when none
    _listeners: Listeners = field(default_factory=Listeners, repr=False)

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self._listeners.subscribe(callback)

    def update(
        self,
        *,
        online: bool | None = None,
        in_flight: int | None = None,
        last_error: str | None = None,
        job: str | None = None,
    ) -> None:
        changed = False
        if job is not None and job != self.job:
            self.job, changed = job, True
        if online is not None and online != self.online:
            self.online, changed = online, True
        if in_flight is not None and in_flight != self.in_flight:
            self.in_flight, changed = max(0, in_flight), True
        if last_error is not None and last_error != self.last_error:
            self.last_error, changed = last_error, True
        if changed:
            self._listeners.tell()
