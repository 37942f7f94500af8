"""SIGTERM on a node drains it as ``conference drain`` does, then the node exits by itself.

Two ``conference serve --node-id`` processes on PostgreSQL and the machine's Redis, and
headless clients that reconnect as the browser's protocol client does (static/js/protocol/
signalling.js, static/js/ui/nodes.js): after a close they connect again to the same
websocket, and a ``redirect`` sends them on to the session's new node with their resume
token. Lea raised her hand and listens in Spanish, Ivan is on air in the Spanish booth, and
Olu organises: after SIGTERM on their node each is on the other node on the same seat, in
the same room, with what the old node had acknowledged, after one reconnection; the old
node exits with 0. Then SIGTERM on the last node: no one to drain to, so it says so and
exits at once, closing its clients with a code they reconnect after.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from rooms.client import connect_info
from rooms.signalling import ConnectTokens, Identity
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.server import ServeProcess, cluster

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"
WITHIN = 30.0  # generous: nothing here is a goal, only a bound on a hung test
RECONNECT = {1001, 1012}  # close codes after which the browser reconnects (not final)


@pytest.fixture
def nodes(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[dict[str, ServeProcess], dict[str, int]]]:
    from conference.storage.engine import make_engine

    engine = make_engine(database_url)
    people = interpretation_conference(engine)  # the Spanish booth of the plenary: Ivan, Iris
    engine.dispose()
    secret = "sigterm-test-" + secrets.token_hex(20)  # a cluster of its own in Redis
    with cluster("ab", tmp_path, database_url, REDIS_URL, secret) as started:
        yield started, people


class Person:
    """One headless client of the plenary, reconnecting as a browser page does."""

    def __init__(self, secret: str, person_id: int, name: str, roles: list[str]) -> None:
        self.tokens = ConnectTokens(secret)
        self.identity = Identity.of(str(person_id), name, roles)
        self.ws: ClientConnection | None = None
        self.welcome: dict[str, Any] = {}
        self.inbox: list[dict[str, Any]] = []
        self.connections = 0  # websockets opened, the first one included

    async def open(self, ws_url: str) -> ClientConnection:
        self.connections += 1
        token = self.tokens.issue(self.identity)
        return await connect(f"{ws_url}{'&' if '?' in ws_url else '?'}token={token}")

    async def sit_down(self, ws_url: str, resume: str | None = None) -> dict[str, Any]:
        self.ws = await self.open(ws_url)
        hello: dict[str, Any] = {"type": "hello", "protocol": 1}
        if resume:
            hello["resume_token"] = resume
        await self.ws.send(json.dumps(hello))
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def send(self, type: str, **fields: Any) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps({"type": type, **fields}))

    async def expect(self, type: str, **matching: Any) -> dict[str, Any]:
        """The first message of ``type`` (with ``matching`` fields) kept or still to come."""
        assert self.ws is not None
        deadline = time.monotonic() + WITHIN
        while True:
            for message in self.inbox:
                if message["type"] == type and all(
                    message.get(k) == v for k, v in matching.items()
                ):
                    self.inbox.remove(message)
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {type} {matching} for {self.identity.name}")
            raw = await asyncio.wait_for(self.ws.recv(), left)
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.send("pong", nonce=message["nonce"])
            elif message["type"] == "error":
                raise AssertionError(f"{self.identity.name}: {message}")
            else:
                self.inbox.append(message)

    async def closed(self) -> int:
        """Wait for the server to close the websocket; its close code."""
        assert self.ws is not None
        with pytest.raises(ConnectionClosed):  # once everything sent before was read
            async with asyncio.timeout(WITHIN):
                while True:
                    await self.ws.recv()
        assert self.ws.close_code is not None
        return self.ws.close_code

    async def follow(self, ws_url: str) -> str:
        """Reconnect to ``ws_url`` as the page does after a close: a ``redirect`` there sends
        it on to the new node, resuming the seat with its token. The new node's URL."""
        again = await self.open(ws_url)
        redirect = json.loads(await asyncio.wait_for(again.recv(), WITHIN))
        assert redirect["type"] == "redirect", redirect
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(again.recv(), WITHIN)
        assert again.close_code == 4010
        # The page reloads on that node, whose websocket names the session again.
        before = self.welcome
        await self.sit_down(f"{redirect['ws_url']}?session={PLENARY}", before["resume_token"])
        assert self.welcome["resumed"] is True
        assert self.welcome["seat_id"] == before["seat_id"]
        return str(redirect["url"])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # nodes share it
