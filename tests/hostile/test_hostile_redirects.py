"""A server answering with 3xx (or a 2xx the contract does not name) has not done the
request: every such answer is a failure in plain words, never a success."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from starlette.requests import Request
from starlette.responses import Response

from hostile_server import HostileServer, contact, json, page_body  # type: ignore[import-not-found]
from orbit_tui.api.client import OrbitClient
from orbit_tui.api.errors import OrbitError, RedirectError

ELSEWHERE = "https://orbit.example/api/v1/somewhere"


def redirecting(status: int, *, reads_too: bool = False) -> list[Any]:
    def moved(request: Request) -> Response:
        return Response(status_code=status, headers={"Location": ELSEWHERE})

    def listing(request: Request) -> Any:
        return json(page_body([contact(i) for i in range(3)], None, False, total=3))

    return [
        ("GET", "/contacts", moved if reads_too else listing),
        ("DELETE", "/contacts/{cid}", moved),
        ("DELETE", "/contacts/{cid}/tags/{tag}", moved),
        ("POST", "/contacts/{cid}/tags", moved),
        ("POST", "/contacts/lists", moved),
    ]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_delete_contact_answered_with_a_redirect_raises(
        hostile_server: Callable[..., HostileServer], status: int) -> None:
    server = hostile_server(redirecting(status))
    async with OrbitClient(server.base_url, server.api_key, max_retries=3) as client:
        with pytest.raises(RedirectError) as caught:
            await client.delete_contact("con_1")
        with pytest.raises(RedirectError):
            await client.remove_tag("con_1", "old")
        with pytest.raises(RedirectError):
            await client.create_list("Never made")
    text = caught.value.explain()
    assert f"redirect to {ELSEWHERE} instead of doing the change" in text
    assert "check the base URL (for example http → https)" in text
    assert server.hits["DELETE /contacts/{cid}"] == 1  # not retried


async def test_a_read_answered_with_a_redirect_raises(
        hostile_server: Callable[..., HostileServer]) -> None:
    server = hostile_server(redirecting(302, reads_too=True))
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        with pytest.raises(RedirectError, match="instead of answering"):
            await client.list_contacts()


async def test_a_write_answered_with_an_unnamed_2xx_is_not_done(
        hostile_server: Callable[..., HostileServer]) -> None:
    def accepted(request: Request) -> Response:
        return Response(status_code=202)

    server = hostile_server([("DELETE", "/contacts/{cid}", accepted)])
    async with OrbitClient(server.base_url, server.api_key, max_retries=0) as client:
        with pytest.raises(OrbitError, match="HTTP 202 instead of 200 or 204"):
            await client.delete_contact("con_1")


@pytest.mark.parametrize("status", [302, 307])
def test_bulk_tag_remove_on_redirecting_writes_reports_failures(
        hostile_server: Callable[..., HostileServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: Any, status: int) -> None:
    from test_hostile_walks import cli_env, run_bulk  # type: ignore[import-not-found]
    import json as jsonlib

    server = hostile_server(redirecting(status))
    code, out, err = run_bulk(monkeypatch, capsys, cli_env(tmp_path, server),
                              "tag", "--remove", "old", "--all")
    assert code != 0, (out, err)
    summary = jsonlib.loads(out.splitlines()[-1])
    assert summary["failed"] == 3 and summary["done"] == 0, summary
    assert "redirect" in err and "Traceback" not in err
