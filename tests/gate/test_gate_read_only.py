"""The gate: every write refused on a read-only profile with nothing sent; deletes and bulk
jobs refused unconfirmed; the key kind decides what a confirmation is.

The sandbox (in-process, over ASGI) tells every request it routed, so "nothing reached
the server" is checked on the server's side."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from orbit_tui.api.errors import ConfirmationNeededError, ReadOnlyError
from orbit_tui.bulk import Operation, Target
from orbit_tui.cache import PageCache
from orbit_tui.gate import WRITES, Gate
from orbit_tui.policy import DEMO_API_KEY, ChangePolicy, key_kind, treated_as_live
from orbit_tui.runtime import Runtime, build_runtime
from recorded_sandbox import RecordedSandbox, seeded


class Recorded(RecordedSandbox):
    def runtime(self, tmp_path: Path, policy: ChangePolicy) -> Runtime:
        return build_runtime(self.client(read_only=policy.read_only), policy,
                             cache=PageCache(tmp_path / "cache.db"), jobs_db=tmp_path / "jobs.db")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded(tmp_path_factory.mktemp("gate"), contacts=30, seed=5)


@pytest.fixture
def server(template: Path, tmp_path: Path) -> Recorded:
    db = tmp_path / "sandbox.db"
    db.write_bytes(template.read_bytes())
    return Recorded(db)


def arguments(name: str, contact_id: str, list_id: str, segment_id: str, plan: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Sample arguments for each write of the gate (every one must be listed)."""
    rules = {"country_code": "US"}
    table: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
        "create_contact": (({"email": "ro@example.com"},), {}),
        "update_contact": ((contact_id, {"first_name": "Changed"}), {}),
        "delete_contact": ((contact_id,), {"confirmed": True}),
        "add_tags": ((contact_id, ["ro"]), {}),
        "remove_tag": ((contact_id, "vip"), {}),
        "set_preferences": ((contact_id, {"sms": False}), {}),
        "create_list": (("Read-only list",), {}),
        "update_list": ((list_id,), {"name": "Renamed"}),
        "delete_list": ((list_id,), {"confirmed": True}),
        "add_members": ((list_id, [contact_id]), {}),
        "remove_member": ((list_id, contact_id), {}),
        "create_segment": (("Read-only segment", rules), {}),
        "update_segment": ((segment_id,), {"name": "Renamed"}),
        "delete_segment": ((segment_id,), {"confirmed": True}),
        "create_job": ((plan,), {"confirmed": True}),
        "run_job": (("job_any",), {"confirmed": True}),
        "execute_job": ((plan,), {"confirmed": True}),
        "undo_job": (("job_any",), {"confirmed": True}),
        "retry_job": (("job_any",), {"confirmed": True}),
    }
    return table[name]


def test_every_public_method_that_is_not_a_question_is_a_listed_write() -> None:
    questions = {"refusal", "confirmation", "read_only", "engine", "policy", "ensure_writable"}
    public = {n for n, _ in inspect.getmembers(Gate) if not n.startswith("_")} - questions
    assert public == set(WRITES)


async def ids(runtime: Runtime) -> tuple[str, str, str]:
    client = runtime.client
    contact_id = (await client.list_contacts(limit=1)).items[0].id
    list_id = (await client.list_lists(limit=1)).items[0].id
    segment_id = (await client.list_segments(limit=1)).items[0].id
    return contact_id, list_id, segment_id


async def test_a_read_only_gate_sends_nothing_for_any_write(server: Recorded, tmp_path: Path) -> None:
    runtime = server.runtime(tmp_path, ChangePolicy(kind="LIVE", read_only=True))
    gate = runtime.gate
    try:
        contact_id, list_id, segment_id = await ids(runtime)
        plan = await gate.engine.plan(Target.explicit([contact_id]), Operation.tags(add=["ro"]))
        server.seen.clear()
        for name in WRITES:
            args, kwargs = arguments(name, contact_id, list_id, segment_id, plan)
            with pytest.raises(ReadOnlyError) as refused:
                result = getattr(gate, name)(*args, **kwargs)
                if inspect.isawaitable(result):
                    await result
            assert "read-only" in refused.value.explain(), name
            assert server.seen == [], name
        assert gate.engine.list_jobs() == []  # no job was journalled either
    finally:
        await runtime.aclose()


