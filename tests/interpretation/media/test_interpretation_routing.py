"""The routing policy: who feeds whose channel slot (pure)."""

from __future__ import annotations

import pytest

from interpretation.domain import Booth, ListenerChoice, SessionChannels
from interpretation.media.routing import Routes, routes

pytestmark = pytest.mark.unit

SEATS = {"ivan": "s-ivan", "iris": "s-iris", "fay": "s-fay"}


def session() -> tuple[SessionChannels, Booth, Booth]:
    es = Booth("r", ("es", "en"), ("ivan", "iris"))
    fr = Booth("r", ("fr",), ("fay",))
    return SessionChannels("r", [es, fr]), es, fr


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
