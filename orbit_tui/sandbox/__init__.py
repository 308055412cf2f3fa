"""A local Orbit Contacts API server backed by SQLite, for the demo and the tests.

Public surface: :data:`DEMO_API_KEY`, :class:`Faults`, :func:`create_app`,
:func:`seed_database`, :class:`SandboxServer` and :func:`serve`.

Every endpoint of the contract (18 documented, 7 designed here) is served under
``/api/v1``; ``GET /api/v1/openapi.json`` describes them (no key needed).

Behaviour where the contract leaves a choice (documented here, tested in
``tests/sandbox``):

- Lists of contacts are newest first (descending ``seq``); cursors are keyset
  positions, so pages stay stable while contacts are added or deleted. Activity is
  newest first too. ``total`` is always present.
- A repeated ``Idempotency-Key`` (same key, method, path and body, within 24 h)
  replays the first answer with ``Idempotent-Replayed: true``; the same key with a
  different body is 409 ``CONFLICT`` (``details.field = "Idempotency-Key"``).
- ``X-RateLimit-*`` headers are on every authenticated answer. Without a
  configured limit nothing is enforced and the headers advertise 3,000/min.
- Codes the contract does not list: 413 ``PAYLOAD_TOO_LARGE`` (body over 1 MiB),
  405 ``METHOD_NOT_ALLOWED``, 503 ``SERVICE_UNAVAILABLE`` (injected fault). Query
  parameter errors are 400 ``VALIDATION_ERROR``; body errors 422.
- Phones are stored as E.164, emails are unique case-insensitively, country codes
  are stored upper-case, tags are trimmed and de-duplicated.
- Activity is synthesised per seeded contact from its seed (no endpoint writes it).
"""

from .app import create_app
from .faults import Faults
from .seed import seed_database
from .server import DEMO_API_KEY, SandboxServer, serve

__all__ = ["DEMO_API_KEY", "Faults", "SandboxServer", "create_app", "seed_database", "serve"]
