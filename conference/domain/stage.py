"""The live stage of a lightning block: which talk is on, and until when.

A plain state machine without I/O. Times are Unix seconds given by the caller, so tests
drive it with a fake clock. States and events::

    waiting ──start──► live(0) ──advance/skip──► live(1) ─ … ─► live(n-1) ──advance/skip──► finished
                         │  ▲                                                  ▲
                         └──┘ extend (+60 s)            waiting / live(k) ──finish──┘

``advance`` ends the current talk as given, ``skip`` as skipped (the speaker did not
come, or the host had to cut it); either way the next talk starts at once. A talk may
run over its time: the countdown goes negative and the stage shows the overrun, but
nothing moves on until the host says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

EXTEND_SECONDS = 60
# The countdown warns when this many seconds are left (first the gentle one, then the urgent).
WARNINGS = (60, 20)


class StageError(ValueError):
    """An event the stage's current state does not allow."""

    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"the stage cannot {event} while {state}")
        self.state = state
        self.event = event


class State(StrEnum):
    WAITING = "waiting"
    LIVE = "live"
    FINISHED = "finished"


class Outcome(StrEnum):
    UPCOMING = "upcoming"
    LIVE = "live"
    GIVEN = "given"
    SKIPPED = "skipped"


class Phase(StrEnum):
    """How the countdown of the current talk looks."""

    RUNNING = "running"
    ONE_MINUTE = "one_minute"  # at most 60 s left
    TWENTY_SECONDS = "twenty_seconds"  # at most 20 s left
    OVERRUN = "overrun"


@dataclass(frozen=True)
class StageTalk:
    """A talk as the stage needs it; ``speaker`` is the speaker's person id."""

    talk_id: str
    title: str
    speaker: str
    speaker_name: str
    language: str
    language_name: str
    seconds: int
    slides_url: str = ""


def phase(remaining: float) -> Phase:
    """The countdown's look with ``remaining`` seconds left (negative: over time)."""
    if remaining < 0:
        return Phase.OVERRUN
    if remaining <= WARNINGS[1]:
        return Phase.TWENTY_SECONDS
    if remaining <= WARNINGS[0]:
        return Phase.ONE_MINUTE
    return Phase.RUNNING


def clock(remaining: float) -> str:
    """``4:05`` for time left, ``+0:12`` for an overrun (whole seconds, rounded up while left)."""
    if remaining < 0:
        over = int(-remaining)
        return f"+{over // 60}:{over % 60:02d}"
    left = int(remaining) + (0 if remaining == int(remaining) else 1)
    return f"{left // 60}:{left % 60:02d}"


@dataclass
class Stage:
    """One lightning block's running order and where it has got to."""

    talks: tuple[StageTalk, ...]
    state: State = State.WAITING
    current: int | None = None
    started_at: float | None = None  # when the current talk started
    ends_at: float | None = None  # when its time is up (extensions included)
    extended: int = 0  # seconds added to the current talk
    outcomes: list[Outcome] = field(default_factory=list)
    history: list[str] = field(default_factory=lambda: ["waiting"])

    def __post_init__(self) -> None:
        if not self.outcomes:
            self.outcomes = [Outcome.UPCOMING] * len(self.talks)

    @property
    def label(self) -> str:
        """The state as the history records it: ``waiting``, ``live(2)``, ``finished``."""
        return f"live({self.current})" if self.state is State.LIVE else self.state.value

    @property
    def talk(self) -> StageTalk | None:
        return self.talks[self.current] if self.current is not None else None

    @property
    def next_index(self) -> int | None:
        """Who is up next: the talk after the current one, or the first while waiting."""
        if self.state is State.FINISHED:
            return None
        index = 0 if self.current is None else self.current + 1
        return index if index < len(self.talks) else None

    @property
    def next_talk(self) -> StageTalk | None:
        index = self.next_index
        return None if index is None else self.talks[index]

    def remaining(self, now: float) -> float | None:
        """Seconds left of the current talk (negative once over time); None when none is on."""
        return None if self.ends_at is None else self.ends_at - now

    def replace_talks(self, talks: tuple[StageTalk, ...]) -> None:
        """A fresh running order from the programme; only before the block starts."""
        self._require("change the running order", State.WAITING)
        self.talks = talks
        self.outcomes = [Outcome.UPCOMING] * len(talks)

    # Events.

    def start(self, now: float) -> None:
        self._require("start", State.WAITING)
        if not self.talks:
            raise StageError("waiting with no talks", "start")
        self._go_live(0, now, "start")

    def advance(self, now: float) -> None:
        self._end_current(Outcome.GIVEN, now, "advance")

    def skip(self, now: float) -> None:
        self._end_current(Outcome.SKIPPED, now, "skip")

    def extend(self, now: float, seconds: int = EXTEND_SECONDS) -> None:
        self._require("extend", State.LIVE)
        assert self.ends_at is not None
        # Extending an overrun talk gives it time from now, not from when it ran out.
        self.ends_at = max(self.ends_at, now) + seconds
        self.extended += seconds
        self.history.append(f"extend → {self.label}")

    def finish(self, now: float) -> None:
        self._require("finish", State.WAITING, State.LIVE)
        if self.current is not None:
            self.outcomes[self.current] = Outcome.GIVEN
        self._close("finish")

    # Internals.

    def _require(self, event: str, *allowed: State) -> None:
        if self.state not in allowed:
            raise StageError(self.label, event)

    def _end_current(self, outcome: Outcome, now: float, event: str) -> None:
        self._require(event, State.LIVE)
        assert self.current is not None
        self.outcomes[self.current] = outcome
        following = self.current + 1
        if following < len(self.talks):
            self._go_live(following, now, event)
        else:
            self._close(event)

    def _go_live(self, index: int, now: float, event: str) -> None:
        self.state = State.LIVE
        self.current = index
        self.outcomes[index] = Outcome.LIVE
        self.started_at = now
        self.ends_at = now + self.talks[index].seconds
        self.extended = 0
        self.history.append(f"{event} → {self.label}")

    def _close(self, event: str) -> None:
        self.state = State.FINISHED
        self.current = None
        self.started_at = self.ends_at = None
        self.extended = 0
        self.history.append(f"{event} → finished")
