"""The console's turn plan: who should be on air now, who is next, and the countdown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from interpretation.domain.errors import InvalidSetup


class TurnLike(Protocol):
    """A roster turn; ``interpretation.planning.turns.Turn`` is one."""

    @property
    def interpreter(self) -> str: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True)
class TurnPlan:
    current: str | None  # whose turn it is; None between turns or outside the plan
    next: str | None  # who takes over at ``handover_at``; None when nobody does
    handover_at: datetime | None  # when the current run of turns ends or the next begins
    seconds_to_handover: float | None


def turn_plan(turns: Iterable[TurnLike], now: datetime) -> TurnPlan:
    """The countdown at ``now``; back-to-back turns of one interpreter count as one run."""
    if now.utcoffset() is None:
        raise InvalidSetup("the turn plan needs an aware time for now")
    ordered = sorted(turns, key=lambda turn: turn.start)
    for turn in ordered:
        if turn.start.utcoffset() is None or turn.end.utcoffset() is None:
            raise InvalidSetup("turns need aware start and end times")
        if turn.end <= turn.start:
            raise InvalidSetup(f"a turn of {turn.interpreter} ends before it starts")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end:
            raise InvalidSetup(f"the turns of {before.interpreter} and {after.interpreter} overlap")
    index = next((i for i, turn in enumerate(ordered) if now < turn.end), len(ordered))
    if index == len(ordered):
        return TurnPlan(None, None, None, None)
    if now < ordered[index].start:
        upcoming = ordered[index]
        return TurnPlan(None, upcoming.interpreter, upcoming.start, _seconds(upcoming.start, now))
    current = ordered[index]
    end = current.end
    for turn in ordered[index + 1 :]:
        if turn.start != end or turn.interpreter != current.interpreter:
            break
        end = turn.end
        index += 1
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    successor = following.interpreter if following is not None else None
    return TurnPlan(current.interpreter, successor, end, _seconds(end, now))


def _seconds(at: datetime, now: datetime) -> float:
    return (at - now).total_seconds()
