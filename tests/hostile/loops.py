"""GET /contacts handlers whose cursors never end, three ways (see test_hostile_walks)."""

from __future__ import annotations

from itertools import count
from typing import Any

from starlette.requests import Request

from hostile_server import contact, json, page_body  # type: ignore[import-not-found]

PAGE = 3


def alternating() -> Any:
    """Cursors A → B → A → B …: page A and page B each hold their own three contacts."""
    first = {None: ("A", 0), "A": ("B", 1), "B": ("A", 2)}

    def handler(request: Request) -> Any:
        nxt, block = first.get(request.query_params.get("cursor"), ("A", 0))
        items = [contact(block * PAGE + i) for i in range(PAGE)]
        return json(page_body(items, nxt, True, total=None))

    return handler


def same_items() -> Any:
    """A new cursor every page, and the same three contacts on every page."""
    counter = count(1)

    def handler(request: Request) -> Any:
        items = [contact(i) for i in range(PAGE)]
        return json(page_body(items, f"cur_{next(counter)}", True, total=PAGE))

    return handler


def past_total() -> Any:
    """A new cursor and new contacts forever, though every page says there are 5."""
    counter = count(0)

    def handler(request: Request) -> Any:
        n = next(counter)
        items = [contact(n * PAGE + i) for i in range(PAGE)]
        return json(page_body(items, f"cur_{n + 1}", True, total=5))

    return handler


KINDS = {"alternating": alternating, "same_items": same_items, "past_total": past_total}
REASONS = {
    "alternating": "a cursor it had already given came back",
    "same_items": "the same contacts again",
    "past_total": "more than the 5 contacts it said it had",
}
