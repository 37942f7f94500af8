"""Who is on air when: a booth's turns over its session."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Turn:
    interpreter: str
    start: datetime
    end: datetime


def plan_turns(
    start: datetime, end: datetime, members: Sequence[str], max_turn_minutes: float
) -> list[Turn]:
    """Turns covering ``start`` to ``end``, rotating through ``members`` in order.

    The number of turns is the smallest multiple of the team size whose turns fit in
    ``max_turn_minutes``, so every member takes the same number of turns of (to the second)
    the same length, and a member never follows themself unless alone in the booth.
    """
    team = len(members)
    length = int((end - start).total_seconds())
    longest = max(1, math.floor(max_turn_minutes * 60 + 1e-9))
    count = team * max(1, math.ceil(length / (team * longest)))
    # Whole-second boundaries spread the remainder: turns differ by at most one second.
    bounds = [start + timedelta(seconds=length * k // count) for k in range(count)] + [end]
    return [Turn(members[k % team], bounds[k], bounds[k + 1]) for k in range(count)]
