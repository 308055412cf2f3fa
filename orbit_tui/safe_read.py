"""Reading a small user file (the config, a theme) that might not be a file at all.

A config path may be a FIFO (reading it waits forever), a device (``/dev/zero`` never
ends), a directory, or a huge file. :func:`read_small_file` looks at what the path is
with ``os.stat`` *before* opening it, refuses anything but a regular file, opens it
non-blocking (so a FIFO swapped in after the check cannot hang either), checks the
opened file again and reads at most ``limit`` bytes. Symlinks are followed: the file
they point at is what is checked and read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CONFIG_BYTES = 1024 * 1024
"""A config or theme file is a few kilobytes; anything past this is refused unread."""


class NotReadable(ValueError):
    """The path is not a regular file, or is too large; the message says which."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _check(mode: int, size: int, limit: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotReadable(f"not a regular file (found {_kind(mode)})")
    if size > limit:
        raise NotReadable(f"too large ({size:,} bytes; at most {limit:,} are read)")


def read_small_file(path: str | os.PathLike[str], limit: int = MAX_CONFIG_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises :class:`NotReadable` (not a regular file, too large) or ``OSError`` (missing,
    no permission)."""
    target = Path(path)
    info = os.stat(target)
    _check(info.st_mode, info.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(target, flags)
    try:
        opened = os.fstat(fd)
        _check(opened.st_mode, opened.st_size, limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:  # it grew after the check
        raise NotReadable(f"too large (more than {limit:,} bytes)")
    return b"".join(chunks)