async def test_a_read_only_client_refuses_every_write_itself(server: Recorded, tmp_path: Path) -> None:
    """The last line: even a call around the gate sends nothing."""
    runtime = server.runtime(tmp_path, ChangePolicy(kind="TEST", read_only=True))
    client = runtime.client
    try:
        contact_id, list_id, segment_id = await ids(runtime)
        server.seen.clear()
        calls = [
            client.create_contact({"email": "x@example.com"}),
            client.update_contact(contact_id, {"first_name": "x"}),
            client.delete_contact(contact_id),
            client.add_tags(contact_id, ["x"]),
            client.remove_tag(contact_id, "x"),
            client.set_preferences(contact_id, {"sms": True}),
            client.create_list("x"),
            client.update_list(list_id, name="x"),
            client.delete_list(list_id),
            client.add_members(list_id, [contact_id]),
            client.remove_member(list_id, contact_id),
            client.create_segment("x", {"country_code": "US"}),
            client.update_segment(segment_id, name="x"),
            client.delete_segment(segment_id),
        ]
        for call in calls:
            with pytest.raises(ReadOnlyError):
                await call
        assert server.seen == []
        preview = await client.preview_segment({"country_code": "US"})  # a read by POST
        assert preview.contact_count is not None
    finally:
        await runtime.aclose()


@pytest.mark.parametrize("kind", ["DEMO", "TEST", "LIVE", "UNKNOWN"])
async def test_deletes_and_jobs_must_be_confirmed(server: Recorded, tmp_path: Path, kind: str) -> None:
    runtime = server.runtime(tmp_path, ChangePolicy(kind=kind))  # type: ignore[arg-type]
    gate = runtime.gate
    try:
        contact_id, list_id, segment_id = await ids(runtime)
        plan = await gate.engine.plan(Target.explicit([contact_id]), Operation.tags(add=["c"]))
        server.seen.clear()
        for call in (gate.delete_contact(contact_id, confirmed=False),
                     gate.delete_list(list_id, confirmed=False),
                     gate.delete_segment(segment_id, confirmed=False),
                     gate.run_job("job_any", confirmed=False)):
            with pytest.raises(ConfirmationNeededError):
                await call
        with pytest.raises(ConfirmationNeededError):
            gate.create_job(plan, confirmed=False)
        assert server.writes() == []
        expected = "typed" if kind in ("LIVE", "UNKNOWN") else "yes"
        assert gate.confirmation(destructive=True) == expected
        assert gate.confirmation(bulk=True) == expected
        assert gate.confirmation() == "none"
        await gate.delete_contact(contact_id, confirmed=True)
        assert server.writes() == [("DELETE", "/contacts/{contact_id}", {"contact_id": contact_id})]
    finally:
        await runtime.aclose()


@pytest.mark.parametrize(("key", "kind"), [
    ("dv_live_sk_abc", "LIVE"), ("sk_live_abc", "LIVE"), ("dv_test_sk_abc", "TEST"),
    ("sk_test_abc", "TEST"), (DEMO_API_KEY, "DEMO"), ("pk_live_abc", "UNKNOWN"),
    ("live", "UNKNOWN"), ("SK_TEST_abc", "UNKNOWN"), ("Bearer sk_test_abc", "UNKNOWN"),
])
def test_what_is_not_provably_a_test_key_is_live(key: str, kind: str) -> None:
    assert key_kind(key) == kind
    assert treated_as_live(kind) == (kind in ("LIVE", "UNKNOWN"))