async def test_sigterm_moves_a_nodes_people_to_another_node_then_it_exits(
    nodes: tuple[dict[str, ServeProcess], dict[str, int]],
) -> None:
    started, people = nodes
    secret = started["a"].settings["secret_key"]
    olu = Person(secret, 9001, "Olu", ["organiser"])
    lea = Person(secret, people["lea"], "Lea", ["participant"])
    ivan = Person(secret, people["ivan"], "Ivan", ["interpreter"])
    info = await connect_info(started["a"].site, PLENARY, olu.tokens.issue(olu.identity))
    room_id = str(info["room_id"])
    owner = next(
        n for n in started.values() if info["ws_url"].startswith(n.site.replace("http", "ws"))
    )
    other = next(n for n in started.values() if n is not owner)

    for person in (olu, lea, ivan):
        await person.sit_down(info["ws_url"])
    for person in (olu, lea):
        await person.send("join", room_id=room_id)
        await person.expect("room_snapshot", reason="joined")
    await ivan.send("booth_enter", room_id=room_id)
    await ivan.expect("booth_state")
    await ivan.send("on_air", on=True)
    await ivan.expect("booth_state", state="on_air")
    await lea.send("select_language", language="es", balance=0.85)
    await lea.expect("mix", language="es")
    await lea.send("raise_hand")
    while not (raised := (await lea.expect("presence_updated"))["participant"])["hand_raised"]:
        pass  # someone else's presence: wait for the room to acknowledge her hand
    assert raised["seat_id"] == lea.welcome["seat_id"]

    assert owner.process is not None
    owner.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    closes = await asyncio.gather(olu.closed(), lea.closed(), ivan.closed())
    assert closes == [1001, 1001, 1001]

    # Each reconnects once, is sent on, and sits down on the other node on the same seat.
    moved_to = await asyncio.gather(*(p.follow(info["ws_url"]) for p in (olu, lea, ivan)))
    assert set(moved_to) == {other.site}
    assert [p.connections for p in (olu, lea, ivan)] == [3, 3, 3]  # first, the old node's, new
    for person in (olu, lea):
        snapshot = await person.expect("room_snapshot", reason="resumed")
        assert snapshot["room"]["room_id"] == room_id
    assert lea.welcome["you"]["hand_raised"] is True
    await lea.send("list_channels")
    await lea.expect("channels", chosen="es")  # the answer (the room's own have no choice)
    await ivan.send("booth_enter", room_id=room_id)
    booth = await ivan.expect("booth_state")
    assert booth["booth"] == "es" and booth["room_id"] == room_id
    if booth["state"] != "on_air":  # back from the move dropped; on air again by itself
        await ivan.expect("booth_state", state="on_air")
    await olu.send("chat", text="Moved by SIGTERM")
    assert (await lea.expect("chat_message"))["text"] == "Moved by SIGTERM"

    # The old node exits by itself, cleanly, once everyone has gone.
    code = await asyncio.to_thread(owner.process.wait, WITHIN)
    print(f"\nSIGTERM to exit: {time.monotonic() - signalled:.1f} s")
    assert code == 0
    log = owner.log.read_text(errors="replace")
    assert "SIGTERM: draining before exiting (3 connections" in log
    assert "SIGTERM: drained; exiting" in log
    assert "Traceback" not in log
    assert "took session 1 over" in other.log.read_text(errors="replace")

    # The last node has no one to drain to: it says so, closes its clients (who would
    # reconnect to the next node to start) and exits at once.
    assert other.process is not None
    other.process.send_signal(signal.SIGTERM)
    last = await asyncio.gather(olu.closed(), lea.closed(), ivan.closed())
    print(f"closed by the last node: {last}")
    assert set(last) <= RECONNECT
    assert await asyncio.to_thread(other.process.wait, WITHIN) == 0
    assert "no other node is alive" in other.log.read_text(errors="replace")
