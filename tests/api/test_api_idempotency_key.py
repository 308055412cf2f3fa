"""A caller-chosen Idempotency-Key reaches the server: a re-send replays, never re-applies."""

from __future__ import annotations

from orbit_tui.api import OrbitClient


async def test_a_change_resent_under_its_key_is_replayed_not_applied_again(sandbox) -> None:
    async with OrbitClient(sandbox.base_url, sandbox.api_key) as client:
        contact = (await client.list_contacts(limit=1)).items[0]
        key = "bulk-job-7:item-3:add"
        first = await client.add_tags(contact.id, ["replay-check"], idempotency_key=key)
        assert "replay-check" in first.tags
        # Someone removes the tag; a resumed job re-sends the same change under the same key.
        await client.remove_tag(contact.id, "replay-check")
        again = await client.add_tags(contact.id, ["replay-check"], idempotency_key=key)
        assert again.tags == first.tags  # the first answer, replayed
        assert "replay-check" not in (await client.get_contact(contact.id)).tags
        # A fresh key acts.
        await client.add_tags(contact.id, ["replay-check"])
        assert "replay-check" in (await client.get_contact(contact.id)).tags
