"""What happens to seats in a room, as typed events for layers above rooms.

The registry queues one of these after each change and hands them, in order, to every
observer an extension registered (``Dispatcher.observe``), from one task: an observer never
runs inside the registry call that caused it, and never reads presence back out of the
bus's JSON. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeatEvent:
    room_id: str
    seat_id: str


@dataclass(frozen=True)
class SeatEntered(SeatEvent):
    """The seat came into the room (joined, moved, assigned to a breakout room)."""


@dataclass(frozen=True)
class SeatLost(SeatEvent):
    """The seat's connection dropped: it is away, kept for the reconnection grace."""


@dataclass(frozen=True)
class SeatBack(SeatEvent):
    """An away seat was resumed by a new connection."""


@dataclass(frozen=True)
class SeatChanged(SeatEvent):
    """Its flags changed: mute, floor, hand, listen-only, roles."""


@dataclass(frozen=True)
class SeatLeft(SeatEvent):
    """The seat is out of the room: moved elsewhere, left, or released (``reason``)."""

    reason: str
