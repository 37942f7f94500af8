"""Participant views kept as JSON text, encoded again only when the seat changes.

A ``room_snapshot`` lists every seat of the room, and a join storm asks for one snapshot
per join: built and encoded from scratch, a 2,000-seat storm encodes about two million
participant views. Here each seat's view is encoded once per change of the seat (its
``revision``) and a snapshot is spliced together from the texts (``splice``): the same
text ``encode`` gives for the whole message.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from rooms.bus import encode
from rooms.domain.participant import Participant
from rooms.domain.room import RoomKind
from rooms.signalling.codec import as_json
from rooms.signalling.messages import ParticipantView

__all__ = ["ViewTexts", "splice"]


class ViewTexts:
    """Each seat's participant view as compact JSON, by seat id."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[Participant, int, RoomKind, str]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def text(
        self, seat: Participant, kind: RoomKind, view: Callable[[Participant], ParticipantView]
    ) -> str:
        """The view of ``seat``, sitting in a room of ``kind``, as JSON.

        A view is the seat's own fields, and whether it may publish, which the room's
        kind decides besides the seat: those two are the key. ``view`` builds it anew.
        """
        cached = self._texts.get(seat.seat_id)
        if (
            cached is not None
            and cached[0] is seat
            and cached[1] == seat.revision
            and cached[2] is kind
        ):
            return cached[3]
        revision = seat.revision
        text = encode(as_json(view(seat)))
        self._texts[seat.seat_id] = (seat, revision, kind, text)
        return text

    def forget(self, seat_id: str) -> None:
        self._texts.pop(seat_id, None)


# Stands in for a list while the rest of a message is encoded; random, so that no
# name or title a client chose can be mistaken for it.
_HOLE = f"view-texts-{secrets.token_hex(16)}"


def splice(message: dict[str, Any], field: str, items: Iterable[str]) -> str:
    """``encode(message)`` with ``message[field]`` the JSON array of the encoded ``items``."""
    text = encode({**message, field: _HOLE})
    return text.replace(f'"{_HOLE}"', "[" + ",".join(items) + "]", 1)
