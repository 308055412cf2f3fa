"""The screen-free parts of the UI: text safety, queries, the page window, marks."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from orbit_tui.api.models import Contact, Page
from orbit_tui.ui.marks import MarkStore
from orbit_tui.ui.query import ContactQuery, QueryError, parse_date, parse_tags
from orbit_tui.ui.safe import clean, fit, format_age, format_phone, literal
from orbit_tui.ui.screens.filters import parse_country
from orbit_tui.ui.widgets.contacts_table import layout_columns
from orbit_tui.ui.window import PageWindow


def test_clean_strips_escapes_and_controls_but_keeps_markup_literally() -> None:
    hostile = "Ann\x1b[31m\x1b]0;pwned\x07 [bold]x[/] \u202eevil\x00\n2"
    assert clean(hostile) == "Ann [bold]x[/] evil 2"
    text = literal("[red]not red[/red]")
    assert text.plain == "[red]not red[/red]"
    assert not text.spans
    assert fit("abcdefghij", 5).plain == "abcd…"


def test_phone_is_formatted_for_reading_and_garbage_kept() -> None:
    assert format_phone("+14155552671") == "+1 415-555-2671"
    assert format_phone("+905321234567") == "+90 532 123 45 67"
    assert format_phone("not a phone") == "not a phone"
    assert format_phone(None) == ""


def test_age_wording() -> None:
    assert format_age(1) == "just now"
    assert format_age(42) == "42 s"
    assert format_age(301) == "5 min"
    assert format_age(7300) == "2 h"
    assert format_age(3 * 86400) == "3 d"


def test_query_params_chips_and_clearing() -> None:
    query = ContactQuery(
        search="jane",
        lifecycle_stage="lead",
        tags=("vip", "trial"),
        has_email=False,
        created_after=date(2025, 1, 1),
        created_before=date(2025, 1, 31),
    )
    assert query.to_params() == {
        "search": "jane",
        "lifecycle_stage": "lead",
        "tags": ["vip", "trial"],
        "has_email": False,
        "created_after": "2025-01-01T00:00:00Z",
        "created_before": "2025-01-31T23:59:59Z",
    }
    keys = [key for key, _ in query.chips()]
    assert keys == ["lifecycle_stage", "tags", "has_email", "created_after", "created_before"]
    assert query.without("tags").tags == ()
    assert query.without_filters() == ContactQuery(search="jane")


def test_query_validation() -> None:
    with pytest.raises(QueryError) as bad_date:
        parse_date("31/01/2025", "created_after")
    assert "YYYY-MM-DD" in bad_date.value.message
    with pytest.raises(QueryError):
        ContactQuery(created_after=date(2025, 2, 1), created_before=date(2025, 1, 1))
    assert parse_tags("vip, trial vip") == ("vip", "trial")
    assert parse_country("tr") == "TR"
    assert parse_country("Germany") == "DE"
    with pytest.raises(QueryError):
        parse_country("Atlantis")


def _page(start: int, count: int, more: bool, total: int = 1000) -> Page[Contact]:
    items = [Contact(id=f"con_{i}") for i in range(start, start + count)]
    return Page[Contact](items=items, cursor=f"c{start + count}" if more else None,
                         has_more=more, total=total)


def test_window_slides_forward_and_back_keeping_cursors() -> None:
    window = PageWindow(page_size=10, max_pages=3)
    window.reset(_page(0, 10, True))
    assert window.wants_next(5) and not window.wants_previous(5)
    for k in range(1, 5):
        dropped = window.append(_page(k * 10, 10, True))
        assert dropped == (10 if k >= 3 else 0)
    assert (window.first, window.last, window.row_count) == (2, 4, 30)
    assert window.absolute_start() == 20
    assert window.cursor_for(1) == "c10"
    assert window.wants_previous(3)
    dropped = window.prepend(_page(10, 10, True))
    assert dropped == 10
    assert (window.first, window.last) == (1, 3)
    assert window.contact_at(0).id == "con_10"  # type: ignore[union-attr]
    assert window.more_after()


def test_window_end_of_result() -> None:
    window = PageWindow(page_size=10)
    window.reset(_page(0, 10, True, total=None))  # type: ignore[arg-type]
    window.append(_page(10, 4, False, total=None))  # type: ignore[arg-type]
    assert not window.more_after()
    assert window.total == 14
    assert not window.wants_next(13)


def test_marks_store_notifies_and_keeps_order() -> None:
    marks = MarkStore()
    calls: list[int] = []
    unsubscribe = marks.subscribe(lambda: calls.append(len(marks)))
    assert marks.toggle("a") is True
    assert marks.add_many(["b", "a", "c"]) == 2
    assert marks.ids() == ["a", "b", "c"]
    assert marks.toggle("a") is False
    unsubscribe()
    assert marks.clear() == 2
    assert calls == [1, 3, 2]


def test_columns_fit_the_width() -> None:
    for width in (80, 120, 200):
        columns = layout_columns(width)
        used = sum(w + 2 for _, w in columns) + 2
        assert used == width
    assert "tags" not in [c.key for c, _ in layout_columns(80)]
    assert "tags" in [c.key for c, _ in layout_columns(120)]


def test_created_date_cell_is_utc() -> None:
    from orbit_tui.ui.safe import format_date

    assert format_date(datetime(2025, 1, 1, 23, 30, tzinfo=timezone.utc)) == "2025-01-01"


def test_status_bar_badges_read_without_colour() -> None:
    from orbit_tui.ui.status import AppStatus, ProfileInfo
    from orbit_tui.ui.widgets.status_bar import render_status

    live = AppStatus(profile=ProfileInfo(name="acme\x1b[2J", kind="LIVE", read_only=True))
    live.update(online=False, in_flight=2, last_error="Orbit had an internal problem")
    text = render_status(live, width=120)
    plain = text.plain
    assert "● LIVE" in plain and "READ-ONLY" in plain and "OFFLINE" in plain
    assert "⇅ 2" in plain and "✖ Orbit had an internal problem" in plain
    assert "acme" in plain and "\x1b" not in plain
    live_span = next(s for s in text.spans if "LIVE" in plain[s.start : s.end])
    assert "on #d70000" in str(live_span.style)  # white on red
    demo = render_status(AppStatus(profile=ProfileInfo(kind="DEMO")), width=80).plain
    assert "DEMO" in demo and "online" in demo and "READ-ONLY" not in demo


def test_header_texts() -> None:
    from orbit_tui.ui.screens.contacts_text import (
        chip_at,
        chips_text,
        counts_text,
        empty_text,
        freshness_text,
    )
    from orbit_tui.ui.source import PageResult

    window = PageWindow(page_size=50)
    window.reset(_page(0, 50, True, total=4230))
    assert counts_text(window, 12, "loading more…").plain == (
        "1–50 of 4,230 · 12 marked · loading more…"
    )
    page = _page(0, 1, False)
    assert freshness_text([PageResult(page=page)]).plain == ""
    assert freshness_text([PageResult(page=page, from_cache=True, age_s=400, stale=True)]).plain == (
        "cached 6 min ago · stale"
    )
    offline = PageResult(page=page, from_cache=True, age_s=7200, stale=True, offline=True)
    assert freshness_text([offline]).plain == "○ offline · cached 2 h ago"
    query = ContactQuery(search="[b]x", lifecycle_stage="lead", country_code="US")
    chips = chips_text(query).plain
    assert chips.startswith("Filters: [stage=lead ✕]  [country=US ✕]")
    assert chip_at(query, chips.index("country")) == "country_code"
    assert chip_at(query, 0) is None
    empty = empty_text(query)
    assert "“[b]x”" in empty.plain and "with these filters" in empty.plain
