"""The thin adapter: applies routes to the rooms registry and its MediaRouter, changes only."""

from __future__ import annotations

from interpretation.media.routing import Routes
from rooms.signalling import Registry


class ChannelAdapter:
    """Sets channel slots through ``registry.set_channel`` and the cough mute on the router."""

    def __init__(self) -> None:
        self._muted: dict[str, bool] = {}  # seats whose cough mute we set

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

    def forget(self, registry: Registry, seat_id: str) -> None:
        """The seat left its booth or room: no channel, and no cough mute left behind."""
        seat = registry.seats.get(seat_id)
        if seat is not None and seat.channel is not None:
            registry.set_channel(seat, None)
        if self._muted.pop(seat_id, False) and seat is not None and registry.media is not None:
            registry.media.set_muted(seat_id, seat.muted)
