from __future__ import annotations

import pytest

from interpretation.domain import (
    Booth,
    FadeDecision,
    FadeEvent,
    FadeReason,
    FloorFade,
    FloorLevel,
)

pytestmark = pytest.mark.unit

L = FloorLevel
F = FadeEvent
UNDER = FadeDecision(False, None)


def on_air_booth() -> tuple[Booth, FloorFade]:
    booth = Booth("s1", ("fr",), ("ana", "ben"))
    fade = FloorFade(started_at=0.0)
    booth.go_on_air("ana")
    assert fade.follow(booth, 0.5) == UNDER
    return booth, fade


def test_an_empty_booth_raises_the_floor_after_exactly_three_seconds() -> None:
    fade = FloorFade(started_at=100.0)
    assert (fade.level, fade.up_at) == (L.HOLDING, 103.0)
    assert fade.tick(102.9) == UNDER
    assert fade.tick(103.0) == FadeDecision(True, FadeReason.BOOTH_EMPTY)
    assert fade.history == [(L.HOLDING, F.HOLD_ELAPSED, L.UP)]


def test_the_floor_goes_back_under_when_someone_is_on_air() -> None:
    booth = Booth("s1", ("fr",), ("ana",))
    fade = FloorFade(started_at=0.0)
    assert fade.follow(booth, 3.0).floor_up
    booth.go_on_air("ana")
    assert fade.follow(booth, 3.1) == UNDER
    assert fade.history == [
        (L.HOLDING, F.HOLD_ELAPSED, L.UP),
        (L.UP, F.SOMEONE_ON_AIR, L.UNDER),
    ]


def test_a_drop_raises_the_floor_at_three_seconds_with_its_reason() -> None:
    booth, fade = on_air_booth()
    booth.connection_lost("ana", now=10.1)
    assert fade.follow(booth, 10.1) == UNDER
    assert fade.follow(booth, 13.0) == UNDER  # 2.9 s
    assert fade.follow(booth, 13.1) == FadeDecision(True, FadeReason.INTERPRETER_DROPPED)
    booth.connection_back("ana", now=14.0)
    assert fade.follow(booth, 14.0) == UNDER
    assert fade.history == [
        (L.HOLDING, F.SOMEONE_ON_AIR, L.UNDER),
        (L.UNDER, F.NOBODY_ON_AIR, L.HOLDING),
        (L.HOLDING, F.HOLD_ELAPSED, L.UP),
        (L.UP, F.SOMEONE_ON_AIR, L.UNDER),
    ]


def test_a_drop_past_the_grace_keeps_the_floor_up_and_says_the_booth_is_empty() -> None:
    booth, fade = on_air_booth()
    booth.connection_lost("ana", now=1.0)
    assert fade.follow(booth, 1.0) == UNDER
    assert fade.follow(booth, 4.0).reason is FadeReason.INTERPRETER_DROPPED
    booth.tick(11.0)
    assert fade.follow(booth, 11.0) == FadeDecision(True, FadeReason.BOOTH_EMPTY)
    assert fade.history[-1] == (L.UP, F.NOBODY_ON_AIR, L.UP)


def test_a_cough_never_raises_the_floor() -> None:
    booth, fade = on_air_booth()
    booth.cough_start("ana")
    for now in (1.0, 4.0, 30.0):
        assert fade.follow(booth, now) == UNDER
    booth.cough_end("ana")
    assert fade.follow(booth, 31.0) == UNDER
    assert fade.history == [(L.HOLDING, F.SOMEONE_ON_AIR, L.UNDER)]


def test_a_pause_in_speech_never_raises_the_floor() -> None:
    # The policy reads who holds the air, not the audio: ten silent seconds change nothing.
    booth, fade = on_air_booth()
    for now in range(1, 11):
        assert fade.follow(booth, float(now)) == UNDER
    assert fade.level is L.UNDER


def test_a_handover_by_off_air_then_on_air_within_the_hold_never_raises_the_floor() -> None:
    booth, fade = on_air_booth()
    booth.go_off_air("ana")
    assert fade.follow(booth, 20.0) == UNDER
    assert fade.follow(booth, 22.9) == UNDER
    booth.go_on_air("ben")
    assert fade.follow(booth, 22.9) == UNDER
    assert fade.history[1:] == [
        (L.UNDER, F.NOBODY_ON_AIR, L.HOLDING),
        (L.HOLDING, F.SOMEONE_ON_AIR, L.UNDER),
    ]


def test_handovers_and_take_overs_never_raise_the_floor() -> None:
    booth, fade = on_air_booth()
    booth.request_handover("ben")
    assert fade.follow(booth, 5.0) == UNDER
    booth.accept_handover("ana")
    assert fade.follow(booth, 5.0) == UNDER
    booth.take_over("ana")
    assert fade.follow(booth, 9.0) == UNDER
    assert fade.history == [(L.HOLDING, F.SOMEONE_ON_AIR, L.UNDER)]


def test_the_hold_counts_from_the_first_moment_nobody_was_on_air() -> None:
    booth, fade = on_air_booth()
    booth.connection_lost("ana", now=1.0)
    fade.follow(booth, 1.0)
    booth.go_off_air("ana")  # from dropped to empty: the hold does not start again
    assert fade.follow(booth, 3.0) == UNDER
    assert fade.follow(booth, 4.0) == FadeDecision(True, FadeReason.BOOTH_EMPTY)


def test_a_drop_seen_late_still_counts_the_hold_from_the_drop() -> None:
    booth, fade = on_air_booth()
    booth.connection_lost("ana", now=1.0)
    assert fade.follow(booth, 4.0) == FadeDecision(True, FadeReason.INTERPRETER_DROPPED)
