"""The client against the real sandbox over HTTP: endpoints, models, error mapping, secrets."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orbit_tui.api import (
    AuthError,
    ConflictError,
    InvalidCursorError,
    NetworkError,
    NotFoundError,
    OrbitClient,
    OrbitError,
    PermissionDeniedError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    Timeouts,
    UnsupportedError,
    ValidationError,
)
from orbit_tui.api.models import Contact, ContactInput
from orbit_tui.sandbox import Faults, SandboxServer, create_app

WRONG_KEY = "dv_live_sk_wrong_9f2c7d1e5a3b8c4d6e0f"


async def test_round_trip_over_every_endpoint(sandbox: SandboxServer, make_client: Callable[..., OrbitClient]) -> None:
    client = make_client(sandbox.base_url, sandbox.api_key)
    first = await client.list_contacts(limit=7)
    assert len(first.items) == 7 and first.has_more and first.cursor
    second = await client.list_contacts(limit=7, cursor=first.cursor)
    assert not {c.id for c in first.items} & {c.id for c in second.items}
    seen = [c.id async for c in client.iter_contacts(page_size=100)]
    assert len(seen) == len(set(seen)) >= 300

    us_leads = await client.list_contacts(country_code="US", lifecycle_stage="lead", limit=100)
    assert us_leads.items and all(
        c.country_code == "US" and c.lifecycle_stage == "lead" for c in us_leads.items
    )
    contact = await client.get_contact(first.items[0].id)
    assert contact == first.items[0]

    created = await client.create_contact(ContactInput(email="round.trip@example.org", first_name="Round"))
    assert created.id.startswith("con_") and created.first_name == "Round"
    updated = await client.update_contact(created.id, {"last_name": "Trip", "metadata": {"k": 1}})
    assert updated.last_name == "Trip" and updated.metadata == {"k": 1}
    tags = await client.add_tags(created.id, ["a/b c?", "vip"])
    assert set(tags.tags) == {"a/b c?", "vip"}
    after = await client.remove_tag(created.id, "a/b c?")
    assert after is None or after.tags == ["vip"]
    assert (await client.get_contact(created.id)).tags == ["vip"]
    prefs = await client.set_preferences(created.id, {"sms": False})
    assert prefs.preferences["sms"] is False
    optouts = await client.list_optouts(channel="sms", limit=100)
    assert all("sms" in (c.opted_out_channels or []) for c in optouts.items)
    activity = await client.list_activity(contact.id, limit=5)
    assert all(a.type for a in activity.items)

    new_list = await client.create_list("Round trip", "made by a test")
    assert new_list.member_count == 0
    added = await client.add_members(new_list.id, [created.id, "con_missing"])
    assert added.added == [created.id] and added.not_found == ["con_missing"]
    again = await client.add_members(new_list.id, [created.id])
    assert again.already_member == [created.id]
    members = await client.list_members(new_list.id)
    assert [m.id for m in members.items] == [created.id]
    assert new_list.id in {lst.id for lst in (await client.contact_lists(created.id)).items}
    await client.remove_member(new_list.id, created.id)
    renamed = await client.update_list(new_list.id, name="Renamed")
    assert renamed.name == "Renamed"
    await client.delete_list(new_list.id)
    assert new_list.id not in {lst.id async for lst in client.iter_lists()}

    rules = {"lifecycle_stage": "lead"}
    preview = await client.preview_segment(rules)
    segment = await client.create_segment("Leads", rules)
    assert segment.contact_count == preview.contact_count
    assert (await client.get_segment(segment.id)).name == "Leads"
    assert (await client.update_segment(segment.id, name="Leads 2")).name == "Leads 2"
    seg_members = [c async for c in client.iter_segment_members(segment.id)]
    assert len(seg_members) == preview.contact_count
    assert all(c.lifecycle_stage == "lead" for c in seg_members)
    assert segment.id in {s.id for s in (await client.list_segments()).items}
    await client.delete_segment(segment.id)
    await client.delete_contact(created.id)
    with pytest.raises(NotFoundError):
        await client.get_contact(created.id)


async def test_each_error_kind_is_mapped(sandbox: SandboxServer, make_client: Callable[..., OrbitClient]) -> None:
    client = make_client(sandbox.base_url, sandbox.api_key)
    existing = (await client.list_contacts(has_email=True, limit=1)).items[0]

    with pytest.raises(AuthError) as auth:
        await make_client(sandbox.base_url, WRONG_KEY).list_contacts()
    assert auth.value.status == 401 and auth.value.request_id.startswith("req_")

    with pytest.raises(NotFoundError) as missing:
        await client.get_contact("con_does_not_exist")
    assert missing.value.code == "NOT_FOUND"

    with pytest.raises(ValidationError) as invalid:
        await client.create_contact({"phone": "+1234", "first_name": "Bad"})
    assert invalid.value.field == "phone" and invalid.value.status == 422

    with pytest.raises(ValidationError) as channel:
        await client.set_preferences(existing.id, {"pigeon": True})
    assert channel.value.code == "INVALID_CHANNEL"

    with pytest.raises(InvalidCursorError):
        await client.list_contacts(cursor="cur_not_a_real_cursor")

    with pytest.raises(ConflictError) as conflict:
        await client.create_contact({"email": existing.email})
    assert conflict.value.field == "email"

    for error in (auth.value, missing.value, invalid.value, conflict.value):
        text = error.explain()
        assert error.request_id and f"request id {error.request_id}" in text


async def test_rate_limit_server_error_timeout_and_network_errors(
    sandbox_factory: Callable[..., SandboxServer], make_client: Callable[..., OrbitClient]
) -> None:
    server = sandbox_factory(contacts=5, faults=Faults(rate_limit_per_min=1))
    await make_client(server.base_url, server.api_key).list_contacts()
    # Fresh clients (their own pacers have not seen the budget run out), no retries; a
    # second try covers the minute turning between the two requests.
    with pytest.raises(RateLimitedError) as limited:
        for _ in range(2):
            await make_client(server.base_url, server.api_key, max_retries=0).list_contacts()
    assert limited.value.retry_after and 0 < limited.value.retry_after <= 60

    server.faults.rate_limit_per_min = None
    server.faults.error_rate = 1.0
    failing_client = make_client(server.base_url, server.api_key)  # a pacer with no budget seen
    with pytest.raises(ServerError) as failing:
        await failing_client.list_contacts()
    assert failing.value.status == 503
    assert failing_client.recorder.retries(503) == 3  # type: ignore[attr-defined]

    server.faults.error_rate = 0
    server.faults.latency_ms = 400
    slow = make_client(server.base_url, server.api_key, max_retries=0,
                       timeouts=Timeouts(connect=1, read=0.1))
    with pytest.raises(RequestTimeoutError) as timeout:
        await slow.list_contacts()
    assert isinstance(timeout.value, NetworkError)

    server.faults.latency_ms = 0
    base_url = server.base_url
    server.stop()
    gone = make_client(base_url, server.api_key)
    with pytest.raises(NetworkError) as down:
        await gone.list_contacts()
    assert gone.online is False
    assert "Could not reach Orbit" in down.value.explain()


def _older_server(inner: Any) -> Any:
    """An Orbit that knows only the documented endpoints (designed ones: 404 page or 405)."""
    designed = [
        ("POST", r"/contacts/lists/[^/]+/members$", 404),
        ("DELETE", r"/contacts/lists/[^/]+/members/[^/]+$", 405),
        ("GET", r"/contacts/(?!lists|segments|optouts)[^/]+/lists$", 404),
        ("POST", r"/contacts/segments/preview$", 404),
        ("GET", r"/contacts/segments/[^/]+/members$", 404),
        ("GET", r"/contacts/segments/[^/]+$", 405),
        ("PUT", r"/contacts/segments/[^/]+$", 405),
    ]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for method, pattern, status in designed:
                if scope["method"] == method and re.search(pattern, scope["path"]):
                    body = b"<html><body>Cannot " + method.encode() + b"</body></html>"
                    await send({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", b"text/html")]})
                    await send({"type": "http.response.body", "body": body if status == 404 else b""})
                    return
        await inner(scope, receive, send)

    return app


async def test_designed_endpoints_on_an_older_server_are_unsupported(
    tmp_path: Any, make_client: Callable[..., OrbitClient]
) -> None:
    from orbit_tui.sandbox import DEMO_API_KEY, seed_database

    db = tmp_path / "older.db"
    seed_database(db, contacts=20)
    transport = httpx.ASGITransport(app=_older_server(create_app(db, api_keys=[DEMO_API_KEY])))
    client = make_client("http://older.test/api/v1", DEMO_API_KEY, transport=transport)
    contact = (await client.list_contacts(limit=1)).items[0]
    lists = await client.list_lists()
    segments = await client.list_segments()
    calls = [
        client.add_members(lists.items[0].id, [contact.id]),
        client.remove_member(lists.items[0].id, contact.id),
        client.contact_lists(contact.id),
        client.preview_segment({"country_code": "US"}),
        client.segment_members(segments.items[0].id),
        client.get_segment(segments.items[0].id),
        client.update_segment(segments.items[0].id, name="x"),
    ]
    for call in calls:
        with pytest.raises(UnsupportedError) as info:
            await call
        assert "does not offer" in info.value.explain()
    # Documented endpoints keep working, and a real 404 stays a NotFoundError.
    with pytest.raises(NotFoundError) as real:
        await client.get_contact("con_nobody")
    assert not isinstance(real.value, UnsupportedError)
    assert client.recorder.retries() == 0  # type: ignore[attr-defined]


def _echoing_server(status: int, code: str) -> Any:
    """A server that echoes the key it received in its error message and details."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        key = dict(scope["headers"]).get(b"x-api-key", b"").decode()
        body = json.dumps({
            "error": {"code": code, "message": f"key {key} refused", "status": status,
                      "details": {"received": key, "nested": [{"k": key}]}},
            "meta": {"request_id": "req_echo"},
        }).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize(
    "status, code, kind",
    [(401, "INVALID_API_KEY", AuthError), (403, "INSUFFICIENT_PERMISSIONS", PermissionDeniedError),
     (500, "INTERNAL_ERROR", ServerError)],
)
async def test_the_key_never_appears_in_errors_or_logs(
    status: int, code: str, kind: type[OrbitError], make_client: Callable[..., OrbitClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client("http://echo.test/api/v1", WRONG_KEY,
                         transport=httpx.ASGITransport(app=_echoing_server(status, code)))
    with pytest.raises(kind) as info:
        await client.get_contact("con_1")
    error = info.value
    assert error.request_id == "req_echo"
    surfaces = [str(error), repr(error), error.explain(), error.message, json.dumps(error.details),
                repr(client), str(error.args), caplog.text]
    surfaces += [repr(e) for e in client.recorder.events]  # type: ignore[attr-defined]
    for text in surfaces:
        assert WRONG_KEY not in text
    assert "[redacted key]" in error.message


async def test_models_tolerate_unknown_and_missing_fields(make_client: Callable[..., OrbitClient]) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = json.dumps({
            "data": [{"id": "con_1", "tags": None, "metadata": None, "brand_new_field": {"x": 1},
                      "created_at": "not a date"}],
            "meta": {"request_id": "req_x", "pagination": {"has_more": False}},
        }).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    client = make_client("http://new.test/api/v1", WRONG_KEY, transport=httpx.ASGITransport(app=app))
    page = await client.list_contacts()
    assert isinstance(page.items[0], Contact) and page.items[0].tags == []
    assert page.total is None and page.cursor is None and page.request_id == "req_x"
