"""Backpressure between the floor and a captions worker (no I/O): pause rather than lag.

The server counts the audio it handed the worker and the audio the worker says it has
finished with. The difference is the audio still waiting, summed over the floor's
microphones: with ``sources`` microphones streaming at once (browsers send packets while
silent), that much audio is ``waiting_s / sources`` seconds of the worker's lag behind the
floor. When the lag passes :data:`PAUSE_AFTER_S`, the worker is not keeping up (its real-time
factor is above 1): automatic captions pause, new
audio is dropped instead of queued, and the page says so. Captions resume once the worker
has caught up (under :data:`RESUME_BELOW_S` waiting) and at least the pause's length has
passed; each pause that follows a resume within :data:`RELAPSE_S` lasts twice as long (up to
:data:`MAX_PAUSE_S`), so a worker that cannot keep up does not flicker on and off.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

__all__ = ["Backlog", "Flow"]

PAUSE_AFTER_S = 4.0
RESUME_BELOW_S = 0.5
MIN_PAUSE_S = 5.0
MAX_PAUSE_S = 60.0
RELAPSE_S = 30.0


class Flow(enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"


class Backlog:
    """Audio sent to a worker and not yet done with, in seconds; pauses and resumes the flow."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.flow = Flow.RUNNING
        self.history: list[Flow] = [Flow.RUNNING]
        self.sent_s = 0.0
        self.done_s = 0.0
        self.sources = 1  # microphones streaming to the worker at once (set by the tap)
        self.dropped_s = 0.0
        self._paused_at = 0.0
        self._resumed_at: float | None = None
        self._pause_s = MIN_PAUSE_S

    @property
    def waiting_s(self) -> float:
        return max(0.0, self.sent_s - self.done_s)

    @property
    def lag_s(self) -> float:
        """How far the worker is behind the floor: the audio waiting, per microphone."""
        return self.waiting_s / max(1, self.sources)

    def offer(self, seconds: float) -> bool:
        """Whether ``seconds`` of new audio may go to the worker (counted if so)."""
        self.check()
        if self.flow is Flow.PAUSED:
            self.dropped_s += seconds
            return False
        self.sent_s += seconds
        if self.lag_s > PAUSE_AFTER_S:
            self._set(Flow.PAUSED)
        return True

    def done(self, total_s: float) -> None:
        """The worker has finished with ``total_s`` seconds of audio in all."""
        self.done_s = max(self.done_s, total_s)
        self.check()

    def check(self) -> Flow:
        """Resume if the pause has run its length and the worker caught up; the flow now."""
        now = self.clock()
        if (
            self.flow is Flow.PAUSED
            and self.lag_s <= RESUME_BELOW_S
            and now - self._paused_at >= self._pause_s
        ):
            self._set(Flow.RUNNING)
        return self.flow

    def _set(self, flow: Flow) -> None:
        now = self.clock()
        if flow is Flow.PAUSED:
            relapse = self._resumed_at is not None and now - self._resumed_at < RELAPSE_S
            self._pause_s = min(MAX_PAUSE_S, self._pause_s * 2) if relapse else MIN_PAUSE_S
            self._paused_at = now
        else:
            self._resumed_at = now
        self.flow = flow
        self.history.append(flow)
