from __future__ import annotations

import pytest

from interpretation.domain import (
    Booth,
    BoothState,
    ChannelRow,
    FadeDecision,
    FadeReason,
    ListenerChoice,
    Problem,
    ProblemKind,
    RelayPath,
    RoomChannels,
    live_board,
)

pytestmark = pytest.mark.unit


def session() -> RoomChannels:
    return RoomChannels(
        "s1",
        [
            Booth("s1", ("fr",), ("ana", "ben")),
            Booth("s1", ("ar",), ("eli", "fay"), source="relay:fr"),
            Booth("s1", ("es",), ()),
        ],
    )


CHOICES = {
    "l1": ListenerChoice("fr"),
    "l2": ListenerChoice("fr", 0.5),
    "l3": ListenerChoice("ar"),
    "l4": ListenerChoice(),
    "l5": ListenerChoice("de"),  # a channel that has since closed
}


def test_the_board_while_the_floor_speaks_and_nobody_is_on_air() -> None:
    board = live_board(session(), CHOICES, floor_speaking=True)
    assert board.listeners == {"original": 1, "fr": 2, "ar": 1, "es": 0, "de": 1}
    assert board.relays == [RelayPath("fr", "fr", "ar")]
    assert board.problems == [
        Problem(
            ProblemKind.NOBODY_ON_AIR,
            "fr",
            "The fr booth has nobody on air while the floor speaks.",
        ),
        Problem(
            ProblemKind.NOBODY_ON_AIR,
            "ar",
            "The ar booth has nobody on air while the floor speaks.",
        ),
        Problem(
            ProblemKind.PIVOT_SILENT,
            "ar",
            "The ar booth takes relay from fr, but nobody is on air in the fr booth.",
        ),
        Problem(ProblemKind.NO_INTERPRETER, "es", "The es booth has no assigned interpreter."),
        Problem(ProblemKind.NO_CHANNEL, None, "1 listener chose de, which no booth offers."),
    ]


def test_the_board_with_everyone_on_air() -> None:
    s1 = session()
    s1.booth("fr").go_on_air("ana")
    s1.booth("ar").go_on_air("fay")
    s1.booth("ar").cough_start("fay")
    board = live_board(s1, {}, floor_speaking=True)
    assert board.channels == [
        ChannelRow("original", None, None, None, True, "floor", True, 0, None),
        ChannelRow("fr", "fr", BoothState.ON_AIR, "ana", True, "floor", True, 0, None),
        ChannelRow("ar", "ar", BoothState.COUGHING, "fay", False, "relay:fr", True, 0, None),
        ChannelRow("es", "es", BoothState.IDLE, None, False, "floor", True, 0, None),
    ]
    assert [p.kind for p in board.problems] == [ProblemKind.NO_INTERPRETER]


def test_a_silent_floor_is_no_problem_but_a_drop_always_is() -> None:
    s1 = session()
    s1.booth("fr").go_on_air("ben")
    s1.booth("fr").connection_lost("ben", now=1.0)
    fades = {"fr": FadeDecision(True, FadeReason.INTERPRETER_DROPPED)}
    board = live_board(s1, {}, floor_speaking=False, fades=fades)
    assert board.problems == [
        Problem(
            ProblemKind.INTERPRETER_DROPPED,
            "fr",
            "The fr booth lost the connection of ben, who was on air.",
        ),
        Problem(ProblemKind.NO_INTERPRETER, "es", "The es booth has no assigned interpreter."),
    ]
    assert board.channels[1].floor_up is FadeReason.INTERPRETER_DROPPED


def test_a_pivot_working_into_its_other_language() -> None:
    s1 = RoomChannels(
        "s1",
        [
            Booth("s1", ("en", "fr"), ("ana",)),
            Booth("s1", ("ar",), ("eli",), source="relay:fr"),
        ],
    )
    s1.booth("en-fr").go_on_air("ana")
    s1.booth("ar").go_on_air("eli")
    assert live_board(s1, {}, floor_speaking=True).problems == [
        Problem(
            ProblemKind.PIVOT_IN_RETOUR,
            "ar",
            "The ar booth takes relay from fr, but the en-fr booth is working into en.",
        )
    ]
    s1.booth("en-fr").retour("ana")
    assert live_board(s1, {}, floor_speaking=True).problems == []


def test_a_bi_active_booth_s_other_language_shows_nobody_on_air() -> None:
    s1 = RoomChannels("s1", [Booth("s1", ("en", "fr"), ("ana", "ben"))])
    s1.booth("en-fr").go_on_air("ana")
    board = live_board(s1, {}, floor_speaking=True)
    assert board.channels == [
        ChannelRow("original", None, None, None, True, "floor", True, 0, None),
        ChannelRow("en", "en-fr", BoothState.ON_AIR, "ana", True, "floor", True, 0, None),
        ChannelRow("fr", "en-fr", BoothState.ON_AIR, None, False, "floor", False, 0, None),
    ]


def test_a_sign_language_channel_counts_its_viewers_apart_from_the_listeners() -> None:
    channels = RoomChannels(
        "s1", [Booth("s1", ("fr",), ("ana",)), Booth("s1", ("ase",), ("sam", "sue"))]
    )
    board = live_board(
        channels, {"l1": ListenerChoice("fr"), "l2": ListenerChoice()}, True, None, {"ase": 2}
    )
    assert {row.language: row.listeners for row in board.channels} == {
        "original": 1,
        "fr": 1,
        "ase": 2,
    }
    assert board.listeners == {"original": 1, "fr": 1}
    # Nobody watching yet: a zero, not a crash.
    board = live_board(channels, {}, True)
    assert [row.listeners for row in board.channels] == [0, 0, 0]
