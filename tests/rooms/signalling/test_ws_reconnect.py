"""Reconnection: a seat kept for 30 s of absence, then released (with a fake clock)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rooms_ws_harness import Client, Harness, serve

from rooms.domain.participant import ParticipantState
from rooms.signalling import Context, Dispatcher
from rooms.signalling.codec import ClientMessage

pytestmark = pytest.mark.integration


async def _drop(client: Client, watcher: Client) -> None:
    """Close the client, and wait until the watcher sees its seat go away."""
    await client.ws.close()
    while True:
        update = await watcher.expect("presence_updated")
        seat = update["participant"]
        if (seat["seat_id"], seat["state"]) == (client.seat_id, "away"):
            return


async def test_reconnect_within_30_s_resumes_seat_room_and_roles(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Keynote")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant,interpreter", room_id)
    await org.send("give_floor", seat_id=bob.seat_id)
    await bob.expect("presence_updated")
    first = bob.welcome
    await _drop(bob, org)

    harness.clock.advance(29)
    again = await harness.connect("bob", "participant,interpreter")
    welcome = await again.hello(first["resume_token"])
    assert (welcome["resumed"], welcome["seat_id"]) == (True, first["seat_id"])
    assert welcome["resume_token"] != first["resume_token"]
    assert welcome["you"]["roles"] == ["interpreter", "participant"]
    snapshot = await again.expect("room_snapshot")
    assert snapshot["reason"] == "resumed"
    assert snapshot["room"]["room_id"] == room_id
    seats = [p["seat_id"] for p in snapshot["participants"]]
    assert seats == [org.seat_id, bob.seat_id]
    assert snapshot["you"]["has_floor"] is True
    back = await org.expect("presence_updated")
    assert (back["participant"]["seat_id"], back["participant"]["state"]) == (
        bob.seat_id,
        "present",
    )
    await org.silent("presence_joined")
    assert not any(call[0] == "close" for call in harness.media.calls)


async def test_after_30_s_the_seat_is_released_and_the_client_rejoins_fresh(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    token = bob.welcome["resume_token"]
    await _drop(bob, org)

    harness.clock.advance(30)
    await harness.registry.sweep()
    assert await org.expect("presence_left") == {
        "type": "presence_left",
        "room_id": room_id,
        "seat_id": bob.seat_id,
        "reason": "gone",
    }
    assert harness.media.for_peer(bob.seat_id)[-1] == ("close", bob.seat_id)

    again = await harness.connect("bob", "participant")
    welcome = await again.hello(token)
    assert welcome["resumed"] is False
    assert welcome["seat_id"] != bob.seat_id
    assert welcome["you"]["state"] == "present"
    await again.send("join", room_id=room_id)
    snapshot = await again.expect("room_snapshot")
    assert [p["seat_id"] for p in snapshot["participants"]] == [org.seat_id, again.seat_id]


async def test_a_stale_token_releases_the_old_seat_even_before_the_sweep(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1")
    org = await harness.seated("olga", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await _drop(bob, org)
    harness.clock.advance(31)
    again = await harness.connect("bob", "participant")
    assert (await again.hello(bob.welcome["resume_token"]))["resumed"] is False
    assert (await org.expect("presence_left"))["seat_id"] == bob.seat_id
    assert bob.seat_id not in harness.registry.seats


async def test_a_token_is_only_good_for_its_own_person(harness: Harness) -> None:
    bob = await harness.seated("bob")
    mallory = await harness.connect("mallory")
    welcome = await mallory.hello(bob.welcome["resume_token"])
    assert (welcome["resumed"], welcome["you"]["display_name"]) == (False, "Mallory")


async def test_resuming_while_the_old_connection_is_open_replaces_it_with_4001(
    harness: Harness,
) -> None:
    room_id = harness.registry.room_for_session("s-1")
    bob = await harness.seated("bob", "participant", room_id)
    again = await harness.connect("bob", "participant")
    welcome = await again.hello(bob.welcome["resume_token"])
    assert welcome["resumed"] is True
    assert await bob.closed_with() == 4001
    await again.alive()
    seat = harness.registry.seats[bob.seat_id]
    assert seat.state is ParticipantState.PRESENT
    assert seat.history == [ParticipantState.PRESENT]


@dataclass(frozen=True, kw_only=True)
class ChooseSource(ClientMessage):
    """A stand-in for interpretation's select-language, through the extension point."""

    type = "test_choose_source"
    source: str | None = None


async def _choose_source(ctx: Context, message: ChooseSource) -> None:
    ctx.registry.set_channel(ctx.seat, message.source)


def _install(dispatcher: Dispatcher) -> None:
    dispatcher.register(ChooseSource, _choose_source)


async def test_channel_choice_survives_a_reconnect() -> None:
    async with serve(extensions=(_install,)) as harness:
        room_id = harness.registry.room_for_session("s-1")
        org = await harness.seated("olga", "organiser", room_id)
        bob = await harness.seated("bob", "participant", room_id)
        await bob.send("test_choose_source", source=org.seat_id)
        await bob.alive()
        await _drop(bob, org)
        again = await harness.connect("bob", "participant")
        await again.hello(bob.welcome["resume_token"])
        assert harness.registry.seats[again.seat_id].channel == org.seat_id
        assert ("set_channel", bob.seat_id, org.seat_id) in harness.media.calls
