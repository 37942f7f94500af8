"""A signalling server on loopback (uvicorn in-process) and real websocket clients for it."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect

from rooms.bus import EventBus, MemoryBus
from rooms.signalling import ConnectTokens, Identity, Limits, Registry, websocket_route
from rooms.signalling.dispatch import Extension
from rooms.signalling.server import uvicorn_ws_options

ORIGIN = "http://conference.test"
SECRET = "test-secret-not-for-production"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.t = now

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeMedia:
    """Records what signalling asks of the media port."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    on_slots: Callable[[str, Any], None] | None = None
    floor_taps: dict[str, Any] = field(default_factory=dict)  # room id -> tap (autocaptions)
    voice_taps: dict[str, tuple[str | None, Any]] = field(default_factory=dict)  # key -> voice

    async def negotiate(self, peer_id: str, offer_sdp: str) -> str:
        self.calls.append(("negotiate", peer_id))
        return "v=0\r\no=answer-for-" + peer_id

    def place(self, peer_id: str, room_id: str | None, may_publish: bool) -> None:
        self.calls.append(("place", peer_id, room_id, may_publish))

    def set_muted(self, peer_id: str, muted: bool) -> None:
        self.calls.append(("set_muted", peer_id, muted))

    def set_channel(self, peer_id: str, source_peer_id: str | None) -> None:
        self.calls.append(("set_channel", peer_id, source_peer_id))

    def set_low_data(self, peer_id: str, low_data: bool) -> None:
        self.calls.append(("set_low_data", peer_id, low_data))

    def set_camera(self, peer_id: str, on: bool) -> None:
        self.calls.append(("set_camera", peer_id, on))

    def set_sharing(self, peer_id: str, on: bool) -> None:
        self.calls.append(("set_sharing", peer_id, on))

    def set_pinned(self, peer_id: str, sources: list[str | None]) -> None:
        self.calls.append(("set_pinned", peer_id, sources))

    def set_floor_tap(self, room_id: str, tap: Any) -> None:
        if tap is None:
            self.floor_taps.pop(room_id, None)
        else:
            self.floor_taps[room_id] = tap

    def set_voice_tap(self, key: str, peer_id: str | None, tap: Any) -> None:
        if tap is None:
            self.voice_taps.pop(key, None)
        else:
            self.voice_taps[key] = (peer_id, tap)

    async def close(self, peer_id: str) -> None:
        self.calls.append(("close", peer_id))

    def for_peer(self, peer_id: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[1] == peer_id]


def authenticate(websocket: WebSocket) -> Identity | None:
    """Stands in for the app's cookie lookup: the identity rides in test headers."""
    person = websocket.headers.get("x-test-person")
    if person is None:
        return None
    roles = websocket.headers.get("x-test-roles", "participant").split(",")
    return Identity.of(person, websocket.headers.get("x-test-name", person.title()), roles)


@dataclass
class Harness:
    url: str
    registry: Registry
    clock: FakeClock
    media: FakeMedia
    tokens: ConnectTokens
    clients: list[Client] = field(default_factory=list)

    async def connect(
        self,
        person: str,
        roles: str = "participant",
        *,
        origin: str | None = ORIGIN,
        token: str | None = None,
        anonymous: bool = False,
    ) -> Client:
        identified = not (token or anonymous)
        headers = {"x-test-person": person, "x-test-roles": roles} if identified else {}
        url = self.url + (f"?token={token}" if token else "")
        ws = await connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers=headers,
            max_size=None,
            open_timeout=5,
            ping_interval=None,
        )
        client = Client(ws)
        self.clients.append(client)
        return client

    async def seated(self, person: str, roles: str = "participant", room_id: str = "") -> Client:
        """A client that said hello and, given a room, joined it and saw its snapshot."""
        client = await self.connect(person, roles)
        await client.hello()
        if room_id:
            await client.send("join", room_id=room_id)
            await client.expect("room_snapshot")
        return client


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}

    @property
    def seat_id(self) -> str:
        return str(self.welcome["seat_id"])

    async def send(self, type: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"type": type, **fields}))

    async def recv(self, within: float = 3.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        return dict(json.loads(raw))

    async def expect(self, type: str, within: float = 3.0) -> dict[str, Any]:
        """The next message of this type, skipping others (pings, unrelated presence)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            if message["type"] == type:
                return message

    async def silent(self, type: str, seconds: float = 0.2) -> None:
        """Assert no message of this type arrives for a while."""
        try:
            while True:
                message = await self.recv(seconds)
                assert message["type"] != type, message
        except TimeoutError:
            return

    async def hello(self, resume_token: str | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"protocol": 1}
        if resume_token is not None:
            fields["resume_token"] = resume_token
        await self.send("hello", **fields)
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def alive(self) -> None:
        await self.send("ping", nonce="alive?")
        assert (await self.expect("pong")) == {"type": "pong", "nonce": "alive?"}

    async def closed_with(self, within: float = 3.0) -> int | None:
        """Read until the server closes; the close code."""
        try:
            async with asyncio.timeout(within):
                async for _ in self.ws:
                    pass
        except Exception:  # noqa: BLE001 - ConnectionClosedError carries the code too
            pass
        return self.ws.close_code


@asynccontextmanager
async def serve(
    limits: Limits | None = None,
    extensions: tuple[Extension, ...] = (),
    bus: EventBus | None = None,
) -> AsyncIterator[Harness]:
    clock, media = FakeClock(), FakeMedia()
    registry = Registry(
        bus or MemoryBus(),
        media=media,
        clock=clock,
        limits=limits or Limits(),
        rng=random.Random(7),
        extensions=extensions,
    )
    tokens = ConnectTokens(SECRET, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with registry:
            yield

    app = Starlette(
        routes=[websocket_route(registry, authenticate, ORIGIN, tokens=tokens)], lifespan=lifespan
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", **uvicorn_ws_options())
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    harness = Harness(f"ws://127.0.0.1:{port}/ws", registry, clock, media, tokens)
    try:
        yield harness
    finally:
        for client in harness.clients:
            await client.ws.close()
        server.should_exit = True
        await task
        sock.close()
