"""Breakout rooms: capacity, shared languages, preference cost, reasons, optimality."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conference.planning.inputs import InvalidInput
from rooms.planning import breakouts

pytestmark = pytest.mark.unit


def room(ident: str, capacity: int, *languages: str) -> dict[str, Any]:
    return {"id": ident, "capacity": capacity, "languages": list(languages)}


def person(ident: str, languages: list[str], preferences: list[str] | None = None):
    item: dict[str, Any] = {"id": ident, "languages": languages}
    if preferences is not None:
        item["preferences"] = preferences
    return item


def rooms_of(output: dict[str, Any]) -> dict[str, str]:
    return {a["participant"]: a["room"] for a in output["assignments"]}


def reasons(output: dict[str, Any]) -> dict[str, str]:
    return {u["participant"]: u["reason"] for u in output["unplaced"]}


def test_the_spec_example_places_the_participant_in_the_room_they_can_follow():
    document = {
        "rooms": [
            {"id": "B1", "topic": "Safety and inclusion", "capacity": 12, "languages": ["en", "fr"]}
        ],
        "participants": [{"id": "P1", "languages": ["fr", "ar"], "preferences": ["B1"]}],
    }
    assert breakouts.plan(document) == {
        "status": "optimal",
        "placed": 1,
        "cost": 0,
        "assignments": [{"participant": "P1", "room": "B1"}],
        "unplaced": [],
    }


def test_a_room_holds_at_most_its_capacity():
    document = {
        "rooms": [room("B1", 2, "en")],
        "participants": [person(f"P{i}", ["en"]) for i in range(3)],
    }
    output = breakouts.plan(document)
    assert output["placed"] == 2
    assert list(reasons(output).values()) == ["the only room that offers en is full"]


def test_several_full_rooms_are_named_by_the_languages_they_share():
    document = {
        "rooms": [room("B1", 1, "fr"), room("B2", 1, "FR", "en")],
        "participants": [person("P1", ["fr"]), person("P2", ["fr"]), person("P3", ["fr", "ta"])],
    }
    output = breakouts.plan(document)
    assert output["placed"] == 2
    assert list(reasons(output).values()) == ["all rooms that offer fr are full"]


def test_languages_compare_case_insensitively():
    document = {"rooms": [room("B1", 5, "pt-BR")], "participants": [person("P1", ["PT-br"])]}
    assert rooms_of(breakouts.plan(document)) == {"P1": "B1"}


def test_a_participant_without_a_shared_language_is_not_placed():
    document = {
        "rooms": [room("B1", 5, "en"), room("B2", 5, "fr")],
        "participants": [person("P1", ["ta"]), person("P2", ["sw", "am", "ta"])],
    }
    output = breakouts.plan(document)
    assert output["placed"] == 0
    assert reasons(output) == {"P1": "no room offers ta", "P2": "no room offers sw, am or ta"}


def test_a_room_with_zero_capacity_takes_nobody():
    document = {"rooms": [room("B1", 0, "en")], "participants": [person("P1", ["en"])]}
    assert reasons(breakouts.plan(document)) == {"P1": "the only room that offers en is full"}


def test_placing_more_people_beats_honouring_preferences():
    # P1 prefers B2, but only B1 can take P1 if P2 (fr only) is to be placed too.
    document = {
        "rooms": [room("B1", 1, "en"), room("B2", 1, "fr")],
        "participants": [person("P1", ["en", "fr"], ["B2"]), person("P2", ["fr"])],
    }
    output = breakouts.plan(document)
    assert rooms_of(output) == {"P1": "B1", "P2": "B2"}
    assert (output["placed"], output["cost"]) == (2, 1)


def test_preferences_cost_their_rank_and_other_rooms_the_length_of_the_list():
    # P1 in B1 and P2 in B2 would cost 0 + 3; swapping costs 1 + 0.
    document = {
        "rooms": [
            room("B1", 1, "en"),
            room("B2", 1, "en"),
            room("B3", 0, "en"),
            room("B4", 0, "en"),
        ],
        "participants": [
            person("P1", ["en"], ["B1", "B2"]),
            person("P2", ["en"], ["B1", "B3", "B4"]),
        ],
    }
    output = breakouts.plan(document)
    assert rooms_of(output) == {"P1": "B2", "P2": "B1"}
    assert output["cost"] == 1


def test_no_preferences_cost_nothing():
    document = {"rooms": [room("B1", 1, "en")], "participants": [person("P1", ["en"], [])]}
    assert breakouts.plan(document)["cost"] == 0


def test_an_empty_event_is_planned():
    assert breakouts.plan({"rooms": [], "participants": []}) == {
        "status": "optimal",
        "placed": 0,
        "cost": 0,
        "assignments": [],
        "unplaced": [],
    }


# -- invalid input ------------------------------------------------------------------


def problems(document: Any) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        breakouts.plan(document)
    return caught.value.problems


def test_every_bad_field_is_reported_with_its_path():
    document = {
        "rooms": [
            {"id": "B1", "capacity": -1, "languages": ["en"]},
            {"id": "B1", "capacity": 2.5, "languages": [""]},
            {"id": "B3", "languages": ["en"]},
        ],
        "participants": [
            {"id": "P1", "languages": ["en"], "preferences": ["B9", "B1", "B1"]},
            {"id": "P1", "preferences": "B1"},
            {"languages": ["en"]},
        ],
    }
    assert problems(document) == [
        "rooms[1].id: repeats the id 'B1'",
        "rooms[0].capacity: must not be negative",
        "rooms[1].capacity: must be a whole number",
        "rooms[1].languages[0]: must be a non-empty string",
        "rooms[2].capacity: is required",
        "participants[1].id: repeats the id 'P1'",
        "participants[2].id: is required",
        "participants[0].preferences[0]: refers to an unknown room 'B9'",
        "participants[0].preferences[2]: repeats the room 'B1'",
        "participants[1].languages: is required",
        "participants[1].preferences: must be a list of room ids",
    ]


def test_rooms_and_participants_are_required():
    assert problems({"rooms": {}}) == ["rooms: must be a list", "participants: is required"]


# -- properties -----------------------------------------------------------------

LANGUAGES = ["en", "fr", "ar", "TA"]


@st.composite
def events(draw: st.DrawFn, max_people: int = 8, max_rooms: int = 3) -> dict[str, Any]:
    count = draw(st.integers(0, max_rooms))
    ids = [f"B{i}" for i in range(count)]
    rooms = [
        room(
            ident,
            draw(st.integers(0, 3)),
            *draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True)),
        )
        for ident in ids
    ]
    people = [
        person(
            f"P{i}",
            draw(st.lists(st.sampled_from(["en", "fr", "ta", "sw"]), max_size=2, unique=True)),
            draw(st.lists(st.sampled_from(ids), unique=True)) if ids else [],
        )
        for i in range(draw(st.integers(0, max_people)))
    ]
    return {"rooms": rooms, "participants": people}


def cost(person: dict[str, Any], room_id: str) -> int:
    preferences = person.get("preferences") or []
    return preferences.index(room_id) if room_id in preferences else len(preferences)


def can_follow(person: dict[str, Any], room: dict[str, Any]) -> bool:
    return bool({x.lower() for x in person["languages"]} & {x.lower() for x in room["languages"]})


def assert_valid(document: dict[str, Any], output: dict[str, Any]) -> None:
    people = {p["id"]: p for p in document["participants"]}
    rooms = {r["id"]: r for r in document["rooms"]}
    assigned = rooms_of(output)
    assert len(assigned) == len(output["assignments"]), "at most one room each"
    assert sorted([*assigned, *reasons(output)]) == sorted(people)
    for participant, room_id in assigned.items():
        assert can_follow(people[participant], rooms[room_id])
    for room_id, item in rooms.items():
        assert list(assigned.values()).count(room_id) <= item["capacity"]
    assert output["placed"] == len(assigned)
    assert output["cost"] == sum(cost(people[p], r) for p, r in assigned.items())
    assert all(u["reason"] for u in output["unplaced"])


def brute_force(document: dict[str, Any]) -> tuple[int, int]:
    """The best (placed, -cost) over every way of seating everyone, as (placed, cost)."""
    people, rooms = document["participants"], document["rooms"]
    choices = [[None] + [r for r in rooms if can_follow(p, r)] for p in people]
    best = (0, 0)
    for pick in itertools.product(*choices):
        load: dict[str, int] = {}
        for r in pick:
            if r is not None:
                load[r["id"]] = load.get(r["id"], 0) + 1
        if any(load[r["id"]] > r["capacity"] for r in rooms if r["id"] in load):
            continue
        placed = sum(1 for r in pick if r is not None)
        total = sum(cost(p, r["id"]) for p, r in zip(people, pick, strict=True) if r is not None)
        best = max(best, (placed, -total))
    return best[0], -best[1]


@settings(max_examples=150, deadline=None)
@given(events())
def test_every_placement_keeps_every_rule(document):
    output = breakouts.plan(document)
    assert output["status"] == "optimal"
    assert_valid(document, output)


@settings(max_examples=100, deadline=None)
@given(events(max_people=6))
def test_the_placement_is_as_good_as_brute_force(document):
    output = breakouts.plan(document)
    assert (output["placed"], output["cost"]) == brute_force(document)


def test_an_event_of_250_participants_in_ten_rooms_gets_a_valid_plan():
    rng = random.Random(7)
    langs = ["en", "fr", "es", "ar", "zh", "pt-BR", "ta", "sw"]
    rooms = [
        room(f"B{i}", rng.randint(10, 30), *rng.sample(langs, rng.randint(1, 3))) for i in range(10)
    ]
    ids = [r["id"] for r in rooms]
    people = [
        person(f"P{i}", rng.sample(langs, rng.randint(1, 2)), rng.sample(ids, rng.randint(0, 4)))
        for i in range(250)
    ]
    document = {"rooms": rooms, "participants": people}
    output = breakouts.plan(document)
    assert output["status"] == "optimal"
    assert_valid(document, output)
