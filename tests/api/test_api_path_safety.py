"""Path safety: no id or tag ever sends a request to another address than the one meant.

The sandbox tells every routed request as it read it (route template and parameters,
read from the raw path), so these tests check on the server's side which path a
client call really reached.
"""

from __future__ import annotations

import asyncio
import string
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import UnsafePathError
from orbit_tui.api.paths import unsafe
from orbit_tui.policy import DEMO_API_KEY
from recorded_sandbox import BASE_URL as BASE
from recorded_sandbox import RecordedSandbox, recorded_copy, seeded

Sandbox = RecordedSandbox


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded(tmp_path_factory.mktemp("paths"), contacts=20, seed=3)


@pytest.fixture
def box(seeded_db: Path, tmp_path: Path) -> Sandbox:
    return recorded_copy(seeded_db, tmp_path)


async def first_contact(client: OrbitClient) -> str:
    page = await client.list_contacts(limit=3)
    return page.items[0].id


@pytest.mark.parametrize("tag", ["..", ".", " .. ", "", "  "])
async def test_removing_a_dot_tag_never_deletes_the_contact(box: Sandbox, tag: str) -> None:
    async with box.client() as client:
        contact_id = await first_contact(client)
        box.seen.clear()
        with pytest.raises(UnsafePathError) as refused:
            await client.remove_tag(contact_id, tag)
        assert "nothing was sent" in refused.value.explain().lower()
        assert box.seen == []  # no request left the client
        assert (await client.get_contact(contact_id)).id == contact_id


@pytest.mark.parametrize("call", [
    lambda c, i: c.delete_contact(i),
    lambda c, i: c.add_tags(i, ["vip"]),
    lambda c, i: c.remove_member(i, "con_x"),
    lambda c, i: c.delete_list(i),
    lambda c, i: c.delete_segment(i),
    lambda c, i: c.update_list(i, name="x"),
])
async def test_a_dot_id_is_refused_before_anything_is_sent(box: Sandbox, call: Any) -> None:
    async with box.client() as client:
        for value in ("..", "."):
            with pytest.raises(UnsafePathError):
                await call(client, value)
    assert [s for s in box.seen if s[0] != "GET"] == []


async def test_adding_a_dot_tag_is_refused(box: Sandbox) -> None:
    async with box.client() as client:
        contact_id = await first_contact(client)
        with pytest.raises(UnsafePathError):
            await client.add_tags(contact_id, ["ok", ".."])
        assert "ok" not in (await client.get_contact(contact_id)).tags


async def test_sandbox_refuses_dot_segments_sent_encoded(box: Sandbox) -> None:
    async with box.client() as client:
        contact_id = await first_contact(client)
    transport = httpx.ASGITransport(app=box.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE + "/",
                                 headers={"X-API-Key": DEMO_API_KEY}) as raw:
        for encoded in ("%2E%2E", "%2E", "%20%2E%2E%20"):
            answer = await raw.delete(f"contacts/{contact_id}/tags/{encoded}")
            assert answer.status_code == 422, encoded
            assert answer.json()["error"]["details"]["field"] == "tag"
        assert (await raw.post(f"contacts/{contact_id}/tags", json={"tags": [".."]})).status_code == 422
        assert (await raw.get(f"contacts/{contact_id}")).status_code == 200


async def test_an_encoded_slash_stays_inside_its_segment(box: Sandbox) -> None:
    """``DELETE /contacts/ID%2Ftags%2Fvip`` is about the contact "ID/tags/vip", not tag vip."""
    async with box.client() as client:
        contact_id = await first_contact(client)
        await client.add_tags(contact_id, ["vip"])
        box.seen.clear()
        with pytest.raises(Exception):
            await client.delete_contact(f"{contact_id}/tags/vip")
        assert box.seen == [("DELETE", "/contacts/{contact_id}",
                             {"contact_id": f"{contact_id}/tags/vip"})]
        assert "vip" in (await client.get_contact(contact_id)).tags


