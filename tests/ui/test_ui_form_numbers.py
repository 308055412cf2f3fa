"""NaN and infinity are not JSON numbers: the contact form refuses them in metadata.

``json.loads`` accepts ``NaN``, ``Infinity`` and ``1e999`` (as inf), but no JSON encoder
that follows the standard writes them back: saving such a value ended in a raw
``ValueError``. The form refuses them on the metadata field and sends nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from orbit_tui.api.client import OrbitClient
from orbit_tui.sandbox import SandboxServer
from orbit_tui.ui.contact_edit import check_form, parse_metadata, values_from
from orbit_tui.ui.screens.contact_form import ContactFormScreen

from conftest import AppFactory, wait_for  # type: ignore[import-not-found]
from detail_helpers import open_detail, seeded  # type: ignore[import-not-found]

NON_FINITE = ["-Infinity", "Infinity", "NaN", "[NaN]", "1e999", '{"a": [1, -1e400]}']


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_metadata_values_are_refused_with_a_plain_error(value: str) -> None:
    result, error = parse_metadata(f"x = {value}", {})
    assert result == {}
    assert error == "metadata 'x': NaN and infinity are not valid JSON numbers"


def test_finite_numbers_and_text_still_parse() -> None:
    result, error = parse_metadata("a = -1.5\nb = [1, 2e10]\nc = Nancy\nd = 1e3", {})
    assert error == ""
    assert result == {"a": -1.5, "b": [1, 2e10], "c": "Nancy", "d": 1000.0}


async def test_the_form_refuses_nan_on_the_metadata_field_and_sends_nothing(
    sandbox: SandboxServer, make_app: AppFactory
) -> None:
    contact = (await seeded(sandbox, 3))[2][0]
    app = make_app(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, contact.id)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")
        form: Any = app.screen
        form.set_value("metadata", form.original.metadata + "\nscore = [NaN]")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(form.error_for("metadata")), what="metadata error")
        assert form.error_for("metadata") == (
            "metadata 'score': NaN and infinity are not valid JSON numbers"
        )
        assert isinstance(app.screen, ContactFormScreen)
    async with OrbitClient(sandbox.base_url, sandbox.api_key) as client:
        stored = await client.get_contact(contact.id)
    assert stored.updated_at == contact.updated_at and "score" not in stored.metadata


def test_check_form_reports_it_on_the_metadata_field() -> None:
    values = values_from(None).with_(email="a@example.com", metadata="x = 1e999")
    payload, errors = check_form(values, None)
    assert payload == {} and "NaN and infinity" in errors["metadata"]
