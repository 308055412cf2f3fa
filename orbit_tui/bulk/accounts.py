"""Which account a bulk job belongs to: a keyed fingerprint of the API key.

A job is recorded with the fingerprint of the key that made it, and only that account
(on the same base URL) lists, shows, resumes, undoes or retries it. The fingerprint is
``HMAC-SHA256(install secret, api key)``: never the key, never a plain hash of it (a
plain hash of a key could be checked against a guessed key). The install secret is 32
random bytes made once, kept owner-only (0600) beside the journal as ``account-secret``;
a journal in memory gets a secret of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from orbit_tui.private_files import private_dir, tighten

SECRET_NAME = "account-secret"
SECRET_BYTES = 32
PREFIX = "acct_"


def fingerprint(secret: bytes, api_key: str) -> str:
    """The account fingerprint of ``api_key`` under this install's secret."""
    digest = hmac.new(secret, api_key.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:40]


def install_secret(folder: Path | None) -> bytes:
    """This install's secret (made on first use, 0600); random and in memory for None."""
    if folder is None:
        return secrets.token_bytes(SECRET_BYTES)
    path = folder / SECRET_NAME
    found = _read(path)
    if found is not None:
        tighten(path)
        return found
    private_dir(folder)
    fd, tmp = tempfile.mkstemp(prefix=".account-", dir=folder)  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # complete before it appears; two processes: one wins
        except FileExistsError:
            if _read(path) is None:  # a cut file left by a crash: replace it
                os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    secret = _read(path)
    if secret is None:
        raise OSError(f"cannot read the account secret {path.name}")
    return secret


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if len(data) >= 16 else None
