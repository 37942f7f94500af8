"""Moving a lightning talk by hand: each rule the move breaks is one warning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conference.domain.talk_moves import Problem, check_move, slot_at
from conference.planning.lightning import Block, Placement, Slot, Talk

pytestmark = pytest.mark.unit


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


# Slots of five minutes with a minute between them: 15:00, 15:06, 15:12...
BLOCK = Block("B1", at(15), at(15, 30), 5, 1, ("en", "fr"))
PARALLEL = Block("B2", at(15), at(15, 30), 5, 1, ("en",))
ANA = Talk("T1", "P1", "fr", available=((at(14), at(15, 11)),))


def placed(talk: str, speaker: str, block: Block, start: datetime) -> Placement:
    slot = slot_at(block, start)
    assert slot is not None
    return Placement(talk, speaker, slot)


def problems(talk: Talk, block: Block, start: datetime, others: list[Placement]) -> list[Problem]:
    return [w.problem for w in check_move(talk, block, start, others)]


def test_a_move_that_keeps_every_rule_has_no_warning() -> None:
    assert check_move(ANA, BLOCK, at(15, 6), []) == []


def test_a_time_that_is_not_a_slot_start() -> None:
    assert problems(ANA, BLOCK, at(15, 3), []) == [Problem.NOT_A_SLOT]
    assert slot_at(BLOCK, at(15, 24)) == Slot("B1", 4, at(15, 24), at(15, 29))
    assert slot_at(BLOCK, at(15, 30)) is None  # the block ends before a sixth slot would


def test_the_speaker_is_not_available_for_the_whole_slot() -> None:
    assert problems(ANA, BLOCK, at(15, 12), []) == [Problem.UNAVAILABLE]


def test_a_language_the_block_does_not_take() -> None:
    warnings = check_move(ANA, PARALLEL, at(15), [])
    assert [w.problem for w in warnings] == [Problem.LANGUAGE]
    assert "does not take talks in fr" in warnings[0].message


def test_a_slot_another_talk_holds() -> None:
    warnings = check_move(ANA, BLOCK, at(15), [placed("T2", "P2", BLOCK, at(15))])
    assert [(w.problem, w.other_talk) for w in warnings] == [(Problem.SLOT_TAKEN, "T2")]


def test_the_speaker_gives_another_talk_at_the_same_time_in_a_parallel_block() -> None:
    other = placed("T7", "P1", PARALLEL, at(15, 6))
    warnings = check_move(ANA, BLOCK, at(15, 6), [other])
    assert [(w.problem, w.other_talk) for w in warnings] == [(Problem.DOUBLE_BOOKED, "T7")]
    # Back to back is fine: the slots do not overlap.
    assert check_move(ANA, BLOCK, at(15), [other]) == []


def test_the_talks_own_slot_is_not_a_clash_and_every_broken_rule_is_listed() -> None:
    own = placed("T1", "P1", BLOCK, at(15))
    assert check_move(ANA, BLOCK, at(15), [own]) == []
    always_en = Talk("T3", "P3", "ar", available=((at(9), at(10)),))
    taken = placed("T2", "P2", PARALLEL, at(15, 12))
    assert problems(always_en, PARALLEL, at(15, 12), [taken]) == [
        Problem.UNAVAILABLE,
        Problem.LANGUAGE,
        Problem.SLOT_TAKEN,
    ]
