"""Random rosters: every output keeps the rules, and tiny ones match a brute-force optimum."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from interpretation.planning.roster import plan
from tests.interpretation.planning.roster_checks import best, check
from tests.interpretation.planning.roster_examples import BASE, iso

pytestmark = pytest.mark.unit

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]
TEAM = [{"up_to_minutes": 40, "interpreters": 1}, {"up_to_minutes": None, "interpreters": 2}]
# Fewer teams of two in the tiny cases, where two people with the same languages are rare.
TINY_TEAM = [{"up_to_minutes": 60, "interpreters": 1}, {"up_to_minutes": None, "interpreters": 2}]


@st.composite
def rosters(
    draw: st.DrawFn,
    sessions: int,
    languages: int,
    interpreters: int,
    groups: int,
    team: list[dict[str, Any]] = TEAM,
) -> dict[str, Any]:
    """A small roster document, some tags in upper case to exercise case-insensitivity."""
    tags = ["en", "fr", "de", "es"][:languages]

    def spelled(tag: str) -> str:
        return tag.upper() if draw(st.integers(0, 4)) == 0 else tag

    def some(pool: list[str], least: int, most: int) -> list[str]:
        if not pool:
            return []
        most = min(most, len(pool))
        chosen = draw(st.lists(st.sampled_from(pool), min_size=least, max_size=most, unique=True))
        return [spelled(tag) for tag in chosen]

    found = []
    for index in range(draw(st.integers(2, sessions))):
        start = BASE + timedelta(minutes=draw(st.sampled_from([0, 30, 60, 90, 180, 600, 1440])))
        minutes = draw(st.sampled_from([30, 40, 60, 90]))
        floor = ["en"] if draw(st.integers(0, 2)) else some(tags, 1, 2)
        found.append(
            {
                "id": f"S{index + 1}",
                "start": iso(start),
                "end": iso(start + timedelta(minutes=minutes)),
                "floor": floor,
            }
        )
    people = []
    for index in range(draw(st.integers(3, interpreters))):
        a = draw(st.sampled_from(tags))
        b = some([t for t in tags if t != a], 0, 1)
        c = some([t for t in tags if t != a and t not in {x.lower() for x in b}], 0, 2)
        entry: dict[str, Any] = {"id": f"I{index + 1}", "A": [spelled(a)], "B": b, "C": c}
        entry["timezone"] = draw(st.sampled_from(ZONES))
        if draw(st.integers(0, 3)) == 0:
            begin = BASE + timedelta(minutes=draw(st.sampled_from([-60, 0, 60, 120])))
            length = timedelta(minutes=draw(st.sampled_from([60, 180, 2000])))
            entry["available"] = [{"start": iso(begin), "end": iso(begin + length)}]
        if draw(st.integers(0, 3)) == 0:
            entry["max_minutes_per_day"] = draw(st.sampled_from([60, 100, 200]))
        people.append(entry)
    demand = [
        {
            "session": draw(st.sampled_from(found))["id"],
            "languages": some(tags, 1, 2),
            "listeners": draw(st.integers(0, 20)),
        }
        for _ in range(draw(st.integers(2, groups)))
    ]
    rules = {
        "team": team,
        "min_break_minutes": draw(st.sampled_from([0, 15, 45])),
        "max_minutes_per_day": draw(st.sampled_from([120, 360, 60])),
        "max_turn_minutes": draw(st.sampled_from([30, 20])),
    }
    return {"rules": rules, "sessions": found, "interpreters": people, "demand": demand}


def _observe(output: dict[str, Any]) -> None:
    """Steer the search toward relays and bilingual floors, which random rosters rarely hold."""
    target(float(output["relays"]), label="relays")
    target(float(sum(len(booth["sources"]) > 1 for booth in output["booths"])), label="bilingual")
    event(f"relays: {output['relays']}")
    event(f"booths: {len(output['booths'])}")
    for item in output["unserved"]:
        event(f"reason: {' '.join(item['reason'].split()[:3])}")


@settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(rosters(sessions=5, languages=4, interpreters=8, groups=10))
def test_every_roster_keeps_every_rule(doc: dict[str, Any]) -> None:
    output = plan(doc, time_limit=10)
    assert output["status"] == "optimal"
    check(doc, output)
    _observe(output)


@settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(rosters(sessions=3, languages=3, interpreters=5, groups=6, team=TINY_TEAM))
def test_tiny_rosters_are_optimal(doc: dict[str, Any]) -> None:
    output = plan(doc, time_limit=10)
    check(doc, output)
    _observe(output)
    found = (output["served_listeners"], output["relays"], sum(
        len(booth["interpreters"]) for booth in output["booths"]))  # fmt: skip
    assert found == best(doc)
