"""A local Orbit Contacts API server backed by SQLite, for the demo and the tests.

Public surface: :data:`DEMO_API_KEY`, :class:`Faults`, :func:`create_app`,
:func:`seed_database`, :class:`SandboxServer` and :func:`serve`.
"""

from .app import create_app
from .faults import Faults
from .seed import seed_database
from .server import DEMO_API_KEY, SandboxServer, serve

__all__ = ["DEMO_API_KEY", "Faults", "SandboxServer", "create_app", "seed_database", "serve"]
