"""A breakout countdown ends on the clock, not on a socket: the registry with a fake clock.

No uvicorn: the registry runs on its in-memory bus, messages go through its dispatcher, and
time moves by hand; ``sweep`` is what the registry's sweeper runs when a deadline falls due
(the last test lets the real clock and the sweeper do it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from rooms.domain.breakout import BreakoutState
from rooms.signalling import Context, Identity, Registry
from rooms.signalling.limits import Limits
from rooms.signalling.topics import MOVED, room_topic, seat_topic
from tests.support.rooms_view import FakeClock

pytestmark = pytest.mark.unit


async def send(registry: Registry, seat: Any, **message: Any) -> None:
    decoded = registry.catalog.decode(json.dumps(message))
    await registry.dispatcher.dispatch(Context(registry, seat, "conn", lambda _: None), decoded)


async def test_the_rooms_close_at_the_deadline_and_everyone_is_back_in_the_main_room() -> None:
    clock = FakeClock()
    registry = Registry(clock=clock)
    main = registry.room(registry.room_for_session("s1", "workshop", "Workshop"))
    olga, _, _ = await registry.attach(Identity.of("olga", "Olga", ["organiser"]), None, "c1")
    lea, _, _ = await registry.attach(Identity.of("lea", "Lea", ["participant"]), None, "c2")
    for seat in (olga, lea):
        await registry.place(seat, main, "joined")
    await send(registry, olga, type="breakout_open", mode="by_hand", duration_s=600,
               rooms=[{"title": "Terminology", "seats": [lea.seat_id]}])  # fmt: skip
    bset = registry.breakouts[main.room_id]
    (breakout_room,) = bset.room_ids
    assert lea.room_id == breakout_room
    await send(registry, olga, type="breakout_countdown", seconds=60)
    assert bset.ends_at == clock.now() + 60
    lea_events = await registry.bus.subscribe(seat_topic(lea.seat_id))

    clock.advance(59)
    await registry.sweep()
    assert (bset.state, lea.room_id) == (BreakoutState.COUNTDOWN, breakout_room)

    clock.advance(1)
    await registry.sweep()
    assert bset.history == [BreakoutState.OPEN, BreakoutState.COUNTDOWN, BreakoutState.CLOSED]
    assert (lea.room_id, main.room_id in registry.breakouts) == (main.room_id, False)
    assert breakout_room not in registry.rooms
    _topic, moved = await asyncio.wait_for(anext(aiter(lea_events)), 1)
    assert moved == {"type": MOVED, "room_id": main.room_id, "from_room_id": breakout_room,
                     "reason": "breakouts_closed"}  # fmt: skip
    await registry.bus.close()


async def test_the_running_registry_closes_the_rooms_and_frees_a_lost_seat_when_they_fall_due() -> (
    None
):
    """No hand on the clock: the sweeper sleeps until the cores' deadlines, and acts then."""
    registry = Registry(limits=Limits(reconnect_grace=0.5))
    await registry.start()
    try:
        main = registry.room(registry.room_for_session("s1", "workshop", "Workshop"))
        olga, _, _ = await registry.attach(Identity.of("olga", "Olga", ["organiser"]), None, "c1")
        lea, _, _ = await registry.attach(Identity.of("lea", "Lea", ["participant"]), None, "c2")
        leo, _, _ = await registry.attach(Identity.of("leo", "Leo", ["participant"]), None, "c3")
        for seat in (olga, lea, leo):
            await registry.place(seat, main, "joined")
        await send(registry, olga, type="breakout_open", mode="by_hand", duration_s=600,
                   rooms=[{"title": "Terminology", "seats": [lea.seat_id]}])  # fmt: skip
        bset = registry.breakouts[main.room_id]
        lea_events = await registry.bus.subscribe(seat_topic(lea.seat_id))
        room_events = await registry.bus.subscribe(room_topic(main.room_id))
        await send(registry, olga, type="breakout_countdown", seconds=1)
        await registry.detach(leo, "c3")  # Leo's network drops and he never comes back

        _topic, moved = await asyncio.wait_for(anext(aiter(lea_events)), 10)
        assert moved["reason"] == "breakouts_closed"
        assert bset.ends_at is not None and registry.clock.now() >= bset.ends_at
        assert bset.state is BreakoutState.CLOSED and lea.room_id == main.room_id
        async with asyncio.timeout(10):
            async for _topic, event in room_events:
                if event["type"] == "presence_left" and event["seat_id"] == leo.seat_id:
                    break
        assert event["reason"] == "gone" and leo.seat_id not in registry.seats
    finally:
        await registry.stop()
