"""Hand-made rosters, one rule at a time (specs/planning.md, section 1)."""

from __future__ import annotations

from typing import Any

import pytest

from interpretation.planning.roster import plan
from tests.interpretation.planning.roster_checks import check
from tests.interpretation.planning.roster_examples import document, group, person, session

pytestmark = pytest.mark.unit


def solve(doc: dict[str, Any]) -> dict[str, Any]:
    output = plan(doc, time_limit=10)
    check(doc, output)
    return output


def staffing(output: dict[str, Any]) -> list[tuple[str, str, list[str], dict[str, str]]]:
    return [
        (b["session"], b["language"], b["interpreters"], b["sources"]) for b in output["booths"]
    ]


def reasons(output: dict[str, Any]) -> list[str]:
    return [item["reason"] for item in output["unserved"]]


# -- who can work into what --------------------------------------------------------


def test_retour_works_into_b_from_an_a_language() -> None:
    out = solve(
        document([session("S1", 30)], [person("I1", ["en"], ["fr"])], [group("S1", ["fr"], 5)])
    )
    assert staffing(out) == [("S1", "fr", ["I1"], {"en": "direct"})]
    assert (out["status"], out["served_listeners"], out["unserved"]) == ("optimal", 5, [])


RELAY_ONLY = (
    "the interpreters free to work into fr need a relay from es, and no booth for es "
    "could be staffed as well"
)


@pytest.mark.parametrize(
    ("interpreter", "reason"),
    [
        # Into B from C: no. This person could only relay es (their A) into fr.
        (person("I1", ["es"], ["fr"], ["en"]), RELAY_ONLY),
        # Into B from B: no, the same.
        (person("I1", ["es"], ["fr", "en"]), RELAY_ONLY),
        # Never into C.
        (person("I1", ["en"], [], ["fr"]), "no interpreter works into fr from en"),
    ],
)
def test_no_retour_from_b_or_c_and_never_into_c(interpreter: dict[str, Any], reason: str) -> None:
    out = solve(document([session("S1", 30)], [interpreter], [group("S1", ["fr"], 5)]))
    assert out["booths"] == []
    assert out["unserved"] == [
        {"session": "S1", "languages": ["fr"], "listeners": 5, "reason": reason}
    ]


def test_retour_through_a_relay_needs_someone_in_the_pivot_booth() -> None:
    # I1 works es -> fr (retour) and en -> es, but cannot sit in both booths.
    lone = person("I1", ["es"], ["fr"], ["en"])
    out = solve(document([session("S1", 30)], [lone], [group("S1", ["fr"], 5)]))
    assert out["booths"] == []
    assert reasons(out) == [RELAY_ONLY]
    pivot = person("I2", ["es"], [], ["en"])
    out = solve(document([session("S1", 30)], [lone, pivot], [group("S1", ["fr"], 5)]))
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "relay:es"}),
        ("S1", "es", ["I2"], {"en": "direct"}),
    ]
    assert (out["served_listeners"], out["relays"]) == (5, 1)


def test_into_a_from_any_known_language() -> None:
    people = [person("I1", ["fr"], [], ["en"]), person("I2", ["es"], ["en"])]
    doc = document([session("S1", 30)], people, [group("S1", ["fr"], 5), group("S1", ["es"], 3)])
    out = solve(doc)
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "direct"}),
        ("S1", "es", ["I2"], {"en": "direct"}),
    ]


def test_languages_compare_case_insensitively_and_print_as_given() -> None:
    doc = document(
        [session("S1", 30, ["EN"])],
        [person("I1", ["PT-br"], [], ["en"])],
        [group("S1", ["pt-BR"], 5), group("S1", ["en", "de"], 2)],
    )
    out = solve(doc)
    assert staffing(out) == [("S1", "pt-BR", ["I1"], {"EN": "direct"})]
    assert out["served_listeners"] == 7


# -- relays ------------------------------------------------------------------------


def test_relay_only_when_no_direct_team() -> None:
    people = [person("I1", ["fr"], [], ["en"]), person("I2", ["es"], [], ["fr"])]
    demand = [group("S1", ["fr"], 5), group("S1", ["es"], 3)]
    out = solve(document([session("S1", 30)], people, demand))
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "direct"}),
        ("S1", "es", ["I2"], {"en": "relay:fr"}),
    ]
    assert (out["relays"], out["served_listeners"]) == (1, 8)

    people.append(person("I3", ["es"], [], ["en"]))
    out = solve(document([session("S1", 30)], people, demand))
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "direct"}),
        ("S1", "es", ["I3"], {"en": "direct"}),
    ]
    assert out["relays"] == 0


