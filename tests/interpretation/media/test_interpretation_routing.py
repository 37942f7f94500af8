"""The routing policy: who feeds whose channel slot (pure)."""

from __future__ import annotations

import pytest

from interpretation.domain import (
    Booth,
    InvalidSetup,
    InvalidSource,
    ListenerChoice,
    RoomChannels,
    UnknownLanguage,
)
from interpretation.media.routing import Routes, routes, voices
from interpretation.signalling.state import BoothSpec, RoomInterpretation

pytestmark = pytest.mark.unit

SEATS = {"ivan": "s-ivan", "iris": "s-iris", "fay": "s-fay"}


def session() -> tuple[RoomChannels, Booth, Booth]:
    es = Booth("r", ("es", "en"), ("ivan", "iris"))
    fr = Booth("r", ("fr",), ("fay",))
    return RoomChannels("r", [es, fr]), es, fr


def test_listeners_hear_the_voice_on_air_of_the_booth_working_into_their_language() -> None:
    channels, es, fr = session()
    es.go_on_air("ivan")
    choices = {
        "lea": ListenerChoice("es"),
        "leo": ListenerChoice("original"),
        "lou": ListenerChoice("fr"),  # Fay is not on air: nothing
        "len": ListenerChoice("en"),  # the es-en booth works into es now: the floor fills in
    }
    assert routes(channels, SEATS, choices) == Routes(
        channel={
            "lea": "s-ivan",
            "leo": None,
            "lou": None,
            "len": None,
            "s-ivan": None,
            "s-iris": "s-ivan",
            "s-fay": None,
        },
        muted={"s-ivan": False, "s-iris": False, "s-fay": False},
    )
    es.retour("ivan")
    after = routes(channels, SEATS, choices).channel
    assert (after["lea"], after["len"]) == (None, "s-ivan")


def test_a_relay_booth_hears_its_pivot_and_its_partner_hears_the_colleague() -> None:
    channels, es, fr = session()
    channels.set_source("es-en", "ivan", "relay:fr")
    fr.go_on_air("fay")
    assert routes(channels, SEATS, {}).channel == {
        "s-ivan": "s-fay",
        "s-iris": "s-fay",
        "s-fay": None,
    }
    es.go_on_air("iris")
    assert routes(channels, SEATS, {}).channel["s-ivan"] == "s-iris"
    assert routes(channels, SEATS, {}).channel["s-iris"] == "s-fay"


def test_a_cough_mutes_only_the_one_on_air_and_keeps_the_route() -> None:
    channels, es, _ = session()
    es.go_on_air("ivan")
    es.cough_start("ivan")
    out = routes(channels, SEATS, {"lea": ListenerChoice("es")}, frozenset({"ivan", "iris"}))
    assert out.channel["lea"] == "s-ivan"
    assert out.muted == {"s-ivan": True, "s-iris": False, "s-fay": False}


def test_members_without_a_seat_here_are_left_out() -> None:
    channels, es, _ = session()
    es.go_on_air("ivan")
    out = routes(channels, {"iris": "s-iris"}, {"lea": ListenerChoice("es")})
    assert out.channel == {"lea": None, "s-iris": None}


