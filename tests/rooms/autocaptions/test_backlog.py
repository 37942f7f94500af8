"""Backpressure: a worker that falls behind pauses automatic captions instead of lagging."""

from __future__ import annotations

import pytest

from rooms.autocaptions.backlog import MIN_PAUSE_S, PAUSE_AFTER_S, Backlog, Flow

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def speak(backlog: Backlog, clock: Clock, seconds: float, rtf: float) -> int:
    """``seconds`` of 20 ms packets in real time, the worker finishing at ``rtf``; packets sent."""
    sent = 0
    for _ in range(round(seconds / 0.02)):
        clock.t += 0.02
        sent += backlog.offer(0.02)
        backlog.done(backlog.done_s + min(backlog.waiting_s, 0.02 / rtf))
    return sent


def test_a_worker_that_keeps_up_never_pauses() -> None:
    clock = Clock()
    backlog = Backlog(clock)
    assert speak(backlog, clock, 60, rtf=0.4) == 3000
    assert backlog.history == [Flow.RUNNING] and backlog.waiting_s < 0.1


def test_a_worker_too_slow_pauses_within_the_limit_and_drops_instead_of_queueing() -> None:
    clock = Clock()
    backlog = Backlog(clock)
    speak(backlog, clock, 60, rtf=1.5)
    assert backlog.history[:2] == [Flow.RUNNING, Flow.PAUSED]
    assert backlog.waiting_s <= PAUSE_AFTER_S + 0.02  # never more queued than the limit
    assert backlog.dropped_s > 20


def test_captions_resume_once_the_worker_caught_up_and_the_pause_ran_its_length() -> None:
    clock = Clock()
    backlog = Backlog(clock)
    for _ in range(250):  # 5 s sent, nothing done: paused
        backlog.offer(0.02)
    assert backlog.flow is Flow.PAUSED
    backlog.done(backlog.sent_s)
    assert backlog.check() is Flow.PAUSED  # caught up, but the pause has not run its length
    clock.t += MIN_PAUSE_S
    assert backlog.check() is Flow.RUNNING
    assert backlog.history == [Flow.RUNNING, Flow.PAUSED, Flow.RUNNING]


def test_a_relapse_soon_after_resuming_pauses_twice_as_long() -> None:
    clock = Clock()
    backlog = Backlog(clock)
    for pause in (MIN_PAUSE_S, 2 * MIN_PAUSE_S, 4 * MIN_PAUSE_S):
        while backlog.offer(0.02):
            pass
        backlog.done(backlog.sent_s)
        clock.t += pause - 0.1
        assert backlog.check() is Flow.PAUSED
        clock.t += 0.1
        assert backlog.check() is Flow.RUNNING


def test_open_microphones_on_the_floor_count_once_each_toward_the_lag() -> None:
    """Three open microphones send three seconds of audio a second: a worker busy for 2 s
    (a phrase being recognised) is 2 s behind the floor, not 6, and does not pause."""
    clock = Clock()
    backlog = Backlog(clock)
    backlog.sources = 3
    for _ in range(100):  # 2 s of wall time, three packets each 20 ms, none done yet
        clock.t += 0.02
        assert all(backlog.offer(0.02) for _ in range(3))
    assert backlog.waiting_s == pytest.approx(6.0) and backlog.lag_s == pytest.approx(2.0)
    assert backlog.flow is Flow.RUNNING
    for _ in range(110):  # 2.2 s more, still busy: 4.2 s behind
        clock.t += 0.02
        for _ in range(3):
            backlog.offer(0.02)
    assert backlog.flow is Flow.PAUSED
