from __future__ import annotations

import pytest

from interpretation.domain import (
    ORIGINAL,
    Booth,
    Channel,
    FadeDecision,
    FadeReason,
    InvalidChoice,
    InvalidSetup,
    InvalidSource,
    ListenerChoice,
    Mix,
    NotInBooth,
    RelayPath,
    RoomChannels,
    UnknownLanguage,
    balance_gains,
)

pytestmark = pytest.mark.unit


def session() -> RoomChannels:
    """A floor in English and French: a bi-active en-fr booth, an es booth, an ar booth."""
    return RoomChannels(
        "s1",
        [
            Booth("s1", ("en", "fr"), ("ana", "ben")),
            Booth("s1", ("es",), ("cai", "dan")),
            Booth("s1", ("ar",), ("eli", "fay")),
        ],
    )


def test_channels_the_original_then_each_booth_language() -> None:
    channels = session().channels()
    assert channels == [
        Channel(ORIGINAL, None, "floor", True),
        Channel("en", "en-fr", "floor", True),
        Channel("fr", "en-fr", "floor", False),
        Channel("es", "es", "floor", True),
        Channel("ar", "ar", "floor", True),
    ]
    assert session().languages() == (ORIGINAL, "en", "fr", "es", "ar")


def test_relay_paths() -> None:
    s1 = session()
    s1.set_source("ar", "eli", "relay:fr")
    s1.set_source("es", "cai", "relay:fr")
    assert s1.relay_paths() == [RelayPath("en-fr", "fr", "es"), RelayPath("en-fr", "fr", "ar")]
    assert s1.channels()[4] == Channel("ar", "ar", "relay:fr", True)
    s1.set_source("ar", "fay", "floor")
    assert s1.relay_paths() == [RelayPath("en-fr", "fr", "es")]


@pytest.mark.parametrize(
    ("setup", "booth", "source", "why"),
    [
        ([], "ar", "relay:ar", "from itself"),
        ([], "en-fr", "relay:fr", "from itself"),
        ([], "ar", "relay:de", "no such booth"),
        ([("es", "relay:fr")], "ar", "relay:es", "relay of a relay"),
        ([("ar", "relay:fr")], "en-fr", "relay:es", "it works from the floor"),
    ],
)
def test_invalid_sources(setup: list[tuple[str, str]], booth: str, source: str, why: str) -> None:
    s1 = session()
    for booth_id, relay in setup:
        s1.set_source(booth_id, s1.booth(booth_id).members[0], relay)
    before = [b.source for b in s1.booths]
    with pytest.raises(InvalidSource, match=why):
        s1.set_source(booth, s1.booth(booth).members[0], source)
    assert [b.source for b in s1.booths] == before


def test_a_stranger_is_refused_before_any_source_check() -> None:
    with pytest.raises(NotInBooth):
        session().set_source("ar", "ana", "relay:ar")


def test_impossible_sessions() -> None:
    with pytest.raises(InvalidSetup, match="two booths work into fr"):
        RoomChannels("s1", [Booth("s1", ("en", "fr"), ()), Booth("s1", ("fr",), ())])
    with pytest.raises(InvalidSetup, match="another session"):
        RoomChannels("s1", [Booth("s2", ("fr",), ())])
    with pytest.raises(InvalidSource, match="relay of a relay"):
        RoomChannels(
            "s1",
            [
                Booth("s1", ("en",), (), source="relay:fr"),
                Booth("s1", ("fr",), (), source="relay:es"),
                Booth("s1", ("es",), ()),
            ],
        )


def test_choices_and_balance() -> None:
    s1 = session()
    assert s1.choose("es", 0.5) == ListenerChoice("es", 0.5)
    with pytest.raises(UnknownLanguage):
        s1.choose("de")
    for balance in (-0.1, 1.1, float("nan")):
        with pytest.raises(InvalidChoice):
            ListenerChoice("es", balance)
    assert [balance_gains(b) for b in (0.0, 0.25, 0.5, 1.0)] == [
        (1.0, 0.0),
        (1.0, 0.5),
        (1.0, 1.0),
        (0.0, 1.0),
    ]


def test_what_the_listener_hears() -> None:
    s1 = session()
    under: dict[str, FadeDecision] = {}
    dropped = {"es": FadeDecision(True, FadeReason.INTERPRETER_DROPPED)}
    assert s1.mix(ListenerChoice(), under) == Mix(1.0, 0.0)
    assert s1.mix(ListenerChoice("es", 0.75), under) == Mix(0.5, 1.0)
    assert s1.mix(ListenerChoice("es", 1.0), dropped) == Mix(
        1.0, 1.0, FadeReason.INTERPRETER_DROPPED
    )
    assert s1.mix(ListenerChoice("fr"), under) == Mix(1.0, 0.0, FadeReason.RETOUR)
    s1.booth("en-fr").retour("ana")
    assert s1.mix(ListenerChoice("fr", 1.0), under) == Mix(0.0, 1.0)
    assert s1.mix(ListenerChoice("de"), under) == Mix(1.0, 0.0, FadeReason.NO_BOOTH)
