"""Signalling clients for the signalling benchmark, run in worker processes (procs.Workers).

Each connection says hello, joins the room and then only reads: it answers the server's
pings, counts messages, and timestamps ``chat_message``s whose text carries a send time
(``time.monotonic_ns``, one clock for every process on the machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from rooms.signalling import ConnectTokens, Identity

TIMEOUT = 120.0
CHAT_PREFIX = "bench-sent-ns:"


@dataclass
class Conn:
    ws: ClientConnection
    messages: int = 0
    closed: int | None = None
    chat_ms: list[float] = field(default_factory=list)
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


class SignallingClients:
    def __init__(self) -> None:
        self.conns: list[Conn] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def storm(
        self, url: str, secret: str | None, ids: list[str], room_id: str, start_ns: int
    ) -> dict[str, Any]:
        """At ``start_ns``, connect and join every id at once; per client, when it had its snapshot."""
        tokens = ConnectTokens(secret) if secret else None
        gate = asyncio.Semaphore(256)  # in-flight handshakes; joins still overlap freely
        delay = (start_ns - time.monotonic_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        done: list[float] = []
        errors: list[str] = []

        async def one(person: str) -> None:
            target = url
            if tokens is not None:
                token = tokens.issue(Identity.of(person, f"Listener {person}", ["participant"]))
                target = f"{url}?token={quote(token)}"
            try:
                async with gate:
                    ws = await connect(
                        target, open_timeout=TIMEOUT, max_size=2**24, ping_interval=None
                    )
                conn = Conn(ws)
                self.conns.append(conn)
                self.tasks.append(asyncio.create_task(self._read(conn)))
                await ws.send(json.dumps({"type": "hello", "protocol": 1}))
                await _expect(conn, "welcome")
                await ws.send(json.dumps({"type": "join", "room_id": room_id}))
                await _expect(conn, "room_snapshot")
                done.append((time.monotonic_ns() - start_ns) / 1e9)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

        await asyncio.gather(*(one(p) for p in ids))
        return {"done_s": done, "errors": errors}

    async def _read(self, conn: Conn) -> None:
        with contextlib.suppress(Exception):
            async for raw in conn.ws:
                at = time.monotonic_ns()
                message = json.loads(raw)
                kind = message.get("type")
                # Heartbeats go on for ever (every 3 s): "quiet" means nothing else arrives.
                if kind != "ping":
                    conn.messages += 1
                if kind == "ping":
                    await conn.ws.send(json.dumps({"type": "pong", "nonce": message.get("nonce")}))
                elif kind == "chat_message":
                    text = str(message.get("text", ""))
                    if text.startswith(CHAT_PREFIX):
                        conn.chat_ms.append((at - int(text[len(CHAT_PREFIX) :])) / 1e6)
                elif kind in ("welcome", "room_snapshot", "error"):
                    conn.inbox.put_nowait(message)
        conn.closed = conn.ws.close_code or 0

    async def counts(self) -> dict[str, Any]:
        return {
            "messages": sum(c.messages for c in self.conns),
            "open": sum(1 for c in self.conns if c.closed is None),
            "close_codes": sorted({c.closed for c in self.conns if c.closed is not None}),
        }

    async def chat(self, count: int, interval: float) -> int:
        """The first connection still open sends ``count`` chat messages, ``interval`` s apart.

        A join storm may have closed some clients as too slow (1013): that is counted in the
        join figures, and the chat is measured among those still connected.
        """
        sent = 0
        for _ in range(count):
            text = f"{CHAT_PREFIX}{time.monotonic_ns()}"
            for conn in self.conns:
                if conn.closed is None and conn.ws.close_code is None:
                    try:
                        await conn.ws.send(json.dumps({"type": "chat", "text": text}))
                    except ConnectionClosed:
                        continue
                    sent += 1
                    break
            await asyncio.sleep(interval)
        return sent

    async def chat_latencies(self) -> dict[str, Any]:
        return {
            "ms": [ms for c in self.conns for ms in c.chat_ms],
            "clients": len(self.conns),
            "open": sum(1 for c in self.conns if c.closed is None),
        }

    async def close(self) -> None:
        await asyncio.gather(
            *(asyncio.wait_for(c.ws.close(), 5) for c in self.conns), return_exceptions=True
        )
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def _expect(conn: Conn, kind: str) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(conn.inbox.get(), TIMEOUT)
        if message["type"] == kind:
            return message
        if message["type"] == "error":
            raise RuntimeError(f"{message.get('code')}: {message.get('message')}")
