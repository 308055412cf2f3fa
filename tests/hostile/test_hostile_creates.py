"""Creates whose answer is lost after the server applied them: no duplicate is made.

The server here ignores ``Idempotency-Key`` (as Orbit may) and, on the first create of
each kind, applies it and then answers 500 (or applies nothing and answers 500, or drops
the connection after applying). The client checks before repeating a create."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from starlette.requests import Request
from starlette.responses import Response

from hostile_server import HostileServer, envelope, json, page_body  # type: ignore[import-not-found]
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import ConflictError, ServerError
from orbit_tui.api.pacing import RetryPolicy


class Store:
    """Lists, segments and contacts in memory; ``mode`` says how the first create fails."""

    def __init__(self, mode: str) -> None:
        self.mode = mode  # "apply-then-500" | "500-before" | "apply-then-drop" | "ok"
        self.failed: set[str] = set()
        self.rows: dict[str, list[dict[str, Any]]] = {"lists": [], "segments": [], "contacts": []}

    def create(self, kind: str, data: dict[str, Any]) -> Any:
        first = kind not in self.failed
        self.failed.add(kind)
        if first and self.mode == "500-before":
            return json({"error": {"code": "INTERNAL_ERROR", "message": "boom"}}, status=500)
        if kind == "contacts" and any(c.get("email") == data.get("email") for c in self.rows[kind]):
            return json({"error": {"code": "CONFLICT", "message": "email taken", "status": 409,
                                   "details": {"field": "email"}}}, status=409)
        row = {"id": f"{kind[:3]}_{len(self.rows[kind]) + 1}", **data,
               "created_at": datetime.now(timezone.utc).isoformat()}
        self.rows[kind].append(row)
        if first and self.mode == "apply-then-500":
            return json({"error": {"code": "INTERNAL_ERROR", "message": "boom"}}, status=500)
        if first and self.mode == "apply-then-drop":
            return DropAfterHeaders()
        return json(envelope(row), status=201)

    def routes(self) -> list[Any]:
        def lister(kind: str) -> Any:
            def handler(request: Request) -> Any:
                return json(page_body(self.rows[kind], None, False, total=len(self.rows[kind])))
            return handler

        def creator(kind: str) -> Any:
            async def handler(request: Request) -> Any:
                return self.create(kind, await request.json())
            return handler

        def search(request: Request) -> Any:
            term = request.query_params.get("search") or ""
            rows = [c for c in self.rows["contacts"] if term in (c.get("email") or "")]
            return json(page_body(rows, None, False, total=len(rows)))

        return [("GET", "/contacts/lists", lister("lists")), ("POST", "/contacts/lists", creator("lists")),
                ("GET", "/contacts/segments", lister("segments")),
                ("POST", "/contacts/segments", creator("segments")),
                ("GET", "/contacts", search), ("POST", "/contacts", creator("contacts"))]


class DropAfterHeaders(Response):
    """Headers announcing a body, part of it, then the connection closes."""

    def __init__(self) -> None:
        super().__init__(status_code=201, media_type="application/json")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"500")]})
        await send({"type": "http.response.body", "body": b'{"data": {"id"', "more_body": True})
        raise RuntimeError("connection dropped mid-answer")


def client_for(server: HostileServer) -> OrbitClient:
    return OrbitClient(server.base_url, server.api_key,
                       retry=RetryPolicy(max_retries=3, base_delay=0, max_delay=0))


@pytest.mark.parametrize("mode", ["apply-then-500", "500-before", "apply-then-drop"])
async def test_a_list_create_with_a_lost_answer_makes_exactly_one_list(
        hostile_server: Callable[..., HostileServer], mode: str) -> None:
    store = Store(mode)
    server = hostile_server(store.routes())
    async with client_for(server) as client:
        made = await client.create_list("VIP", "the important ones")
    assert [row["name"] for row in store.rows["lists"]] == ["VIP"]
    assert made.id == store.rows["lists"][0]["id"] and made.name == "VIP"


@pytest.mark.parametrize("mode", ["apply-then-500", "500-before"])
async def test_a_segment_create_with_a_lost_answer_makes_exactly_one_segment(
        hostile_server: Callable[..., HostileServer], mode: str) -> None:
    store = Store(mode)
    server = hostile_server(store.routes())
    rules = {"lifecycle_stage": "lead"}
    async with client_for(server) as client:
        made = await client.create_segment("Leads", rules)
    assert [(row["name"], row["rules"]) for row in store.rows["segments"]] == [("Leads", rules)]
    assert made.id == store.rows["segments"][0]["id"]


async def test_a_list_of_the_same_name_made_long_ago_is_not_taken_for_ours(
        hostile_server: Callable[..., HostileServer]) -> None:
    store = Store("500-before")
    store.rows["lists"].append({"id": "lst_old", "name": "VIP", "created_at": "2020-01-01T00:00:00Z"})
    server = hostile_server(store.routes())
    async with client_for(server) as client:
        made = await client.create_list("VIP")
    assert made.id != "lst_old" and len(store.rows["lists"]) == 2


@pytest.mark.parametrize("mode", ["apply-then-500", "apply-then-drop"])
async def test_a_contact_create_with_a_lost_answer_returns_the_contact_made(
        hostile_server: Callable[..., HostileServer], mode: str) -> None:
    store = Store(mode)
    server = hostile_server(store.routes())
    async with client_for(server) as client:
        made = await client.create_contact({"email": "ada@example.org", "first_name": "Ada"})
    assert len(store.rows["contacts"]) == 1
    assert made.id == store.rows["contacts"][0]["id"] and made.first_name == "Ada"


async def test_a_conflict_with_somebody_elses_contact_is_raised(
        hostile_server: Callable[..., HostileServer]) -> None:
    # Our first attempt fails with 500 before anything is made; the repeat meets the
    # other contact's email: 409, and the contact found is not the one we sent.
    store = Store("500-before")
    store.rows["contacts"].append({"id": "con_other", "email": "ada@example.org", "first_name": "Other",
                                   "created_at": "2020-01-01T00:00:00Z"})

    server = hostile_server(store.routes())
    async with client_for(server) as client:
        with pytest.raises(ConflictError):
            await client.create_contact({"email": "ada@example.org", "first_name": "Ada"})
    assert len(store.rows["contacts"]) == 1


async def test_a_create_whose_check_cannot_be_made_raises_the_original_error(
        hostile_server: Callable[..., HostileServer]) -> None:
    store = Store("apply-then-500")
    routes = [r for r in store.routes() if r[:2] != ("GET", "/contacts/lists")]

    def broken(request: Request) -> Any:
        return json({"error": {"code": "INTERNAL_ERROR", "message": "down"}}, status=503)

    server = hostile_server([*routes, ("GET", "/contacts/lists", broken)])
    async with client_for(server) as client:
        with pytest.raises(ServerError) as caught:
            await client.create_list("VIP")
    assert caught.value.path == "/contacts/lists" and caught.value.method == "POST"
    assert len(store.rows["lists"]) == 1  # never a second one
