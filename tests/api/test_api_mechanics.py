"""Client mechanics that need a scripted server: retries, backoff, 429 waits, pacing.

httpx.MockTransport stands in only for these wire-level mechanics; behaviour against the
contract is tested against the real sandbox in the other files of this folder.
"""

from __future__ import annotations

import random
from typing import Callable

import httpx
import pytest

from orbit_tui.api import (
    NetworkError,
    OrbitClient,
    Pacer,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    UnsupportedError,
)
from orbit_tui.api.base import ClientEvent

KEY = "dv_test_sk_demo_mechanics_0123456789"


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.wall0 = 1_800_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.wall0 + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(data: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"data": data or {"id": "con_1"}, "meta": {"request_id": "req_ok"}},
                          headers=headers)


def err(status: int, code: str, **kw: object) -> httpx.Response:
    headers = kw.pop("headers", {})
    body = {"error": {"code": code, "message": f"{code} happened", "status": status, **kw},
            "meta": {"request_id": "req_err"}}
    return httpx.Response(status, json=body, headers=headers)  # type: ignore[arg-type]


def make(handler: Callable[[httpx.Request], httpx.Response], t: FakeTime, **kw: object) -> OrbitClient:
    pacer = kw.pop("pacer", None) or Pacer(clock=t.clock, wall=t.wall, sleep=t.sleep)
    return OrbitClient(
        "http://orbit.test/api/v1", KEY, transport=httpx.MockTransport(handler),
        retry=RetryPolicy(base_delay=0.5, rng=random.Random(1)), pacer=pacer,
        sleep=t.sleep, wall=t.wall, **kw,  # type: ignore[arg-type]
    )


async def test_get_retries_5xx_with_growing_jittered_backoff_then_succeeds() -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return err(503, "SERVICE_UNAVAILABLE") if len(seen) < 4 else ok()

    async with make(handler, t) as client:
        contact = await client.get_contact("con_1")
    assert contact.id == "con_1"
    assert len(seen) == 4  # first attempt + 3 retries
    caps = [0.5, 1.0, 2.0]
    assert len(t.sleeps) == 3 and all(0 <= s <= c for s, c in zip(t.sleeps, caps))
    assert "idempotency-key" not in seen[0].headers
    assert seen[0].headers["user-agent"].startswith("orbit-tui/")
    assert seen[0].headers["x-api-key"] == KEY


async def test_gives_up_after_three_retries() -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return err(500, "INTERNAL_ERROR")

    async with make(handler, t) as client:
        with pytest.raises(ServerError) as info:
            await client.get_contact("con_1")
    assert len(seen) == 4
    assert info.value.request_id == "req_err"


async def test_idempotency_key_is_stable_across_retries_and_new_per_request() -> None:
    t, keys = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["idempotency-key"])
        if len(keys) == 1:
            raise httpx.ReadError("connection reset mid-answer")
        return ok({"id": "con_1", "tags": ["a"]})

    async with make(handler, t) as client:
        await client.add_tags("con_1", ["a"])
        await client.add_tags("con_1", ["a"])
    assert keys[0] == keys[1] != keys[2]


async def test_unsafe_create_not_repeated_after_ambiguous_failure_when_keys_untrusted() -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("slow")

    async with make(handler, t, trust_idempotency_keys=False) as client:
        with pytest.raises(NetworkError):
            await client.create_list("VIP")
    # One create; then reads looking for the list it may have made (they time out too).
    assert [r.method for r in seen].count("POST") == 1


async def test_create_is_retried_when_connection_never_opened() -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(201, json={"data": {"id": "lst_1", "name": "VIP"}, "meta": {}})

    async with make(handler, t, trust_idempotency_keys=False) as client:
        created = await client.create_list("VIP")
    assert created.id == "lst_1" and len(seen) == 3


