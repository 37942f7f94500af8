"""Issue 10: an organiser's mute holds until an organiser allows the person to unmute."""

from __future__ import annotations

from typing import Any

import pytest
from rooms_ws_harness import Client, Harness

pytestmark = pytest.mark.integration


async def _seen(client: Client, seat_id: str, **match: Any) -> dict[str, Any]:
    """The next presence update about ``seat_id`` whose fields equal ``match``."""
    while True:
        seat = (await client.expect("presence_updated"))["participant"]
        if seat["seat_id"] == seat_id and all(seat[k] == v for k, v in match.items()):
            return dict(seat)


async def test_an_organisers_mute_holds_until_the_organiser_allows_unmuting(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands on")
    olga = await harness.seated("olga", "organiser", room_id)
    ada = await harness.seated("ada", "participant", room_id)

    await olga.send("mute", seat_id=ada.seat_id)
    you = await _seen(ada, ada.seat_id, muted=True)
    assert (you["muted"], you["mute_held"], you["unmute_asked"]) == (True, True, False)
    assert ("set_muted", ada.seat_id, True) in harness.media.for_peer(ada.seat_id)

    # The attack: unmute oneself straight away. Refused, and still muted.
    await ada.send("mute_self", muted=False)
    refused = await ada.expect("error")
    assert (refused["code"], refused["about"]) == ("not_allowed", "mute_self")
    assert harness.registry.seats[ada.seat_id].muted is True

    # She asks; the organiser sees the request.
    await ada.send("ask_unmute")
    asked = await _seen(olga, ada.seat_id, unmute_asked=True)
    assert (asked["muted"], asked["mute_held"], asked["unmute_asked"]) == (True, True, True)
    await ada.send("ask_unmute")
    assert (await ada.expect("error"))["code"] == "invalid_state"  # asked already

    # Only an organiser lifts it; she then unmutes herself.
    await ada.send("allow_unmute", seat_id=ada.seat_id)
    assert (await ada.expect("error"))["code"] == "forbidden"
    await olga.send("allow_unmute", seat_id=ada.seat_id)
    allowed = await _seen(ada, ada.seat_id, mute_held=False)
    assert (allowed["muted"], allowed["mute_held"], allowed["unmute_asked"]) == (
        True,
        False,
        False,
    )  # the organiser does not open anyone's microphone
    await ada.send("mute_self", muted=False)
    await _seen(olga, ada.seat_id, muted=False)


async def test_a_held_mute_survives_a_new_seat_in_the_same_room(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands on")
    olga = await harness.seated("olga", "organiser", room_id)
    ada = await harness.seated("ada", "participant", room_id)
    await olga.send("mute", seat_id=ada.seat_id)
    await _seen(ada, ada.seat_id, mute_held=True)
    # A second tab replaces the first seat, and is muted and held as well.
    again = await harness.seated("ada", "participant", room_id)
    snapshot_you = harness.registry.seats[again.seat_id]
    assert (snapshot_you.muted, snapshot_you.mute_held) == (True, True)
    await again.send("mute_self", muted=False)
    assert (await again.expect("error"))["code"] == "not_allowed"


async def test_asking_to_unmute_needs_an_organisers_mute(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "workshop", "Hands on")
    ada = await harness.seated("ada", "participant", room_id)
    await ada.send("mute_self", muted=True)
    await _seen(ada, ada.seat_id, muted=True)
    await ada.send("ask_unmute")
    assert (await ada.expect("error"))["code"] == "invalid_state"
    await ada.send("mute_self", muted=False)  # her own mute is hers to lift
    await _seen(ada, ada.seat_id, muted=False)
