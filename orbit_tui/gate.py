"""The one gate every change to Orbit passes through.

Screens, the bulk runner and the command line never change data any other way: they
call a :class:`Gate`, which

- refuses every change on a read-only profile (:class:`ReadOnlyError`, nothing sent);
- knows what a change needs confirmed under the profile's :class:`ChangePolicy` (a
  delete or a bulk job: ``y`` on a test or demo key, the typed count on a key treated as
  live) and refuses one that needs it but was not confirmed
  (:class:`ConfirmationNeededError`);
- sends through the cache facade (write-through) and the client below it, whose paths
  are safe by construction: an empty, ``.`` or ``..`` id or tag never becomes part of an
  address (:mod:`orbit_tui.api.paths`), and a read-only client refuses any write too.

Screens read :meth:`Gate.refusal` and :meth:`Gate.confirmation` to decide what to offer;
the gate decides what is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from orbit_tui.api.errors import ConfirmationNeededError, ReadOnlyError
from orbit_tui.api.models import (
    Contact,
    ContactInput,
    ContactList,
    ContactPreferences,
    ContactTags,
    MembershipResult,
    Segment,
)
from orbit_tui.policy import ChangePolicy, Confirmation

if TYPE_CHECKING:
    import asyncio

    from orbit_tui.bulk import BulkEngine, JobInfo, Plan
    from orbit_tui.bulk.progress import ProgressCallback

READ_ONLY_NOTICE = (
    "This profile is read-only: nothing can be changed from here. "
    "Use a profile without read_only to create, edit or delete."
)


class Writer(Protocol):
    """What the gate sends through: the cache facade (or a bare client)."""

    async def create_contact(self, data: ContactInput | Mapping[str, Any]) -> Contact: ...
    async def update_contact(self, contact_id: str, data: ContactInput | Mapping[str, Any]) -> Contact: ...
    async def delete_contact(self, contact_id: str) -> None: ...
    async def add_tags(self, contact_id: str, tags: list[str]) -> ContactTags: ...
    async def remove_tag(self, contact_id: str, tag: str) -> ContactTags | None: ...
    async def set_preferences(self, contact_id: str, prefs: Mapping[str, bool]) -> ContactPreferences: ...
    async def create_list(self, name: str, description: str | None = None) -> ContactList: ...
    async def update_list(self, list_id: str, *, name: str | None = None,
                          description: str | None = None) -> ContactList: ...
    async def delete_list(self, list_id: str) -> None: ...
    async def add_members(self, list_id: str, contact_ids: list[str]) -> MembershipResult: ...
    async def remove_member(self, list_id: str, contact_id: str) -> None: ...
    async def create_segment(self, name: str, rules: Mapping[str, Any]) -> Segment: ...
    async def update_segment(self, segment_id: str, *, name: str | None = None,
                             rules: Mapping[str, Any] | None = None) -> Segment: ...
    async def delete_segment(self, segment_id: str) -> None: ...


class Gate:
    """Every change, checked against one profile's policy (see the module docstring)."""

    def __init__(
        self,
        writer: Writer,
        policy: ChangePolicy,
        engine: Callable[[], BulkEngine] | None = None,
    ) -> None:
        self._writer = writer
        self.policy = policy
        self._engine = engine

    # -- what screens ask -------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.policy.read_only

    def refusal(self) -> str | None:
        """Why no change can be made at all (a read-only profile), or None."""
        return READ_ONLY_NOTICE if self.policy.read_only else None

    def confirmation(self, *, destructive: bool = False, bulk: bool = False) -> Confirmation:
        """What answer a change needs before it may be sent (see :class:`ChangePolicy`)."""
        return self.policy.confirmation(destructive=destructive, bulk=bulk)

    def ensure_writable(self, what: str) -> None:
        """Raise :class:`ReadOnlyError` now, before asking anything, on a read-only profile
        (``orbit-tui bulk`` calls it before its typed confirmation)."""
        if self.policy.read_only:
            raise ReadOnlyError(f"Refused to {what}.")

    def _allow(self, what: str, *, destructive: bool = False, bulk: bool = False,
               confirmed: bool = False) -> None:
        self.ensure_writable(what)
        if self.confirmation(destructive=destructive, bulk=bulk) != "none" and not confirmed:
            raise ConfirmationNeededError(f"Refused to {what}: it was not confirmed.")

    # -- contacts -----------------------------------------------------------------------
    async def create_contact(self, data: ContactInput | Mapping[str, Any]) -> Contact:
        self._allow("create a contact")
        return await self._writer.create_contact(data)

    async def update_contact(self, contact_id: str, data: ContactInput | Mapping[str, Any]) -> Contact:
        self._allow("change a contact")
        return await self._writer.update_contact(contact_id, data)

    async def delete_contact(self, contact_id: str, *, confirmed: bool) -> None:
        self._allow("delete a contact", destructive=True, confirmed=confirmed)
        await self._writer.delete_contact(contact_id)

    async def add_tags(self, contact_id: str, tags: list[str]) -> ContactTags:
        self._allow("add tags")
        return await self._writer.add_tags(contact_id, tags)

    async def remove_tag(self, contact_id: str, tag: str) -> ContactTags | None:
        self._allow("remove a tag")
        return await self._writer.remove_tag(contact_id, tag)

    async def set_preferences(self, contact_id: str, prefs: Mapping[str, bool]) -> ContactPreferences:
        self._allow("change channel preferences")
        return await self._writer.set_preferences(contact_id, prefs)

    # -- lists --------------------------------------------------------------------------
    async def create_list(self, name: str, description: str | None = None) -> ContactList:
        self._allow("create a list")
        return await self._writer.create_list(name, description)

    async def update_list(self, list_id: str, *, name: str | None = None,
                          description: str | None = None) -> ContactList:
        self._allow("change a list")
        return await self._writer.update_list(list_id, name=name, description=description)

    async def delete_list(self, list_id: str, *, confirmed: bool) -> None:
        self._allow("delete a list", destructive=True, confirmed=confirmed)
        await self._writer.delete_list(list_id)

    async def add_members(self, list_id: str, contact_ids: list[str]) -> MembershipResult:
        self._allow("add contacts to a list")
        return await self._writer.add_members(list_id, contact_ids)

    async def remove_member(self, list_id: str, contact_id: str) -> None:
        self._allow("remove a contact from a list")
        await self._writer.remove_member(list_id, contact_id)

    # -- segments -----------------------------------------------------------------------
    async def create_segment(self, name: str, rules: Mapping[str, Any]) -> Segment:
        self._allow("create a segment")
        return await self._writer.create_segment(name, rules)

    async def update_segment(self, segment_id: str, *, name: str | None = None,
                             rules: Mapping[str, Any] | None = None) -> Segment:
        self._allow("change a segment")
        return await self._writer.update_segment(segment_id, name=name, rules=rules)

    async def delete_segment(self, segment_id: str, *, confirmed: bool) -> None:
        self._allow("delete a segment", destructive=True, confirmed=confirmed)
        await self._writer.delete_segment(segment_id)

    # -- bulk jobs ----------------------------------------------------------------------
    @property
    def engine(self) -> BulkEngine:
        """The bulk engine (for plans and the journal; its runs go through the gate)."""
        if self._engine is None:
            raise RuntimeError("this gate has no bulk engine")
        return self._engine()

    def create_job(self, plan: Plan, *, confirmed: bool) -> str:
        """Journal a planned job (the preview was shown and answered)."""
        self._allow("start a bulk job", bulk=True, confirmed=confirmed)
        return self.engine.create(plan, confirm=True)

    async def run_job(self, job_id: str, *, confirmed: bool,
                      on_progress: ProgressCallback | None = None,
                      cancel: asyncio.Event | None = None, take_over: bool = False) -> JobInfo:
        """Run, or resume, a journalled job (``take_over``: even though another orbit-tui
        holds its lock; that one stops before its next request)."""
        self._allow("run a bulk job", bulk=True, confirmed=confirmed)
        return await self.engine.run(job_id, confirm=True, on_progress=on_progress, cancel=cancel,
                                     take_over=take_over)

    async def execute_job(self, plan: Plan, *, confirmed: bool,
                          on_progress: ProgressCallback | None = None,
                          cancel: asyncio.Event | None = None) -> JobInfo:
        """Journal a planned job and run it."""
        job_id = self.create_job(plan, confirmed=confirmed)
        return await self.run_job(job_id, confirmed=confirmed, on_progress=on_progress,
                                  cancel=cancel)

    async def undo_job(self, job_id: str, *, confirmed: bool,
                       on_progress: ProgressCallback | None = None,
                       cancel: asyncio.Event | None = None) -> JobInfo:
        """Reverse exactly what a job changed (a job of its own)."""
        self._allow("undo a bulk job", bulk=True, confirmed=confirmed)
        return await self.engine.undo(job_id, confirm=True, on_progress=on_progress, cancel=cancel)

    async def retry_job(self, job_id: str, *, confirmed: bool,
                        on_progress: ProgressCallback | None = None,
                        cancel: asyncio.Event | None = None, take_over: bool = False) -> JobInfo:
        """Send a job's failed items again (``take_over`` as in :meth:`run_job`)."""
        self._allow("retry a bulk job", bulk=True, confirmed=confirmed)
        return await self.engine.retry_failed(job_id, confirm=True, on_progress=on_progress,
                                              cancel=cancel, take_over=take_over)


WRITES = (
    "create_contact", "update_contact", "delete_contact", "add_tags", "remove_tag",
    "set_preferences", "create_list", "update_list", "delete_list", "add_members",
    "remove_member", "create_segment", "update_segment", "delete_segment",
    "create_job", "run_job", "execute_job", "undo_job", "retry_job",
)
"""Every method of :class:`Gate` that changes data (a test walks them all)."""
