"""Failover: a session whose node died is taken over from that node's snapshot, once.

Registries driven through their dispatchers with a fake clock (no sockets); the placements
and the take-over marks in the machine's real Redis, each test under a prefix of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from conference.domain.stage import StageTalk
from interpretation.domain import Booth, BoothState
from interpretation.signalling.service import Interpretation
from rooms import stage
from rooms.bus import MemoryBus
from rooms.cluster.nodes import STALE_AFTER_S, NodeRecord
from rooms.cluster.placement import Placement
from rooms.cluster.routing import NodeRouting
from rooms.cluster.table import ClusterTable, NodeHeartbeat
from rooms.domain.participant import ParticipantState
from rooms.keeper import MemorySnapshotStore, SnapshotKeeper, adopt_session
from rooms.signalling import Identity, Registry
from rooms.signalling.dispatch import Context

pytestmark = pytest.mark.integration

CONFERENCE = "c" * 32
TALKS = (StageTalk("t1", "Fast trains", "p-ana", "Ana", "en", "English", 180),)


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def now(self) -> float:
        return self.t


def registry(clock: Clock) -> Registry:
    service = Interpretation()
    reg = Registry(MemoryBus(), clock=clock, extensions=[stage.install, service.install])
    reg.extension_state["test:interpretation"] = service
    return reg


def booth_of(reg: Registry, room_id: str) -> Booth:
    (booth,) = reg.extension_state["test:interpretation"].rooms[room_id].channels.booths
    return booth  # type: ignore[no-any-return]


async def send(reg: Registry, seat: Any, **message: Any) -> None:
    decoded = reg.catalog.decode(json.dumps(message))
    await reg.dispatcher.dispatch(Context(reg, seat, "conn", lambda _: None), decoded)


async def dead_node(clock: Clock) -> tuple[Registry, dict[str, Any]]:
    """Node a before it died: session 1 with a booth on air and a Spanish listener, a
    breakout of 15 minutes, a stage mid-talk; session 2 with one person."""
    reg = registry(clock)
    main = reg.room_for_session("1", "plenary", "Plenary")
    other = reg.room_for_session("2", "workshop", "Workshop")
    org, org_token, _ = await reg.attach(Identity.of("p-org", "Olu", ["organiser"]), None, "c1")
    ivan, ivan_token, _ = await reg.attach(Identity.of("p-ivan", "Ivan", ["interpreter"]), None, "c2")  # fmt: skip
    lea, lea_token, _ = await reg.attach(Identity.of("p-lea", "Lea", ["participant"]), None, "c3")
    otto, otto_token, _ = await reg.attach(Identity.of("p-otto", "Otto", ["participant"]), None, "c4")  # fmt: skip
    wes, _, _ = await reg.attach(Identity.of("p-wes", "Wes", ["participant"]), None, "c5")
    for seat in (org, ivan, lea, otto):
        await reg.place(seat, reg.room(main), "joined")
    await reg.place(wes, reg.room(other), "joined")
    await send(reg, org, type="booth_open", room_id=main, languages=["es"], members=["p-ivan"])
    await send(reg, ivan, type="booth_enter", room_id=main)
    await send(reg, ivan, type="on_air", on=True)
    await send(reg, lea, type="select_language", language="es", balance=0.85)
    assert lea.channel == ivan.seat_id  # Lea hears Ivan
    stage.prepare(reg, main, "block-1", TALKS)
    await send(reg, org, type="stage_start")
    clock.t += 30
    await send(reg, org, type="breakout_open", mode="by_hand", duration_s=900,
               rooms=[{"title": "Terminology", "seats": [otto.seat_id]}])  # fmt: skip
    return reg, {
        "main": main, "other": other, "lea": lea.seat_id, "ivan": ivan.seat_id,
        "otto": otto.seat_id, "wes": wes.seat_id, "lea_token": lea_token,
        "ivan_token": ivan_token, "otto_token": otto_token, "org_token": org_token,
    }  # fmt: skip


async def snapshot_of(reg: Registry) -> MemorySnapshotStore:
    store = MemorySnapshotStore()
    await SnapshotKeeper(reg, store, CONFERENCE).save_if_changed()
    return store


async def test_the_new_node_takes_one_session_over_beside_its_own_live_ones() -> None:
    clock = Clock()
    before, ids = await dead_node(clock)
    store = await snapshot_of(before)
    bset = before.breakouts[ids["main"]]
    talk_ends = stage.board_of(before).stage_of(ids["main"]).ends_at

    clock.t += 12  # a's heartbeat went stale, and the first client came to node b
    after = registry(clock)
    mine = after.room_for_session("3", "social", "Hallway")  # b's own session, live
    pim, _, _ = await after.attach(Identity.of("p-pim", "Pim", ["participant"]), None, "b1")
    await after.place(pim, after.room(mine), "joined")

    assert await adopt_session(after, store, CONFERENCE, "1") is True

    # Session 1's rooms, not session 2's, beside b's hallway, which is untouched.
    titles = {r.title for r in after.rooms.values()}
    assert titles == {"Plenary", "Terminology", "Hallway"}
    assert after.seats[pim.seat_id].state is ParticipantState.PRESENT
    assert ids["wes"] not in after.seats
    # The breakout keeps its deadline: its remaining time runs on, not from the start.
    restored = after.breakouts[ids["main"]]
    assert restored.ends_at == bset.ends_at
    assert restored.ends_at - clock.now() == pytest.approx(900 - 12)
    # The stage keeps its talk and deadline.
    live = stage.board_of(after).stage_of(ids["main"])
    assert (live.state, live.current, live.ends_at) == ("live", 0, talk_ends)
    # The booth is back with its member; Ivan, who was on air, is dropped (the listeners'
    # mix turns to the floor), and Lea's language is still Spanish.
    booth = booth_of(after, ids["main"])
    assert booth.members == ("p-ivan",) and booth.state is BoothState.DROPPED
    choices = after.extension_state["test:interpretation"].rooms[ids["main"]].choices
    assert choices[ids["lea"]].language == "es"

    # Every seat waits, away; the clients resume them with the tokens they had on node a.
    assert after.seats[ids["otto"]].state is ParticipantState.AWAY
    otto, _, resumed = await after.attach(
        Identity.of("p-otto", "Otto", ["participant"]), ids["otto_token"], "b2"
    )
    assert (resumed, otto.seat_id) == (True, ids["otto"])
    assert after.rooms[otto.room_id or ""].title == "Terminology"
    ivan, _, resumed = await after.attach(
        Identity.of("p-ivan", "Ivan", ["interpreter"]), ids["ivan_token"], "b3"
    )
    lea, _, _ = await after.attach(
        Identity.of("p-lea", "Lea", ["participant"]), ids["lea_token"], "b4"
    )
    assert resumed and lea.seat_id == ids["lea"]
    # The interpreter is back within the drop grace, so back on air: she hears him again.
    await send(after, ivan, type="booth_enter", room_id=ids["main"])
    assert booth_of(after, ids["main"]).state is BoothState.ON_AIR
    assert after.seats[ids["lea"]].channel == ids["ivan"]


async def test_a_session_already_live_here_or_of_another_conference_is_never_mixed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    before, ids = await dead_node(clock)
    store = await snapshot_of(before)
    after = registry(clock)
    assert await adopt_session(after, store, CONFERENCE, "1") is True
    seats = dict(after.seats)

    with caplog.at_level(logging.INFO, logger="rooms.keeper"):
        # Twice: the second copy is refused, and the live one is left as it is.
        assert await adopt_session(after, store, CONFERENCE, "1") is False
        # Another conference's snapshot under the key: refused.
        assert await adopt_session(after, store, "d" * 32, "2") is False
        # A session the dead node never had: nothing to take.
        assert await adopt_session(after, store, CONFERENCE, "9") is False
        # No snapshot at all.
        assert await adopt_session(after, MemorySnapshotStore(), CONFERENCE, "2") is False
    assert "already live here" in caplog.text
    assert "belongs to another conference" in caplog.text
    assert "was not live on the previous node" in caplog.text
    assert after.seats == seats

    # A session fresh here (people already in its new room) is not mixed with the old one.
    fresh = registry(clock)
    fresh.room_for_session("1", "plenary", "Plenary")
    assert await adopt_session(fresh, store, CONFERENCE, "1") is False


async def start(table: ClusterTable, node_id: str, port: int) -> NodeHeartbeat:
    node = NodeHeartbeat(table, node_id, f"http://127.0.0.1:{port}")
    await node.start()
    return node


async def dead(table: ClusterTable, node: NodeHeartbeat) -> None:
    await node.stop()
    old = node.record
    aged = NodeRecord(old.node_id, old.public_url, old.instance, old.load, False,
                      await table.now() - STALE_AFTER_S - 1)  # fmt: skip
    await table.client.hset(table.key("nodes"), old.node_id, aged.encode())


async def test_the_fencing_token_lets_one_owner_take_a_session_over_once(
    table: ClusterTable,
) -> None:
    a = await start(table, "a", 8001)
    first = await table.place("1")
    assert first is not None and (first.node_id, first.previous) == ("a", None)
    assert await table.take_over(first) is True  # a starts it afresh
    assert await table.take_over(first) is False  # once per token

    b = await start(table, "b", 8002)
    await dead(table, a)
    moved = await table.place("1")
    assert moved is not None and (moved.node_id, moved.previous) == ("b", "a")
    # A forged or stale placement (a's, or b's with a's token) takes nothing over.
    assert await table.take_over(first) is False
    assert await table.take_over(Placement("1", "b", first.fence, "a")) is False
    assert await table.take_over(moved) is True
    assert await table.take_over(moved) is False
    await b.stop()


async def test_an_owner_that_died_before_taking_over_leaves_the_state_where_it_was(
    table: ClusterTable,
) -> None:
    a, b = await start(table, "a", 8001), await start(table, "b", 8002)
    first = await table.place("1")
    assert first is not None and await table.take_over(first)
    await dead(table, a)
    moved = await table.place("1")
    assert moved is not None and moved.node_id == "b"
    c = await start(table, "c", 8003)
    await dead(table, b)  # before anyone came to b: a's snapshot still holds the session
    again = await table.place("1")
    assert again is not None and (again.node_id, again.previous) == ("c", "a")
    await c.stop()


async def test_two_routings_race_and_only_one_restores(table: ClusterTable) -> None:
    a = await start(table, "a", 8001)
    assert (placed := await table.place("1")) is not None and await table.take_over(placed)
    b = await start(table, "b", 8002)
    await dead(table, a)
    adopted: list[Placement] = []

    async def adopt(placement: Placement) -> None:
        adopted.append(placement)

    # Two processes claiming to be b (a restarted b, say) and a page on each.
    one = NodeRouting(table, "b", b.record.public_url, b.record.public_url, adopt)
    two = NodeRouting(table, "b", b.record.public_url, b.record.public_url, adopt)
    assert await one.elsewhere("1") is None and await two.elsewhere("1") is None
    assert await one.elsewhere("1") is None
    assert [(p.node_id, p.previous) for p in adopted] == [("b", "a")]
    await b.stop()


async def test_pages_arriving_together_all_wait_for_the_take_over(table: ClusterTable) -> None:
    a = await start(table, "a", 8001)
    assert (placed := await table.place("1")) is not None and await table.take_over(placed)
    b = await start(table, "b", 8002)
    await dead(table, a)
    done: list[str] = []

    async def adopt(placement: Placement) -> None:
        await asyncio.sleep(0.2)  # reading and restoring the snapshot takes a while
        done.append(placement.session_id)

    routing = NodeRouting(table, "b", b.record.public_url, b.record.public_url, adopt)

    async def page() -> list[str]:
        assert await routing.elsewhere("1") is None
        return list(done)  # what was taken over when this page was served

    # Five pages relocated at the same moment: none is served before the take-over.
    assert await asyncio.gather(*(page() for _ in range(5))) == [["1"]] * 5
    await b.stop()
