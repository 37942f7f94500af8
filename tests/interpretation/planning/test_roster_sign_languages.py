"""Sign languages in the roster: booths, teams and relay like any language, but never a pivot."""

from __future__ import annotations

from typing import Any

import pytest

from conference.planning.inputs import language_key, same_language
from interpretation.planning.roster import plan
from tests.interpretation.planning.roster_checks import check
from tests.interpretation.planning.roster_examples import document, group, person, session

pytestmark = pytest.mark.unit


def solve(doc: dict[str, Any]) -> dict[str, Any]:
    output = plan(doc, time_limit=10)
    check(doc, output)
    return output


def staffing(output: dict[str, Any]) -> list[tuple[str, str, list[str], dict[str, str]]]:
    return [
        (b["session"], b["language"], b["interpreters"], b["sources"]) for b in output["booths"]
    ]


def test_a_sign_language_spelled_two_ways_is_one_language() -> None:
    assert language_key("sgn-US") == language_key("ase") == "ase"
    assert same_language("sgn-GB", "BFI")
    assert not same_language("ase", "bfi")


def test_a_sign_language_booth_is_staffed_like_a_spoken_one() -> None:
    # Deaf participants registered with "sgn-US"; the interpreters' profiles say "ase".
    interpreters = [person("I1", ["en"], ["ase"]), person("I2", ["en"], ["ase"])]
    out = solve(document([session("S1", 90)], interpreters, [group("S1", ["sgn-US"], 3)]))
    assert staffing(out) == [("S1", "sgn-US", ["I1", "I2"], {"en": "direct"})]
    assert (out["served_listeners"], out["unserved"]) == (3, [])


def test_a_sign_language_booth_takes_relay_from_a_spoken_booth() -> None:
    # The floor speaks French; the ASL interpreter works from English, by relay.
    interpreters = [person("I1", ["en"], ["ase"]), person("I2", ["en"], [], ["fr"])]
    out = solve(document([session("S1", 30, ["fr"])], interpreters, [group("S1", ["ase"], 3)]))
    assert staffing(out) == [
        ("S1", "ase", ["I1"], {"fr": "relay:en"}),
        ("S1", "en", ["I2"], {"fr": "direct"}),
    ]


def test_no_booth_takes_relay_from_a_sign_language_booth() -> None:
    # I2 could voice ASL into French, but the ASL booth's output is a picture, not a voice.
    interpreters = [person("I1", ["ase"], [], ["en"]), person("I2", ["fr"], [], ["ase"])]
    out = solve(
        document(
            [session("S1", 30)], interpreters, [group("S1", ["ase"], 3), group("S1", ["fr"], 5)]
        )
    )
    assert staffing(out) == [("S1", "ase", ["I1"], {"en": "direct"})]
    assert [(u["languages"], u["listeners"]) for u in out["unserved"]] == [(["fr"], 5)]
    assert "no interpreter works into fr from en" in out["unserved"][0]["reason"]


def test_a_signed_floor_is_interpreted_into_a_spoken_language() -> None:
    # A deaf speaker signs in BSL; the English booth voices it.
    out = solve(
        document(
            [session("S1", 30, ["bfi"])],
            [person("I1", ["en"], ["bfi"])],
            [group("S1", ["en"], 40)],
        )
    )
    assert staffing(out) == [("S1", "en", ["I1"], {"bfi": "direct"})]
