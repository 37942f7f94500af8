"""What a live core may read of the rooms: rooms and seats, never a socket or the bus.

The registry is one; a unit test's plain dictionaries of rooms and seats are another.
Cores above rooms (interpretation, the stage) read the rooms through this view and
return effects for their driver to carry out, so they never change a room themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rooms.domain.participant import Participant
from rooms.domain.room import Room


class RoomsView(Protocol):
    @property
    def rooms(self) -> Mapping[str, Room]: ...

    @property
    def seats(self) -> Mapping[str, Participant]: ...

    def room(self, room_id: str) -> Room:
        """The room, or ``NotFound``."""
        ...

    def main_room_of(self, room: Room) -> Room: ...

    def current_room(self, seat: Participant) -> Room:
        """The seat's room, or ``InvalidTransition`` outside any room."""
        ...
