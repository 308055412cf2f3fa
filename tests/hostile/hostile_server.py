"""Small misbehaving Orbit servers on loopback, for the tests in this folder.

``HostileServer(routes)`` serves a Starlette app made of the given routes (paths under
``/api/v1``) with uvicorn in a background thread on ``127.0.0.1`` and an ephemeral port;
``base_url`` and ``api_key`` are what a client (or ``build_app``) needs. Each test writes
the few routes its misbehaviour needs; ``envelope``/``page_body``/``contact`` build the
contract's shapes. ``hits`` counts requests per "METHOD path".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from orbit_tui.sandbox.server import ThreadedServer

PREFIX = "/api/v1"
KEY = "dv_test_sk_hostile_server_key_0001"


def envelope(data: Any, *, pagination: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"request_id": "req_hostile", "timestamp": "2026-01-01T00:00:00Z"}
    if pagination is not None:
        meta["pagination"] = pagination
    return {"data": data, "meta": meta}


def contact(n: int | str, **fields: Any) -> dict[str, Any]:
    return {"id": f"con_{n}", "email": f"c{n}@example.com", "first_name": f"First{n}",
            "last_name": "Hostile", "tags": ["old"], "lifecycle_stage": "lead",
            "metadata": {}, "preferences": {}, "created_at": "2026-01-01T00:00:00Z", **fields}


def page_body(items: list[Any], cursor: str | None, has_more: bool, total: Any = None) -> dict[str, Any]:
    pagination: dict[str, Any] = {"cursor": cursor, "has_more": has_more}
    if total is not None:
        pagination["total"] = total
    return envelope(items, pagination=pagination)


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


Handler = Callable[[Request], Any]


class HostileServer:
    def __init__(self, routes: Sequence[tuple[str, str, Handler]] | Sequence[BaseRoute]) -> None:
        self.hits: Counter[str] = Counter()
        built: list[BaseRoute] = []
        for route in routes:
            if isinstance(route, BaseRoute):
                built.append(route)
                continue
            method, path, handler = route
            built.append(Route(PREFIX + path, self._counting(method, path, handler), methods=[method]))
        self.app = Starlette(routes=built)
        self._served = ThreadedServer(self.app, name="hostile server", lifespan="off",
                                      log_level="critical", graceful_s=1)

    def _counting(self, method: str, path: str, handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            self.hits[f"{method} {path}"] += 1
            result = handler(request)
            if hasattr(result, "__await__"):
                result = await result
            return result  # type: ignore[no-any-return]

        return run

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    @property
    def api_key(self) -> str:
        return KEY

    def total_hits(self) -> int:
        return sum(self.hits.values())

    @property
    def port(self) -> int:
        return self._served.port

    def start(self) -> HostileServer:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
