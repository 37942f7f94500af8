"""The thin adapter: applies routes to the rooms registry and its MediaRouter, changes only.

Pinned video slots and a signer's camera go straight to the media router
(``MediaRouter.set_pinned``, ``set_camera``): they concern no one's presence in the room,
and a server without video simply has neither method.
"""

from __future__ import annotations

from interpretation.media.routing import Routes
from rooms.signalling import Registry


class ChannelAdapter:
    """Sets channel slots through ``registry.set_channel`` and the cough mute on the router."""

    def __init__(self) -> None:
        self._muted: dict[str, bool] = {}  # seats whose cough mute we set
        self._pinned: dict[str, tuple[str, ...]] = {}  # seats whose pinned slots we set
        self._cameras: set[str] = set()  # signers' seats whose camera we turned on

    def apply(self, registry: Registry, routes: Routes) -> None:
        for seat_id, source in routes.channel.items():
            seat = registry.seats.get(seat_id)
            if seat is not None and seat.channel != source:
                registry.set_channel(seat, source)
        for seat_id, coughing in routes.muted.items():
            seat = registry.seats.get(seat_id)
            if seat is None or self._muted.get(seat_id, False) == coughing:
                continue
            self._muted[seat_id] = coughing
            if registry.media is not None:
                # An organiser's mute outlasts a cough.
                registry.media.set_muted(seat_id, coughing or seat.muted)
        set_pinned = getattr(registry.media, "set_pinned", None)
        set_camera = getattr(registry.media, "set_camera", None)
        if set_pinned is not None:
            for seat_id, sources in routes.pinned.items():
                if seat_id in registry.seats and self._pinned.get(seat_id, ()) != sources:
                    self._pinned[seat_id] = sources
                    set_pinned(seat_id, list(sources))
        if set_camera is not None:
            for seat_id in routes.signers - self._cameras:
                if seat_id in registry.seats:
                    self._cameras.add(seat_id)
                    set_camera(seat_id, True)

    def forget(self, registry: Registry, seat_id: str) -> None:
        """The seat left its booth or room: no channel, and no cough mute left behind."""
        seat = registry.seats.get(seat_id)
        if seat is not None and seat.channel is not None:
            registry.set_channel(seat, None)
        if self._muted.pop(seat_id, False) and seat is not None and registry.media is not None:
            registry.media.set_muted(seat_id, seat.muted)
        if self._pinned.pop(seat_id, ()) and registry.media is not None:
            getattr(registry.media, "set_pinned", lambda *_: None)(seat_id, [])
        if seat_id in self._cameras:
            self._cameras.discard(seat_id)
            if registry.media is not None and not (seat is not None and seat_camera(seat)):
                getattr(registry.media, "set_camera", lambda *_: None)(seat_id, False)

    def unpin(self, registry: Registry, seat_id: str) -> None:
        """The viewer chose no sign-language channel any more."""
        if self._pinned.pop(seat_id, ()) and registry.media is not None:
            getattr(registry.media, "set_pinned", lambda *_: None)(seat_id, [])


def seat_camera(seat: object) -> bool:
    """Whether the seat itself turned its camera on (rooms' own camera rule), if it can."""
    return bool(getattr(seat, "camera", False))
