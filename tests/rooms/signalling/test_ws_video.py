"""Cameras and screen shares over real websockets: who may, and what the media port is told."""

from __future__ import annotations

import pytest
from rooms_ws_harness import Harness

pytestmark = pytest.mark.integration


async def test_in_a_plenary_only_those_with_the_floor_show_a_camera_or_share(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)

    await bob.send("camera", on=True)
    assert await bob.expect("error") == {
        "type": "error",
        "code": "not_allowed",
        "message": "Only those given the floor may show their camera in this room.",
        "about": "camera",
    }
    await bob.send("share", on=True)
    assert (await bob.expect("error"))["message"] == (
        "Only the presenter may share a screen in this room."
    )
    await bob.alive()

    await org.send("give_floor", seat_id=bob.seat_id)
    await bob.expect("presence_updated")
    await bob.send("camera", on=True)
    update = await org.expect("presence_updated")
    while not update["participant"]["camera"]:
        update = await org.expect("presence_updated")
    await bob.send("share", on=True)
    update = await org.expect("presence_updated")
    assert (update["participant"]["camera"], update["participant"]["sharing"]) == (True, True)

    # The floor taken back: camera and share go with it.
    await org.send("take_floor", seat_id=bob.seat_id)
    update = await org.expect("presence_updated")
    assert (update["participant"]["camera"], update["participant"]["sharing"]) == (False, False)
    assert await bob.expect("share_stopped") == {"type": "share_stopped", "reason": "not_presenter"}
    assert [c for c in harness.media.for_peer(bob.seat_id) if c[0] != "place"] == [
        ("set_camera", bob.seat_id, True),
        ("set_sharing", bob.seat_id, True),
        ("set_camera", bob.seat_id, False),
        ("set_sharing", bob.seat_id, False),
    ]


async def test_in_a_workshop_anyone_shares_and_a_new_share_replaces_the_old(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands-on")
    ada = await harness.seated("ada", "participant", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await ada.send("share", on=True)
    await ada.expect("presence_updated")
    await bob.expect("presence_updated")
    await bob.send("share", on=True)
    stopped = await ada.expect("presence_updated")
    assert (stopped["participant"]["seat_id"], stopped["participant"]["sharing"]) == (
        ada.seat_id,
        False,
    )
    # Ada is told why (on her own topic, so in any order with the room's news).
    seen = {}
    while len(seen) < 2:
        message = await ada.recv(3.0)
        if message["type"] in ("share_stopped", "presence_updated"):
            seen[message["type"]] = message
    started = seen["presence_updated"]
    assert (started["participant"]["seat_id"], started["participant"]["sharing"]) == (
        bob.seat_id,
        True,
    )
    assert seen["share_stopped"] == {"type": "share_stopped", "reason": "replaced"}


async def test_an_organiser_stops_any_share_and_others_may_not(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands-on")
    org = await harness.seated("olga", "organiser", room_id)
    ada = await harness.seated("ada", "participant", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await ada.send("share", on=True)
    await org.expect("presence_updated")
    await ada.expect("presence_updated")
    await bob.send("stop_share", seat_id=ada.seat_id)
    assert (await bob.expect("error"))["message"] == "Only organisers may send stop_share."
    await org.send("stop_share", seat_id=ada.seat_id)
    update = await ada.expect("presence_updated")
    assert (update["participant"]["seat_id"], update["participant"]["sharing"]) == (
        ada.seat_id,
        False,
    )
    assert await ada.expect("share_stopped") == {"type": "share_stopped", "reason": "organiser"}
    assert harness.registry.seats[ada.seat_id].sharing is False
    # Stopping one's own share is no news to oneself.
    await bob.send("share", on=True)
    await bob.expect("presence_updated")
    await bob.send("share", on=False)
    await bob.expect("presence_updated")
    await bob.silent("share_stopped")