def test_never_a_relay_of_a_relay() -> None:
    people = [
        person("I1", ["fr"], [], ["en"]),
        person("I2", ["es"], [], ["fr"]),
        person("I3", ["de"], [], ["es"]),  # could only take es, itself a relay
    ]
    demand = [group("S1", ["fr"], 5), group("S1", ["es"], 3), group("S1", ["de"], 4)]
    out = solve(document([session("S1", 30)], people, demand))
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "direct"}),
        ("S1", "es", ["I2"], {"en": "relay:fr"}),
    ]
    assert reasons(out) == ["no interpreter works into de from en"]


def test_relay_needs_the_whole_team_able() -> None:
    # 90 minutes: a team of two. I3 works from fr, I4 only from en: no common source.
    people = [
        person("I1", ["fr"], [], ["en"]),
        person("I2", ["fr"], [], ["en"]),
        person("I3", ["es"], [], ["fr"]),
        person("I4", ["es"], [], ["en"]),
    ]
    demand = [group("S1", ["fr"], 5), group("S1", ["es"], 3)]
    out = solve(document([session("S1", 90)], people, demand))
    assert staffing(out) == [("S1", "fr", ["I1", "I2"], {"en": "direct"})]
    assert reasons(out) == [
        "the free interpreters who work into es from en cannot form a team of 2 that works "
        "from one source (the floor, or a relay booth that is open)"
    ]


# -- teams and turns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "team"), [(40, 1), (41, 2), (240, 2), (241, 3), (360, 3), (361, 4), (480, 4)]
)
def test_team_size_follows_the_session_length(minutes: int, team: int) -> None:
    people = [person(f"I{k}", ["fr"], [], ["en"]) for k in range(1, 6)]
    doc = document(
        [session("S1", minutes)], people, [group("S1", ["fr"], 5)], max_minutes_per_day=600
    )
    out = solve(doc)
    assert [len(b["interpreters"]) for b in out["booths"]] == [team]


def test_custom_team_rules_and_turns() -> None:
    people = [person(f"I{k}", ["fr"], [], ["en"]) for k in range(1, 4)]
    doc = document(
        [session("S1", 60)],
        people,
        [group("S1", ["fr"], 5)],
        team=[{"up_to_minutes": 30, "interpreters": 1}, {"interpreters": 3}],
        max_turn_minutes=20,
    )
    out = solve(doc)
    (booth,) = out["booths"]
    assert booth["interpreters"] == ["I1", "I2", "I3"]
    assert booth["turns"] == [
        {"interpreter": "I1", "start": "2020-12-05T13:00:00Z", "end": "2020-12-05T13:20:00Z"},
        {"interpreter": "I2", "start": "2020-12-05T13:20:00Z", "end": "2020-12-05T13:40:00Z"},
        {"interpreter": "I3", "start": "2020-12-05T13:40:00Z", "end": "2020-12-05T14:00:00Z"},
    ]


def test_team_of_n_but_only_m_qualify() -> None:
    out = solve(
        document([session("S1", 90)], [person("I1", ["fr"], [], ["en"])], [group("S1", ["fr"], 5)])
    )
    assert out["booths"] == []
    assert reasons(out) == [
        "a team of 2 is needed for this 90-minute session, but only 1 interpreter works "
        "into fr from en"
    ]


# -- time: breaks, daily limits, availability ---------------------------------------


@pytest.mark.parametrize(("pause", "served"), [(10, 10), (15, 5)])
def test_minimum_break_between_sessions(pause: int, served: int) -> None:
    # S1 13:00-14:00, S2 14:10-15:00: a 10-minute gap.
    sessions = [session("S1", 60), session("S2", 50, at=70)]
    demand = [group("S1", ["fr"], 5), group("S2", ["fr"], 5)]
    people = [person("I1", ["fr"], [], ["en"])]
    team = [{"up_to_minutes": None, "interpreters": 1}]
    out = solve(document(sessions, people, demand, min_break_minutes=pause, team=team))
    assert out["served_listeners"] == served
    if served == 5:
        assert reasons(out) == [
            "the interpreters who work into fr from en are busy in other booths or sessions "
            "at that time, or would get less than their 15-minute break"
        ]


