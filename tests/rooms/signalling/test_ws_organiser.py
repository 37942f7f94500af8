"""Organiser actions over real websockets, and participants refused the same."""

from __future__ import annotations

import pytest
from rooms_ws_harness import Harness

pytestmark = pytest.mark.integration


async def test_organiser_mutes_a_participant(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands-on")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await org.send("mute", seat_id=bob.seat_id)
    update = await bob.expect("presence_updated")
    assert (update["participant"]["seat_id"], update["participant"]["muted"]) == (bob.seat_id, True)
    assert harness.media.for_peer(bob.seat_id) == [
        ("place", bob.seat_id, room_id, True),  # a workshop: everyone may speak
        ("set_muted", bob.seat_id, True),
    ]


@pytest.mark.parametrize(
    ("type", "fields"),
    [
        ("mute", {"seat_id": "SEAT"}),
        ("move", {"seat_id": "SEAT", "room_id": "ROOM"}),
        ("give_floor", {"seat_id": "SEAT"}),
        ("take_floor", {"seat_id": "SEAT"}),
        ("breakout_open", {"mode": "random", "rooms": [{"title": "A"}]}),
        ("breakout_broadcast", {"text": "hello rooms"}),
        ("breakout_close", {}),
        ("help_list", {}),
    ],
)
async def test_participants_are_refused_organiser_actions(
    harness: Harness, type: str, fields: dict[str, object]
) -> None:
    room_id = harness.registry.room_for_session("s-1")
    ada = await harness.seated("ada", "participant,speaker,interpreter", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    filled = {
        key: {"SEAT": bob.seat_id, "ROOM": room_id}.get(str(value), value)
        for key, value in fields.items()
    }
    await ada.send(type, **filled)
    assert await ada.expect("error") == {
        "type": "error",
        "code": "forbidden",
        "message": f"Only organisers may send {type}.",
        "about": type,
    }
    assert harness.registry.seats[bob.seat_id].muted is False
    await ada.alive()


async def test_floor_decides_who_may_speak_in_a_plenary(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)

    await bob.send("mute_self", muted=False)
    assert (await bob.expect("error"))["message"] == (
        "Only those given the floor may speak in this room."
    )
    await bob.send("raise_hand")
    await org.expect("presence_updated")
    await org.send("give_floor", seat_id=bob.seat_id)
    given = await org.expect("presence_updated")
    assert {k: given["participant"][k] for k in ("has_floor", "may_publish", "hand_raised")} == {
        "has_floor": True,
        "may_publish": True,
        "hand_raised": False,  # the floor answers the raised hand
    }
    await bob.send("mute_self", muted=False)
    await bob.expect("presence_updated")
    await org.send("take_floor", seat_id=bob.seat_id)
    taken = await bob.expect("presence_updated")
    while taken["participant"]["has_floor"]:
        taken = await bob.expect("presence_updated")
    assert taken["participant"]["may_publish"] is False
    assert harness.media.for_peer(bob.seat_id) == [
        ("place", bob.seat_id, room_id, False),
        ("place", bob.seat_id, room_id, True),
        ("set_muted", bob.seat_id, False),
        ("place", bob.seat_id, room_id, False),
    ]


async def test_speakers_hold_the_floor_of_a_plenary_and_organisers_may_always_speak(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    org = await harness.seated("olga", "organiser", room_id)
    sam = await harness.seated("sam", "speaker", room_id)
    assert harness.media.for_peer(org.seat_id) == [("place", org.seat_id, room_id, True)]
    assert harness.media.for_peer(sam.seat_id) == [("place", sam.seat_id, room_id, True)]


async def test_organiser_moves_a_participant_to_another_room(harness: Harness) -> None:
    main = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    side = harness.registry.room_for_session("s-2", "social", "Coffee")
    org = await harness.seated("olga", "organiser", main)
    bob = await harness.seated("bob", "participant", main)
    await org.send("move", seat_id=bob.seat_id, room_id=side)
    snapshot = await bob.expect("room_snapshot")
    assert (snapshot["reason"], snapshot["room"]["title"], snapshot["you"]["may_publish"]) == (
        "moved",
        "Coffee",
        True,
    )
    assert await org.expect("presence_left") == {
        "type": "presence_left",
        "room_id": main,
        "seat_id": bob.seat_id,
        "reason": "moved",
    }
    await bob.send("chat", text="anyone here?")
    assert (await bob.expect("chat_message"))["room_id"] == side
    await org.silent("chat_message")
    assert harness.media.for_peer(bob.seat_id)[-1] == ("place", bob.seat_id, side, True)


async def test_offer_is_answered_by_the_media_port(harness: Harness) -> None:
    client = await harness.seated("ada")
    await client.send("offer", sdp="v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n")
    assert await client.expect("answer") == {
        "type": "answer",
        "sdp": "v=0\r\no=answer-for-" + client.seat_id,
    }
    await client.send("offer", sdp="not sdp")
    assert (await client.expect("error"))["code"] == "malformed"
