"""What the interpretation core asks its driver to do: one class per effect, pure data.

The core (``core.py``) never awaits: it takes an input and returns a list of these, in the
order the driver (``service.py``) must carry them out against the bus, the media router,
storage and the clock. Publishing, replies, snapshots and calls on the media port are the rooms' own
effects (``rooms/signalling/effects.py``, carried out by the registry); the rest belong to
interpretation.

Two effects are requests for data rather than actions: ``LoadBooths`` and ``LoadNames``.
When the core returns one, it has changed nothing; the driver reads storage, feeds the
answer back (``booths_loaded``, ``names_loaded``) and gives the core the same input again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.signalling.effects import (
    Effect,
    MediaCamera,
    MediaLowData,
    MediaMute,
    MediaPinned,
    PublishRoom,
    PublishSeat,
    Reply,
    SaveSnapshot,
)

__all__ = [
    "NEEDS",
    "BoothSigners",
    "BoothVoices",
    "Effect",
    "ListenOnly",
    "LoadBooths",
    "LoadNames",
    "MediaCamera",
    "MediaLowData",
    "MediaMute",
    "MediaPinned",
    "Place",
    "PublishRoom",
    "PublishSeat",
    "Reply",
    "SaveSnapshot",
    "SetChannel",
    "WakeAt",
]


@dataclass(frozen=True)
class SetChannel(Effect):
    """Fill the seat's channel slot with another seat's microphone (None: empty it)."""

    seat_id: str
    source: str | None


@dataclass(frozen=True)
class BoothVoices(Effect):
    """The room's booth outputs changed: each language a booth works into now, and the seat
    of its voice on air (None: nobody). The driver tells its ``voice_watchers`` (automatic
    captions of a booth's output)."""

    room_id: str
    voices: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class BoothSigners(Effect):
    """The room's sign-language booths changed: each sign language one works into now, and
    the seat of its signer on air (None: nobody). The driver tells its ``sign_watchers``
    (the relay to a session's edges, which shows the signer to listen-only seats there)."""

    room_id: str
    signers: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class ListenOnly(Effect):
    """Keep the seat's microphone off the floor (a booth console), through the registry."""

    seat_id: str
    on: bool


@dataclass(frozen=True)
class Place(Effect):
    """Move the seat into the room, through the registry (everyone there hears of it)."""

    seat_id: str
    room_id: str
    reason: str


@dataclass(frozen=True)
class WakeAt(Effect):
    """Give the core a clock tick for the room at ``at`` (None: no tick is due any more).

    A later ``WakeAt`` for the same room replaces the earlier one.
    """

    room_id: str
    at: float | None


@dataclass(frozen=True)
class LoadBooths(Effect):
    """Read the room's stored booths (its session's roster); then feed ``booths_loaded``."""

    room_id: str
    session_id: str


@dataclass(frozen=True)
class LoadNames(Effect):
    """Read these people's names from storage; then feed ``names_loaded``."""

    person_ids: tuple[str, ...]


NEEDS = (LoadBooths, LoadNames)
