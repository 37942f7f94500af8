from __future__ import annotations

import pytest

from rooms.domain import (
    Conflict,
    InvalidTransition,
    NotFound,
    Participant,
    Role,
    Room,
    RoomKind,
    RoomState,
)

pytestmark = pytest.mark.unit


def person(seat_id: str, *roles: Role) -> Participant:
    return Participant(seat_id, seat_id, seat_id.title(), frozenset(roles))


def test_room_open_admit_remove_close() -> None:
    room = Room("r1", "s1", RoomKind.BREAKOUT, "A", parent_id="main")
    room.admit("a")
    room.admit("b")
    with pytest.raises(Conflict):
        room.admit("a")
    with pytest.raises(Conflict, match="once everyone has left"):
        room.close()
    room.remove("a")
    room.remove("b")
    with pytest.raises(NotFound):
        room.remove("b")
    room.close()
    with pytest.raises(InvalidTransition):
        room.admit("c")
    with pytest.raises(InvalidTransition):
        room.close()
    assert room.history == [RoomState.OPEN, RoomState.CLOSED]
    assert room.is_breakout


def test_in_a_plenary_only_the_floor_and_organisers_publish() -> None:
    room = Room("r1", "s1", RoomKind.PLENARY, "Keynote")
    ada, org, sam = (
        person("ada", Role.PARTICIPANT),
        person("org", Role.ORGANISER),
        person("sam", Role.SPEAKER),
    )
    for seat in (ada, org, sam):
        room.admit(seat.seat_id)
        seat.enter_room("r1")
    assert [room.may_publish(s) for s in (ada, org, sam)] == [False, True, False]
    assert [room.grants_floor_on_entry(s) for s in (ada, org, sam)] == [False, False, True]
    ada.give_floor()
    assert room.may_publish(ada)


@pytest.mark.parametrize("kind", [RoomKind.BREAKOUT, RoomKind.WORKSHOP, RoomKind.SOCIAL])
def test_everyone_publishes_outside_plenaries(kind: RoomKind) -> None:
    room = Room("r1", "s1", kind, "Room")
    ada = person("ada", Role.PARTICIPANT)
    assert not room.may_publish(ada)  # not in the room yet
    ada.enter_room("r1")
    assert room.may_publish(ada)
    assert not room.grants_floor_on_entry(person("sam", Role.SPEAKER))
