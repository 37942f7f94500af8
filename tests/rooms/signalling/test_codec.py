"""Parsing and validating client messages, without sockets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from rooms.domain.breakout import AssignmentMode
from rooms.signalling.codec import ClientMessage, MessageCatalog, ServerMessage
from rooms.signalling.errors import MalformedMessage, UnknownMessageType
from rooms.signalling.messages import (
    BreakoutOpen,
    BreakoutRoomSpec,
    Hello,
    ParticipantView,
    PresenceBatch,
    PresenceJoined,
    rooms_catalog,
)

pytestmark = pytest.mark.unit


def test_decode_builds_typed_messages() -> None:
    catalog = rooms_catalog()
    assert catalog.decode('{"type": "hello", "protocol": 1}') == Hello(protocol=1)
    raw = (
        '{"type": "breakout_open", "mode": "by_hand", "duration_s": 900,'
        ' "rooms": [{"title": "A", "seats": ["s1"]}, {"title": "B"}]}'
    )
    assert catalog.decode(raw) == BreakoutOpen(
        mode=AssignmentMode.BY_HAND,
        rooms=[BreakoutRoomSpec(title="A", seats=["s1"]), BreakoutRoomSpec(title="B")],
        duration_s=900,
    )


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('{"type": "hello", "protocol": "1"}', "hello.protocol must be a whole number"),
        ('{"type": "hello", "protocol": 1, "resume_token": 5}', "hello.resume_token must be"),
        ('{"type": "mute_self", "muted": 1}', "mute_self.muted must be true or false"),
        ('{"type": "breakout_open", "mode": "x", "rooms": []}', "mode must be one of by_hand"),
        ('{"type": "breakout_open", "mode": "random", "rooms": []}', "between 1 and 50 rooms"),
        (
            '{"type": "breakout_open", "mode": "random", "rooms": [{"title": "A", "seats": ["s"]}]}',
            "seats and people are listed only when assigning by hand",
        ),
        ('{"type": "breakout_open", "mode": "random", "rooms": [{}]}', "rooms[0].title"),
        ('{"type": "chat", "text": "   "}', "a chat message must not be empty"),
        ('{"type": "breakout_countdown", "seconds": 0}', "seconds must be between"),
        ('{"type": null}', 'a message needs a "type" string'),
    ],
)
def test_decode_refuses_malformed_messages(raw: str, error: str) -> None:
    with pytest.raises(MalformedMessage, match=error.replace("[", r"\[").replace("]", r"\]")):
        rooms_catalog().decode(raw)


def test_unknown_types_are_their_own_error() -> None:
    with pytest.raises(UnknownMessageType):
        rooms_catalog().decode('{"type": "select_language"}')


def test_server_messages_serialise_with_their_type() -> None:
    view = ParticipantView(
        seat_id="s1",
        display_name="Ada",
        roles=["participant"],
        state="present",
        hand_raised=False,
        muted=False,
        has_floor=False,
        may_publish=False,
    )
    assert PresenceJoined(room_id="r1", participant=view).to_dict() == {
        "type": "presence_joined",
        "room_id": "r1",
        "participant": {
            "seat_id": "s1",
            "display_name": "Ada",
            "roles": ["participant"],
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
    }


def test_to_dict_gives_what_asdict_gives_without_sharing_mutable_parts() -> None:
    view = ParticipantView(seat_id="s1", display_name="Ada", roles=["participant"],
                           state="present", hand_raised=False, muted=False, has_floor=False,
                           may_publish=True)  # fmt: skip
    batch = PresenceBatch(room_id="r1", events=[{"type": "presence_joined", "n": [1, (2, 3)]}])
    for message in (PresenceJoined(room_id="r1", participant=view), batch):
        as_dict = message.to_dict()
        assert as_dict == {"type": message.type, **dataclasses.asdict(message)}
    as_dict = batch.to_dict()
    as_dict["events"][0]["n"].append(4)
    assert batch.events == [{"type": "presence_joined", "n": [1, (2, 3)]}]


def test_a_type_name_is_registered_once_per_direction() -> None:
    @dataclass(frozen=True, kw_only=True)
    class OtherHello(ClientMessage):
        type = "hello"

    @dataclass(frozen=True, kw_only=True)
    class Nameless(ServerMessage):
        pass

    catalog = rooms_catalog()
    with pytest.raises(ValueError, match="already registered"):
        catalog.add_client(OtherHello)
    with pytest.raises(TypeError):
        catalog.add_server(Nameless)
    assert MessageCatalog().client == {}
