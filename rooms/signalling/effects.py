"""Effects a live core returns for its driver to carry out: one class per effect, pure data.

The cores above the registry (the lightning stage, ``rooms/stage_board.py``; interpretation,
which adds its own in ``interpretation/signalling/effects.py``) take an input and return a
list of these, in order, and never await: the driver does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.signalling.codec import ServerMessage


@dataclass(frozen=True)
class Effect:
    """One thing for the driver to do."""


@dataclass(frozen=True)
class PublishRoom(Effect):
    """Publish to everyone in the room (its ``room:<id>`` topic)."""

    room_id: str
    message: ServerMessage


@dataclass(frozen=True)
class PublishSeat(Effect):
    """Publish to one seat (its ``seat:<id>`` topic), whichever process holds its socket."""

    seat_id: str
    message: ServerMessage


@dataclass(frozen=True)
class Reply(Effect):
    """Answer the connection that sent the client message, and nobody else."""

    message: ServerMessage


@dataclass(frozen=True)
class SaveSnapshot(Effect):
    """Live state changed without a publish: the next live snapshot must hold it."""


@dataclass(frozen=True)
class SetFloorHolders(Effect):
    """Who holds the floor of a floor-controlled room on entering it (None: its speakers)."""

    room_id: str
    holders: frozenset[str] | None


@dataclass(frozen=True)
class GiveFloor(Effect):
    """Give the seat the floor, and tell its room."""

    seat_id: str


@dataclass(frozen=True)
class TakeFloor(Effect):
    """Take the floor from the seat, and tell its room."""

    seat_id: str
