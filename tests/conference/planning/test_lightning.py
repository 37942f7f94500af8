"""Lightning talks: slot cutting, the rules, reasons, invalid input, optimality."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conference.planning import lightning
from conference.planning.inputs import InvalidInput

pytestmark = pytest.mark.unit

BASE = datetime(2020, 12, 6, 15, tzinfo=UTC)


def at(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def block(
    ident: str, start: int, end: int, slot: int = 5, changeover: int = 0, languages=("en",)
) -> dict[str, Any]:
    return {
        "id": ident,
        "start": at(start),
        "end": at(end),
        "slot_minutes": slot,
        "changeover_minutes": changeover,
        "languages": list(languages),
    }


def talk(ident: str, speaker: str, language: str = "en", priority: int = 1, available=None):
    item: dict[str, Any] = {"id": ident, "speaker": speaker, "language": language}
    item["priority"] = priority
    if available is not None:
        item["available"] = [{"start": at(s), "end": at(e)} for s, e in available]
    return item


def placed(output: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {s["talk"]: (s["block"], s["start"], s["end"]) for s in output["slots"]}


def reasons(output: dict[str, Any]) -> dict[str, str]:
    return {u["talk"]: u["reason"] for u in output["unscheduled"]}


# -- slot cutting -------------------------------------------------------------


def test_slots_with_changeover_start_every_slot_plus_changeover_and_end_in_time():
    programme = lightning.parse({"blocks": [block("LT1", 0, 45, 5, 1)], "talks": []})
    slots = lightning.cut(programme.blocks[0])
    assert [(s.start - BASE, s.end - BASE) for s in slots] == [
        (timedelta(minutes=6 * k), timedelta(minutes=6 * k + 5)) for k in range(7)
    ]


def test_a_slot_that_ends_exactly_at_the_block_end_exists():
    programme = lightning.parse({"blocks": [block("LT1", 0, 45, 5)], "talks": []})
    slots = lightning.cut(programme.blocks[0])
    assert len(slots) == 9
    assert slots[-1].end == BASE + timedelta(minutes=45)


def test_changeover_defaults_to_zero():
    document = {"blocks": [block("LT1", 0, 10, 5)], "talks": []}
    del document["blocks"][0]["changeover_minutes"]
    assert lightning.parse(document).blocks[0].changeover_minutes == 0


def test_a_block_shorter_than_one_slot_has_none():
    output = lightning.plan({"blocks": [block("LT1", 0, 4, 5)], "talks": [talk("T1", "P1")]})
    assert output["slots"] == []
    assert reasons(output) == {"T1": "the block that accepts en is too short for one slot"}


# -- the rules ------------------------------------------------------------------


def test_the_spec_example_schedules_the_talk_in_the_first_slot():
    document = {
        "blocks": [
            {
                "id": "LT1",
                "start": "2020-12-06T15:00:00Z",
                "end": "2020-12-06T15:45:00Z",
                "slot_minutes": 5,
                "changeover_minutes": 1,
                "languages": ["en", "fr", "es"],
            }
        ],
        "talks": [
            {
                "id": "T1",
                "speaker": "P17",
                "language": "fr",
                "priority": 2,
                "available": [{"start": "2020-12-06T14:00:00Z", "end": "2020-12-06T16:00:00Z"}],
            }
        ],
    }
    output = lightning.plan(document)
    assert output["status"] == "optimal"
    assert output["scheduled_priority"] == 2
    assert placed(output) == {"T1": ("LT1", "2020-12-06T15:00:00Z", "2020-12-06T15:05:00Z")}
    assert output["unscheduled"] == []


def test_output_times_are_utc_with_z_even_when_input_has_an_offset():
    document = {
        "blocks": [
            {
                "id": "LT1",
                "start": "2020-12-06T20:30:00+05:30",
                "end": "2020-12-06T20:40:00+05:30",
                "slot_minutes": 10,
                "languages": ["hi"],
            }
        ],
        "talks": [talk("T1", "P1", "hi")],
    }
    assert placed(lightning.plan(document)) == {
        "T1": ("LT1", "2020-12-06T15:00:00Z", "2020-12-06T15:10:00Z")
    }


def test_a_talk_goes_only_where_the_speaker_is_available_for_the_whole_slot():
    # Available 15:11-15:19: only the slot 15:12-15:17 (third slot, 5 + 1) fits.
    document = {
        "blocks": [block("LT1", 0, 45, 5, 1)],
        "talks": [talk("T1", "P1", available=[(11, 19)])],
    }
    assert placed(lightning.plan(document)) == {"T1": ("LT1", at(12), at(17))}


def test_availability_before_the_block_is_named():
    document = {
        "blocks": [block("LT1", 0, 45)],
        "talks": [talk("T1", "P1", available=[(-120, -60), (-30, 0)])],
    }
    assert reasons(lightning.plan(document)) == {
        "T1": "the speaker is available only before the block starts"
    }


def test_availability_after_the_block_is_named():
    document = {"blocks": [block("LT1", 0, 45)], "talks": [talk("T1", "P1", available=[(45, 90)])]}
    assert reasons(lightning.plan(document)) == {
        "T1": "the speaker is available only after the block ends"
    }


def test_availability_too_short_for_any_slot_is_named():
    document = {"blocks": [block("LT1", 0, 45)], "talks": [talk("T1", "P1", available=[(1, 5)])]}
    assert reasons(lightning.plan(document)) == {
        "T1": "no slot of block LT1 lies wholly within the times the speaker is available"
    }


def test_an_empty_availability_list_means_never():
    document = {"blocks": [block("LT1", 0, 45)], "talks": [talk("T1", "P1", available=[])]}
    assert reasons(lightning.plan(document)) == {
        "T1": "the speaker gave no times when they are available"
    }


def test_languages_compare_case_insensitively_and_unknown_ones_are_named():
    document = {
        "blocks": [block("LT1", 0, 10, languages=["pt-BR", "fr"])],
        "talks": [talk("T1", "P1", "pt-br"), talk("T2", "P2", "ta")],
    }
    output = lightning.plan(document)
    assert placed(output) == {"T1": ("LT1", at(0), at(5))}
    assert reasons(output) == {"T2": "no block accepts talks in ta"}


def test_a_talk_goes_to_the_block_that_accepts_its_language():
    document = {
        "blocks": [block("EN", 0, 5, languages=["en"]), block("FR", 0, 5, languages=["fr"])],
        "talks": [talk("T1", "P1", "fr"), talk("T2", "P2", "en")],
    }
    assert placed(lightning.plan(document)) == {
        "T1": ("FR", at(0), at(5)),
        "T2": ("EN", at(0), at(5)),
    }


def test_one_speaker_is_never_in_two_parallel_slots():
    document = {
        "blocks": [block("A", 0, 5), block("B", 0, 5)],
        "talks": [talk("T1", "P1", priority=2), talk("T2", "P1")],
    }
    output = lightning.plan(document)
    assert list(placed(output)) == ["T1"]
    assert reasons(output) == {
        "T2": "every slot the speaker can take overlaps the speaker's talk T1"
    }


def test_one_speaker_may_take_parallel_blocks_when_the_slots_do_not_overlap():
    # Block B starts 5 minutes later: its slot begins when A's ends.
    document = {
        "blocks": [block("A", 0, 5), block("B", 5, 10)],
        "talks": [talk("T1", "P1"), talk("T2", "P1")],
    }
    assert sorted(placed(lightning.plan(document)).values()) == [
        ("A", at(0), at(5)),
        ("B", at(5), at(10)),
    ]


def test_one_speaker_may_give_two_talks_in_one_block():
    document = {
        "blocks": [block("A", 0, 10), block("B", 60, 70)],
        "talks": [talk("T1", "P1"), talk("T2", "P1"), talk("T3", "P2", available=[(0, 5)])],
    }
    output = lightning.plan(document)
    assert output["scheduled_priority"] == 3
    assert placed(output)["T3"] == ("A", at(0), at(5))


def test_partially_overlapping_parallel_blocks_block_the_same_speaker():
    # A: 0-10 and 10-20; B: 5-15. The speaker can give two talks only in A.
    document = {
        "blocks": [block("A", 0, 20, 10), block("B", 5, 15, 10)],
        "talks": [talk("T1", "P1"), talk("T2", "P1"), talk("T3", "P1")],
    }
    output = lightning.plan(document)
    assert sorted(placed(output).values()) == [("A", at(0), at(10)), ("A", at(10), at(20))]
    assert output["scheduled_priority"] == 2


def test_higher_priority_talks_win_the_only_slot():
    document = {
        "blocks": [block("LT1", 0, 5)],
        "talks": [talk("T1", "P1", priority=1), talk("T2", "P2", priority=3)],
    }
    output = lightning.plan(document)
    assert placed(output) == {"T2": ("LT1", at(0), at(5))}
    assert output["scheduled_priority"] == 3
    assert reasons(output) == {
        "T1": "every slot the speaker can take is given to higher-priority talks"
    }


def test_priority_is_maximised_not_the_number_of_talks():
    # T1 (priority 3) fits both slots; T2 and T3 (priority 1) only the first one.
    document = {
        "blocks": [block("LT1", 0, 10)],
        "talks": [
            talk("T1", "P1", priority=3),
            talk("T2", "P2", priority=1, available=[(0, 5)]),
            talk("T3", "P3", priority=1, available=[(0, 5)]),
        ],
    }
    output = lightning.plan(document)
    assert output["scheduled_priority"] == 4
    assert placed(output)["T1"] == ("LT1", at(5), at(10))
    assert len(output["slots"]) == 2


def test_equal_priority_losers_are_told_so():
    document = {
        "blocks": [block("LT1", 0, 5)],
        "talks": [talk("T1", "P1", priority=2), talk("T2", "P2", priority=2)],
    }
    output = lightning.plan(document)
    assert len(output["slots"]) == 1
    assert list(reasons(output).values()) == [
        "every slot the speaker can take is given to talks of the same or higher priority"
    ]


def test_priority_defaults_to_one():
    document = {
        "blocks": [block("LT1", 0, 5)],
        "talks": [{"id": 7, "speaker": 9, "language": "en"}],
    }
    output = lightning.plan(document)
    assert output["scheduled_priority"] == 1
    assert output["slots"][0]["talk"] == "7"


# -- invalid input ------------------------------------------------------------------


def problems(document: Any) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        lightning.plan(document)
    return caught.value.problems


def test_missing_lists_are_reported():
    assert problems({}) == ["blocks: is required", "talks: is required"]


def test_every_bad_field_is_reported_with_its_path():
    document = {
        "blocks": [
            {
                "id": "LT1",
                "start": "2020-12-06T15:00:00",
                "end": "2020-12-06T15:45:00Z",
                "slot_minutes": 0,
                "languages": ["en"],
            },
            {
                "id": "LT1",
                "start": "2020-12-06T16:00:00Z",
                "end": "2020-12-06T15:45:00Z",
                "slot_minutes": 5,
                "changeover_minutes": -1,
                "languages": "en",
            },
            "LT3",
        ],
        "talks": [
            {"id": "T1", "language": "en", "priority": -2},
            {"id": "T2", "speaker": "P1", "language": "en", "priority": 1.5, "available": 3},
            {
                "speaker": "P2",
                "language": "",
                "available": [{"start": "2020-12-06T15:00:00Z", "end": "2020-12-06T14:00:00Z"}],
            },
        ],
    }
    assert problems(document) == [
        "blocks[2]: must be an object",
        "blocks[1].id: repeats the id 'LT1'",
        "blocks[0].start: must carry an offset, such as Z or +05:30",
        "blocks[0].slot_minutes: must be positive",
        "blocks[1].end: must be after start",
        "blocks[1].changeover_minutes: must not be negative",
        "blocks[1].languages: must be a list of strings",
        "talks[2].id: is required",
        "talks[0].speaker: is required",
        "talks[0].priority: must not be negative",
        "talks[1].priority: must be a whole number",
        "talks[1].available: must be a list",
        "talks[2].language: must be a non-empty string",
        "talks[2].available[0].end: must be after start",
    ]


def test_negative_slot_minutes_must_be_positive():
    assert problems({"blocks": [block("LT1", 0, 45, slot=-5)], "talks": []}) == [
        "blocks[0].slot_minutes: must be positive"
    ]


# -- properties -----------------------------------------------------------------


@st.composite
def programmes(
    draw: st.DrawFn, max_talks: int = 8, max_length: int = 25, min_slot: int = 1
) -> dict[str, Any]:
    languages = ["en", "fr", "ES"]
    blocks = []
    for index in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 10))
        blocks.append(
            block(
                f"B{index}",
                start,
                start + draw(st.integers(1, max_length)),
                slot=draw(st.integers(min_slot, 8)),
                changeover=draw(st.integers(0, 2)),
                languages=draw(st.lists(st.sampled_from(languages), max_size=3, unique=True)),
            )
        )
    talks = []
    for index in range(draw(st.integers(0, max_talks))):
        windows = None
        if draw(st.booleans()):
            windows = []
            for _ in range(draw(st.integers(0, 2))):
                start = draw(st.integers(-5, 35))
                windows.append((start, start + draw(st.integers(1, 30))))
        talks.append(
            talk(
                f"T{index}",
                f"P{draw(st.integers(0, 2))}",
                draw(st.sampled_from(["en", "fr", "es", "ta"])),
                draw(st.integers(0, 4)),
                windows,
            )
        )
    return {"blocks": blocks, "talks": talks}


def minutes(text: str) -> float:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - BASE).total_seconds() / 60


def options(document: dict[str, Any]) -> dict[str, list[tuple[str, float, float]]]:
    """Every (block, start, end) each talk may take under the spec, computed independently."""
    slots = []
    for b in document["blocks"]:
        start, end = minutes(b["start"]), minutes(b["end"])
        step = b["slot_minutes"] + b.get("changeover_minutes", 0)
        k = 0
        while start + k * step + b["slot_minutes"] <= end:
            s = start + k * step
            slots.append((b["id"], s, s + b["slot_minutes"], {x.lower() for x in b["languages"]}))
            k += 1
    result = {}
    for t in document["talks"]:
        windows = t.get("available")
        result[t["id"]] = [
            (bid, s, e)
            for bid, s, e, langs in slots
            if t["language"].lower() in langs
            and (
                windows is None
                or any(minutes(w["start"]) <= s and e <= minutes(w["end"]) for w in windows)
            )
        ]
    return result


def assert_valid(document: dict[str, Any], output: dict[str, Any]) -> None:
    talks = {t["id"]: t for t in document["talks"]}
    allowed = options(document)
    taken = [(s["block"], s["start"]) for s in output["slots"]]
    assert len(taken) == len(set(taken)), "a slot holds at most one talk"
    scheduled = [s["talk"] for s in output["slots"]]
    assert len(scheduled) == len(set(scheduled)), "a talk takes at most one slot"
    assert sorted(scheduled + [u["talk"] for u in output["unscheduled"]]) == sorted(talks)
    for s in output["slots"]:
        assert (s["block"], minutes(s["start"]), minutes(s["end"])) in allowed[s["talk"]]
    for a in output["slots"]:
        for b in output["slots"]:
            if a is not b and talks[a["talk"]]["speaker"] == talks[b["talk"]]["speaker"]:
                assert not (a["start"] < b["end"] and b["start"] < a["end"]), "speaker overlap"
    assert output["scheduled_priority"] == sum(talks[t]["priority"] for t in scheduled)
    assert all(u["reason"] for u in output["unscheduled"])
    if output["status"] == "optimal":
        # A proved plan leaves no talk out that still fits somewhere.
        assert not any("time limit" in u["reason"] for u in output["unscheduled"])


def brute_force(document: dict[str, Any]) -> int:
    """The best priority sum by trying every assignment."""
    talks = document["talks"]
    allowed = options(document)

    def best(index: int, used: list[tuple[str, str, float, float]]) -> int:
        if index == len(talks):
            return 0
        t = talks[index]
        result = best(index + 1, used)
        for bid, s, e in allowed[t["id"]]:
            if any(
                (bid == ub and s == us) or (t["speaker"] == sp and s < ue and us < e)
                for sp, ub, us, ue in used
            ):
                continue
            used.append((t["speaker"], bid, s, e))
            result = max(result, t["priority"] + best(index + 1, used))
            used.pop()
        return result

    return best(0, [])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_every_schedule_keeps_every_rule(document):
    output = lightning.plan(document)
    assert output["status"] == "optimal"
    assert_valid(document, output)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes(max_talks=5, max_length=12, min_slot=4))
def test_the_schedule_is_as_good_as_brute_force(document):
    assert lightning.plan(document)["scheduled_priority"] == brute_force(document)


# -- size and time limit ------------------------------------------------------------


def event(talks: int, rounds: int, parallel: int, seed: int = 1) -> dict[str, Any]:
    """An event-like input: a few speakers give more than one talk; some give windows."""
    rng = random.Random(seed)
    langs = ["en", "fr", "es", "ar", "zh"]
    blocks = []
    for r in range(rounds):
        for p in range(parallel):
            start = 120 * r + rng.choice([0, 10, 20])
            blocks.append(
                block(f"LT{r}-{p}", start, start + 45, 5, rng.choice([0, 1]), rng.sample(langs, 3))
            )
    items = []
    for i in range(talks):
        speaker = f"P{rng.randrange(talks // 10)}" if rng.random() < 0.2 else f"S{i}"
        windows = None
        if rng.random() < 0.3:
            windows = []
            for _ in range(rng.randint(1, 2)):
                s = rng.randrange(0, rounds * 120)
                windows.append((s, s + rng.randrange(20, 240)))
        items.append(talk(f"T{i}", speaker, rng.choice(langs), rng.randint(1, 3), windows))
    return {"blocks": blocks, "talks": items}


def test_an_event_of_sixty_talks_in_three_parallel_blocks_solves_optimally():
    document = event(60, 2, 3)
    output = lightning.plan(document)
    assert output["status"] == "optimal"
    assert_valid(document, output)


def test_a_tiny_time_limit_on_a_large_event_gives_a_feasible_schedule():
    document = event(600, 10, 3)
    output = lightning.plan(document, time_limit=0.001)
    assert output["status"] == "feasible"
    assert_valid(document, output)
