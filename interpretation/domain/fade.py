"""When the floor comes up to full level under a channel whose booth has gone quiet.

::

    UNDER ──nobody_on_air──► HOLDING ──hold_elapsed (3 s)──► UP
      ▲                         │                             │
      └──── someone_on_air ─────┴─────────────────────────────┘

The policy reads who holds the air, never the audio level, so a pause in speech never
raises the floor. A cough keeps the air (COUGHING counts as on air), a take-over never
leaves the booth empty, and a handover by off-air then on-air is back within the hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from interpretation.domain.booth import Booth, BoothState

HOLD = 3.0  # seconds with nobody on air before the floor comes up
_EPSILON = 1e-9  # float clocks: 100.1 + 3.0 must count as 3 s


class FloorLevel(StrEnum):
    UNDER = "under"  # the floor sits under the interpreter at the listener's balance
    HOLDING = "holding"  # nobody on air, not yet for HOLD seconds: still under
    UP = "up"  # the floor at full level; the listener is told why


class FadeReason(StrEnum):
    BOOTH_EMPTY = "booth_empty"  # nobody has gone on air, or the last one went off air
    INTERPRETER_DROPPED = "interpreter_dropped"  # the one on air lost the connection
    RETOUR = "retour"  # a bi-active booth works into the other language: the floor is yours
    NO_BOOTH = "no_booth"  # no booth serves the language any more


class FadeEvent(StrEnum):
    SOMEONE_ON_AIR = "someone_on_air"
    NOBODY_ON_AIR = "nobody_on_air"
    HOLD_ELAPSED = "hold_elapsed"


class FadeTransition(NamedTuple):
    from_level: FloorLevel
    event: FadeEvent
    to_level: FloorLevel


@dataclass(frozen=True)
class FadeDecision:
    floor_up: bool
    reason: FadeReason | None  # set only while the floor is up


@dataclass(eq=False)
class FloorFade:
    """The floor-fade state of one booth's channel; a booth starts empty, so HOLDING."""

    started_at: float
    hold: float = HOLD
    level: FloorLevel = field(default=FloorLevel.HOLDING, init=False)
    reason: FadeReason | None = field(default=FadeReason.BOOTH_EMPTY, init=False)
    nobody_since: float | None = field(default=None, init=False)
    history: list[FadeTransition] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.nobody_since = self.started_at

    @property
    def decision(self) -> FadeDecision:
        up = self.level is FloorLevel.UP
        return FadeDecision(up, self.reason if up else None)

    @property
    def up_at(self) -> float | None:
        """When the floor comes up if nobody goes on air: the transport's next timer."""
        if self.level is not FloorLevel.HOLDING or self.nobody_since is None:
            return None
        return self.nobody_since + self.hold

    def someone_on_air(self, now: float) -> FadeDecision:
        """Back under at once."""
        if self.level is not FloorLevel.UNDER:
            self._move(FadeEvent.SOMEONE_ON_AIR, FloorLevel.UNDER)
            self.nobody_since, self.reason = None, None
        return self.decision

    def nobody_on_air(
        self, now: float, reason: FadeReason, since: float | None = None
    ) -> FadeDecision:
        """The hold counts from the first moment nobody was on air (``since``, default now)."""
        if self.level is FloorLevel.UNDER:
            self.nobody_since, self.reason = now if since is None else min(since, now), reason
            self._move(FadeEvent.NOBODY_ON_AIR, FloorLevel.HOLDING)
        elif reason is not self.reason:
            self.reason = reason
            self._move(FadeEvent.NOBODY_ON_AIR, self.level)
        return self.tick(now)

    def tick(self, now: float) -> FadeDecision:
        due = self.up_at
        if due is not None and now >= due - _EPSILON:
            self._move(FadeEvent.HOLD_ELAPSED, FloorLevel.UP)
        return self.decision

    def follow(self, booth: Booth, now: float) -> FadeDecision:
        """Bring the policy up to date with the booth; call after each transition and tick.

        A drop carries its own time. An empty booth's hold counts from the first call that
        sees it empty, so the caller follows every transition as it happens.
        """
        if booth.state is BoothState.IDLE:
            return self.nobody_on_air(now, FadeReason.BOOTH_EMPTY)
        if booth.state is BoothState.DROPPED:
            # The drop carries its own time, so a late call still counts the hold from it.
            return self.nobody_on_air(now, FadeReason.INTERPRETER_DROPPED, booth.dropped_at)
        return self.someone_on_air(now)

    def _move(self, event: FadeEvent, target: FloorLevel) -> None:
        self.history.append(FadeTransition(self.level, event, target))
        self.level = target
