"""Which sources are captioned automatically, and whose voice a booth source hears (pure)."""

from __future__ import annotations

import pytest

from rooms.autocaptions.sources import FLOOR, Choice, booth_source, voice_of, wanted

pytestmark = pytest.mark.unit


def test_the_floor_and_each_booth_turned_on_are_captioned_each_in_its_own_language() -> None:
    assert wanted(Choice()) == {}
    assert wanted(Choice("en-GB")) == {FLOOR: "en-GB"}
    assert wanted(Choice("en", frozenset({"fr", "es"}))) == {
        FLOOR: "en",
        "booth:es": "es",
        "booth:fr": "fr",
    }
    # A booth alone, with the floor off.
    assert wanted(Choice(None, frozenset({"es"}))) == {"booth:es": "es"}


def test_a_booth_output_in_the_floor_language_is_not_a_second_source_of_it() -> None:
    # An es/en booth in retour works into English, the floor's language: its captions would
    # mix with the floor's under one caption language.
    assert wanted(Choice("en", frozenset({"en", "es"}))) == {FLOOR: "en", "booth:es": "es"}


def test_a_booth_source_hears_the_voice_on_air_after_a_handover_and_nobody_otherwise() -> None:
    source = booth_source("es")
    assert voice_of(source, {"es": "s-ivan", "fr": "s-fay"}) == "s-ivan"
    assert voice_of(source, {"es": "s-iris"}) == "s-iris"  # the same source, the partner
    assert voice_of(source, {"es": None}) is None  # nobody on air: nothing captioned
    assert voice_of(source, {}) is None  # the booth works into its other language now
    assert voice_of(FLOOR, {"es": "s-ivan"}) is None  # the floor has its own tap
