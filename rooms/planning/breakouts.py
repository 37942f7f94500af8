"""Placing participants in breakout rooms (`plan breakouts`), as a min-cost max-flow.

The network runs source → participant (capacity 1) → room (capacity 1, cost k
for the participant's k-th preference, the length of the list for any other
room that shares a language) → sink (capacity = the room's capacity). A maximum
flow places as many participants as can be placed; among maximum flows, the
cheapest one minimises the preference cost. Both objectives are exact and the
algorithm has no time limit to hit, so the status is always "optimal".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ortools.graph.python import min_cost_flow

from conference.planning.inputs import Reader, language_key


@dataclass(frozen=True)
class Room:
    id: str
    capacity: int
    languages: tuple[str, ...]
    topic: str | None = None


@dataclass(frozen=True)
class Participant:
    id: str
    languages: tuple[str, ...]
    preferences: tuple[str, ...] = ()
    """Room ids, best first."""


@dataclass(frozen=True)
class Breakouts:
    """The whole input, in input order."""

    rooms: tuple[Room, ...]
    participants: tuple[Participant, ...]


@dataclass(frozen=True)
class Assignment:
    participant: str
    room: str
    cost: int


@dataclass(frozen=True)
class Unplaced:
    participant: str
    reason: str


@dataclass(frozen=True)
class Placement:
    status: Literal["optimal"]
    placed: int
    cost: int
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]


def plan(document: dict[str, Any], time_limit: float | None = None) -> dict[str, Any]:
    """Validate the input and return the placement in the shape of the spec.

    ``time_limit`` is accepted for a uniform planner API; the flow needs none.
    """
    return as_document(solve(parse(document)))


def parse(document: dict[str, Any]) -> Breakouts:
    """Read and validate the whole document; raises InvalidInput listing every problem."""
    reader = Reader()
    room_items = reader.objects(document, "rooms")
    room_ids = set(reader.unique_ids(room_items))
    rooms = []
    for path, item in room_items:
        capacity = reader.integer(item, "capacity", path)
        languages = reader.languages(item, "languages", path)
        topic = reader.string(item, "topic", path, required=False)
        if capacity is not None:
            rooms.append(Room(str(item.get("id")), capacity, tuple(languages), topic))

    people = reader.objects(document, "participants")
    reader.unique_ids(people)
    participants = []
    for path, item in people:
        languages = reader.languages(item, "languages", path)
        preferences = reader.references(item, "preferences", path, room_ids, "room", required=False)
        participants.append(Participant(str(item.get("id")), tuple(languages), tuple(preferences)))
    reader.check()
    return Breakouts(tuple(rooms), tuple(participants))


def shares_language(participant: Participant, room: Room) -> bool:
    offered = {language_key(tag) for tag in room.languages}
    return any(language_key(tag) in offered for tag in participant.languages)


def preference_cost(participant: Participant, room: str) -> int:
    """k for the k-th preference (from 0); the length of the list for any other room."""
    if room in participant.preferences:
        return participant.preferences.index(room)
    return len(participant.preferences)


def solve(breakouts: Breakouts) -> Placement:
    """Place as many participants as possible, then as cheaply as possible."""
    rooms, people = breakouts.rooms, breakouts.participants
    source, sink = 0, 1 + len(people) + len(rooms)
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []
    edges: list[tuple[int, int]] = []  # (participant index, room index) of each middle arc

    def arc(tail: int, head: int, capacity: int, cost: int) -> None:
        tails.append(tail)
        heads.append(head)
        capacities.append(capacity)
        costs.append(cost)

    for p in range(len(people)):
        arc(source, 1 + p, 1, 0)
    for r, room in enumerate(rooms):
        arc(1 + len(people) + r, sink, room.capacity, 0)
    first_middle = len(tails)
    for p, participant in enumerate(people):
        for r, room in enumerate(rooms):
            if shares_language(participant, room):
                arc(1 + p, 1 + len(people) + r, 1, preference_cost(participant, room.id))
                edges.append((p, r))

    flow = min_cost_flow.SimpleMinCostFlow()
    if edges:
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        # Offer everyone at the source; the max-flow variant sends as much as fits.
        flow.set_node_supply(source, len(people))
        flow.set_node_supply(sink, -len(people))
    code = flow.solve_max_flow_with_min_cost() if edges else flow.OPTIMAL
    if code != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {code}")

    room_of: dict[int, int] = {}
    for offset, (p, r) in enumerate(edges):
        if flow.flow(first_middle + offset) > 0:
            room_of[p] = r
    assignments = tuple(
        Assignment(person.id, rooms[room_of[p]].id, preference_cost(person, rooms[room_of[p]].id))
        for p, person in enumerate(people)
        if p in room_of
    )
    unplaced = tuple(
        Unplaced(person.id, _reason(person, rooms))
        for p, person in enumerate(people)
        if p not in room_of
    )
    cost = sum(assignment.cost for assignment in assignments)
    return Placement("optimal", len(assignments), cost, assignments, unplaced)


def _reason(participant: Participant, rooms: tuple[Room, ...]) -> str:
    """Why nobody could seat this participant; with a maximum flow, matching rooms are full."""
    if not participant.languages:
        return "the participant gave no languages"
    offered = [
        tag
        for tag in participant.languages
        if any(language_key(tag) in {language_key(t) for t in room.languages} for room in rooms)
    ]
    if not offered:
        return f"no room offers {_or(list(participant.languages))}"
    count = sum(1 for room in rooms if shares_language(participant, room))
    if count == 1:
        return f"the only room that offers {_or(offered)} is full"
    return f"all rooms that offer {_or(offered)} are full"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def as_document(placement: Placement) -> dict[str, Any]:
    """The output document of the spec."""
    return {
        "status": placement.status,
        "placed": placement.placed,
        "cost": placement.cost,
        "assignments": [
            {"participant": item.participant, "room": item.room} for item in placement.assignments
        ],
        "unplaced": [
            {"participant": item.participant, "reason": item.reason} for item in placement.unplaced
        ],
    }