def test_a_sign_language_viewer_sees_the_signer_on_air_and_the_partner_after_a_handover() -> None:
    ase = Booth("r", ("ase",), ("sam", "sue"))
    es = Booth("r", ("es",), ("ivan",))
    channels = RoomChannels("r", [es, ase])
    seats = {"sam": "s-sam", "sue": "s-sue", "ivan": "s-ivan"}
    choices = {"lea": ListenerChoice("es")}
    sign = {"lea": "ase", "dee": "ase"}  # Lea listens in Spanish and watches ASL
    es.go_on_air("ivan")

    before = routes(channels, seats, choices, sign_choices=sign)
    assert before.pinned == {"lea": (), "dee": (), "s-sam": (), "s-sue": ()}
    assert before.signers == frozenset({"s-sam", "s-sue"})

    ase.go_on_air("sam")
    on_air = routes(channels, seats, choices, sign_choices=sign)
    assert on_air.pinned == {"lea": ("s-sam",), "dee": ("s-sam",), "s-sam": (), "s-sue": ("s-sam",)}
    # The audio is untouched: Lea hears Ivan; the signers hear the floor, never each other.
    assert on_air.channel == {"lea": "s-ivan", "s-ivan": None, "s-sam": None, "s-sue": None}

    ase.request_handover("sue")
    ase.accept_handover("sam")
    after = routes(channels, seats, choices, sign_choices=sign)
    assert after.pinned == {"lea": ("s-sue",), "dee": ("s-sue",), "s-sam": ("s-sue",), "s-sue": ()}


def test_a_sign_language_is_watched_not_heard_and_never_a_relay_pivot() -> None:
    ase = Booth("r", ("ase",), ("sam",))
    fr = Booth("r", ("fr",), ("fay",))
    channels = RoomChannels("r", [ase, fr])
    assert channels.languages() == ("original", "fr")
    assert channels.sign_languages() == ("ase",)
    assert [(c.language, c.sign) for c in channels.channels()] == [
        ("original", False), ("ase", True), ("fr", False),
    ]  # fmt: skip
    with pytest.raises(UnknownLanguage, match="sign-language channel"):
        channels.choose("ase")
    assert channels.choose_sign("ase") == "ase"
    assert channels.choose_sign(None) is None
    with pytest.raises(UnknownLanguage):
        channels.choose_sign("fr")
    with pytest.raises(InvalidSource, match="a picture, not a voice"):
        channels.set_source("fr", "fay", "relay:ase")
    # A sign-language booth may itself take relay from a spoken booth.
    channels.set_source("ase", "sam", "relay:fr")
    fr.go_on_air("fay")
    assert routes(channels, {"sam": "s-sam", "fay": "s-fay"}, {}).channel["s-sam"] == "s-fay"
    with pytest.raises(InvalidSetup, match="sign languages only"):
        Booth("r", ("ase", "en"), ("sam",))


def test_a_sign_language_booth_fades_no_floor() -> None:
    state = RoomInterpretation("r")
    state.add_booth(BoothSpec(("ase",), (("sam", "Sam"),)), now=0.0)
    state.add_booth(BoothSpec(("es",), (("ivan", "Ivan"),)), now=0.0)
    assert set(state.fades) == {"es"}
    state.channels.booth("ase").go_on_air("sam")
    state.follow(100.0)
    state.sign_choices["lea"] = "ase"
    state.seats.update({"sam": "s-sam"})
    assert state.routes().pinned["lea"] == ("s-sam",)
    assert state.sources(state.channels.booth("es")) == ["floor"]


def test_each_booth_output_is_the_voice_on_air_in_the_language_it_works_into_now() -> None:
    channels, es, fr = session()
    assert voices(channels, SEATS) == {"es": None, "fr": None}  # nobody on air
    es.go_on_air("ivan")
    assert voices(channels, SEATS) == {"es": "s-ivan", "fr": None}
    es.request_handover("iris")
    es.accept_handover("ivan")
    assert voices(channels, SEATS)["es"] == "s-iris"  # the same output, the partner's voice
    es.retour("iris")
    assert voices(channels, SEATS) == {"en": "s-iris", "fr": None}  # no Spanish output now
    fr.go_on_air("fay")
    assert voices(channels, {"ivan": "s-ivan"}) == {"en": None, "fr": None}  # seats gone


def test_a_sign_language_booth_has_no_voice_to_caption() -> None:
    signs = Booth("r", ("ase",), ("sam",))
    signs.go_on_air("sam")
    assert voices(RoomChannels("r", [signs]), {"sam": "s-sam"}) == {}
