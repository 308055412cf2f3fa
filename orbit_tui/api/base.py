"""The request machinery under :class:`orbit_tui.api.client.OrbitClient`.

One method, :meth:`BaseClient.request`, sends a request with the key, a User-Agent and
(for every non-GET) an ``Idempotency-Key`` that stays the same across its retries; paces
it through the shared :class:`~orbit_tui.api.pacing.Pacer`; retries what is safe to
retry; turns failures into :mod:`orbit_tui.api.errors`; and reports to listeners (the
UI's status bar) when requests start, finish, fail or retry, and when the connection to
Orbit goes offline or comes back.

Retry decisions (at most ``RetryPolicy.max_retries`` retries):

* A 429 and a failure to connect (nothing reached the server) are retried for every
  request: nothing was applied. A 429 waits what the server asked for, via the pacer, so
  every request of the pacer waits with it.
* A 5xx (except 501) and an ambiguous network failure (timeout while reading, connection
  dropped mid-answer: the server may have applied the change) are retried only for
  requests that are safe to repeat: GET, PUT, DELETE and the naturally idempotent POSTs
  (add tags, add list members, segment preview). The error of a change that may have
  been applied carries ``maybe_applied``.
* A create POST (contact, list, segment) is not repeated here after an ambiguous
  failure: Orbit never promises to honour an ``Idempotency-Key``, and a repeated list
  or segment create would make a duplicate. :mod:`orbit_tui.api.creates` checks first
  whether the create took effect, and retries once only if it did not.
  ``trust_idempotency_keys=True`` (a server known to honour keys) retries them here.
* A DELETE retried after an ambiguous failure that then answers 404 counts as done: the
  first attempt did it.
* Only the answers the contract names mean done (GET 200, POST 201/200, PUT 200, DELETE
  204/200); a redirect or any other status below 400 is an error, never retried.

Every non-GET gets a fresh key per logical request (``orbit-tui-<uuid4>``), reused by
each of its retries, never across two calls.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal, Mapping

from orbit_tui import __version__
from orbit_tui.api import errors as E
from orbit_tui.api.answers import Reply, read_error, read_reply, successes
from orbit_tui.api.pacing import Pacer, RetryPolicy

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("orbit_tui.api")

EventKind = Literal[
    "started", "finished", "failed", "cancelled", "retrying", "throttled", "online", "offline"
]

SAFE_POST = "safe"  # naturally idempotent POST (repeating it changes nothing)
READ_POST = "read"  # a POST that only reads (segment preview): allowed on a read-only client
CREATE_POST = "create"  # a create: safe to repeat only thanks to the Idempotency-Key


def new_idempotency_key() -> str:
    """A fresh key for one logical change, reused by each of its retries."""
    return f"orbit-tui-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Timeouts:
    """httpx's per-phase timeouts, and ``deadline``: the most one attempt may take as a
    whole, from sending to the last byte of the answer. A body that trickles in a byte
    at a time never trips the read timeout (it counts from the last byte); the deadline
    ends such an attempt as a timeout like any other."""

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 15.0
    deadline: float = 60.0

    def to_httpx(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class ClientEvent:
    """What listeners receive.

    ``started`` and then exactly one of ``finished``/``failed``/``cancelled`` bracket
    every logical request (``error`` set on ``failed``); ``retrying`` precedes each retry (``error``, ``attempt``, ``delay``);
    ``throttled`` says the shared pacer is holding this request back to stay under the
    rate limit; ``online``/``offline`` fire on transitions (offline after a request
    finally fails to reach Orbit, online on the next answer of any kind).
    """

    kind: EventKind
    method: str = ""
    path: str = ""
    in_flight: int = 0
    status: int | None = None
    attempt: int = 0
    delay: float | None = None
    error: E.OrbitError | None = None


Listener = Callable[[ClientEvent], None]


def mask_key(key: str | None) -> str:
    if not key:
        return "<none>"
    return f"{key[:11]}…{key[-4:]}" if len(key) > 20 else "…"


class BaseClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeouts: Timeouts | None = None,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        user_agent: str | None = None,
        trust_idempotency_keys: bool = False,
        read_only: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.__key = api_key
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self.pacer = pacer or Pacer(sleep=sleep, wall=wall)
        self.user_agent = user_agent or f"orbit-tui/{__version__}"
        self.trust_idempotency_keys = trust_idempotency_keys
        self.read_only = read_only
        """Refuse every request that may change data (the gate's last line of defence)."""
        self._sleep = sleep
        self._wall = wall
        self._transport = transport
        self._http_client: httpx.AsyncClient | None = None
        self.in_flight = 0
        self.online: bool | None = None
        self.requests_sent = 0  # attempts on the wire, retries included
        self._listeners: list[Listener] = []

    @property
    def _http(self) -> httpx.AsyncClient:
        """The httpx client, built on first use.

        httpx (and click, rich.progress and pygments, which it imports for its own
        command line) costs ~300 ms to import: an app showing a cached page first does
        not pay it before that page is on screen.
        """
        if self._http_client is None:
            import httpx

            self._http_client = httpx.AsyncClient(
                base_url=self.base_url + "/",
                headers={
                    "X-API-Key": self.__key,
                    "User-Agent": self.user_agent,
                    "Accept": "application/json",
                },
                timeout=self.timeouts.to_httpx(),
                transport=self._transport,
                follow_redirects=False,
                # Every request goes to base_url and redirects are not followed, so a
                # plain http base URL (the demo's loopback sandbox) never uses TLS: skip
                # building an SSL context, which costs ~200 ms at start-up.
                verify=not self.base_url.startswith("http://"),
            )
        return self._http_client

    def wall(self) -> float:
        """The wall clock this client reads (injectable for tests)."""
        return self._wall()

    # -- lifecycle ----------------------------------------------------------------
    async def __aenter__(self) -> "BaseClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http_client is not None:
            await self._http_client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={mask_key(self.__key)!r})"

    # -- listeners ----------------------------------------------------------------
    def add_listener(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(ClientEvent)`` on every event; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self.remove_listener(callback)

    def remove_listener(self, callback: Listener) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _emit(self, kind: EventKind, method: str = "", path: str = "", **kw: Any) -> None:
        event = ClientEvent(kind=kind, method=method, path=path, in_flight=self.in_flight, **kw)
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # a broken listener must never break a request
                log.exception("client listener failed on %s", kind)

    def _set_online(self, online: bool) -> None:
        if self.online is not online:
            self.online = online
            self._emit("online" if online else "offline")

    # -- the request loop ---------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        post_kind: str | None = None,
        designed: bool = False,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Send one logical request (with retries) and return its successful answer.

        ``post_kind`` is ``SAFE_POST`` or ``CREATE_POST`` for POSTs; ``designed`` marks an
        endpoint the public reference does not document (404/405 → UnsupportedError).
        ``idempotency_key`` replaces the fresh key a non-GET gets: a caller that journals
        its work (the bulk engine) re-sends an interrupted change under the same key, so a
        server that already applied it replays its answer instead of acting twice.
        """
        if "httpx" not in sys.modules:
            # The first request imports httpx (~0.2-0.3 s) off the event loop, which
            # keeps answering keys meanwhile.
            await asyncio.to_thread(importlib.import_module, "httpx")
        import httpx

        method = method.upper()
        if self.read_only and method != "GET" and post_kind != READ_POST:
            raise E.ReadOnlyError(
                f"Refused {method} /{path.lstrip('/')}.",
                method=method, path="/" + path.lstrip("/"),
            )
        headers: dict[str, str] = {}
        if method != "GET":
            headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        url = path.lstrip("/")
        shown = "/" + url
        self.in_flight += 1
        self._emit("started", method, shown)
        ended = False

        def end(kind: EventKind, **kw: Any) -> None:
            """Leave the in-flight count, then tell listeners how it ended."""
            nonlocal ended
            if not ended:
                ended = True
                self.in_flight -= 1
            self._emit(kind, method, shown, **kw)

        ambiguous = False  # did an earlier attempt perhaps reach the server?
        attempt = 0
        try:
            while True:
                if self.pacer.throttling:
                    self._emit("throttled", method, shown, attempt=attempt)
                ticket = await self.pacer.acquire()
                sent_maybe = True
                try:
                    self.requests_sent += 1
                    async with asyncio.timeout(self.timeouts.deadline):
                        response = await self._http.request(
                            method, url, params=clean or None, json=json, headers=headers
                        )
                except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                    self.pacer.abandon(ticket)
                    bad_url = E.OrbitError(
                        f"The base URL {self.base_url!r} is not a usable http(s) URL ({exc})",
                        code="BAD_BASE_URL", method=method, path=shown,
                    )
                    end("failed", error=bad_url)
                    raise bad_url from None
                except httpx.TimeoutException as exc:
                    self.pacer.abandon(ticket)
                    sent_maybe = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                    error: E.OrbitError = E.RequestTimeoutError(
                        type(exc).__name__, method=method, path=shown
                    )
                except TimeoutError:
                    self.pacer.abandon(ticket)
                    sent_maybe = True
                    error = E.RequestTimeoutError(
                        f"no complete answer within {self.timeouts.deadline:g} s",
                        method=method, path=shown,
                    )
                except httpx.TransportError as exc:
                    self.pacer.abandon(ticket)
                    sent_maybe = not isinstance(exc, httpx.ConnectError)
                    error = E.NetworkError(
                        E.scrub(str(exc) or type(exc).__name__, self.__key),
                        method=method,
                        path=shown,
                    )
                else:
                    self.pacer.observe(response.headers, ticket)
                    self._set_online(True)
                    if response.status_code in successes(method):
                        try:
                            reply = self._reply(response, method, shown)
                        except E.OrbitError as bad:
                            end("failed", status=bad.status, error=bad)
                            raise
                        end("finished", status=response.status_code)
                        return reply
                    error = self._error(response, method, shown, designed)
                    if (
                        isinstance(error, E.NotFoundError)
                        and method == "DELETE"
                        and ambiguous
                        and not isinstance(error, E.UnsupportedError)
                    ):
                        end("finished", status=204)
                        return Reply(status=204, data=None, request_id=error.request_id)
                if isinstance(error, E.NetworkError):
                    ambiguous = ambiguous or sent_maybe
                elif isinstance(error, E.ServerError):
                    ambiguous = True
                delay = self._retry_delay(error, method, post_kind, sent_maybe, attempt)
                if delay is None:
                    if isinstance(error, E.NetworkError):
                        self._set_online(False)
                    log.info("%s %s failed: %s", method, shown, error.code)
                    error.maybe_applied = ambiguous and method != "GET"
                    end("failed", status=error.status, error=error)
                    raise error
                self._emit(
                    "retrying", method, shown, status=error.status, attempt=attempt + 1,
                    delay=delay, error=error,
                )
                log.info("%s %s retry %d after %s", method, shown, attempt + 1, error.code)
                if delay > 0:
                    await self._sleep(delay)
                attempt += 1
        except asyncio.CancelledError:
            end("cancelled")
            raise
        except E.OrbitError as known:
            if not ended:
                end("failed", status=known.status, error=known)
            raise
        except Exception as exc:
            # A bug or an answer nothing above foresaw: the request still ends, as failed,
            # so listeners' in-flight counts go back. The key never reaches the message.
            unexpected = E.UnexpectedError(
                E.scrub(type(exc).__name__, self.__key), method=method, path=shown
            )
            log.error("%s %s failed unexpectedly: %s", method, shown, type(exc).__name__)
            end("failed", error=unexpected)
            raise unexpected from None
        finally:
            if not ended:
                ended = True
                self.in_flight -= 1

    def _retry_delay(
        self,
        error: E.OrbitError,
        method: str,
        post_kind: str | None,
        sent_maybe: bool,
        attempt: int,
    ) -> float | None:
        """Seconds to wait before retrying, or None when this must not be retried."""
        if attempt >= self.retry.max_retries:
            return None
        if isinstance(error, E.RateLimitedError):
            wait = error.retry_after
            if wait is None:
                wait = self.retry.backoff(attempt)
            if wait > self.retry.max_server_wait:
                return None
            self.pacer.block(wait)  # every request of the pacer waits with this one
            return 0.0
        repeatable = method in ("GET", "PUT", "DELETE") or post_kind in (SAFE_POST, READ_POST) or (
            post_kind == CREATE_POST and self.trust_idempotency_keys
        )
        if isinstance(error, E.NetworkError):
            if sent_maybe and not repeatable:
                return None
            return self.retry.backoff(attempt)
        if isinstance(error, E.ServerError) and (error.status or 0) >= 500 and error.status != 501 and repeatable:
            return self.retry.backoff(attempt)
        return None

    # -- answers (orbit_tui.api.answers) -------------------------------------------
    def _reply(self, response: httpx.Response, method: str, path: str) -> Reply:
        return read_reply(response, method, path)

    def _error(
        self, response: httpx.Response, method: str, path: str, designed: bool
    ) -> E.OrbitError:
        return read_error(response, method, path, designed, key=self.__key, wall=self._wall())
