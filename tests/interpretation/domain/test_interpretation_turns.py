from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from interpretation.domain import InvalidSetup, TurnPlan, turn_plan
from interpretation.planning.turns import plan_turns

pytestmark = pytest.mark.unit

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Turn:
    interpreter: str
    start: datetime
    end: datetime


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


TURNS = [
    Turn("ben", at(30), at(60)),  # out of order on purpose
    Turn("ana", at(0), at(30)),
    Turn("ana", at(60), at(90)),
    Turn("ana", at(90), at(100)),  # back to back with the one before: one run
    Turn("ben", at(120), at(150)),  # after a gap
]


@pytest.mark.parametrize(
    ("minutes", "plan"),
    [
        (-5, TurnPlan(None, "ana", at(0), 300.0)),
        (0, TurnPlan("ana", "ben", at(30), 1800.0)),
        (29.5, TurnPlan("ana", "ben", at(30), 30.0)),
        (30, TurnPlan("ben", "ana", at(60), 1800.0)),
        (70, TurnPlan("ana", "ben", at(100), 1800.0)),
        (110, TurnPlan(None, "ben", at(120), 600.0)),
        (140, TurnPlan("ben", None, at(150), 600.0)),
        (150, TurnPlan(None, None, None, None)),
    ],
)
def test_the_countdown(minutes: float, plan: TurnPlan) -> None:
    assert turn_plan(TURNS, at(minutes)) == plan


def test_any_aware_time_zone_will_do() -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    assert turn_plan(TURNS, at(29.5).astimezone(kolkata)).seconds_to_handover == 30.0


def test_the_planners_turns() -> None:
    turns = plan_turns(at(0), at(60), ["ana", "ben"], max_turn_minutes=30)
    assert turn_plan(turns, at(10)) == TurnPlan("ana", "ben", at(30), 1200.0)


@pytest.mark.parametrize(
    ("turns", "now"),
    [
        ([Turn("ana", at(0), at(30))], datetime(2025, 3, 4, 9, 0)),
        ([Turn("ana", datetime(2025, 3, 4, 9, 0), at(30))], at(0)),
        ([Turn("ana", at(30), at(0))], at(0)),
        ([Turn("ana", at(0), at(30)), Turn("ben", at(20), at(40))], at(0)),
    ],
)
def test_impossible_plans(turns: list[Turn], now: datetime) -> None:
    with pytest.raises(InvalidSetup):
        turn_plan(turns, now)
