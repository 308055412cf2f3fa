"""Every page of a target or a list is read through the client's one cursor-following
helper: all ids exactly once, the membership cap, and the members screen's mark-all ids."""

from __future__ import annotations

from typing import Any

import pytest

from bulk_helpers import SEED_CONTACTS, bulk_server, bulk_template_db, make_client  # noqa: F401  (fixtures)
from orbit_tui.bulk import Operation, Target
from orbit_tui.bulk import targets
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.screens.list_members import MemberSource


class _Facade:
    def __init__(self, client: Any) -> None:
        self.client = client


async def _big_list(client: Any) -> tuple[str, list[str]]:
    ids = [c.id async for c in client.iter_contacts(page_size=100)][:250]
    created = await client.create_list("Pages test")
    for start in range(0, len(ids), 100):
        await client.add_members(created.id, ids[start:start + 100])
    return created.id, ids


async def test_targets_and_member_ids_read_every_page_once(bulk_server: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    async with make_client(bulk_server) as client:
        list_id, ids = await _big_list(client)
        monkeypatch.setattr(targets, "PAGE_SIZE", 40)  # several pages, a partial last one
        plan = await targets.build_plan(client, Target.list_members(list_id), Operation.tags(add=["x"]))
        assert sorted(plan.contact_ids) == sorted(ids) and len(plan.contact_ids) == len(ids)

        everyone = await targets.build_plan(client, Target.matching(), Operation.list_add(list_id))
        assert len(set(everyone.contact_ids)) == len(everyone.contact_ids) == SEED_CONTACTS
        assert everyone.already_match == len(ids)  # the membership was read whole

        monkeypatch.setattr(targets, "MEMBERSHIP_PAGE_CAP", 2)  # 80 members at most: too large
        assert await targets.list_membership(client, list_id) is None
        monkeypatch.setattr(targets, "MEMBERSHIP_PAGE_CAP", 7)
        assert await targets.list_membership(client, list_id) == set(ids)

        source = MemberSource(_Facade(client), "list", list_id)
        marked = [i async for i in source.iter_ids(ContactQuery())]
        assert sorted(marked) == sorted(ids)
