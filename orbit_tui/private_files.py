"""Owner-only files and folders for a profile's data, from the first byte.

The page cache, the bulk-job journal, the demo database and its log hold customer data
(emails, phones, tags before and after a change): on a shared host nobody but their
owner may read them. Every place that creates such a file or folder goes through here:

- :func:`private_dir` makes a folder (and any missing parent) with mode 0700, and
  tightens an existing one made by an older version.
- :func:`private_file` creates a file with ``os.open(..., 0o600)`` — never readable by
  others, not even for an instant — and tightens an existing one.
- :func:`prepare_sqlite` does both for a SQLite database *before* SQLite opens it:
  SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files the mode of the database
  file, so a database created 0600 has companions 0600 from their first byte. Existing
  companions (from an older version) are tightened too.
- :func:`tighten` sets 0600 on files moved aside (``*.corrupt-<time>``): a rename keeps
  the mode the file had.
- :func:`owner_only_umask` is for the rare creation that cannot be pre-created (a file
  made by a library). The umask is process-wide: other threads creating files meanwhile
  get it too, which only ever makes them *more* private; keep the block tiny.

Failures to change a mode (a file owned by someone else, a file system without modes)
are ignored: the file is still used, as before.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _chmod(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
    except OSError:
        pass


def private_dir(path: str | os.PathLike[str], *, tighten_existing: bool = True) -> Path:
    """Make ``path`` (and missing parents) owner-only; tighten it if it already exists."""
    folder = Path(path)
    missing: list[Path] = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        try:
            os.mkdir(created, DIR_MODE)
        except FileExistsError:
            pass
        _chmod(created, DIR_MODE)  # mkdir's mode is reduced by the umask, never widened
    if tighten_existing and not missing:
        _chmod(folder, DIR_MODE)
    return folder


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; tighten it to 0600.

    An existing file is never opened here: closing a descriptor of a database file drops
    every POSIX lock this process holds on it, those of SQLite's open connections too."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _chmod(target, FILE_MODE)
        return target
    except OSError:
        return target  # the caller's own open reports the problem
    os.close(fd)
    _chmod(target, FILE_MODE)
    return target


def open_private(path: str | os.PathLike[str], mode: str = "w", encoding: str = "utf-8") -> TextIO:
    """``open(path, mode)`` for text, the file created 0600 (``w`` truncates, ``a`` appends)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(Path(path), flags, FILE_MODE)
    _chmod(Path(path), FILE_MODE)
    return cast(TextIO, os.fdopen(fd, mode, encoding=encoding))  # text mode: a TextIO


def tighten(path: str | os.PathLike[str]) -> None:
    """Set an existing file to 0600 (at most); a missing file is no error."""
    _chmod(Path(path), FILE_MODE)


def prepare_sqlite(path: str | os.PathLike[str], *, tighten_folder: bool = True) -> Path:
    """Owner-only folder, database file and existing companions, before SQLite opens it.

    ``tighten_folder=False`` for a database the user placed in a folder of their own: the
    folder is made 0700 only if it is created here."""
    db = Path(path)
    private_dir(db.parent, tighten_existing=tighten_folder)
    private_file(db)
    for suffix in SQLITE_COMPANIONS:
        tighten(f"{db}{suffix}")
    return db


@contextmanager
def owner_only_umask() -> Iterator[None]:
    """Files and folders created inside are owner-only (umask 077). Process-wide: keep
    the block to the one creation that needs it."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
