"""The signalling protocol over real websockets: handshake, presence, hand, chat, limits."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from rooms_ws_harness import ORIGIN, Harness, serve
from websockets.exceptions import InvalidStatus

from rooms.domain.roles import Role
from rooms.signalling import Identity, Limits

pytestmark = pytest.mark.integration


async def test_hello_gets_welcome_with_version_seat_and_resume_token(harness: Harness) -> None:
    client = await harness.connect("ada", "participant,interpreter")
    welcome = await client.hello()
    assert welcome == {
        "type": "welcome",
        "protocol": 1,
        "seat_id": welcome["seat_id"],
        "resume_token": welcome["resume_token"],
        "resumed": False,
        "heartbeat_interval_s": 3.0,
        "reconnect_grace_s": 30.0,
        "max_message_bytes": 65536,
        "you": {
            "seat_id": welcome["seat_id"],
            "display_name": "Ada",
            "roles": ["interpreter", "participant"],
            "state": "present",
            "hand_raised": False,
            "muted": False,
            "has_floor": False,
            "may_publish": False,
            "mute_held": False,
            "unmute_asked": False,
            "camera": False,
            "sharing": False,
        },
        "media_resumed": False,
    }
    assert len(welcome["resume_token"]) >= 32


async def test_unsupported_version_is_explained_then_closed_4002(harness: Harness) -> None:
    client = await harness.connect("ada")
    await client.send("hello", protocol=99)
    error = await client.expect("error")
    assert error == {
        "type": "error",
        "code": "unsupported_version",
        "message": "This server speaks protocol 1, not 99.",
        "about": "hello",
    }
    assert await client.closed_with() == 4002


async def test_messages_before_hello_are_refused(harness: Harness) -> None:
    client = await harness.connect("ada")
    await client.send("chat", text="hi")
    assert (await client.expect("error"))["code"] == "hello_required"
    await client.hello()


async def test_join_shows_presence_with_roles(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1", "plenary", "Opening")
    ada = await harness.seated("ada", "organiser", room_id)
    bob = await harness.connect("bob", "participant")
    await bob.hello()
    await bob.send("join", room_id=room_id)
    snapshot = await bob.expect("room_snapshot")
    assert snapshot["reason"] == "joined"
    assert snapshot["room"] == {
        "room_id": room_id,
        "kind": "plenary",
        "title": "Opening",
        "parent_id": None,
    }
    assert [(p["display_name"], p["roles"]) for p in snapshot["participants"]] == [
        ("Ada", ["organiser"]),
        ("Bob", ["participant"]),
    ]
    assert snapshot["breakout"] is None
    joined = await ada.expect("presence_joined")
    assert joined["participant"]["seat_id"] == bob.seat_id
    assert joined["participant"]["may_publish"] is False  # a plenary: no floor yet
    assert harness.media.for_peer(bob.seat_id) == [("place", bob.seat_id, room_id, False)]


async def test_join_an_unknown_room_is_an_error(harness: Harness) -> None:
    client = await harness.seated("ada")
    await client.send("join", room_id="guessed")
    assert await client.expect("error") == {
        "type": "error",
        "code": "not_found",
        "message": "No such room.",
        "about": "join",
    }


async def test_hand_raise_and_lower_reach_the_room(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1")
    ada = await harness.seated("ada", "organiser", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await bob.send("raise_hand")
    raised = await ada.expect("presence_updated")
    assert (raised["participant"]["seat_id"], raised["participant"]["hand_raised"]) == (
        bob.seat_id,
        True,
    )
    await bob.send("raise_hand")
    assert (await bob.expect("error"))["code"] == "invalid_state"
    await ada.send("lower_hand", seat_id=bob.seat_id)
    lowered = await bob.expect("presence_updated")
    assert lowered["participant"]["hand_raised"] is False


async def test_a_participant_cannot_lower_someone_elses_hand(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1")
    ada = await harness.seated("ada", "participant", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    await ada.send("raise_hand")
    await bob.send("lower_hand", seat_id=ada.seat_id)
    assert (await bob.expect("error"))["code"] == "forbidden"


async def test_chat_reaches_everyone_in_the_room_only(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1")
    other_room = harness.registry.room_for_session("s-2")
    ada = await harness.seated("ada", "participant", room_id)
    bob = await harness.seated("bob", "participant", room_id)
    eve = await harness.seated("eve", "participant", other_room)
    await ada.send("chat", text="Bonjour à tous")
    expected = {
        "type": "chat_message",
        "room_id": room_id,
        "seat_id": ada.seat_id,
        "display_name": "Ada",
        "text": "Bonjour à tous",
        "at": harness.clock.now(),
    }
    assert await bob.expect("chat_message") == expected
    assert await ada.expect("chat_message") == expected
    await eve.silent("chat_message")


async def test_leave_says_room_left(harness: Harness) -> None:
    room_id = harness.registry.room_for_session("s-1")
    ada = await harness.seated("ada", "participant", room_id)
    await ada.send("leave")
    assert await ada.expect("room_left") == {
        "type": "room_left",
        "room_id": room_id,
        "reason": "left",
    }
    assert harness.media.for_peer(ada.seat_id)[-1] == ("place", ada.seat_id, None, False)


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("not json", "malformed", "The message is not valid JSON."),
        ("[1, 2]", "malformed", "A message must be a JSON object."),
        ('{"type": "teleport"}', "unknown_type", 'Unknown message type "teleport".'),
        ('{"type": "chat"}', "malformed", "Missing field chat.text."),
        ('{"type": "chat", "text": 5}', "malformed", "Chat.text must be a string."),
        ('{"type": "chat", "text": "x", "x": 1}', "malformed", "Unexpected field chat.x."),
    ],
)
async def test_malformed_and_unknown_messages_get_an_error_and_the_connection_lives(
    harness: Harness, raw: str, code: str, message: str
) -> None:
    client = await harness.seated("ada")
    await client.ws.send(raw)
    error = await client.expect("error")
    assert (error["code"], error["message"]) == (code, message)
    await client.alive()


async def test_a_message_over_64_kib_closes_1009(harness: Harness) -> None:
    client = await harness.seated("ada")
    await client.ws.send(json.dumps({"type": "chat", "text": "x" * (65 * 1024)}))
    assert await client.closed_with() == 1009


async def test_a_message_of_exactly_the_limit_is_read(harness: Harness) -> None:
    client = await harness.seated("ada")
    padding = 64 * 1024 - len(json.dumps({"type": "chat", "text": ""}))
    await client.ws.send(json.dumps({"type": "chat", "text": "x" * padding}))
    assert (await client.expect("error"))[
        "code"
    ] == "malformed"  # too long for chat, not for the socket
    await client.alive()


async def test_rate_limit_answers_errors_then_closes_1008_on_persistent_abuse() -> None:
    limits = Limits(message_burst=5, strike_burst=3)
    async with serve(limits) as harness:
        client = await harness.connect("ada")
        await client.hello()  # one message of the burst (the fake clock never refills it)
        for _ in range(4):
            await client.send("ping")
            await client.expect("pong")
        for _ in range(3):
            await client.send("ping")
            assert (await client.expect("error"))["code"] == "rate_limited"
        await client.send("ping")
        assert await client.closed_with() == 1008


async def test_heartbeat_pings_and_closes_4000_when_the_client_is_silent() -> None:
    async with serve(Limits(heartbeat_interval=0.1, heartbeat_timeout=0.35)) as harness:
        client = await harness.seated("ada")
        assert (await client.expect("ping", within=1.0))["nonce"] == "1"
        assert await client.closed_with(within=2.0) == 4000


async def test_answering_pings_keeps_the_connection() -> None:
    async with serve(Limits(heartbeat_interval=0.1, heartbeat_timeout=0.35)) as harness:
        client = await harness.seated("ada")
        for _ in range(6):
            ping = await client.expect("ping", within=1.0)
            await client.send("pong", nonce=ping["nonce"])
        await client.alive()


async def test_a_foreign_origin_is_refused_with_403(harness: Harness) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await harness.connect("ada", origin="https://evil.example")
    assert refused.value.response.status_code == 403


async def test_a_browser_without_origin_or_identity_is_refused(harness: Harness) -> None:
    with pytest.raises(InvalidStatus) as no_origin:
        await harness.connect("ada", origin=None)
    assert no_origin.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as anonymous:
        await harness.connect("nobody", origin=ORIGIN, anonymous=True)
    assert anonymous.value.response.status_code == 403


async def test_a_signed_token_authenticates_a_client_without_origin(harness: Harness) -> None:
    token = harness.tokens.issue(Identity.of("bot-7", "Caption bot", ["interpreter"]))
    client = await harness.connect("ignored", origin=None, token=token)
    welcome = await client.hello()
    assert welcome["you"]["display_name"] == "Caption bot"
    assert harness.registry.seats[client.seat_id].roles == frozenset({Role.INTERPRETER})


async def test_expired_or_forged_tokens_are_refused(harness: Harness) -> None:
    token = harness.tokens.issue(Identity.of("bot-7", "Caption bot", ["interpreter"]))
    with pytest.raises(InvalidStatus):
        await harness.connect("x", origin=None, token=token[:-2] + "xx")
    harness.clock.advance(301)
    with pytest.raises(InvalidStatus) as expired:
        await harness.connect("x", origin=None, token=token)
    assert expired.value.response.status_code == 403


async def test_a_server_stall_longer_than_the_timeout_closes_nobody() -> None:
    # A join storm or a long collection can hold the event loop past the heartbeat timeout;
    # the client's pong then waits unread in the socket. The stall is the server's, not the
    # client's: it keeps its connection.
    async with serve(Limits(heartbeat_interval=0.1, heartbeat_timeout=0.35)) as harness:
        client = await harness.seated("ada")
        ping = await client.expect("ping", within=1.0)
        await client.send("pong", nonce=ping["nonce"])
        await asyncio.sleep(0.05)
        time.sleep(0.8)  # noqa: ASYNC251 (the loop, server and client alike, stalls)
        for _ in range(4):
            ping = await client.expect("ping", within=1.0)
            await client.send("pong", nonce=ping["nonce"])
        await client.alive()