# -- the property -----------------------------------------------------------------------
values = st.one_of(
    st.sampled_from(["", ".", "..", " ..", ".. ", "...", "%2E%2E", "%2e", "a/../b", "../x",
                     "/", "//", "?x=1", "#frag", "%", "%25", "%2F", "a%2Fb", "\\..", "ｅ", "..\u200b"]),
    st.text(alphabet=st.sampled_from(list("./%?#&=+ \\~-_") + list(string.ascii_letters[:6])
                                     + ["é", "😀", "\u202e", "\x00", "\t"]), max_size=8),
    st.text(max_size=12),
)

CALLS: list[tuple[str, str, str, Any]] = [
    # (method, route template, what the values are, call)
    ("GET", "/contacts/{contact_id}", "c", lambda c, a, b: c.get_contact(a)),
    ("PUT", "/contacts/{contact_id}", "c", lambda c, a, b: c.update_contact(a, {"first_name": "x"})),
    ("DELETE", "/contacts/{contact_id}", "c", lambda c, a, b: c.delete_contact(a)),
    ("POST", "/contacts/{contact_id}/tags", "c", lambda c, a, b: c.add_tags(a, ["t"])),
    ("DELETE", "/contacts/{contact_id}/tags/{tag:path}", "ct", lambda c, a, b: c.remove_tag(a, b)),
    ("GET", "/contacts/{contact_id}/activity", "c", lambda c, a, b: c.list_activity(a)),
    ("PUT", "/contacts/{contact_id}/preferences", "c", lambda c, a, b: c.set_preferences(a, {"sms": True})),
    ("GET", "/contacts/{contact_id}/lists", "c", lambda c, a, b: c.contact_lists(a)),
    ("PUT", "/contacts/lists/{list_id}", "l", lambda c, a, b: c.update_list(a, name="n")),
    ("DELETE", "/contacts/lists/{list_id}", "l", lambda c, a, b: c.delete_list(a)),
    ("GET", "/contacts/lists/{list_id}/members", "l", lambda c, a, b: c.list_members(a)),
    ("POST", "/contacts/lists/{list_id}/members", "l", lambda c, a, b: c.add_members(a, ["con_x"])),
    ("DELETE", "/contacts/lists/{list_id}/members/{contact_id}", "lc",
     lambda c, a, b: c.remove_member(a, b)),
    ("GET", "/contacts/segments/{segment_id}", "s", lambda c, a, b: c.get_segment(a)),
    ("PUT", "/contacts/segments/{segment_id}", "s", lambda c, a, b: c.update_segment(a, name="n")),
    ("DELETE", "/contacts/segments/{segment_id}", "s", lambda c, a, b: c.delete_segment(a)),
    ("GET", "/contacts/segments/{segment_id}/members", "s", lambda c, a, b: c.segment_members(a)),
]
NAMES = {"c": "contact_id", "t": "tag", "l": "list_id", "s": "segment_id"}


def intended(template: str, kinds: str, a: str, b: str) -> dict[str, str]:
    names = [NAMES[k] for k in kinds]
    return dict(zip(names, (a, b)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=st.sampled_from(CALLS), a=values, b=values)
def test_no_request_reaches_another_path(box: Sandbox, call: Any, a: str, b: str) -> None:
    method, template, kinds, do = call
    params = intended(template, kinds, a, b)

    async def go() -> None:
        box.seen.clear()
        async with box.client() as client:
            try:
                await do(client, a, b)
            except UnsafePathError:
                assert any(unsafe(v) for v in params.values()), params
                assert box.seen == []
                return
            except Exception:  # noqa: BLE001 - 404s, 422s: what matters is where it went
                pass
        assert not any(unsafe(v) for v in params.values()), (params, box.seen)
        assert box.seen == [(method, template, params)]

    asyncio.run(go())
