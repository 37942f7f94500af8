"""A listen-only seat (an interpreter in a booth) never publishes to the floor."""

from __future__ import annotations

import pytest

from rooms.domain.participant import Participant
from rooms.domain.roles import Role
from rooms.domain.room import Room, RoomKind

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kind", [RoomKind.WORKSHOP, RoomKind.BREAKOUT, RoomKind.PLENARY])
def test_a_listen_only_seat_may_not_publish_whatever_the_room(kind: RoomKind) -> None:
    room = Room("r1", "s1", kind, "Room")
    seat = Participant("seat", "p1", "Ivan", frozenset({Role.ORGANISER, Role.INTERPRETER}))
    room.admit(seat.seat_id)
    seat.enter_room(room.room_id)
    assert room.may_publish(seat)
    seat.listen_only = True
    assert not room.may_publish(seat)
