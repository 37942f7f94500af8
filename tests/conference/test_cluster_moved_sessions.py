"""A node lets go of the sessions that moved away: no stale copy is served or saved.

Two nodes' live rooms in one process (each its own registry, bus and media router), their
cluster table and snapshots in the machine's real Redis, wired as ``conference serve
--node-id`` wires them (``conference.cluster``). Node a is drained; session 1 moves to b,
which takes it over from a's snapshot; a is undrained and takes sessions again. a keeps
its copy until b has taken the session over, then drops it (rooms, seats, booth, stage), so
its next snapshot no longer names it and pages for it are sent to b. When the session comes
back to a (b drains), a takes it over from b's snapshot, with what changed on b, instead of
going on with what it had.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import redis.asyncio as redis

from conference import cluster
from conference.domain.stage import StageTalk
from conference.settings import Settings
from interpretation.signalling.service import Interpretation
from rooms import stage
from rooms.cluster.table import ClusterTable, NodeHeartbeat
from rooms.keeper import RedisSnapshotStore, conference_key
from rooms.signalling import Identity
from rooms.signalling.dispatch import Context
from rooms.web.live import IcePlan, LiveRooms

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"
TALKS = (StageTalk("t1", "Fast trains", "p-ana", "Ana", "en", "English", 180),)


async def nobody(websocket: Any) -> None:
    return None


class Node:
    """One node's live rooms, heartbeat and routing, as the application's lifespan has them."""

    def __init__(self, settings: Settings, node_id: str, rooms: LiveRooms, beat: NodeHeartbeat):
        self.id = node_id
        self.rooms = rooms
        self.beat = beat
        self.interpretation: Interpretation = rooms.registry.extension_state["test:interp"]
        rooms.routing = cluster.routing(settings, beat, cluster.adopter(settings, rooms.registry))

    async def send(self, seat: Any, **message: Any) -> None:
        reg = self.rooms.registry
        decoded = reg.catalog.decode(json.dumps(message))
        await reg.dispatcher.dispatch(Context(reg, seat, "conn", lambda _: None), decoded)

    async def snapshot(self) -> str:
        assert self.rooms.keeper is not None
        await self.rooms.keeper.save_if_changed()
        return await self.rooms.keeper.store.load() or ""


@pytest.fixture
async def nodes() -> AsyncIterator[tuple[Node, Node]]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (OSError, redis.RedisError):
        pytest.skip("no Redis on 127.0.0.1:6379")
    secret = "moved-test-" + secrets.token_hex(20)  # a cluster of its own in Redis
    settings = Settings(bus_url=REDIS_URL, secret_key=secret)
    key = conference_key(secret)
    found: list[Node] = []
    async with AsyncExitStack() as stack:
        for node_id, port in (("a", 8001), ("b", 8002)):
            interpretation = Interpretation()
            rooms = await stack.enter_async_context(
                LiveRooms.open(
                    bus_url="memory://", secret_key=secret, allowed_origin="http://x",
                    authenticate=nobody, ice_plan=IcePlan.parse(""), loopback=True,
                    extensions=[stage.install, interpretation.install],
                    snapshots=RedisSnapshotStore(REDIS_URL, cluster.snapshot_key(settings, node_id)),
                    conference=key,
                )
            )  # fmt: skip
            rooms.registry.extension_state["test:interp"] = interpretation
            table = ClusterTable.open(REDIS_URL, key)
            beat = NodeHeartbeat(table, node_id, f"http://127.0.0.1:{port}")
            await beat.start()
            stack.push_async_callback(table.client.aclose)
            stack.push_async_callback(beat.stop)
            found.append(Node(settings, node_id, rooms, beat))
        try:
            yield found[0], found[1]
        finally:
            keys = [k async for k in client.scan_iter(match=f"cluster:{key}:*")]
            keys += [k async for k in client.scan_iter(match=f"conference:live:{key}*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()


async def test_a_node_forgets_a_session_taken_over_elsewhere_and_takes_it_back_fresh(
    nodes: tuple[Node, Node],
) -> None:
    a, b = nodes
    ra = a.rooms
    assert a.rooms.routing is not None and b.rooms.routing is not None
    # Session 1 on a: Ivan on air in Spanish, Lea listening, a stage mid-talk.
    assert await a.rooms.routing.elsewhere("1") is None
    main = ra.registry.room_for_session("1", "plenary", "Plenary")
    reg = ra.registry
    org, _, _ = await reg.attach(Identity.of("p-org", "Olu", ["organiser"]), None, "c1")
    ivan, ivan_token, _ = await reg.attach(
        Identity.of("p-ivan", "Ivan", ["interpreter"]), None, "c2"
    )
    lea, lea_token, _ = await reg.attach(Identity.of("p-lea", "Lea", ["participant"]), None, "c3")
    for seat in (org, ivan, lea):
        await reg.place(seat, reg.room(main), "joined")
    await a.send(org, type="booth_open", room_id=main, languages=["es"], members=["p-ivan"])
    await a.send(ivan, type="booth_enter", room_id=main)
    await a.send(ivan, type="on_air", on=True)
    await a.send(lea, type="select_language", language="es", balance=0.85)
    stage.prepare(reg, main, "block-1", TALKS)
    await a.send(org, type="stage_start")
    # Session 3 stays on a all along (b owns one session already when 3 is placed).
    await b.rooms.routing.elsewhere("4")
    assert await a.rooms.routing.elsewhere("3") is None
    hallway = reg.room_for_session("3", "social", "Hallway")
    pim, _, _ = await reg.attach(Identity.of("p-pim", "Pim", ["participant"]), None, "c4")
    await reg.place(pim, reg.room(hallway), "joined")

    # a drains: its people's connections end (their seats wait, away) and session 1 moves.
    for seat, connection in ((org, "c1"), (ivan, "c2"), (lea, "c3")):
        await reg.detach(seat, connection)
    await a.beat.drain()
    assert "Plenary" in await a.snapshot()
    owner = await a.rooms.routing.elsewhere("1")
    assert owner is not None and owner.node_id == "b"
    # Placed on b, not yet taken over: a keeps its copy, which b is about to read.
    assert await ra.forget_moved() == []
    assert main in reg.rooms

    # Lea comes to b: b takes session 1 over from a's snapshot and she resumes there.
    assert await b.rooms.routing.elsewhere("1") is None
    rb = b.rooms.registry
    assert main in rb.rooms
    lea_b, lea_token, resumed = await rb.attach(
        Identity.of("p-lea", "Lea", ["participant"]), lea_token, "b1"
    )
    assert resumed and lea_b.seat_id == lea.seat_id
    await b.send(lea_b, type="raise_hand")  # acknowledged on b, never seen by a

    # a takes sessions again; its copy of session 1 is no one's state now: dropped, saying
    # nothing (a's hallway, session 3, stays as it was).
    await a.beat.drain(on=False)
    assert await ra.forget_moved() == ["1"]
    assert main not in reg.rooms and "1" not in reg.core.main_rooms
    assert {org.seat_id, ivan.seat_id, lea.seat_id}.isdisjoint(reg.seats)
    assert main not in a.interpretation.rooms
    assert main not in stage.board_of(reg).stages
    assert reg.seats[pim.seat_id].room_id == hallway
    saved = await a.snapshot()
    assert "Plenary" not in saved and lea.seat_id not in saved and "Hallway" in saved
    # Pages and websockets for session 1 on a are sent to b.
    owner = await a.rooms.routing.elsewhere("1")
    assert owner is not None and owner.node_id == "b"
    assert await ra.forget_moved() == []  # once

    # b drains: the session comes back to a, taken over from b's snapshot (Lea's hand).
    await b.rooms.registry.detach(lea_b, "b1")
    await b.beat.drain()
    assert "Plenary" in await b.snapshot()
    assert await a.rooms.routing.elsewhere("1") is None
    back = reg.seats[lea.seat_id]
    assert back.hand_raised and reg.rooms[main].title == "Plenary"
    assert a.interpretation.rooms[main].choices[lea.seat_id].language == "es"


async def test_a_session_still_connected_here_is_not_dropped(nodes: tuple[Node, Node]) -> None:
    """A node thought dead that was not: its people are sent on first, then it forgets."""
    a, b = nodes
    assert a.rooms.routing is not None and b.rooms.routing is not None
    assert await a.rooms.routing.elsewhere("1") is None
    reg = a.rooms.registry
    main = reg.room_for_session("1", "plenary", "Plenary")
    lea, _, _ = await reg.attach(Identity.of("p-lea", "Lea", ["participant"]), None, "c1")
    await reg.place(lea, reg.room(main), "joined")
    await a.snapshot()
    await a.beat.drain()
    assert await b.rooms.routing.elsewhere("1") is None  # b took it over
    await a.beat.drain(on=False)

    assert await a.rooms.forget_moved() == []  # Lea's connection here still holds her seat
    assert reg.seats[lea.seat_id].room_id == main
    await reg.detach(lea, "c1")  # sent away, her connection ends
    assert await a.rooms.forget_moved() == ["1"]
    assert lea.seat_id not in reg.seats
