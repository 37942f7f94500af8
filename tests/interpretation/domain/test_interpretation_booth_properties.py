from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretation.domain import Booth, BoothState, InterpretationError

pytestmark = pytest.mark.unit

PEOPLE = ("ana", "ben", "cem", "eve")  # eve is not assigned to the booth
WHO_ACTIONS = (
    "go_on_air",
    "take_over",
    "go_off_air",
    "request_handover",
    "offer_handover",
    "accept_handover",
    "decline_handover",
    "cancel_handover",
    "cough_start",
    "cough_end",
    "retour",
)
TIMED_ACTIONS = ("connection_lost", "connection_back")

step = st.one_of(
    st.tuples(st.sampled_from(WHO_ACTIONS), st.sampled_from(PEOPLE), st.just(0.0)),
    st.tuples(st.sampled_from(TIMED_ACTIONS), st.sampled_from(PEOPLE), st.floats(0.0, 20.0)),
    st.tuples(st.just("tick"), st.just(""), st.floats(0.0, 20.0)),
    st.tuples(
        st.just("set_source"),
        st.sampled_from(PEOPLE),
        st.sampled_from(["floor", "relay:de", "relay:en", "x"]),
    ),
)


def snapshot(booth: Booth) -> tuple[object, ...]:
    return (
        booth.state,
        booth.on_air,
        booth.pending,
        booth.dropped_at,
        booth.output_language,
        booth.source,
        len(booth.history),
    )


def publishers(booth: Booth) -> list[str]:
    allowed = []
    for member in booth.members:
        try:
            booth.require_publisher(member)
        except InterpretationError:
            continue
        allowed.append(member)
    return allowed


@settings(max_examples=400, deadline=None)
@given(st.lists(step, max_size=40))
def test_any_sequence_keeps_one_voice_and_a_consistent_history(
    steps: list[tuple[str, str, Any]],
) -> None:
    booth = Booth("s1", ("en", "fr"), ("ana", "ben", "cem"))
    clock = 0.0
    for action, who, value in steps:
        before = snapshot(booth)
        try:
            if action == "tick":
                clock += float(value)
                booth.tick(clock)
            elif action in TIMED_ACTIONS:
                clock += float(value)
                getattr(booth, action)(who, clock)
            elif action == "set_source":
                booth.set_source(who, str(value))
            else:
                getattr(booth, action)(who)
        except InterpretationError:
            assert snapshot(booth) == before  # refused: nothing changed
        assert len(publishers(booth)) <= 1
        assert (booth.on_air is None) == (booth.state is BoothState.IDLE)
        assert booth.on_air is None or booth.on_air in booth.members
        assert not booth.audible or booth.on_air is not None
        if booth.state is BoothState.HANDOVER_REQUESTED:
            assert booth.pending is not None
        if booth.state in (BoothState.ON_AIR, BoothState.IDLE, BoothState.DROPPED):
            assert booth.pending is None
    states = [BoothState.IDLE] + [t.to_state for t in booth.history]
    assert [t.from_state for t in booth.history] == states[:-1]
    assert states[-1] is booth.state