async def test_validation_and_auth_errors_are_not_retried() -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return err(422, "INVALID_PHONE_NUMBER", details={"field": "phone"})

    async with make(handler, t) as client:
        with pytest.raises(Exception) as info:
            await client.update_contact("con_1", {"phone": "+1"})
    assert len(seen) == 1 and info.value.field == "phone"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "response, expected",
    [
        (err(429, "RATE_LIMITED", headers={"Retry-After": "7"}), 7.0),
        (err(429, "RATE_LIMITED", details={"retry_after": 12, "limit": 100, "window": "60s"}), 12.0),
        (err(429, "RATE_LIMITED", headers={"X-RateLimit-Reset": str(int(1_800_000_000 + 1_000 + 30))}), 30.0),
    ],
    ids=["retry-after-header", "details-retry-after", "ratelimit-reset"],
)
async def test_429_waits_what_the_server_asks(response: httpx.Response, expected: float) -> None:
    t, seen = FakeTime(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response if len(seen) == 1 else ok()

    async with make(handler, t) as client:
        await client.get_contact("con_1")
    assert len(seen) == 2
    assert sum(t.sleeps) == pytest.approx(expected, abs=0.01)


async def test_429_with_absurd_wait_is_raised_not_waited() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return err(429, "RATE_LIMITED", headers={"Retry-After": "3600"})

    async with make(handler, t) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.get_contact("con_1")
    assert info.value.retry_after == 3600 and t.sleeps == []


async def test_pacer_spreads_requests_and_holds_for_the_reset_instead_of_hitting_429() -> None:
    t = FakeTime()
    limit, statuses = 10, []
    window = {"start": t.now, "used": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if t.now >= window["start"] + 60:
            window["start"], window["used"] = window["start"] + 60, 0
        reset = str(int(t.wall0 + window["start"] + 60))
        window["used"] += 1
        if window["used"] > limit:
            statuses.append(429)
            return err(429, "RATE_LIMITED", headers={"X-RateLimit-Reset": reset})
        statuses.append(200)
        return ok(None, **{"X-RateLimit-Limit": str(limit),
                           "X-RateLimit-Remaining": str(limit - window["used"]),
                           "X-RateLimit-Reset": reset})

    kinds: list[str] = []
    async with make(handler, t) as client:
        client.add_listener(lambda e: kinds.append(e.kind))
        for _ in range(25):
            await client.get_contact("con_1")
    assert statuses.count(429) == 0
    assert client.pacer.waits > 0 and "throttled" in kinds  # the status bar can say so
    assert t.now - 1_000.0 <= 121  # three windows at most: it waited no longer than needed


async def test_designed_endpoint_answered_404_without_envelope_is_unsupported() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    async with make(handler, t) as client:
        with pytest.raises(UnsupportedError) as info:
            await client.preview_segment({"country_code": "US"})
        assert "does not offer" in info.value.explain()
        with pytest.raises(Exception) as plain:
            await client.get_contact("con_1")
        assert not isinstance(plain.value, UnsupportedError)


async def test_405_on_designed_endpoint_is_unsupported() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(405)

    async with make(handler, t) as client:
        with pytest.raises(UnsupportedError):
            await client.add_members("lst_1", ["con_1"])


async def test_listeners_see_start_finish_retry_and_online_transitions() -> None:
    t, events, calls = FakeTime(), [], []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) in (1, 2, 3, 4):
            raise httpx.ConnectError("refused")
        return ok()

    async with make(handler, t) as client:
        client.add_listener(lambda e: events.append(e))
        client.add_listener(lambda e: 1 / 0)  # a broken listener breaks nothing
        with pytest.raises(NetworkError):
            await client.get_contact("con_1")
        assert client.online is False and client.in_flight == 0
        await client.get_contact("con_1")
        assert client.online is True
    kinds = [e.kind for e in events]
    assert kinds == ["started", "retrying", "retrying", "retrying", "offline", "failed",
                     "started", "online", "finished"]
    assert all(isinstance(e, ClientEvent) for e in events)
    assert events[0].in_flight == 1 and events[-1].in_flight == 0


async def test_a_cancelled_request_leaves_the_in_flight_count() -> None:
    import asyncio

    t, events = FakeTime(), []
    entered = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    async with make(handler, t) as client:  # type: ignore[arg-type]
        client.add_listener(events.append)
        task = asyncio.create_task(client.get_contact("con_1"))
        await entered.wait()
        assert client.in_flight == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.in_flight == 0
    assert [e.kind for e in events] == ["started", "cancelled"]


async def test_pacer_ignores_late_answers_from_an_old_window_and_waits_for_its_probe() -> None:
    import asyncio

    t = FakeTime()
    pacer = Pacer(clock=t.clock, wall=t.wall, sleep=t.sleep)

    def headers(remaining: int, reset_in: float) -> dict[str, str]:
        return {"x-ratelimit-limit": "10", "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-reset": str(t.wall() + reset_in)}

    pacer.observe(headers(0, 10))
    probe = await pacer.acquire()  # held until the reset, then let through alone
    assert probe.probe and t.now == pytest.approx(1_010.0, abs=0.01)
    follower = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    assert not follower.done()  # waits for the probe's answer
    old_end = str(t.wall0 + 1_010.0)
    for late in (old_end, str(t.wall0 + 950.0)):  # late answers about old windows
        pacer.observe({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "5",
                       "x-ratelimit-reset": late})
    await asyncio.sleep(0)
    assert not follower.done() and pacer.remaining is None
    pacer.observe(headers(9, 60), probe)
    ticket = await asyncio.wait_for(follower, 1)
    assert not ticket.probe and pacer.remaining == 8


async def test_a_base_url_without_scheme_fails_once_with_a_clear_error() -> None:
    client = OrbitClient("orbit-api.devotel.io/api/v1", KEY)
    try:
        with pytest.raises(Exception) as info:
            await client.list_contacts()
    finally:
        await client.aclose()
    assert info.value.code == "BAD_BASE_URL"  # type: ignore[attr-defined]
    assert "base URL" in info.value.explain() and KEY not in info.value.explain()  # type: ignore[attr-defined]
    assert client.requests_sent == 1 and client.in_flight == 0
