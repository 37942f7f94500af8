"""The lightning stage extension: the host runs the block, the room follows, the floor moves."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from conference.domain.stage import StageTalk
from rooms import stage
from rooms.signalling.registry import Registry
from tests.rooms.signalling.rooms_ws_harness import Client, Harness, serve
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.integration

TALKS = (
    StageTalk("11", "Wikidata for small languages", "ama", "Ama", "fr", "Français", 300,
              "https://example.org/a.pdf"),
    StageTalk("12", "Offline reading", "bo", "Bo", "en", "English", 240),
    StageTalk("13", "Lexemes", "cy", "Cy", "es", "Español", 180),
)  # fmt: skip
HOST_MESSAGES = ["stage_start", "stage_advance", "stage_skip", "stage_extend", "stage_finish"]


@pytest.mark.unit
def test_every_stage_message_is_documented_with_an_example_that_fits() -> None:
    base, extended = Registry().catalog, Registry(extensions=[stage.install]).catalog
    added = set(extended.client) - set(base.client) | set(extended.server) - set(base.server)
    documented = examples("Extension: lightning stage")
    assert set(documented) == added == {*HOST_MESSAGES, "stage_sync", "stage_state"}
    for name in [*HOST_MESSAGES, "stage_sync"]:
        assert extended.decode(json.dumps(documented[name])).type == name
    example = documented["stage_state"]
    assert set(example) - {"type"} == {f.name for f in dataclasses.fields(stage.StageState)}
    talk_fields = {f.name for f in dataclasses.fields(stage.StageTalkView)}
    assert all(set(talk) == talk_fields for talk in example["talks"])


@pytest.fixture
async def lightning() -> AsyncIterator[tuple[Harness, str]]:
    async with serve(extensions=(stage.install,)) as harness:
        room_id = harness.registry.room_for_session("lt-1", "plenary", "Lightning talks")
        stage.prepare(harness.registry, room_id, "7", TALKS)
        yield harness, room_id


def floor(harness: Harness) -> dict[str, bool]:
    return {seat.person_id: seat.has_floor for seat in harness.registry.seats.values()}


async def state(client: Client) -> dict[str, Any]:
    return await client.expect("stage_state")


async def test_the_host_runs_the_block_and_the_floor_follows_the_running_order(
    lightning: tuple[Harness, str],
) -> None:
    harness, room_id = lightning
    olga = await harness.seated("olga", "organiser", room_id)
    ama = await harness.seated("ama", "speaker", room_id)
    bo = await harness.seated("bo", "speaker", room_id)
    lee = await harness.seated("lee", "participant", room_id)
    # Before the start no speaker gets the floor by walking in.
    assert floor(harness) == {"olga": False, "ama": False, "bo": False, "lee": False}

    await lee.send("stage_sync")
    waiting = await state(lee)
    assert (waiting["state"], waiting["current"], waiting["next"], waiting["ends_at"]) == (
        "waiting", None, 0, None,
    )  # fmt: skip

    t0 = harness.clock.t
    await olga.send("stage_start")
    started = await state(lee)
    assert started == {
        "type": "stage_state", "room_id": room_id, "block_id": "7", "state": "live", "now": t0,
        "current": 0, "next": 1, "started_at": t0, "ends_at": t0 + 300, "extended_s": 0,
        "warnings_s": [60, 20],
        "talks": [
            {"talk_id": "11", "title": "Wikidata for small languages", "speaker_name": "Ama",
             "language": "fr", "language_name": "Français", "seconds": 300,
             "slides_url": "https://example.org/a.pdf", "status": "live"},
            {"talk_id": "12", "title": "Offline reading", "speaker_name": "Bo", "language": "en",
             "language_name": "English", "seconds": 240, "slides_url": "", "status": "upcoming"},
            {"talk_id": "13", "title": "Lexemes", "speaker_name": "Cy", "language": "es",
             "language_name": "Español", "seconds": 180, "slides_url": "", "status": "upcoming"},
        ],
    }  # fmt: skip
    update = await bo.expect("presence_updated")
    assert (update["participant"]["seat_id"], update["participant"]["has_floor"]) == (
        ama.seat_id, True,
    )  # fmt: skip
    assert update["participant"]["may_publish"] is True
    assert floor(harness) == {"olga": False, "ama": True, "bo": False, "lee": False}
    assert ("place", ama.seat_id, room_id, True) in harness.media.for_peer(ama.seat_id)

    harness.clock.advance(330)  # 30 s over time
    await olga.send("stage_extend")
    extended = await state(lee)
    assert (extended["ends_at"], extended["extended_s"]) == (t0 + 390, 60)

    await olga.send("stage_advance")
    second = await state(lee)
    assert (second["current"], second["next"], second["ends_at"]) == (1, 2, t0 + 330 + 240)
    assert [t["status"] for t in second["talks"]] == ["given", "live", "upcoming"]
    assert floor(harness) == {"olga": False, "ama": False, "bo": True, "lee": False}

    await olga.send("stage_skip")
    third = await state(lee)
    assert (third["current"], third["next"]) == (2, None)
    assert floor(harness)["bo"] is False  # Cy is not here: nobody of the block holds it

    await olga.send("stage_skip")
    done = await state(lee)
    assert (done["state"], done["current"], done["next"], done["ends_at"]) == (
        "finished", None, None, None,
    )  # fmt: skip
    assert [t["status"] for t in done["talks"]] == ["given", "skipped", "skipped"]
    assert harness.registry.rooms[room_id].floor_holders == frozenset()

    await olga.send("stage_advance")
    error = await olga.expect("error")
    assert (error["code"], error["about"]) == ("invalid_state", "stage_advance")
    assert error["message"] == "The stage cannot advance while finished."


@pytest.mark.parametrize("type", [*HOST_MESSAGES])
async def test_only_organisers_may_run_the_stage(lightning: tuple[Harness, str], type: str) -> None:
    harness, room_id = lightning
    ama = await harness.seated("ama", "speaker,interpreter,participant", room_id)
    await ama.send(type)
    assert await ama.expect("error") == {
        "type": "error",
        "code": "forbidden",
        "message": f"Only organisers may send {type}.",
        "about": type,
    }
    assert stage.board_of(harness.registry).stages[room_id].history == ["waiting"]


async def test_a_speaker_entering_gets_the_floor_only_during_their_own_talk(
    lightning: tuple[Harness, str],
) -> None:
    harness, room_id = lightning
    olga = await harness.seated("olga", "organiser", room_id)
    await olga.send("stage_start")
    await state(olga)
    bo = await harness.seated("bo", "speaker", room_id)
    ama = await harness.seated("ama", "speaker", room_id)
    assert floor(harness) == {"olga": False, "bo": False, "ama": True}
    # Someone who joins late asks where the stage is.
    await bo.send("stage_sync")
    assert (await state(bo))["current"] == 0
    await ama.send("leave")
    await olga.send("stage_advance")
    await state(olga)
    await ama.send("join", room_id=room_id)
    await ama.expect("room_snapshot")
    assert floor(harness) == {"olga": False, "bo": True, "ama": False}


async def test_a_room_without_a_stage_says_so(lightning: tuple[Harness, str]) -> None:
    harness, _ = lightning
    other = harness.registry.room_for_session("plenary-1", "plenary", "Keynote")
    olga = await harness.seated("olga", "organiser", other)
    await olga.send("stage_start")
    error = await olga.expect("error")
    assert (error["code"], error["about"]) == ("not_found", "stage_start")
    # Speakers still hold a plain plenary's floor on entry.
    await harness.seated("bo", "speaker", other)
    assert floor(harness)["bo"] is True


async def test_a_fresh_running_order_replaces_the_old_one_only_before_the_start(
    lightning: tuple[Harness, str],
) -> None:
    harness, room_id = lightning
    board = stage.board_of(harness.registry)
    stage.prepare(harness.registry, room_id, "7", TALKS[:2])
    assert board.stages[room_id].talks == TALKS[:2]
    olga = await harness.seated("olga", "organiser", room_id)
    await olga.send("stage_start")
    await state(olga)
    stage.prepare(harness.registry, room_id, "7", TALKS)
    assert board.stages[room_id].talks == TALKS[:2]
