"""The HTTP server: its own defences, and how a node leaves on SIGTERM.

Defences: header and keep-alive timeouts, connections per client IP.

uvicorn closes a connection that stays idle after a response (``timeout_keep_alive``), but
it waits forever for the first request on a new connection, and for headers that trickle in
a byte at a time (slowloris). Each such socket costs a file descriptor, so one client could
hold them all and real people would get no page. :func:`guarded_http` is uvicorn's
httptools protocol with two additions:

- a request's line and headers must arrive within ``header_timeout`` seconds of the
  connection opening (or of the previous response), else the connection is closed;
- a client IP holds at most ``max_per_ip`` open connections, websockets included (they
  start as HTTP on the same socket); one more is answered 503 and closed. Connections from
  a trusted reverse proxy are not counted: the proxy limits its clients (see
  docs/operations.md).

Leaving: uvicorn's own signal handler stops accepting connections at once, so people a
node sends away could not come back to learn where their session went. :class:`NodeServer`
runs the node's drain first (``before_exit``, set by the application's lifespan) while it
still serves, and only then shuts down as uvicorn does. A process that is no node has no
``before_exit`` and stops at once, as before.

The heap after start-up: a started server has imported aiortc, SQLAlchemy, the templates and
eight languages' catalogs, some 200,000 objects that live as long as the process. Python's
full garbage collection walks them all every time, 120-380 ms with the event loop stopped
(measured on this 2-core machine), and every audio packet waiting meanwhile reaches the
listeners late and in a burst. :class:`NodeServer` moves them out of the collector's way
(:func:`freeze_start_up_heap`) once the lifespan has started, before the first connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .settings import Settings

log = logging.getLogger("conference.serving")

REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 52\r\n\r\n"
    b"Too many connections from your address. Try again.\n"
)


@dataclass
class ConnectionGuard:
    """Open connections per client IP, shared by every connection of one server process."""

    max_per_ip: int
    header_timeout: float
    trusted: frozenset[str] = frozenset()
    _open: dict[str, set[asyncio.BaseTransport]] = field(default_factory=lambda: defaultdict(set))

    def admit(self, ip: str, transport: asyncio.BaseTransport) -> bool:
        """Count ``transport`` for ``ip``; False when ``ip`` already holds its share."""
        if self.max_per_ip <= 0 or ip in self.trusted:
            return True
        held = self._open[ip]
        # A websocket's socket changes protocol on upgrade, so its end is seen here, by
        # the transport closing, rather than through a protocol callback.
        held.difference_update([t for t in held if t.is_closing()])
        if len(held) >= self.max_per_ip:
            return False
        held.add(transport)
        return True

    def release(self, ip: str, transport: asyncio.BaseTransport) -> None:
        held = self._open.get(ip)
        if held is not None:
            held.discard(transport)
            if not held:
                del self._open[ip]

    def held(self, ip: str) -> int:
        return sum(1 for t in self._open.get(ip, ()) if not t.is_closing())


def _trusted(addresses: str) -> frozenset[str]:
    result = set()
    for part in addresses.split(","):
        part = part.strip()
        if not part or part == "*":
            continue  # "*" trusts any proxy header, not any peer for the connection cap
        try:
            result.add(str(ipaddress.ip_address(part)))
        except ValueError:
            continue  # networks and socket paths: uvicorn handles those for the headers
    return frozenset(result)


def guarded_http(guard: ConnectionGuard) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with the header timeout and the per-IP cap of ``guard``."""

    class GuardedHttp(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        _counted_ip: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            ip = self.client[0] if self.client else ""
            if not guard.admit(ip, transport):
                log.warning("refused a connection: %s holds %s already", ip, guard.max_per_ip)
                transport.write(REFUSAL)
                transport.close()
                return
            self._counted_ip = ip
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # The next request's headers get the same time, counted from now: uvicorn's
            # keep-alive timeout only covers a connection that sends nothing at all.
            if self.transport is not None and not self.transport.is_closing():
                self._arm()

        def handle_websocket_upgrade(self) -> None:
            self._disarm()
            super().handle_websocket_upgrade()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted_ip is not None:
                guard.release(self._counted_ip, self.transport)
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(guard.header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _too_slow(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                # Nothing, or only part of a request line and headers, in the time allowed.
                self.transport.close()

    return GuardedHttp


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The timeouts and the guarded protocol ``conference serve`` gives uvicorn."""
    guard = ConnectionGuard(
        max_per_ip=settings.max_connections_per_ip,
        header_timeout=settings.header_timeout,
        trusted=_trusted(settings.trusted_proxies),
    )
    return {
        "http": guarded_http(guard),
        "timeout_keep_alive": settings.keep_alive_timeout,
        # What is still open once the drain is over gets this long, then it is cancelled:
        # uvicorn's default waits for every connection and handler without a bound.
        "timeout_graceful_shutdown": SHUTDOWN_WITHIN_S,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }


# A drain that has not finished by then is cut short, and what is still open after it gets
# SHUTDOWN_WITHIN_S more: both within systemd's TimeoutStopSec of 30 s (docs/operations.md).
DRAIN_WITHIN_S = 20.0
SHUTDOWN_WITHIN_S = 5.0


def freeze_start_up_heap() -> int:
    """Collect once, then keep every object alive now out of later collections.

    What start-up built (modules, routes, templates, catalogs, the restored rooms) stays for
    the life of the process, so later full collections need not walk it: they then take
    about as long as the objects made since (connections, seats), not 120-380 ms. Objects
    frozen here are never collected as cycles; start-up leaves none that matter.
    Returns how many objects were frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class NodeServer(uvicorn.Server):
    """uvicorn's server; the first SIGTERM (or Ctrl-C) runs ``before_exit()`` before it
    shuts down, when there is one. A second signal shuts down at once. Once started, the
    start-up heap is frozen (:func:`freeze_start_up_heap`)."""

    def __init__(
        self,
        config: uvicorn.Config,
        before_exit: Callable[[], Callable[[], Awaitable[None]] | None],
    ) -> None:
        super().__init__(config)
        self._before_exit = before_exit
        self._leave_asked = False
        self._leaving: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            frozen = freeze_start_up_heap()
            log.info("start-up heap frozen: %d objects out of later collections", frozen)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler: only a flag here; the event loop acts on it (on_tick).
        if not self._leave_asked and not self.should_exit and self._before_exit() is not None:
            self._leave_asked = True
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self._leave_asked and self._leaving is None:
            before_exit = self._before_exit()
            if before_exit is None:  # the lifespan ended meanwhile
                self.should_exit = True
            else:
                self._leaving = asyncio.create_task(self._leave(before_exit), name="leaving")
        return await super().on_tick(counter)

    async def _leave(self, before_exit: Callable[[], Awaitable[None]]) -> None:
        try:
            async with asyncio.timeout(DRAIN_WITHIN_S):
                await before_exit()
        except TimeoutError:
            log.warning("the drain took longer than %.0f s; exiting regardless", DRAIN_WITHIN_S)
        except Exception:
            log.exception("the drain failed; exiting regardless")
        self.should_exit = True

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        if self._leaving is not None and not self._leaving.done():
            self._leaving.cancel()  # a second signal: no more waiting
            with contextlib.suppress(asyncio.CancelledError):
                await self._leaving
        await super().shutdown(sockets)
