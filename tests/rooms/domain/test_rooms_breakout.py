from __future__ import annotations

import random
from collections import Counter

import pytest

from rooms.domain import (
    AssignmentMode,
    BreakoutSet,
    BreakoutState,
    Conflict,
    HelpState,
    InvalidTransition,
    NotAllowed,
    NotFound,
    assign_at_random,
    assign_by_hand,
)

pytestmark = pytest.mark.unit

B = BreakoutState


def breakout(mode: AssignmentMode = AssignmentMode.SELF_SELECT) -> BreakoutSet:
    return BreakoutSet("b1", "main", mode, ("r1", "r2"))


def test_open_countdown_close() -> None:
    bset = breakout()
    assert not bset.is_due(10_000.0)
    bset.start_countdown(ends_at=100.0)
    bset.start_countdown(ends_at=160.0)  # moving the end time keeps the state
    assert (bset.is_due(159.9), bset.is_due(160.0)) == (False, True)
    bset.close()
    assert bset.history == [B.OPEN, B.COUNTDOWN, B.CLOSED]
    with pytest.raises(InvalidTransition):
        bset.close()
    with pytest.raises(InvalidTransition):
        bset.start_countdown(200.0)
    assert not bset.is_due(10_000.0)


def test_close_straight_from_open() -> None:
    bset = breakout()
    bset.close()
    assert bset.history == [B.OPEN, B.CLOSED]


def test_choosing_only_in_self_select_and_only_its_rooms() -> None:
    bset = breakout()
    bset.choose("a", "r1")
    bset.choose("a", "r2")
    assert bset.assignments == {"a": "r2"}
    with pytest.raises(NotFound):
        bset.choose("a", "elsewhere")
    with pytest.raises(NotAllowed):
        breakout(AssignmentMode.RANDOM).choose("a", "r1")
    bset.close()
    with pytest.raises(InvalidTransition):
        bset.choose("b", "r1")


def test_organisers_assign_in_any_mode() -> None:
    bset = breakout(AssignmentMode.BY_HAND)
    bset.assign("a", "r2")
    assert bset.assignments == {"a": "r2"}


def test_a_set_needs_rooms_and_known_assignments() -> None:
    with pytest.raises(NotAllowed):
        BreakoutSet("b1", "main", AssignmentMode.RANDOM, ())
    with pytest.raises(NotFound):
        BreakoutSet("b1", "main", AssignmentMode.BY_HAND, ("r1",), {"a": "r9"})


def test_help_requests() -> None:
    bset = breakout()
    request = bset.request_help("h1", "a", "r1", "stuck", at=5.0)
    with pytest.raises(Conflict):
        bset.request_help("h2", "a", "r1", "still stuck", at=6.0)
    with pytest.raises(NotAllowed):
        bset.request_help("h3", "b", "main", "from the main room", at=6.0)
    assert bset.open_help_requests() == [request]
    bset.resolve_help("h1")
    with pytest.raises(InvalidTransition):
        bset.resolve_help("h1")
    with pytest.raises(NotFound):
        bset.resolve_help("nope")
    assert request.history == [HelpState.OPEN, HelpState.RESOLVED]
    assert bset.open_help_requests() == []
    bset.request_help("h4", "a", "r2", "again", at=7.0)


def test_assign_by_hand_refuses_a_seat_in_two_rooms() -> None:
    assert assign_by_hand({"r1": ["a", "b"], "r2": ["c"]}) == {"a": "r1", "b": "r1", "c": "r2"}
    with pytest.raises(Conflict):
        assign_by_hand({"r1": ["a"], "r2": ["a"]})


def test_assign_at_random_balances_rooms_and_follows_the_seed() -> None:
    seats = [f"s{i}" for i in range(11)]
    first = assign_at_random(seats, ["r1", "r2", "r3"], random.Random(3))
    assert sorted(Counter(first.values()).values()) == [3, 4, 4]
    assert set(first) == set(seats)
    assert first == assign_at_random(seats, ["r1", "r2", "r3"], random.Random(3))
