"""The bulk-job engine: apply one change to hundreds or thousands of contacts, safely.

Used by the command line (``orbit-tui bulk …``, see :mod:`orbit_tui.bulk_cli`) and by the
UI (tag editor, progress screen, ``:jobs``). Nothing here imports Textual.

Shape
-----
- :class:`Target` — who: explicit ids (marked contacts, ``--ids-file``), every contact
  matching a search and filters, a list's members, a segment's members.
- :class:`Operation` — what: add and/or remove tags, add to / remove from a list, set the
  lifecycle stage.
- :meth:`BulkEngine.plan` — resolves the target to a **frozen list of contact ids**
  (every page read once) and previews how many contacts will change, how many already
  match and how many are unknown, from what is known: fetched contacts' tags and stage,
  and for list operations the list's own membership when it can be read (≤ 20,000
  members). A dry run stops here; nothing is written anywhere.
- :meth:`BulkEngine.create` / :meth:`BulkEngine.execute` — write the job to the journal
  and run it. On a LIVE key every writing call needs ``confirm=True``
  (:class:`ConfirmationRequired` otherwise); a read-only profile refuses
  (:class:`ReadOnlyProfile`).

Use (the UI and the CLI do the same, through :mod:`orbit_tui.runtime` and the gate)::

    engine = open_bulk_runtime(resolved).engine()         # jobs db, concurrency, LIVE, read-only
    plan = await engine.plan(Target.explicit(marked_ids), Operation.tags(add=["vip"]),
                             known=contacts_by_id)          # preview: plan.summary()
    cancel = asyncio.Event()                                # set() it to cancel cleanly
    job = await engine.execute(plan, confirm=agent_said_yes, on_progress=show, cancel=cancel)
    engine.pending_jobs(); engine.list_jobs()               # at start / for :jobs
    await engine.resume(job_id); await engine.undo(job_id); await engine.retry_failed(job_id)

Journal (:class:`Journal`, SQLite in WAL mode at ``ResolvedConfig.jobs_db``)
---------------------------------------------------------------------------------
``jobs`` holds the operation, the target description, the state (planned, running,
cancelled, stopped, completed), the base URL it was made against, the account that made
it (a keyed fingerprint of the key: only that account sees the job) and the undo link.
A job being run holds a lock the OS releases when its process dies (a killed job is
resumable at once); ``take_over=True`` runs a job whose lock is still held.
``items`` holds one row per contact: state (pending → in_flight → done / failed /
skipped), the before-state known at plan time (or read just before the change),
the after-state from the server's answer, ``changed``, the API's error code, message,
status and request id, the idempotency key and the number of attempts.

Crash safety: an item's idempotency key and ``in_flight`` are committed **before** its
request is sent; its result is committed when the answer arrives. After a crash or
``kill -9`` the job shows up in :meth:`BulkEngine.pending_jobs`; resuming re-sends
``in_flight`` items first with their same key. Every operation is idempotent in effect
(adding a present tag, setting the same stage, adding a member twice change nothing), and
the before-state in the journal lets a re-sent item still be counted — and undone — as
changed when its first send landed. No item is ever lost: each ends ``done``,
``failed`` (with the API's code and message) or ``skipped`` (undo found it changed by
someone else), or stays ``pending``/``in_flight`` when the job is cancelled or stopped.

Running
-------
asyncio workers, at most ``concurrency`` requests at once (``settings.bulk_concurrency``,
default 8), all paced by the client's shared rate-limit pacer (which reads the
``X-RateLimit-*`` headers and waits out 429s). Additions to a list go in batches of
100 ids (one request each); every other item is one request per contact (two when its
before-state is unknown and must be read first; one more per extra removed tag).
Transient errors (429, 5xx, network) are retried by the client, then up to
``ITEM_RETRIES`` more rounds here; after that the item fails with the code and can be
retried with :meth:`BulkEngine.retry_failed`. Permanent errors (404, 409, 422) fail the
item at once. 401/403/unsupported endpoint stop the whole job (state ``stopped``, items
left pending). Eight items in a row failing for lack of network also stop it, and so do
ten refusals (400/422) before any success: a value Orbit refuses is reported once, not
for every contact.

Progress: ``on_progress(Progress)`` after each finished item (or batch) — counts
(done, changed, unchanged, failed, skipped, remaining), rate over the last 10 s, ETA and
the latest failures — for the CLI bar and the UI screen alike. Cancellation: set the
``cancel`` event; workers take no new item, requests in flight finish, the rest stay
pending and the job ends ``cancelled``, resumable.

Undo (:meth:`BulkEngine.undo`) is itself a job, planned from the journal: it reverses
only the items the job actually changed — an added tag is removed only where this job
added it, a removed tag restored only where it removed it, a list addition undone only
for contacts the job added (not those already members), and a stage restored only where
the contact still has the stage the job set (others are ``skipped``). An undone job can
no longer be resumed or retried.

Known limits: the before-state of contacts found by a search is the state at plan time;
if someone changes a contact between the plan and the run, the "changed" figure (and so
undo) may be off for that contact. Explicit ids are read right before their change.
"""

from orbit_tui.bulk.engine import BulkEngine, ProgressCallback
from orbit_tui.bulk.journal import Item, JobBusy, JobTakenOver, Journal
from orbit_tui.bulk.model import (
    DONE,
    FAILED,
    IN_FLIGHT,
    JOB_CANCELLED,
    JOB_COMPLETED,
    JOB_PLANNED,
    JOB_RUNNING,
    JOB_STOPPED,
    PENDING,
    SKIPPED,
    BulkError,
    ConfirmationRequired,
    Counts,
    ItemFailure,
    JobInfo,
    Operation,
    Plan,
    Progress,
    ReadOnlyProfile,
    Target,
    tag_counts,
)

__all__ = [
    "BulkEngine",
    "BulkError",
    "ConfirmationRequired",
    "Counts",
    "DONE",
    "FAILED",
    "IN_FLIGHT",
    "Item",
    "ItemFailure",
    "JOB_CANCELLED",
    "JOB_COMPLETED",
    "JOB_PLANNED",
    "JOB_RUNNING",
    "JOB_STOPPED",
    "JobBusy",
    "JobInfo",
    "JobTakenOver",
    "Journal",
    "Operation",
    "PENDING",
    "Plan",
    "Progress",
    "ProgressCallback",
    "ReadOnlyProfile",
    "SKIPPED",
    "Target",
    "tag_counts",
]
