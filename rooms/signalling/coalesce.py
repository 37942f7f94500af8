"""Presence coalescing: a large room's presence events, merged and sent as one batch.

Without it, a join storm is quadratic: each of N joins goes to everyone already in the
room, one websocket frame each. A ``PresenceBuffer`` holds one room's presence events for
a short window (``Limits.presence_window``, longer in larger rooms) and hands them back merged, in order; the
registry publishes them as one ``presence_batch``. Rooms with at most
``Limits.coalesce_above`` seats get every event at once, as before.

Merging never changes what a client ends up with:

- ``joined`` or ``updated`` then ``updated`` of the same seat: one event, the latest view,
  at the first one's place;
- ``joined`` then ``left``: nothing (nobody had seen the join);
- ``updated`` then ``left``: just the ``left``;
- ``left`` then ``joined`` (a seat moving back): both, in order.

Pure: no clock, no I/O.
"""

from __future__ import annotations

from typing import Any

PRESENCE_TYPES = frozenset({"presence_joined", "presence_updated", "presence_left"})


def seat_of(event: dict[str, Any]) -> str:
    participant = event.get("participant")
    if isinstance(participant, dict):
        return str(participant.get("seat_id", ""))
    return str(event.get("seat_id", ""))


class PresenceBuffer:
    """One room's pending presence events."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any] | None] = []
        self._last: dict[str, int] = {}  # seat id -> index of its latest pending event

    def __len__(self) -> int:
        return sum(1 for event in self._events if event is not None)

    def add(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind not in PRESENCE_TYPES:
            raise ValueError(f"{kind} is not a presence event")
        seat = seat_of(event)
        index = self._last.get(seat)
        pending = self._events[index] if index is not None else None
        if pending is not None and pending["type"] != "presence_left":
            assert index is not None
            if kind == "presence_updated":
                self._events[index] = {**pending, "participant": event["participant"]}
                return
            if kind == "presence_left":
                self._events[index] = None
                del self._last[seat]
                if pending["type"] == "presence_joined":
                    return
        self._last[seat] = len(self._events)
        self._events.append(event)

    def drain(self) -> list[dict[str, Any]]:
        """The merged events in order; the buffer is empty afterwards."""
        events = [event for event in self._events if event is not None]
        self._events.clear()
        self._last.clear()
        return events
