"""Effects a live core returns for its driver to carry out: one class per effect, pure data.

The rooms core (``rooms/signalling/rooms_core.py``, driven by the registry) and the cores
above it (the lightning stage, ``rooms/stage_board.py``; interpretation, which adds its own
in ``interpretation/signalling/effects.py``) take an input and return a list of these, in
order, and never await: the driver does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.signalling.codec import ServerMessage
from rooms.signalling.seat_events import SeatEvent


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
class WakeAt(Effect):
    """Something falls due at ``at`` (the core's clock): a seat's grace, a countdown's end.

    The driver sweeps then (``RoomsCore.due_releases``, ``BreakoutsCore.close_due``) rather
    than polling; a deadline that moved or was met earlier makes that sweep find nothing.
    """

    at: float


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


@dataclass(frozen=True)
class Control(Effect):
    """A control event on the seat's topic, for its connection only (``topics.MOVED``, ``CLOSE``)."""

    seat_id: str
    event: dict[str, Any]


@dataclass(frozen=True)
class Tell(Effect):
    """Hand a typed seat event to the extensions' observers, in order."""

    event: SeatEvent


@dataclass(frozen=True)
class MediaPlace(Effect):
    """Tell the media port the seat's room and whether it may publish there."""

    seat_id: str
    room_id: str | None
    may_publish: bool


@dataclass(frozen=True)
class MediaMute(Effect):
    """Hold the seat's microphone back in the media router, or let it through."""

    seat_id: str
    muted: bool


@dataclass(frozen=True)
class MediaChannel(Effect):
    """What fills the seat's channel slot: another seat's microphone, or nothing."""

    seat_id: str
    source: str | None


@dataclass(frozen=True)
class MediaCamera(Effect):
    """Whether the seat's camera may be shown."""

    seat_id: str
    on: bool


@dataclass(frozen=True)
class MediaSharing(Effect):
    """Whether the seat's screen fills its room's share slot."""

    seat_id: str
    on: bool


@dataclass(frozen=True)
class MediaPinned(Effect):
    """The cameras the seat's pinned video slots show (a signer on air)."""

    seat_id: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MediaLowData(Effect):
    """Low-data renditions for the seat, or the originals."""

    seat_id: str
    on: bool


@dataclass(frozen=True)
class MediaClose(Effect):
    """Close the seat's media connection (it was released)."""

    seat_id: str


# Calls on the media port that need no await (skipped on a server without media).
MEDIA_EFFECTS = (MediaPlace, MediaMute, MediaChannel, MediaCamera, MediaSharing, MediaPinned, MediaLowData)  # fmt: skip
