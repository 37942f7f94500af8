"""The lightning stage: a state machine whose histories tell the whole block."""

from __future__ import annotations

import pytest

from conference.domain.stage import (
    Outcome,
    Phase,
    Stage,
    StageError,
    StageTalk,
    State,
    clock,
    phase,
)

pytestmark = pytest.mark.unit

T0 = 1_767_261_600.0


def talk(n: int, seconds: int = 300, language: str = "en") -> StageTalk:
    return StageTalk(f"t{n}", f"Talk {n}", f"p{n}", f"Speaker {n}", language, language, seconds)


def three() -> Stage:
    return Stage((talk(1), talk(2, 240, "fr"), talk(3, 180, "ar")))


def test_a_block_run_from_start_to_finish() -> None:
    stage = three()
    assert (stage.state, stage.talk, stage.next_talk) == (State.WAITING, None, talk(1))
    stage.start(T0)
    assert (stage.label, stage.started_at, stage.ends_at) == ("live(0)", T0, T0 + 300)
    assert stage.next_talk == talk(2, 240, "fr")
    stage.advance(T0 + 310)
    assert (stage.label, stage.ends_at) == ("live(1)", T0 + 310 + 240)
    stage.extend(T0 + 400)
    assert (stage.ends_at, stage.extended) == (T0 + 310 + 240 + 60, 60)
    stage.skip(T0 + 420)
    assert (stage.label, stage.extended, stage.next_talk) == ("live(2)", 0, None)
    stage.advance(T0 + 600)
    assert (stage.state, stage.talk, stage.ends_at, stage.next_talk) == (
        State.FINISHED, None, None, None,
    )  # fmt: skip
    assert stage.history == [
        "waiting",
        "start → live(0)",
        "advance → live(1)",
        "extend → live(1)",
        "skip → live(2)",
        "advance → finished",
    ]
    assert stage.outcomes == [Outcome.GIVEN, Outcome.SKIPPED, Outcome.GIVEN]


def test_finish_ends_the_block_early_and_counts_the_talk_on_stage_as_given() -> None:
    stage = three()
    stage.start(T0)
    stage.finish(T0 + 30)
    assert stage.history == ["waiting", "start → live(0)", "finish → finished"]
    assert stage.outcomes == [Outcome.GIVEN, Outcome.UPCOMING, Outcome.UPCOMING]


def test_finish_before_the_start() -> None:
    stage = three()
    stage.finish(T0)
    assert stage.history == ["waiting", "finish → finished"]


@pytest.mark.parametrize(
    ("steps", "event"),
    [
        ([], "advance"),
        ([], "skip"),
        ([], "extend"),
        (["start"], "start"),
        (["finish"], "start"),
        (["finish"], "finish"),
        (["finish"], "advance"),
    ],
)
def test_events_the_state_does_not_allow_are_refused_and_change_nothing(
    steps: list[str], event: str
) -> None:
    stage = three()
    for step in steps:
        getattr(stage, step)(T0)
    before = list(stage.history)
    with pytest.raises(StageError, match=f"cannot {event} while"):
        getattr(stage, event)(T0 + 1)
    assert stage.history == before


def test_an_empty_block_cannot_start() -> None:
    with pytest.raises(StageError):
        Stage(()).start(T0)


def test_extending_an_overrun_talk_gives_a_minute_from_now() -> None:
    stage = three()
    stage.start(T0)
    stage.extend(T0 + 330)  # 30 s over
    assert stage.remaining(T0 + 330) == 60


def test_the_running_order_changes_only_before_the_start() -> None:
    stage = three()
    stage.replace_talks((talk(9),))
    assert stage.talks == (talk(9),) and stage.outcomes == [Outcome.UPCOMING]
    stage.start(T0)
    with pytest.raises(StageError):
        stage.replace_talks((talk(1),))


@pytest.mark.parametrize(
    ("remaining", "expected", "shown"),
    [
        (300, Phase.RUNNING, "5:00"),
        (60.5, Phase.RUNNING, "1:01"),
        (60, Phase.ONE_MINUTE, "1:00"),
        (20.2, Phase.ONE_MINUTE, "0:21"),
        (20, Phase.TWENTY_SECONDS, "0:20"),
        (0, Phase.TWENTY_SECONDS, "0:00"),
        (-0.4, Phase.OVERRUN, "+0:00"),
        (-12.7, Phase.OVERRUN, "+0:12"),
        (-75, Phase.OVERRUN, "+1:15"),
    ],
)
def test_the_countdown_warns_at_a_minute_and_at_twenty_seconds_then_shows_the_overrun(
    remaining: float, expected: Phase, shown: str
) -> None:
    assert (phase(remaining), clock(remaining)) == (expected, shown)
