"""Who runs a bulk job: a lock the operating system lets go of when its holder dies.

A job being run holds an exclusive ``fcntl.flock`` on its own lock file,
``<journal folder>/jobs.locks/<job id>.lock`` (folder 0700, file 0600). The kernel drops
the lock the instant the process ends — quit, crash or ``kill -9`` — so a killed job is
resumable at once, whatever host name or pid it recorded. The file holds the holder's
host and pid, only to say who it is.

Taking over (``take_over=True``) is for a lock that is still held: its file is
unlinked and a new one locked. A live holder keeps running until its next request,
where the journal's runner token tells it that it lost the job (see
:meth:`orbit_tui.bulk.journal.Journal.claim`).

Where ``fcntl`` is missing (not POSIX), the file is a lease instead: it names an
expiry time, the holder renews it as it works (:meth:`JobLocks.renew`), and a lease
past its expiry counts as free.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orbit_tui.bulk.model import BulkError
from orbit_tui.private_files import FILE_MODE, private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

LEASE_S = 120.0
"""How long a lease (the non-POSIX fallback) lasts without being renewed."""
_ATTEMPTS = 5  # a probe (held_by) holds a shared lock for an instant: try again


@dataclass(frozen=True)
class Holder:
    """Who holds a job's lock, as its file says."""

    host: str
    pid: int | None

    def describe(self) -> str:
        pid = f" (pid {self.pid})" if self.pid else ""
        return f"another orbit-tui on {self.host or 'an unknown host'}{pid}"


class JobBusy(BulkError):
    """The job's lock is held by another live orbit-tui."""

    def __init__(self, job_id: str, holder: Holder) -> None:
        self.job_id = job_id
        self.holder = holder
        super().__init__(
            f"Job {job_id} is being run by {holder.describe()}. Wait for it to end or stop "
            f"it; if it is surely gone, `orbit-tui bulk resume {job_id} --take-over` "
            "continues the job here."
        )


def _parse(text: str) -> tuple[Holder, float]:
    parts = text.split()
    host = parts[0] if parts else ""
    pid = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    try:
        expires = float(parts[2]) if len(parts) > 2 else 0.0
    except ValueError:
        expires = 0.0
    return Holder(host, pid), expires


class JobLocks:
    """The lock files of one journal. ``folder=None``: locks within this process only."""

    def __init__(self, folder: Path | None, *, use_flock: bool | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.use_flock = (fcntl is not None) if use_flock is None else use_flock
        self._clock = clock
        self._held: dict[str, int] = {}  # job id -> open descriptor of its lock file
        self._renewed: dict[str, float] = {}

    def path(self, job_id: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{job_id}.lock"

    def holds(self, job_id: str) -> bool:
        return job_id in self._held

    # -- asking ------------------------------------------------------------------------
    def held_by(self, job_id: str) -> Holder | None:
        """The live holder of the job's lock other than this object; None when free."""
        if job_id in self._held or self.folder is None:
            return None
        path = self.path(job_id)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None  # no lock file: nobody runs it
        try:
            text = os.read(fd, 512).decode("utf-8", "replace")
            holder, expires = _parse(text)
            if not self.use_flock:
                return holder if expires > self._clock() else None
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return holder
            return None  # the lock was free (the shared probe goes with the close)
        finally:
            os.close(fd)

    # -- taking and letting go ------------------------------------------------------------
    def acquire(self, job_id: str, *, take_over: bool = False) -> Holder | None:
        """Hold the job's lock; returns the holder taken over from (``take_over``), if any.

        Raises :class:`JobBusy` when another live process holds it and ``take_over`` is
        false."""
        if job_id in self._held or self.folder is None:
            self._held.setdefault(job_id, -1)
            return None
        private_dir(self.folder)
        taken_from: Holder | None = None
        for _ in range(_ATTEMPTS):
            holder = self.held_by(job_id)
            if holder is not None:
                if not take_over:
                    raise JobBusy(job_id, holder)
                taken_from = holder
                try:  # the holder keeps its lock on the old file; this one starts anew
                    os.unlink(self.path(job_id))
                except FileNotFoundError:
                    pass
            fd = self._try_lock(job_id)
            if fd is not None:
                self._held[job_id] = fd
                self._write_holder(job_id, fd)
                return taken_from
            time.sleep(0.02)
        holder = self.held_by(job_id) or Holder("", None)
        raise JobBusy(job_id, holder)

    def _try_lock(self, job_id: str) -> int | None:
        path = self.path(job_id)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if not self.use_flock:
            return fd  # a lease: held_by() said it was free or expired
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:  # the file may have been unlinked (released, taken over) meanwhile
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return None
        return fd

    def _write_holder(self, job_id: str, fd: int) -> None:
        expires = self._clock() + LEASE_S
        text = f"{socket.gethostname()} {os.getpid()} {expires:.0f}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, text, 0)
        self._renewed[job_id] = self._clock()

    def renew(self, job_id: str) -> None:
        """Keep a lease alive (nothing to do for a real lock); cheap to call often."""
        fd = self._held.get(job_id)
        if fd is None or fd < 0 or self.use_flock:
            return
        if self._clock() - self._renewed.get(job_id, 0.0) > LEASE_S / 3:
            self._write_holder(job_id, fd)

    def release(self, job_id: str) -> None:
        """Let go of the job's lock; its file goes unless another process took it over."""
        fd = self._held.pop(job_id, None)
        self._renewed.pop(job_id, None)
        if fd is None or fd < 0:
            return
        try:
            if os.fstat(fd).st_ino == os.stat(self.path(job_id)).st_ino:
                os.unlink(self.path(job_id))  # unlinked while still locked: no race
        except OSError:
            pass
        os.close(fd)

    def release_all(self) -> None:
        for job_id in list(self._held):
            self.release(job_id)
