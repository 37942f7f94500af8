"""Turns: cover the session, at most the turn length, rotate, share evenly."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretation.planning.turns import Turn, plan_turns

pytestmark = pytest.mark.unit

START = datetime(2020, 12, 5, 13, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_team_of_two_in_ninety_minutes_takes_four_even_turns() -> None:
    assert plan_turns(START, at(90), ["I1", "I2"], 30) == [
        Turn("I1", at(0), at(22.5)),
        Turn("I2", at(22.5), at(45)),
        Turn("I1", at(45), at(67.5)),
        Turn("I2", at(67.5), at(90)),
    ]


def test_alone_in_the_booth_still_turns_at_the_limit() -> None:
    assert plan_turns(START, at(40), ["I1"], 30) == [
        Turn("I1", at(0), at(20)),
        Turn("I1", at(20), at(40)),
    ]


def test_short_session_with_a_team_still_rotates() -> None:
    assert plan_turns(START, at(20), ["I1", "I2"], 30) == [
        Turn("I1", at(0), at(10)),
        Turn("I2", at(10), at(20)),
    ]


def test_team_of_three_over_five_hours() -> None:
    turns = plan_turns(START, at(300), ["I1", "I2", "I3"], 30)
    assert len(turns) == 12
    assert {turn.end - turn.start for turn in turns} == {timedelta(minutes=25)}
    assert [turn.interpreter for turn in turns[:4]] == ["I1", "I2", "I3", "I1"]


@settings(max_examples=60, deadline=None, database=None)
@given(
    seconds=st.integers(min_value=1, max_value=10 * 3600),
    team=st.integers(min_value=1, max_value=4),
    longest=st.sampled_from([5, 15, 20, 30, 45]),
)
def test_turn_rules_hold(seconds: int, team: int, longest: int) -> None:
    members = [f"I{k}" for k in range(team)]
    end = START + timedelta(seconds=seconds)
    turns = plan_turns(START, end, members, longest)
    assert turns[0].start == START and turns[-1].end == end
    assert all(a.end == b.start for a, b in pairwise(turns))
    assert all(turn.end - turn.start <= timedelta(minutes=longest) for turn in turns)
    if team > 1:
        assert all(a.interpreter != b.interpreter for a, b in pairwise(turns))
    shares: Counter[str] = Counter()
    for turn in turns:
        shares[turn.interpreter] += int((turn.end - turn.start).total_seconds())
    assert set(shares) == set(members) or seconds < team
    # Every member takes as many turns, each within a second of the others.
    assert max(shares.values()) - min(shares.values()) <= len(turns) // team
