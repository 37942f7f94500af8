"""Breakouts over real websockets: open three ways, countdown, broadcast, help, close all."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rooms_ws_harness import Client, Harness

pytestmark = pytest.mark.integration


async def _plenary(harness: Harness, *people: str) -> tuple[str, Client, list[Client]]:
    main = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    org = await harness.seated("olga", "organiser", main)
    clients = [await harness.seated(person, "participant", main) for person in people]
    return main, org, clients


def _rooms(opened: dict[str, Any]) -> dict[str, str]:
    return {room["title"]: room["room_id"] for room in opened["breakout"]["rooms"]}


async def test_open_by_hand_with_a_countdown_moves_everyone_to_their_room(
    harness: Harness,
) -> None:
    main, org, (ada, bob, cy) = await _plenary(harness, "ada", "bob", "cy")
    await org.send(
        "breakout_open",
        mode="by_hand",
        rooms=[
            {"title": "A", "seats": [ada.seat_id, bob.seat_id]},
            {"title": "B", "seats": [cy.seat_id]},
        ],
        duration_s=600,
    )
    opened = await org.expect("breakouts_opened")
    rooms = _rooms(opened)
    assert opened["breakout"] == {
        "breakout_id": opened["breakout"]["breakout_id"],
        "main_room_id": main,
        "mode": "by_hand",
        "state": "countdown",
        "ends_at": harness.clock.now() + 600,
        "rooms": [{"room_id": rooms["A"], "title": "A"}, {"room_id": rooms["B"], "title": "B"}],
    }
    assert (await ada.expect("breakouts_opened")) == opened
    snapshot = await ada.expect("room_snapshot")
    assert (snapshot["reason"], snapshot["room"]["room_id"], snapshot["room"]["parent_id"]) == (
        "breakouts_opened",
        rooms["A"],
        main,
    )
    assert snapshot["you"]["may_publish"] is True  # everyone speaks in a breakout
    assert snapshot["breakout"]["breakout_id"] == opened["breakout"]["breakout_id"]
    assert (await cy.expect("room_snapshot"))["room"]["room_id"] == rooms["B"]
    assert harness.media.for_peer(ada.seat_id)[-1] == ("place", ada.seat_id, rooms["A"], True)
    assert harness.registry.seats[org.seat_id].room_id == main


async def test_a_plan_by_person_sends_those_present_to_their_rooms(harness: Harness) -> None:
    """A breakout plan made before the session names people; absent ones are skipped."""
    main, org, (ada, bob, cy) = await _plenary(harness, "ada", "bob", "cy")
    await org.send(
        "breakout_open",
        mode="by_hand",
        rooms=[
            {"title": "Hubs", "people": ["ada", "zoe-not-here"]},
            {"title": "Movement Charter", "people": ["bob"], "seats": [cy.seat_id]},
        ],
    )
    rooms = _rooms(await org.expect("breakouts_opened"))
    assert (await ada.expect("room_snapshot"))["room"]["room_id"] == rooms["Hubs"]
    assert (await bob.expect("room_snapshot"))["room"]["room_id"] == rooms["Movement Charter"]
    assert (await cy.expect("room_snapshot"))["room"]["room_id"] == rooms["Movement Charter"]
    assert harness.registry.seats[org.seat_id].room_id == main


async def test_people_are_listed_only_when_assigning_by_hand(harness: Harness) -> None:
    _, org, _ = await _plenary(harness, "ada")
    await org.send("breakout_open", mode="random", rooms=[{"title": "A", "people": ["ada"]}])
    error = await org.expect("error")
    assert error["code"] == "malformed"
    assert "only when assigning by hand" in error["message"]


async def test_open_at_random_spreads_participants_evenly(harness: Harness) -> None:
    main, org, people = await _plenary(harness, "ada", "bob", "cy", "dee", "eli")
    await org.send("breakout_open", mode="random", rooms=[{"title": "A"}, {"title": "B"}])
    opened = await org.expect("breakouts_opened")
    assert (opened["breakout"]["state"], opened["breakout"]["ends_at"]) == ("open", None)
    placed = [(await person.expect("room_snapshot"))["room"]["title"] for person in people]
    assert sorted(Counter(placed).values()) == [2, 3]
    assert harness.registry.seats[org.seat_id].room_id == main  # organisers stay


async def test_self_select_lets_participants_choose(harness: Harness) -> None:
    main, org, (ada, bob) = await _plenary(harness, "ada", "bob")
    await org.send("breakout_open", mode="self_select", rooms=[{"title": "A"}, {"title": "B"}])
    rooms = _rooms(await ada.expect("breakouts_opened"))
    await ada.silent("room_snapshot")  # nobody is moved
    await ada.send("join", room_id=rooms["B"])
    assert (await ada.expect("error"))["code"] == "not_allowed"
    await ada.send("breakout_choose", room_id=rooms["B"])
    snapshot = await ada.expect("room_snapshot")
    assert (snapshot["reason"], snapshot["room"]["title"]) == ("breakout_chosen", "B")
    await ada.send("breakout_choose", room_id=rooms["A"])  # changing one's mind is fine
    assert (await ada.expect("room_snapshot"))["room"]["title"] == "A"


async def test_choosing_is_refused_when_the_organiser_assigns(harness: Harness) -> None:
    main, org, (ada,) = await _plenary(harness, "ada")
    await org.send("breakout_open", mode="by_hand", rooms=[{"title": "A"}, {"title": "B"}])
    rooms = _rooms(await ada.expect("breakouts_opened"))
    await ada.send("breakout_choose", room_id=rooms["A"])
    assert (await ada.expect("error"))["code"] == "not_allowed"


async def test_broadcast_reaches_every_room(harness: Harness) -> None:
    main, org, (ada, bob, cy) = await _plenary(harness, "ada", "bob", "cy")
    await org.send(
        "breakout_open",
        mode="by_hand",
        rooms=[{"title": "A", "seats": [ada.seat_id]}, {"title": "B", "seats": [bob.seat_id]}],
    )
    for moved in (ada, bob):
        await moved.expect("room_snapshot")
    await org.send("breakout_broadcast", text="Five minutes left")
    for client in (org, ada, bob, cy):  # main room, room A, room B, main room
        message = await client.expect("broadcast")
        assert (message["from_name"], message["text"]) == ("Olga", "Five minutes left")


async def test_help_request_is_seen_by_the_organiser(harness: Harness) -> None:
    main, org, (ada,) = await _plenary(harness, "ada")
    await org.send("breakout_open", mode="by_hand", rooms=[{"title": "A", "seats": [ada.seat_id]}])
    room_a = (await ada.expect("room_snapshot"))["room"]["room_id"]
    await ada.send("help_request", text="The slides do not load")
    asked = await org.expect("help_requested")
    assert asked["request"] == {
        "request_id": asked["request"]["request_id"],
        "seat_id": ada.seat_id,
        "display_name": "Ada",
        "room_id": room_a,
        "room_title": "A",
        "text": "The slides do not load",
        "at": harness.clock.now(),
    }
    assert (await ada.expect("help_requested")) == asked
    await ada.send("help_request", text="again")
    assert (await ada.expect("error"))["code"] == "conflict"
    await org.send("help_list")
    assert (await org.expect("help_list"))["requests"] == [asked["request"]]
    await org.send("help_resolve", request_id=asked["request"]["request_id"])
    resolved = {"type": "help_resolved", "request_id": asked["request"]["request_id"]}
    assert await ada.expect("help_resolved") == resolved
    await org.send("help_list")
    assert (await org.expect("help_list"))["requests"] == []


async def test_close_all_brings_everyone_back_to_the_main_room(harness: Harness) -> None:
    main, org, people = await _plenary(harness, "ada", "bob", "cy")
    await org.send("breakout_open", mode="random", rooms=[{"title": "A"}, {"title": "B"}])
    opened = await org.expect("breakouts_opened")
    for person in people:
        await person.expect("room_snapshot")
    await org.send("breakout_close")
    closed = {
        "type": "breakouts_closed",
        "breakout_id": opened["breakout"]["breakout_id"],
        "main_room_id": main,
    }
    for person in people:
        assert await person.expect("breakouts_closed") == closed
        snapshot = await person.expect("room_snapshot")
        assert (snapshot["reason"], snapshot["room"]["room_id"], snapshot["breakout"]) == (
            "breakouts_closed",
            main,
            None,
        )
        assert snapshot["you"]["may_publish"] is False  # back in the plenary
    assert len(harness.registry.rooms[main].seats) == 4
    assert set(harness.registry.rooms) == {main}


async def test_the_countdown_closes_the_breakout_when_it_ends(harness: Harness) -> None:
    main, org, (ada,) = await _plenary(harness, "ada")
    await org.send("breakout_open", mode="by_hand", rooms=[{"title": "A", "seats": [ada.seat_id]}])
    await ada.expect("room_snapshot")
    await org.send("breakout_countdown", seconds=60)
    countdown = await ada.expect("breakouts_countdown")
    assert countdown["ends_at"] == harness.clock.now() + 60
    harness.clock.advance(59)
    await harness.registry.sweep()
    await ada.silent("breakouts_closed")
    harness.clock.advance(1)
    await harness.registry.sweep()
    await ada.expect("breakouts_closed")
    assert (await ada.expect("room_snapshot"))["room"]["room_id"] == main


async def test_a_second_breakout_is_refused_while_one_is_open(harness: Harness) -> None:
    main, org, _ = await _plenary(harness, "ada")
    await org.send("breakout_open", mode="self_select", rooms=[{"title": "A"}])
    await org.expect("breakouts_opened")
    await org.send("breakout_open", mode="self_select", rooms=[{"title": "B"}])
    assert (await org.expect("error"))["message"] == "Breakout rooms are already open here."
