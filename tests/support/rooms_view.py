"""Rooms and seats in plain dictionaries, for unit tests of the live cores (no registry, no bus).

It satisfies ``rooms.signalling.view.RoomsView``. ``FakeClock`` moves time by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rooms.domain.errors import InvalidTransition, NotFound
from rooms.domain.participant import Participant
from rooms.domain.roles import Role
from rooms.domain.room import Room, RoomKind


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.t = now

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@dataclass
class Rooms:
    rooms: dict[str, Room] = field(default_factory=dict)
    seats: dict[str, Participant] = field(default_factory=dict)

    def add(self, room_id: str, kind: str = "plenary", parent: str | None = None) -> Room:
        room = Room(room_id, f"session-of-{room_id}", RoomKind(kind), room_id.title(), parent)
        self.rooms[room_id] = room
        return room

    def sit(self, seat_id: str, person: str, room_id: str, *roles: str) -> Participant:
        seat = Participant(
            seat_id, person, person.title(), frozenset(Role(r) for r in roles or ["participant"])
        )
        self.seats[seat_id] = seat
        self.move(seat, room_id)
        return seat

    def move(self, seat: Participant, room_id: str) -> None:
        if seat.room_id is not None:
            self.rooms[seat.room_id].remove(seat.seat_id)
            seat.exit_room()
        self.rooms[room_id].admit(seat.seat_id)
        seat.enter_room(room_id)

    def room(self, room_id: str) -> Room:
        if room_id not in self.rooms:
            raise NotFound("no such room")
        return self.rooms[room_id]

    def main_room_of(self, room: Room) -> Room:
        return self.room(room.parent_id) if room.parent_id is not None else room

    def current_room(self, seat: Participant) -> Room:
        if seat.room_id is None:
            raise InvalidTransition("participant", "outside a room", "do this")
        return self.room(seat.room_id)
