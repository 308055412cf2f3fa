"""The Starlette application: auth, rate limits, idempotency, bodies, envelopes.

Every API route goes through :meth:`Api.dispatch`, which in order: checks the
``X-API-Key`` (401 ``UNAUTHORIZED`` when missing, ``INVALID_API_KEY`` when
unknown), counts the request against the key's rate limit (429 ``RATE_LIMITED``
with ``details = {retry_after, limit, window}`` and a ``Retry-After`` header),
reads the body (413 over 1 MiB; malformed JSON 400), replays a stored answer for
a repeated ``Idempotency-Key``, runs the handler and wraps its answer in the
contract's envelope. ``X-RateLimit-*`` headers are on every authenticated answer.

Idempotency: on POST/PUT/DELETE, an ``Idempotency-Key`` is remembered with the
method, path and a hash of the body for 24 h, together with the status and body
of the answer (2xx and 4xx other than 429). A repeat with the same body gets that
answer again (header ``Idempotent-Replayed: true``) without acting; a repeat with a
different body is 409 ``CONFLICT`` with ``details.field = "Idempotency-Key"``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from .edge import EdgeMiddleware, install_log_filter
from .envelope import ApiError, dumps, error_body, json_response, meta
from .faults import Faults, RateLimiter
from .paths import SegmentPaths, client_path, path_params, refused_param
from .routes import ROUTES, Ctx, Reply, RouteSpec
from .store import RawItems, Store

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MAX_BODY = 1024 * 1024
IDEMPOTENCY_TTL = 24 * 3600
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
RequestListener = Callable[[str, str, dict[str, str]], None]


def _key_id(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()[:24]


class Api:
    def __init__(self, store: Store, api_keys: list[str], faults: Faults,
                 on_request: RequestListener | None = None) -> None:
        self.store = store
        self.on_request = on_request
        self.api_keys = set(api_keys)
        self.faults = faults
        self.limiter = RateLimiter()
        self.hostile = store.meta_get("hostile") == "1"

    async def dispatch(self, request: Request, specs: dict[str, RouteSpec]) -> Response:
        request_id: str = request.scope.get("state", {}).get("request_id", "req_unknown")
        headers: dict[str, str] = {}
        idem: tuple[str, str, str] | None = None
        body: bytes | None
        try:
            spec = specs.get(request.method)
            if spec is None:
                raise ApiError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on this path",
                               {"allowed": sorted(specs)}, headers={"Allow": ", ".join(sorted(specs))})
            if spec.public:
                return json_response(200, dumps(spec.handler(None).data))  # type: ignore[arg-type]
            params = path_params(request.scope, spec.path, API_PREFIX)
            if self.on_request is not None:
                self.on_request(request.method, spec.path, params)
            try:
                api_key = self._authenticate(request)
            except ApiError:
                headers.update(self.limiter.hit("anonymous", None).headers())
                raise
            refused = refused_param(params)
            if refused is not None:
                raise ApiError(422, "VALIDATION_ERROR", f"{refused} must not be empty, '.' or '..'",
                               {"field": refused, "value": params[refused],
                                "expected": "a non-empty value other than '.' and '..'"})
            key_id = _key_id(api_key)
            decision = self.limiter.hit(key_id, self.faults.rate_limit_per_min)
            headers.update(decision.headers())
            if not decision.allowed:
                raise ApiError(429, "RATE_LIMITED", f"rate limit of {decision.limit} requests a minute reached; "
                               f"retry in {decision.retry_after} s",
                               {"retry_after": decision.retry_after, "limit": decision.limit, "window": "60s"},
                               headers={"Retry-After": str(decision.retry_after)})
            raw = await _read_body(request)
            idem_key = request.headers.get("idempotency-key")
            if idem_key and request.method != "GET":
                body_hash = hashlib.sha256(raw).hexdigest()
                idem = (key_id, idem_key[:255], body_hash)
                stored = self._replay(idem, request.method, client_path(request.scope))
                if stored is not None:
                    status, body = stored
                    return json_response(status, body or None, {**headers, "Idempotent-Replayed": "true"})
            ctx = Ctx(request=request, store=self.store, path=params,
                      query=request.query_params, body=_parse_json(raw, request.method), hostile=self.hostile,
                      ignored_filters=frozenset(self.faults.ignore_filters))
            reply = spec.handler(ctx)
            status, body = self._render(reply, request_id)
        except ApiError as exc:
            headers.update(exc.headers)
            status, body = exc.status, error_body(request_id, exc.status, exc.code, exc.message, exc.details)
        except ClientDisconnect:  # the client went away mid-body: nothing was done, no one to tell
            return Response(status_code=400)
        except Exception:  # a bug: answer the contract's 500, never a traceback
            log.exception("sandbox handler failed")
            status, body = 500, error_body(request_id, 500, "INTERNAL_ERROR", "internal error in the sandbox")
        if idem is not None and status < 500 and status != 429:
            self._remember(idem, request.method, client_path(request.scope), status, body)
        return json_response(status, body, headers)

    def _authenticate(self, request: Request) -> str:
        api_key = request.headers.get("x-api-key")
        if not api_key:
            raise ApiError(401, "UNAUTHORIZED", "missing X-API-Key header", {"header": "X-API-Key"})
        if api_key not in self.api_keys:
            raise ApiError(401, "INVALID_API_KEY", "the API key is not valid for this server",
                           {"header": "X-API-Key"})
        return api_key

    @staticmethod
    def _render(reply: Reply, request_id: str) -> tuple[int, bytes | None]:
        if reply.status == 204:
            return 204, None
        envelope_meta = dumps(meta(request_id, reply.pagination))
        if isinstance(reply.data, RawItems):  # rows already rendered as JSON by SQLite
            items = ",".join(reply.data).encode("utf-8")
            return reply.status, b'{"data":[' + items + b'],"meta":' + envelope_meta + b"}"
        return reply.status, dumps({"data": reply.data, "meta": meta(request_id, reply.pagination)})

    def _replay(self, idem: tuple[str, str, str], method: str, path: str) -> tuple[int, bytes] | None:
        key_id, key, body_hash = idem
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT body_hash, status, body, created FROM idempotency WHERE api_key=? AND key=? AND method=? AND path=?",
                (key_id, key, method, path)).fetchone()
        if row is None or time.time() - float(row[3]) > IDEMPOTENCY_TTL:
            return None
        if row[0] != body_hash:
            raise ApiError(409, "CONFLICT", "this Idempotency-Key was already used with a different body",
                           {"field": "Idempotency-Key", "reason": "reused with a different body"})
        return int(row[1]), bytes(row[2])

    def _remember(self, idem: tuple[str, str, str], method: str, path: str, status: int, body: bytes | None) -> None:
        key_id, key, body_hash = idem
        with self.store.write() as conn:
            conn.execute("DELETE FROM idempotency WHERE created < ?", (time.time() - IDEMPOTENCY_TTL,))
            conn.execute("INSERT OR REPLACE INTO idempotency VALUES (?,?,?,?,?,?,?,?)",
                         (key_id, key, method, path, body_hash, status, body or b"", time.time()))


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    too_big = ApiError(413, "PAYLOAD_TOO_LARGE", "the request body is larger than 1 MiB", {"max_bytes": MAX_BODY})
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(raw: bytes, method: str) -> Any:
    if method in ("GET", "DELETE") or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "VALIDATION_ERROR", f"the body is not valid JSON: {exc}", {"field": "body"}) from None


def _http_error(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id", "req_unknown")
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST")
    message = "no such endpoint" if status == 404 else (exc.detail if isinstance(exc, HTTPException) else "internal error")
    return json_response(status, error_body(request_id, status, code, str(message), {"path": client_path(request.scope)}))


def create_app(db_path: str | Path, *, api_keys: list[str], faults: Faults | None = None,
               rng: random.Random | None = None, on_request: RequestListener | None = None) -> Starlette:
    """The sandbox as an ASGI app; ``faults`` is read on every request.

    ``on_request(method, route, params)`` is told every routed API request as the
    sandbox reads it (the route's template and its path parameters), before
    anything else: tests check with it which path a client's request really reached.
    """
    install_log_filter()
    faults = faults if faults is not None else Faults()
    store = Store(db_path)
    api = Api(store, list(api_keys), faults, on_request)
    grouped: dict[str, dict[str, RouteSpec]] = {}
    for spec in ROUTES:
        grouped.setdefault(spec.path, {})[spec.method] = spec

    def make_endpoint(specs: dict[str, RouteSpec]) -> Any:
        async def endpoint(request: Request) -> Response:
            return await api.dispatch(request, specs)
        return endpoint

    routes = [Route(API_PREFIX + path, make_endpoint(specs), methods=ALL_METHODS) for path, specs in grouped.items()]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(EdgeMiddleware, faults=faults, rng=rng), Middleware(SegmentPaths)],
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.faults = faults
    app.state.api = api
    return app
