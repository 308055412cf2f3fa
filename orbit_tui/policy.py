"""What kind of key a profile holds, and what that means for changes.

Orbit's keys come in two spellings: ``dv_live_sk_…`` / ``dv_test_sk_…`` (the Contacts
reference) and ``sk_live_…`` / ``sk_test_…`` (the integration guide). A key that is not
recognisably a test or demo key is treated as live: what cannot be proved harmless gets
the confirmations a live key gets. :class:`ChangePolicy` is that rule for one profile; the
gate (:mod:`orbit_tui.gate`) enforces it and screens read it to decide what to offer.

Textual-free and dependency-free: config, the gate, the bulk engine and the UI all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

KeyKind = Literal["LIVE", "TEST", "DEMO", "UNKNOWN"]

LIVE_PREFIXES = ("dv_live_", "sk_live_")
TEST_PREFIXES = ("dv_test_", "sk_test_")
DEMO_PREFIX = "dv_test_sk_demo"
DEMO_API_KEY = "dv_test_sk_demo_0rb1t5andb0x"
"""The sandbox's demo key (``orbit_tui.sandbox.DEMO_API_KEY``, kept equal by a test),
spelt here so that the app need not import the sandbox to know it."""
KEY_PREFIXES = ("dv_live_sk_", "dv_test_sk_", "sk_live_", "sk_test_", "dv_live_", "dv_test_")
"""Kind prefixes a masked key may show, longest first."""


def key_kind(key: str | None) -> KeyKind:
    """``dv_live_…``/``sk_live_…`` → LIVE, the demo's key or none → DEMO,
    ``dv_test_…``/``sk_test_…`` → TEST, anything else → UNKNOWN (treated as live)."""
    if not key:
        return "DEMO"
    if key.startswith(LIVE_PREFIXES):
        return "LIVE"
    if key.startswith(DEMO_PREFIX):
        return "DEMO"
    if key.startswith(TEST_PREFIXES):
        return "TEST"
    return "UNKNOWN"


def treated_as_live(kind: str) -> bool:
    """Whether a key of ``kind`` must be handled as touching real customers."""
    return kind not in ("TEST", "DEMO")


Confirmation = Literal["none", "yes", "typed"]
"""How a change is confirmed: not at all, ``y``, or the number of contacts typed."""


@dataclass(frozen=True)
class ChangePolicy:
    """The change rules of one profile: read-only, and which changes need what answer."""

    kind: KeyKind = "DEMO"
    read_only: bool = False

    @property
    def live(self) -> bool:
        return treated_as_live(self.kind)

    def confirmation(self, *, destructive: bool = False, bulk: bool = False) -> Confirmation:
        """What a change needs: a delete or a bulk job asks ``y`` on a test or demo key
        and the typed count on anything treated as live; other changes ask nothing."""
        if not (destructive or bulk):
            return "none"
        return "typed" if self.live else "yes"


def typed_count_confirms(typed: str, total: int) -> bool:
    """A change on a key treated as LIVE is confirmed by typing its number of contacts
    (``1,200``, ``1200``): a reflex "yes" does not prove the count was read."""
    answer = typed.strip().replace(",", "").replace(" ", "")
    return total > 0 and answer == str(total)
