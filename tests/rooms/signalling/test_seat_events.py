"""The registry's seat events: what an extension hears, in order, without reading the bus."""

from __future__ import annotations

import asyncio

import pytest

from rooms.bus import MemoryBus
from rooms.signalling import Dispatcher, Identity, Registry
from rooms.signalling.seat_events import (
    SeatBack,
    SeatChanged,
    SeatEntered,
    SeatEvent,
    SeatLeft,
    SeatLost,
)

pytestmark = pytest.mark.integration


async def test_an_extension_hears_a_seat_enter_drop_come_back_move_and_leave() -> None:
    heard: list[SeatEvent] = []
    stopped: list[str] = []

    def install(dispatcher: Dispatcher) -> None:
        async def observe(registry: Registry, event: SeatEvent) -> None:
            heard.append(event)

        dispatcher.observe(observe)
        dispatcher.on_stop(lambda: stopped.append("stopped"))

    registry = Registry(MemoryBus(), extensions=[install])
    async with registry:
        main = registry.room(registry.room_for_session("1", "workshop", "Main"))
        other = registry.add_breakout_room(main, "Pairs")
        ada = Identity.of("p-ada", "Ada", ["participant"])
        seat, token, _ = await registry.attach(ada, None, "c1")
        await registry.place(seat, main, "joined")
        await registry.set_muted(seat, True)
        await registry.detach(seat, "c1")
        seat, _, resumed = await registry.attach(ada, token, "c2")
        assert resumed
        await registry.place(seat, other, "moved")
        await registry.release(seat, "left")
        async with asyncio.timeout(2):
            while len(heard) < 9:  # noqa: ASYNC110 - the observers run on their own task
                await asyncio.sleep(0.01)
    s, m, o = seat.seat_id, main.room_id, other.room_id
    assert heard == [
        SeatEntered(m, s),
        SeatChanged(m, s),  # muted
        SeatLost(m, s),
        SeatChanged(m, s),  # away
        SeatBack(m, s),
        SeatChanged(m, s),  # present again
        SeatLeft(m, s, "moved"),
        SeatEntered(o, s),
        SeatLeft(o, s, "left"),
    ]
    assert stopped == ["stopped"]
