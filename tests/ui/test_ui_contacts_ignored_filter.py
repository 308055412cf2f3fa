"""The contacts screen against a sandbox that ignores a filter (the ``ignore_filters``
fault): it says so instead of calling everybody "filtered", and "mark all matching"
refuses rather than mark everybody."""

from __future__ import annotations

from typing import Any

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.filters import FilterIgnored
from orbit_tui.sandbox import Faults
from orbit_tui.ui.query import ContactQuery
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.sources import ClientSource

from ui_helpers import AppFactory, loaded, wait_for  # type: ignore[import-not-found]

NOTICE = "Orbit ignored the filter has_email=true; showing what it sent"


def _messages(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_screen_says_the_server_ignored_a_filter_and_mark_all_refuses(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=100, seed=5, faults=Faults(ignore_filters=("has_email",)))
    app = make_app(server)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        screen.set_query(ContactQuery(has_email=True))
        await wait_for(pilot, lambda: loaded(app)() and NOTICE in str(screen.query_one("#chips").render()),
                       what="the notice")
        assert NOTICE in _messages(app)

        await pilot.press("M")
        await wait_for(pilot, lambda: any("Mark all refused" == n.title for n in app._notifications), what="refusal")
        [refusal] = [m for m in _messages(app) if m.startswith("Orbit ignored the filter has_email=true: contact con_")]
        assert refusal.endswith("Nothing was marked; the server may not support this filter.")
        assert not isinstance(app.screen, ConfirmScreen) and len(app.marks) == 0

        screen.set_query(ContactQuery())  # no filter: nothing to ignore, the notice goes
        await wait_for(pilot, lambda: loaded(app)() and not str(screen.query_one("#chips").render()).strip())


async def test_marking_everyone_matching_stops_on_the_first_page_that_ignores_a_filter(sandbox_factory: Any) -> None:
    server = sandbox_factory(contacts=300, seed=5, faults=Faults(ignore_filters=("created_after",)))
    async with OrbitClient(server.base_url, server.api_key) as client:
        newest = [c async for c in client.iter_contacts(page_size=100)]
        days = sorted({c.created_at.date() for c in newest if c.created_at}, reverse=True)
        assert len(days) >= 3
        after = days[len(days) // 2]  # the first page (newest first) matches, later ones do not
        query = ContactQuery(created_after=after)
        seen: list[str] = []
        try:
            async for cid in ClientSource(client).iter_ids(query):
                seen.append(cid)
        except FilterIgnored as refused:
            assert refused.mismatch.name == "created_after"
        else:
            raise AssertionError("the walk marked contacts outside the filter")
        assert seen and all(c.created_at and c.created_at.date() >= after for c in newest if c.id in set(seen))


async def test_mark_all_unmarks_what_it_marked_when_a_later_page_ignores_a_filter(
    sandbox_factory: Any, make_app: AppFactory
) -> None:
    server = sandbox_factory(contacts=300, seed=5, faults=Faults(ignore_filters=("created_after",)))
    async with OrbitClient(server.base_url, server.api_key) as client:
        newest = [c async for c in client.iter_contacts(page_size=100)]
    # More than one batch of marks (200) matches before the first contact that does not.
    bound = newest[230].created_at.date()  # type: ignore[union-attr]
    assert any(c.created_at and c.created_at.date() < bound for c in newest)
    app = make_app(server, page_size=20)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, loaded(app), what="first page")
        screen = app.contacts_screen
        assert screen is not None
        screen.set_query(ContactQuery(created_after=bound))
        await wait_for(pilot, loaded(app), what="filtered")
        assert "Orbit ignored" not in str(screen.query_one("#chips").render())  # page 1 looks right
        app.marks.add_many([screen.table.contact_at(0).id])  # type: ignore[union-attr]  # marked before
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Mark all refused" == n.title for n in app._notifications), what="refusal")
        assert len(app.marks) == 1  # what this walk marked is unmarked again; the earlier mark stays
        notice = f"Orbit ignored the filter created_after={bound.isoformat()}T00:00:00Z; showing what it sent"
        await wait_for(pilot, lambda: notice in str(screen.query_one("#chips").render()), what="the notice")
        refusals = sum(n.title == "Mark all refused" for n in app._notifications)
        await pilot.press("M")  # refused at once now: no count, no confirmation
        await wait_for(pilot, lambda: sum(n.title == "Mark all refused" for n in app._notifications) > refusals)
        assert not isinstance(app.screen, ConfirmScreen)
