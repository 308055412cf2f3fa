"""Totals that cannot be true (negative, not a whole number, a boolean, fewer than the items
on the page) are unknown: the header never says "1–3 of -5"."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from starlette.requests import Request

from hostile_server import HostileServer, contact, json, page_body  # type: ignore[import-not-found]
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.models import Contact, Page
from orbit_tui.ui.screens.contacts_paging import walk_text
from orbit_tui.ui.screens.contacts_text import counts_text
from orbit_tui.ui.window import PageWindow

IMPOSSIBLE = [-5, -1, True, False, "7", 2.5, 2, [3], {"n": 3}]


def one_page(total: Any) -> Any:
    def handler(request: Request) -> Any:
        return json(page_body([contact(i) for i in range(3)], None, False, total=total))

    return handler


@pytest.mark.parametrize("total", IMPOSSIBLE, ids=repr)
async def test_an_impossible_total_is_unknown(
        hostile_server: Callable[..., HostileServer], total: Any) -> None:
    server = hostile_server([("GET", "/contacts", one_page(total))])
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        page = await client.list_contacts(limit=3)
    assert len(page.items) == 3
    assert page.total is None


async def test_a_possible_total_is_kept(hostile_server: Callable[..., HostileServer]) -> None:
    server = hostile_server([("GET", "/contacts", one_page(3))])
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        assert (await client.list_contacts(limit=3)).total == 3


def test_the_header_never_shows_a_total_below_the_rows_shown() -> None:
    window = PageWindow(page_size=3)
    items = [Contact(id=f"con_{i}") for i in range(3)]
    window.reset(Page[Contact](items=items, cursor="c1", has_more=True, total=3))
    window.append(Page[Contact](items=[Contact(id=f"con_{i}") for i in range(3, 6)],
                                cursor="c2", has_more=True, total=2))
    assert str(counts_text(window, 0)) == "1–6 of 6+"
    assert "of 2" not in walk_text(window)
