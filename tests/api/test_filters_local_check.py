"""The local check of GET /contacts filters: each filter, its leniency, and what it leaves
to the server (the full-text search)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from orbit_tui.api.filters import FilterIgnored, check_page, first_mismatch, mismatch
from orbit_tui.api.models import Contact

AT = datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)


def contact(**kw: object) -> Contact:
    data: dict[str, object] = {"id": "con_1", "phone": "+14155552671", "email": None,
                               "country_code": "US", "lifecycle_stage": "lead", "tags": ["vip"],
                               "created_at": AT}
    data.update(kw)
    return Contact.model_validate(data)


@pytest.mark.parametrize(
    ("params", "actual"),
    [
        ({"country_code": "TR"}, "country US"),
        ({"lifecycle_stage": "customer"}, "stage 'lead'"),
        ({"tags": ["vip", "gold"]}, "no tag 'gold'"),
        ({"tags": "gold"}, "no tag 'gold'"),
        ({"has_email": True}, "no email"),
        ({"has_phone": False}, "a phone"),
        ({"created_after": "2026-04-01T00:00:00Z"}, "created_at 2026-03-08T12:00:00Z"),
        ({"created_before": "2026-01-01T00:00:00Z"}, "created_at 2026-03-08T12:00:00Z"),
    ],
)
def test_a_contact_outside_a_filter_is_named_with_what_it_has(params: dict[str, object], actual: str) -> None:
    found = mismatch(params, contact(), page=2)
    assert found is not None and found.actual == actual and found.contact_id == "con_1"
    assert found.explain().startswith(f"Orbit ignored the filter {found.filter_text}: contact con_1 on page 2 has {actual}.")


def test_wire_spelling_of_the_filter_in_the_words() -> None:
    found = mismatch({"has_email": True}, contact())
    assert found is not None and found.filter_text == "has_email=true"
    assert found.notice() == "Orbit ignored the filter has_email=true; showing what it sent"


def test_matching_contacts_and_lenient_cases_pass() -> None:
    c = contact(email="a@example.com")
    lenient = {
        "country_code": "us", "lifecycle_stage": "LEAD", "tags": ["VIP"], "has_phone": True,
        "has_email": True, "created_after": "2026-03-08T12:00:00Z", "created_before": "2026-03-08T12:00:00Z",
    }
    assert mismatch(lenient, c) is None
    assert mismatch({"created_after": "2026-04-01T00:00:00Z"}, contact(created_at=None)) is None


def test_search_is_left_to_the_server_and_no_filter_checks_nothing() -> None:
    assert first_mismatch({"search": "nobody-matches-this"}, [contact()]) is None
    assert first_mismatch({"country_code": None, "tags": []}, [contact()]) is None
    with pytest.raises(FilterIgnored) as caught:
        check_page({"country_code": "TR"}, [contact(country_code="TR"), contact(id="con_2")], page=1)
    assert caught.value.mismatch.contact_id == "con_2"
