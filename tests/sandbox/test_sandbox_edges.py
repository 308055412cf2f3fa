"""Idempotency, rate limits and every fault switch, over real HTTP."""

from __future__ import annotations

import random

import httpx
import pytest

from orbit_tui.sandbox import Faults, create_app
from orbit_tui.sandbox import edge as edge_module
from orbit_tui.sandbox.seed import seed_database

from sandbox_helpers import client_for


def test_idempotent_replay(api: httpx.Client) -> None:
    body = {"email": "idem@example.com", "first_name": "Idem"}
    first = api.post("/contacts", json=body, headers={"Idempotency-Key": "k-create-1"})
    assert first.status_code == 201
    replay = api.post("/contacts", json=body, headers={"Idempotency-Key": "k-create-1"})
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    found = api.get("/contacts", params={"search": "idem@example.com"}).json()["data"]
    assert len(found) == 1
    # without the key a repeat is a conflict, proving the replay did not act again
    assert api.post("/contacts", json=body).status_code == 409

    other_body = api.post("/contacts", json={"email": "other@example.com"}, headers={"Idempotency-Key": "k-create-1"})
    assert other_body.status_code == 409
    assert other_body.json()["error"]["details"]["field"] == "Idempotency-Key"

    contact_id = first.json()["data"]["id"]
    gone = api.delete(f"/contacts/{contact_id}", headers={"Idempotency-Key": "k-del"})
    assert gone.status_code == 204
    again = api.delete(f"/contacts/{contact_id}", headers={"Idempotency-Key": "k-del"})
    assert again.status_code == 204 and again.headers["idempotent-replayed"] == "true"
    assert api.delete(f"/contacts/{contact_id}").status_code == 404

    # keys are per API key and per path: the same key elsewhere acts normally
    tagged = api.post("/contacts", json={"email": "idem2@example.com"}, headers={"Idempotency-Key": "k-tags"}).json()
    response = api.post(f"/contacts/{tagged['data']['id']}/tags", json={"tags": ["x"]},
                        headers={"Idempotency-Key": "k-tags"})
    assert response.status_code == 200 and "idempotent-replayed" not in response.headers


def test_rate_limit_per_key(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=5, api_keys=["dv_test_sk_one", "dv_test_sk_two"],
                             faults=Faults(rate_limit_per_min=3))
    with client_for(server) as one, httpx.Client(base_url=server.base_url,
                                                 headers={"X-API-Key": "dv_test_sk_two"}) as two:
        remaining = [int(one.get("/contacts").headers["x-ratelimit-remaining"]) for _ in range(3)]
        assert remaining == [2, 1, 0]
        limited = one.get("/contacts")
        assert limited.status_code == 429
        err = limited.json()["error"]
        assert err["code"] == "RATE_LIMITED"
        assert err["details"]["limit"] == 3 and err["details"]["window"] == "60s"
        assert 1 <= err["details"]["retry_after"] <= 60
        assert limited.headers["retry-after"] == str(err["details"]["retry_after"])
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert two.get("/contacts").status_code == 200  # another key has its own budget
        server.faults.rate_limit_per_min = None  # switched off at runtime
        assert one.get("/contacts").status_code == 200


def test_error_rate_and_drop_rate_switch_at_runtime(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=5)
    with client_for(server) as api:
        server.faults.error_rate = 1.0
        failed = api.get("/contacts")
        assert failed.status_code == 503
        body = failed.json()
        assert body["error"]["code"] == "SERVICE_UNAVAILABLE" and body["error"]["status"] == 503
        assert body["meta"]["request_id"] == failed.headers["x-request-id"]
        server.faults.error_rate = 0
        assert api.get("/contacts").status_code == 200

        server.faults.drop_rate = 1.0
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/contacts")
        with pytest.raises(httpx.RemoteProtocolError):
            api.post("/contacts", json={"email": "dropped@example.com"})
        server.faults.drop_rate = 0
        # the dropped write had happened: the client just never heard
        assert len(api.get("/contacts", params={"search": "dropped@example.com"}).json()["data"]) == 1
        victim = api.get("/contacts", params={"limit": 1}).json()["data"][0]["id"]
        server.faults.drop_rate = 1.0
        with pytest.raises(httpx.RemoteProtocolError):
            api.delete(f"/contacts/{victim}")  # a 204 is dropped too
        server.faults.drop_rate = 0
        assert api.get(f"/contacts/{victim}").status_code == 404


def test_latency_makes_a_short_timeout_fail(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=5, faults=Faults(latency_ms=1500))
    with client_for(server) as api:
        with pytest.raises(httpx.ReadTimeout):
            api.get("/contacts", timeout=httpx.Timeout(5, read=0.2))
        server.faults.latency_ms = 0
        assert api.get("/contacts", timeout=httpx.Timeout(5, read=5)).status_code == 200


async def test_latency_and_jitter_delays(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(edge_module, "_sleep", record)
    db = tmp_path / "j.db"
    seed_database(db, contacts=3)
    faults = Faults(latency_ms=100, jitter_ms=50)
    app = create_app(db, api_keys=["k"], faults=faults, rng=random.Random(1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/api/v1",
                                 headers={"X-API-Key": "k"}) as client:
        for _ in range(20):
            assert (await client.get("/contacts")).status_code == 200
        faults.latency_ms = faults.jitter_ms = 0
        await client.get("/contacts")
    assert len(delays) == 20
    assert all(0.1 <= d <= 0.15 for d in delays)
    assert len({round(d, 6) for d in delays}) > 1  # jitter varies
