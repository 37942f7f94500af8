"""Bus topics of the rooms, and the control events on a seat's topic.

``room:<id>`` carries a room's events to everyone in it; ``seat:<id>`` one seat's, plus
two control events its connection acts on and clients never see.
"""

from __future__ import annotations

MOVED = "_moved"  # the seat changed rooms: follow the new room's topic, send its state
CLOSE = "_close"  # a newer connection took the seat over: the named connection closes
# A person's roles or name changed: every registry sharing the bus updates its seats.
PEOPLE_TOPIC = "people"
PERSON_CHANGED = "_person"

_ROOM = "room:"
_SEAT = "seat:"


def room_topic(room_id: str) -> str:
    return f"{_ROOM}{room_id}"


def seat_topic(seat_id: str) -> str:
    return f"{_SEAT}{seat_id}"


def room_of_topic(topic: str) -> str | None:
    """The room id of a room topic, None for any other topic."""
    return topic.removeprefix(_ROOM) if topic.startswith(_ROOM) else None