def test_overlapping_sessions_and_one_booth_per_session() -> None:
    sessions = [session("S1", 30), session("S2", 30, at=20)]
    demand = [group("S1", ["fr"], 5), group("S1", ["es"], 4), group("S2", ["fr"], 3)]
    people = [person("I1", ["fr", "es"], [], ["en"])]
    out = solve(document(sessions, people, demand))
    assert staffing(out) == [("S1", "fr", ["I1"], {"en": "direct"})]
    assert reasons(out) == [
        "the interpreters who work into es from en are busy in other booths or sessions at "
        "that time",
        "the interpreters who work into fr from en are busy in other booths or sessions at "
        "that time",
    ]


DST = [
    # Paris leaves summer time on 2020-10-25: both sessions start on that local day,
    # although a fixed +02:00 would put the second on the 26th.
    ("Europe/Paris", "2020-10-24T22:15:00+00:00", "2020-10-25T22:30:00+00:00", "2020-10-25"),
    # New York leaves daylight time on 2020-11-01: 00:30 EDT and 23:30 EST, the same day.
    ("America/New_York", "2020-11-01T04:30:00+00:00", "2020-11-02T04:30:00+00:00", "2020-11-01"),
]


@pytest.mark.parametrize(("zone", "first", "second", "day"), DST)
def test_daily_limit_counts_the_local_day_across_a_dst_change(
    zone: str, first: str, second: str, day: str
) -> None:
    sessions = [session("S1", 90, start=first), session("S2", 90, start=second)]
    team = [{"up_to_minutes": None, "interpreters": 1}]
    demand = [group("S1", ["fr"], 5), group("S2", ["fr"], 4)]
    limited = person("I1", ["fr"], [], ["en"], timezone=zone, max_minutes_per_day=120)
    out = solve(document(sessions, [limited], demand, team=team))
    assert out["served_listeners"] == 5
    assert out["load"] == {"I1": {day: 90}}
    assert reasons(out) == [
        "the interpreters who work into fr from en and are free at that time would go over "
        "their daily limit"
    ]
    # In UTC the two sessions fall on different days, so the same person takes both.
    utc = person("I1", ["fr"], [], ["en"], max_minutes_per_day=120)
    out = solve(document(sessions, [utc], demand, team=team))
    assert out["served_listeners"] == 9
    assert list(out["load"]["I1"].values()) == [90, 90]


def test_daily_limit_from_the_rules() -> None:
    sessions = [session("S1", 40), session("S2", 40, at=60)]
    demand = [group("S1", ["fr"], 5), group("S2", ["fr"], 4)]
    out = solve(
        document(sessions, [person("I1", ["fr"], [], ["en"])], demand, max_minutes_per_day=60)
    )
    assert out["served_listeners"] == 5
    assert out["load"] == {"I1": {"2020-12-05": 40}}


@pytest.mark.parametrize(
    ("windows", "served"),
    [
        ([("2020-12-05T12:00:00Z", "2020-12-05T15:00:00Z")], 5),
        ([("2020-12-05T13:00:00Z", "2020-12-05T13:30:00Z")], 5),
        # Two windows touching at 13:15 do not hold the session as one.
        ([("2020-12-05T12:00:00Z", "2020-12-05T13:15:00Z"),
          ("2020-12-05T13:15:00Z", "2020-12-05T15:00:00Z")], 0),
        ([("2020-12-05T13:01:00Z", "2020-12-05T15:00:00Z")], 0),
        ([], 0),
    ],
)  # fmt: skip
def test_availability_holds_the_whole_session(windows: list[tuple[str, str]], served: int) -> None:
    available = [{"start": start, "end": end} for start, end in windows]
    interpreter = person("I1", ["fr"], [], ["en"], available=available)
    out = solve(document([session("S1", 30)], [interpreter], [group("S1", ["fr"], 5)]))
    assert out["served_listeners"] == served
    if not served:
        assert reasons(out) == [
            "the interpreters who work into fr from en are not available at that time"
        ]


def test_partly_available_team() -> None:
    away = {"available": [{"start": "2020-12-06T00:00:00Z", "end": "2020-12-07T00:00:00Z"}]}
    people = [person("I1", ["fr"], [], ["en"]), person("I2", ["fr"], [], ["en"], **away)]
    out = solve(document([session("S1", 90)], people, [group("S1", ["fr"], 5)]))
    assert reasons(out) == [
        "a team of 2 is needed, but of the interpreters who work into fr from en only 1 is "
        "available at that time"
    ]


# -- the floor ---------------------------------------------------------------------


def test_demand_served_by_the_floor_needs_no_booth() -> None:
    demand = [group("S1", ["de", "EN"], 6), group("S1", ["de"], 2)]
    out = solve(document([session("S1", 30)], [person("I1", ["en"], [], ["de"])], demand))
    assert out["booths"] == []
    assert (out["served_listeners"], out["unserved_listeners"]) == (6, 2)
    assert out["load"] == {}


