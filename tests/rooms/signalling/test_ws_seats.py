"""Issue 10: one connect token opened 500 seats in one room. One seat per person per room,
one connection per token, and a resumed seat takes the roles the person has now."""

from __future__ import annotations

import asyncio

import pytest
from rooms_ws_harness import Harness
from websockets.exceptions import InvalidStatus

from rooms.bus import MemoryBus
from rooms.domain.roles import Role
from rooms.signalling import CloseCode, Identity, Registry

pytestmark = pytest.mark.integration


async def test_a_connect_token_opens_one_connection(harness: Harness) -> None:
    token = harness.tokens.issue(Identity.of("bot-1", "Bot", ["participant"]))
    first = await harness.connect("ignored", origin=None, token=token)
    await first.hello()
    refused = 0
    for _ in range(20):
        with pytest.raises(InvalidStatus) as again:
            await harness.connect("ignored", origin=None, token=token)
        refused += again.value.response.status_code == 403
    assert refused == 20
    await first.alive()  # the first connection is untouched
    assert len(harness.registry.seats) == 1


async def test_a_person_sits_once_in_a_room_and_a_new_seat_replaces_the_old(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    olga = await harness.seated("olga", "organiser", room_id)
    seats = [await harness.seated("mallory", "participant", room_id) for _ in range(5)]
    newest = seats[-1]
    # Each older connection was closed with 4003 as the next one sat down.
    assert [await old.closed_with() for old in seats[:-1]] == [CloseCode.SEAT_TAKEN] * 4
    room = harness.registry.rooms[room_id]
    people = [harness.registry.seats[s].person_id for s in room.seats]
    assert people == ["olga", "mallory"]
    await newest.alive()
    left = [await olga.expect("presence_left") for _ in range(4)]
    assert {m["reason"] for m in left} == {"replaced"}
    assert [m["seat_id"] for m in left] == [s.seat_id for s in seats[:-1]]
    # Another room is another seat.
    other = harness.registry.room_for_session("s-2", "workshop", "Hands on")
    elsewhere = await harness.seated("mallory", "participant", other)
    await newest.alive()
    await elsewhere.alive()


async def test_resuming_a_seat_takes_the_roles_the_person_has_now(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    bea = await harness.seated("bea", "organiser", room_id)
    ada = await harness.seated("ada", "participant", room_id)
    token = bea.welcome["resume_token"]
    await bea.ws.close()
    await ada.expect("presence_updated")  # bea is away
    again = await harness.connect("bea", "participant")  # her roles now
    welcome = await again.hello(token)
    assert (welcome["resumed"], welcome["you"]["roles"]) == (True, ["participant"])
    await again.send("mute", seat_id=ada.seat_id)
    assert (await again.expect("error"))["code"] == "forbidden"


async def test_a_role_change_reaches_the_open_seats_of_that_person(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    bea = await harness.seated("bea", "organiser", room_id)
    ada = await harness.seated("ada", "participant", room_id)
    await harness.registry.update_person(Identity.of("bea", "Bea", ["participant"]))
    update = await ada.expect("presence_updated")
    assert (update["participant"]["seat_id"], update["participant"]["roles"]) == (
        bea.seat_id,
        ["participant"],
    )
    await bea.send("give_floor", seat_id=ada.seat_id)
    assert (await bea.expect("error"))["code"] == "forbidden"
    await harness.registry.update_person(Identity.of("bea", "Bea", ["organiser"]))
    await bea.send("give_floor", seat_id=ada.seat_id)
    while (update := await ada.expect("presence_updated"))["participant"]["seat_id"] != ada.seat_id:
        assert update["participant"]["roles"] == ["organiser"]  # bea's roles, back
    assert update["participant"]["has_floor"] is True


async def test_a_role_change_reaches_seats_held_by_another_process() -> None:
    bus = MemoryBus()  # shared, as a Redis bus is shared by several server processes
    async with Registry(bus) as here, Registry(bus) as there:
        seat, _, _ = await there.attach(Identity.of("bea", "Bea", ["organiser"]), None, "c-1")
        await here.update_person(Identity.of("bea", "Bea", ["participant"]))
        async with asyncio.timeout(5):
            while seat.roles != frozenset({Role.PARTICIPANT}):  # noqa: ASYNC110 (another task)
                await asyncio.sleep(0.01)
