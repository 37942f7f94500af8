"""A live room: the main room of a conference session, or a breakout room within it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rooms.domain.errors import Conflict, InvalidTransition, NotFound
from rooms.domain.participant import Participant
from rooms.domain.roles import Role


class RoomKind(StrEnum):
    PLENARY = "plenary"  # only those given the floor publish audio
    WORKSHOP = "workshop"
    SOCIAL = "social"
    BREAKOUT = "breakout"  # everyone may publish

    @property
    def floor_controlled(self) -> bool:
        return self is RoomKind.PLENARY


class RoomState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(eq=False)
class Room:
    room_id: str
    session_id: str
    kind: RoomKind
    title: str
    parent_id: str | None = None  # the main room, for a breakout room
    state: RoomState = RoomState.OPEN
    seats: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    history: list[RoomState] = field(default_factory=lambda: [RoomState.OPEN])
    # Person ids who hold the floor on entering; None: whoever has the speaker role.
    # A lightning stage sets it to the speaker whose slot is on (rooms/stage.py).
    floor_holders: frozenset[str] | None = None

    @property
    def is_breakout(self) -> bool:
        return self.parent_id is not None

    def admit(self, seat_id: str) -> None:
        if self.state is not RoomState.OPEN:
            raise InvalidTransition("room", self.state.value, "admit anyone")
        if seat_id in self.seats:
            raise Conflict(f"seat {seat_id} is already in the room")
        self.seats[seat_id] = None

    def remove(self, seat_id: str) -> None:
        if seat_id not in self.seats:
            raise NotFound(f"seat {seat_id} is not in the room")
        del self.seats[seat_id]

    def close(self) -> None:
        if self.state is not RoomState.OPEN:
            raise InvalidTransition("room", self.state.value, "close")
        if self.seats:
            raise Conflict("a room closes only once everyone has left it")
        self.state = RoomState.CLOSED
        self.history.append(RoomState.CLOSED)

    def grants_floor_on_entry(self, participant: Participant) -> bool:
        """Speakers hold the floor of a plenary from the moment they enter it."""
        if not self.kind.floor_controlled:
            return False
        if self.floor_holders is not None:
            return participant.person_id in self.floor_holders
        return Role.SPEAKER in participant.roles

    def may_publish(self, participant: Participant) -> bool:
        """Whether the participant may send audio into this room."""
        if participant.room_id != self.room_id or participant.listen_only:
            return False
        if not self.kind.floor_controlled:
            return True
        return participant.has_floor or participant.is_organiser