def test_bilingual_floor_gets_booths_for_its_own_languages() -> None:
    people = [
        person("I1", ["fr"], ["en"]),
        person("I2", ["en"], [], ["fr"]),
        person("I3", ["de"], [], ["en"]),
    ]
    demand = [group("S1", ["fr"], 5), group("S1", ["en"], 4), group("S1", ["de"], 3)]
    out = solve(document([session("S1", 30, ["en", "fr"])], people, demand))
    assert staffing(out) == [
        ("S1", "fr", ["I1"], {"en": "direct"}),
        ("S1", "en", ["I2"], {"fr": "direct"}),
        ("S1", "de", ["I3"], {"en": "direct", "fr": "relay:en"}),
    ]
    assert (out["served_listeners"], out["relays"]) == (12, 1)


def test_group_that_understands_the_whole_floor_is_served() -> None:
    doc = document([session("S1", 30, ["en", "fr"])], [], [group("S1", ["fr", "en"], 5)])
    assert solve(doc)["served_listeners"] == 5


def test_no_booth_for_the_only_floor_language() -> None:
    doc = document(
        [session("S1", 30, ["fr"])], [person("I1", ["fr"], [], ["en"])], [group("S1", ["de"], 1)]
    )
    out = solve(doc)
    assert out["booths"] == []
    assert reasons(out) == ["no interpreter works into de from fr"]


# -- objectives in order -----------------------------------------------------------


def test_served_listeners_come_before_relays() -> None:
    people = [person("I1", ["fr"], [], ["en"]), person("I2", ["es"], [], ["fr"])]
    out = solve(
        document([session("S1", 30)], people, [group("S1", ["es"], 3), group("S1", ["fr"], 1)])
    )
    assert out["served_listeners"] == 4
    assert out["relays"] == 1


def test_relays_come_before_assignments() -> None:
    # Booths fr + es (es by relay) serve everyone with 2 people; fr + de + it need 3 people
    # and no relay. Fewer relays wins.
    people = [
        person("I1", ["fr"], [], ["en"]),
        person("I2", ["es"], [], ["fr"]),
        person("I3", ["de"], [], ["en"]),
        person("I4", ["it"], [], ["en"]),
    ]
    demand = [group("S1", ["fr"], 5), group("S1", ["es", "de"], 4), group("S1", ["es", "it"], 3)]
    out = solve(document([session("S1", 30)], people, demand))
    assert [b["language"] for b in out["booths"]] == ["fr", "de", "it"]
    assert (out["served_listeners"], out["relays"]) == (12, 0)


def test_fewest_assignments_last() -> None:
    people = [person(f"I{k}", ["fr", "es"], [], ["en"]) for k in range(1, 4)]
    demand = [group("S1", ["fr", "es"], 5), group("S1", ["es"], 1)]
    out = solve(document([session("S1", 30)], people, demand))
    assert [b["language"] for b in out["booths"]] == ["es"]
    assert out["load"] == {"I1": {"2020-12-05": 30}}


def test_empty_group_gets_no_booth() -> None:
    out = solve(
        document([session("S1", 30)], [person("I1", ["fr"], [], ["en"])], [group("S1", ["fr"], 0)])
    )
    assert out["booths"] == []
    assert reasons(out) == ["the group has no listeners, so no booth was opened for it"]


def test_spec_example() -> None:
    doc = {
        "sessions": [{"id": "S1", "start": "2020-12-05T13:00:00Z",
                      "end": "2020-12-05T14:30:00Z", "floor": ["en"]}],
        "demand": [{"session": "S1", "languages": ["bn", "hi"], "listeners": 12}],
        "interpreters": [{"id": "I1", "A": ["fr"], "B": ["en"], "C": ["es"],
                          "timezone": "Europe/Paris",
                          "available": [{"start": "2020-12-05T08:00:00Z",
                                         "end": "2020-12-05T20:00:00Z"}],
                          "max_minutes_per_day": 240}],
    }  # fmt: skip
    assert solve(doc) == {
        "status": "optimal",
        "served_listeners": 0,
        "unserved_listeners": 12,
        "relays": 0,
        "booths": [],
        "unserved": [
            {
                "session": "S1",
                "languages": ["bn", "hi"],
                "listeners": 12,
                "reason": "no interpreter works into bn or hi from en",
            }
        ],
        "load": {},
    }
