"""Rate-limit headers that cannot be true (inf, 1e999, nan, negative, huge) never raise:
out of range counts as absent. And whatever goes wrong inside a request, it ends with a
``failed`` event, so the status bar's in-flight count goes back to zero."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

import pytest
from starlette.requests import Request

from hostile_server import HostileServer, contact, envelope, json, page_body  # type: ignore[import-not-found]
from orbit_tui.api.base import ClientEvent
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import OrbitError, RateLimitedError
from orbit_tui.api.pacing import Pacer, parse_retry_after, rate_limit_wait

ODD = ["inf", "-inf", "1e999", "-1e999", "nan", "NaN", "-5", "-0.5", "1e300",
       "99999999999999999999999999", "", " ", "abc", "0x10", "1_000", "\x00"]
WALL = 1_800_000_000.0


@pytest.mark.parametrize("value", ODD)
def test_pacer_reads_odd_rate_limit_headers_as_absent_or_sane(value: str) -> None:
    pacer = Pacer(wall=lambda: WALL, clock=lambda: 100.0)
    for name in ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset"):
        headers = {"x-ratelimit-remaining": "50", "x-ratelimit-limit": "100",
                   "x-ratelimit-reset": str(WALL + 30), name: value}
        pacer.observe(headers)
        assert pacer.remaining is None or 0 <= pacer.remaining <= 10**9
        assert pacer.limit is None or 0 < pacer.limit <= 10**9
        assert pacer._reset is None or math.isfinite(pacer._reset)


@pytest.mark.parametrize("value", ODD)
def test_retry_after_and_details_odd_values_are_absent(value: str) -> None:
    wait = parse_retry_after(value, wall=WALL)
    assert wait is None or (math.isfinite(wait) and wait >= 0)
    for raw in (value, float("inf"), float("nan"), -3, 10**400, True):
        got = rate_limit_wait({}, {"retry_after": raw}, wall=WALL)
        assert got is None or (math.isfinite(got) and got >= 0)
    got = rate_limit_wait({"x-ratelimit-reset": value}, None, wall=WALL)
    assert got is None or (math.isfinite(got) and got >= 0)


def test_negative_and_infinite_retry_after_are_absent() -> None:
    assert parse_retry_after("inf", wall=WALL) is None
    assert parse_retry_after("-5", wall=WALL) is None
    assert parse_retry_after("nan", wall=WALL) is None
    assert parse_retry_after("12", wall=WALL) == 12.0


def odd_header_routes(value: str) -> list[Any]:
    headers = {"X-RateLimit-Remaining": value, "X-RateLimit-Limit": value,
               "X-RateLimit-Reset": value}

    def listing(request: Request) -> Any:
        return json(page_body([contact(i) for i in range(3)], None, False, total=3), headers=headers)

    def tags(request: Request) -> Any:
        cid = request.path_params["cid"]
        return json(envelope({"id": cid, "tags": ["old", "x"]}), headers=headers)

    def limited(request: Request) -> Any:
        return json({"error": {"code": "RATE_LIMITED", "message": "slow", "details": {"retry_after": value}}},
                    status=429, headers={**headers, "Retry-After": value})

    return [("GET", "/contacts", listing), ("POST", "/contacts/{cid}/tags", tags),
            ("GET", "/contacts/con_limited", limited)]


@pytest.mark.parametrize("value", ["inf", "1e999", "nan", "-7", "1e300"])
async def test_a_real_request_with_odd_headers_works(
        hostile_server: Callable[..., HostileServer], value: str) -> None:
    server = hostile_server(odd_header_routes(value))
    events: list[ClientEvent] = []
    async with OrbitClient(server.base_url, server.api_key, max_retries=1) as client:
        client.add_listener(events.append)
        page = await client.list_contacts(limit=3)
        assert [c.id for c in page.items] == ["con_0", "con_1", "con_2"]
        answer = await client.add_tags("con_1", ["x"])
        assert answer.tags == ["old", "x"]
        with pytest.raises(RateLimitedError):
            await client.get_contact("con_limited")
        assert client.in_flight == 0


async def test_any_unexpected_error_inside_a_request_ends_it_as_failed(
        hostile_server: Callable[..., HostileServer], monkeypatch: pytest.MonkeyPatch) -> None:
    server = hostile_server(odd_header_routes("3"))
    events: list[ClientEvent] = []
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        client.add_listener(events.append)

        def broken(*args: Any, **kwargs: Any) -> None:
            raise ZeroDivisionError("a bug somewhere below the request")

        monkeypatch.setattr(client.pacer, "observe", broken)
        with pytest.raises(OrbitError) as caught:
            await client.list_contacts(limit=3)
        assert "unexpected" in caught.value.explain().lower()
        assert client.in_flight == 0
        kinds = [e.kind for e in events]
        assert kinds[0] == "started" and kinds[-1] == "failed"
        assert events[-1].in_flight == 0


def test_bulk_job_with_infinite_remaining_header_ends_without_traceback(
        hostile_server: Callable[..., HostileServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from test_hostile_walks import cli_env, run_bulk  # type: ignore[import-not-found]

    server = hostile_server(odd_header_routes("inf"))
    code, out, err = run_bulk(monkeypatch, capsys, cli_env(tmp_path, server),
                              "tag", "--add", "x", "--all")
    assert "Traceback" not in err
    assert code == 0, (out, err)
    assert '"done": 3' in out or '"changed": 3' in out, out
