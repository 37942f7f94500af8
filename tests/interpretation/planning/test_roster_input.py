"""Invalid roster documents: every problem reported at once, named by its JSON path."""

from __future__ import annotations

from typing import Any

import pytest

from conference.planning.inputs import InvalidInput
from interpretation.planning.roster import plan
from interpretation.planning.roster_input import DEFAULT_TEAM, Rules, read_roster
from tests.interpretation.planning.roster_examples import document, group, person, session

pytestmark = pytest.mark.unit


def problems(doc: Any) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        plan(doc)
    return raised.value.problems


def test_every_problem_with_its_path() -> None:
    doc = {
        "rules": {
            "max_turn_minutes": 0,
            "team": [{"up_to_minutes": -5, "interpreters": 0}, "x"],
            "max_minutes_per_day": "lots",
            "min_break_minutes": -1,
        },
        "sessions": [
            {"id": "S1", "start": "2020-12-05T13:00:00Z", "end": "2020-12-05T12:00:00Z",
             "floor": ["en"]},
            {"id": "S1", "start": "2020-12-05T13:00:00", "end": "2020-12-05T14:00:00Z",
             "floor": []},
            {"start": "2020-12-05T13:00:00Z", "end": "2020-12-05T14:00:00Z", "floor": "en"},
            {"id": "S4", "start": "noon", "floor": ["en", 3]},
        ],
        "demand": [
            {"session": "S1", "languages": ["fr"], "listeners": 3},
            {"session": "S1", "languages": [], "listeners": -2},
            {"session": "S9", "languages": ["fr"], "listeners": 2.5},
            {"languages": "fr"},
        ],
        "interpreters": [
            {"id": "I1", "A": "fr", "timezone": "Mars/Olympus", "max_minutes_per_day": -1,
             "available": [{"start": "2020-12-05T13:00:00Z", "end": "2020-12-05T13:00:00Z"}]},
            {"id": "I1"},
            {"A": ["fr"]},
            7,
        ],
    }  # fmt: skip
    assert problems(doc) == [
        "rules.team[1]: must be an object",
        "rules.team[0].up_to_minutes: must not be negative",
        "rules.team[0].interpreters: must be positive",
        "rules.max_turn_minutes: must be positive",
        "rules.max_minutes_per_day: must be a number",
        "rules.min_break_minutes: must not be negative",
        "sessions[1].id: repeats the id 'S1'",
        "sessions[2].id: is required",
        "sessions[0].end: must be after start",
        "sessions[1].start: must carry an offset, such as Z or +05:30",
        "sessions[1].floor: must list at least one language",
        "sessions[2].floor: must be a list of strings",
        "sessions[3].start: is not an ISO 8601 time: 'noon'",
        "sessions[3].end: is required",
        "sessions[3].floor[1]: must be a non-empty string",
        "demand[1].languages: must list at least one language",
        "demand[1].listeners: must not be negative",
        "demand[2].session: refers to an unknown session 'S9'",
        "demand[2].listeners: must be a whole number",
        "demand[3].session: is required",
        "demand[3].languages: must be a list of strings",
        "demand[3].listeners: is required",
        "interpreters[3]: must be an object",
        "interpreters[1].id: repeats the id 'I1'",
        "interpreters[2].id: is required",
        "interpreters[0].A: must be a list of strings",
        "interpreters[0].timezone: is not a known IANA timezone: 'Mars/Olympus'",
        "interpreters[0].available[0].end: must be after start",
        "interpreters[0].max_minutes_per_day: must not be negative",
    ]


def test_unknown_session_of_a_demand_group() -> None:
    doc = document(
        [session("S1", 30)],
        [],
        [group("S1", ["fr"], 1), group("S1", ["de"], 1), group("S9", ["fr"], 1)],
    )
    assert problems(doc) == ["demand[2].session: refers to an unknown session 'S9'"]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], ["(document): must be a JSON object"]),
        ({}, ["sessions: is required", "interpreters: is required"]),
        (
            {"sessions": "x", "interpreters": {}},
            ["sessions: must be a list", "interpreters: must be a list"],
        ),
        ({"sessions": [], "interpreters": [], "rules": []}, ["rules: must be an object"]),
        (
            document(
                [session("S1", 600)], [], [], team=[{"up_to_minutes": 240, "interpreters": 2}]
            ),
            ["sessions[0]: lasts 600 minutes, longer than any rules.team entry covers"],
        ),
        (
            document([session("S1", 60)], [], [], team=[]),
            ["rules.team: must have at least one entry"],
        ),
        (document([], [], [], team="x"), ["rules.team: must be a list"]),
        (
            document([session("S1", 60)], [person("I1", ["fr"], timezone="")], []),
            ["interpreters[0].timezone: must be a non-empty string"],
        ),
        (
            document([session("S1", 60)], [person("I1", ["fr"], available={})], []),
            ["interpreters[0].available: must be a list"],
        ),
    ],
)
def test_document_level_problems(doc: Any, expected: list[str]) -> None:
    assert problems(doc) == expected


def test_ids_may_be_numbers_and_rules_default() -> None:
    doc = {
        "sessions": [{"id": 1, "start": "2020-12-05T18:30:00+05:30", "end": "2020-12-05T14:00:00Z",
                      "floor": ["en"]}],
        "interpreters": [{"id": 2}],
        "demand": [{"session": 1, "languages": ["fr"], "listeners": 1}],
    }  # fmt: skip
    problem = read_roster(doc)
    assert [s.id for s in problem.sessions] == ["1"]
    assert problem.sessions[0].minutes == 60
    assert problem.rules == Rules(30, DEFAULT_TEAM, 360, 0)
    assert problem.interpreters[0].a == frozenset()
