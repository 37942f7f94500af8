"""A set of breakout rooms opened from a main room, and its help requests."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rooms.domain.errors import Conflict, InvalidTransition, NotAllowed, NotFound


class AssignmentMode(StrEnum):
    BY_HAND = "by_hand"  # the organiser lists who goes where
    RANDOM = "random"
    SELF_SELECT = "self_select"  # participants choose a room themselves


class BreakoutState(StrEnum):
    OPEN = "open"
    COUNTDOWN = "countdown"  # rooms close at ends_at
    CLOSED = "closed"


class HelpState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(eq=False)
class HelpRequest:
    request_id: str
    seat_id: str
    room_id: str
    text: str
    at: float
    state: HelpState = HelpState.OPEN
    history: list[HelpState] = field(default_factory=lambda: [HelpState.OPEN])

    def resolve(self) -> None:
        if self.state is not HelpState.OPEN:
            raise InvalidTransition("help request", self.state.value, "be resolved")
        self.state = HelpState.RESOLVED
        self.history.append(HelpState.RESOLVED)


@dataclass(eq=False)
class BreakoutSet:
    breakout_id: str
    main_room_id: str
    mode: AssignmentMode
    room_ids: tuple[str, ...]
    assignments: dict[str, str] = field(default_factory=dict)  # seat id -> room id
    ends_at: float | None = None
    state: BreakoutState = BreakoutState.OPEN
    help_requests: dict[str, HelpRequest] = field(default_factory=dict)
    history: list[BreakoutState] = field(default_factory=lambda: [BreakoutState.OPEN])

    def __post_init__(self) -> None:
        if not self.room_ids:
            raise NotAllowed("a breakout needs at least one room")
        unknown = set(self.assignments.values()) - set(self.room_ids)
        if unknown:
            raise NotFound(f"assignment to rooms outside the breakout: {sorted(unknown)}")

    @property
    def is_live(self) -> bool:
        return self.state is not BreakoutState.CLOSED

    def _move(self, target: BreakoutState) -> None:
        self.state = target
        self.history.append(target)

    def start_countdown(self, ends_at: float) -> None:
        """Announce when the rooms close; in a countdown this moves the end time."""
        if self.state is BreakoutState.CLOSED:
            raise InvalidTransition("breakout", self.state.value, "start a countdown")
        self.ends_at = ends_at
        if self.state is BreakoutState.OPEN:
            self._move(BreakoutState.COUNTDOWN)

    def is_due(self, now: float) -> bool:
        return (
            self.state is BreakoutState.COUNTDOWN
            and self.ends_at is not None
            and now >= self.ends_at
        )

    def close(self) -> None:
        if self.state is BreakoutState.CLOSED:
            raise InvalidTransition("breakout", self.state.value, "close")
        self._move(BreakoutState.CLOSED)

    def assign(self, seat_id: str, room_id: str) -> None:
        """An organiser sends a seat to a room, whatever the mode."""
        if self.state is BreakoutState.CLOSED:
            raise InvalidTransition("breakout", self.state.value, "assign anyone")
        if room_id not in self.room_ids:
            raise NotFound("no such breakout room")
        self.assignments[seat_id] = room_id

    def choose(self, seat_id: str, room_id: str) -> None:
        if self.state is BreakoutState.CLOSED:
            raise InvalidTransition("breakout", self.state.value, "accept a choice")
        if self.mode is not AssignmentMode.SELF_SELECT:
            raise NotAllowed("participants choose a room only when the organiser lets them")
        if room_id not in self.room_ids:
            raise NotFound("no such breakout room")
        self.assignments[seat_id] = room_id

    def request_help(
        self, request_id: str, seat_id: str, room_id: str, text: str, at: float
    ) -> HelpRequest:
        if self.state is BreakoutState.CLOSED:
            raise InvalidTransition("breakout", self.state.value, "take help requests")
        if room_id not in self.room_ids:
            raise NotAllowed("help is asked from inside a breakout room")
        if any(r.seat_id == seat_id for r in self.open_help_requests()):
            raise Conflict("your earlier help request is still open")
        request = HelpRequest(request_id, seat_id, room_id, text, at)
        self.help_requests[request_id] = request
        return request

    def resolve_help(self, request_id: str) -> HelpRequest:
        request = self.help_requests.get(request_id)
        if request is None:
            raise NotFound("no such help request")
        request.resolve()
        return request

    def open_help_requests(self) -> list[HelpRequest]:
        return [r for r in self.help_requests.values() if r.state is HelpState.OPEN]


def assign_by_hand(rooms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Turn room id -> seats into seat -> room id, refusing a seat sent to two rooms."""
    assignments: dict[str, str] = {}
    for room_id, seats in rooms.items():
        for seat_id in seats:
            if seat_id in assignments:
                raise Conflict(f"seat {seat_id} is assigned to two rooms")
            assignments[seat_id] = room_id
    return assignments


def assign_at_random(
    seat_ids: Sequence[str], room_ids: Sequence[str], rng: random.Random
) -> dict[str, str]:
    """Deal seats over rooms so that room sizes differ by at most one."""
    if not room_ids:
        raise NotAllowed("a breakout needs at least one room")
    shuffled = list(seat_ids)
    rng.shuffle(shuffled)
    return {seat_id: room_ids[i % len(room_ids)] for i, seat_id in enumerate(shuffled)}
