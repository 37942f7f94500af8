"""From routes to effects: what changes in the rooms and the media router, changes only.

Pure: it reads the seats (``RoomsView``) and remembers what it last asked for, and the
interpretation driver carries the effects out (``SetChannel`` through the registry;
``MediaMute``, ``MediaPinned`` and ``MediaCamera`` on the media port, by the registry). Pinned video slots and a signer's
camera concern no one's presence in the room, so they go straight to the media port.
"""

from __future__ import annotations

from interpretation.media.routing import Routes
from interpretation.signalling.effects import (
    Effect,
    MediaCamera,
    MediaMute,
    MediaPinned,
    SetChannel,
)
from rooms.signalling.view import RoomsView


class ChannelAdapter:
    """Channel slots, the cough mute, pinned slots and signers' cameras, as effects."""

    def __init__(self) -> None:
        self._muted: dict[str, bool] = {}  # seats whose cough mute we set
        self._pinned: dict[str, tuple[str, ...]] = {}  # seats whose pinned slots we set
        self._cameras: set[str] = set()  # signers' seats whose camera we turned on

    def apply(self, rooms: RoomsView, routes: Routes) -> list[Effect]:
        out: list[Effect] = []
        for seat_id, source in routes.channel.items():
            seat = rooms.seats.get(seat_id)
            if seat is not None and seat.channel != source:
                out.append(SetChannel(seat_id, source))
        for seat_id, coughing in routes.muted.items():
            seat = rooms.seats.get(seat_id)
            if seat is None or self._muted.get(seat_id, False) == coughing:
                continue
            self._muted[seat_id] = coughing
            out.append(
                MediaMute(seat_id, coughing or seat.muted)
            )  # an organiser's mute outlasts it
        for seat_id, sources in routes.pinned.items():
            if seat_id in rooms.seats and self._pinned.get(seat_id, ()) != sources:
                self._pinned[seat_id] = sources
                out.append(MediaPinned(seat_id, sources))
        for seat_id in sorted(routes.signers - self._cameras):
            if seat_id in rooms.seats:
                self._cameras.add(seat_id)
                out.append(MediaCamera(seat_id, True))
        return out

    def forget(self, rooms: RoomsView, seat_id: str) -> list[Effect]:
        """The seat left its booth or room: no channel, and no cough mute left behind."""
        out: list[Effect] = []
        seat = rooms.seats.get(seat_id)
        if seat is not None and seat.channel is not None:
            out.append(SetChannel(seat_id, None))
        if self._muted.pop(seat_id, False) and seat is not None:
            out.append(MediaMute(seat_id, seat.muted))
        out += self.unpin(seat_id)
        if seat_id in self._cameras:
            self._cameras.discard(seat_id)
            if not (seat is not None and seat.camera):  # the seat's own camera stays on
                out.append(MediaCamera(seat_id, False))
        return out

    def unpin(self, seat_id: str) -> list[Effect]:
        """The viewer chose no sign-language channel any more."""
        return [MediaPinned(seat_id, ())] if self._pinned.pop(seat_id, ()) else []
