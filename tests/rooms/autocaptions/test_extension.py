"""Automatic captions in a live room, with a fake worker: lines, precedence, pause, failure.

The registry, websockets and captions extension are real; the worker process is replaced by
a fake that records what the tap sends it and answers as the real one does
(rooms/autocaptions/worker.py); the floor is a real Fanout fed packets by the test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import av
import pytest

from rooms import captions
from rooms.autocaptions.backlog import MIN_PAUSE_S
from rooms.autocaptions.extension import AutoCaptions, CaptionStatus
from rooms.autocaptions.model import ModelSpec
from rooms.captions import ON_DUTY_S
from rooms.media.forwarding import Fanout
from rooms.signalling.registry import Registry
from tests.rooms.signalling.rooms_ws_harness import Harness, serve
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.integration


class Settings:
    def __init__(self, on: dict[str, str], booths: dict[str, set[str]] | None = None) -> None:
        self.on = on
        self.booths = booths or {}

    def language(self, session_id: str) -> str | None:
        return self.on.get(session_id)

    def booth_languages(self, session_id: str) -> frozenset[str]:
        return frozenset(self.booths.get(session_id, set()))


class FakeWorker:
    def __init__(self, model: ModelSpec, language: str, on_message: Callable) -> None:
        self.model, self.language, self.say = model, language, on_message
        self.sent: list[tuple[Any, ...]] = []
        self.closed = False

    def send(self, item: tuple[Any, ...]) -> None:
        self.sent.append(item)

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclasses.dataclass
class Room:
    harness: Harness
    room_id: str
    workers: list[FakeWorker]
    clock: Clock

    @property
    def worker(self) -> FakeWorker:
        return self.workers[-1]

    def floor(self, source: str = "ada") -> Fanout:
        fanout = Fanout(source)
        self.harness.media.floor_taps[self.room_id].follow([fanout])
        return fanout


@pytest.fixture
async def room() -> AsyncIterator[Room]:
    clock = Clock()
    workers: list[FakeWorker] = []

    def factory(model: ModelSpec, language: str, on_message: Callable) -> FakeWorker:
        workers.append(FakeWorker(model, language, on_message))
        return workers[-1]

    roster = captions.MemoryRoster({("12", "cai"): {"en-GB"}})
    human = captions.Captions(roster, clock=clock)
    auto = AutoCaptions(Settings({"12": "en-GB"}), ModelSpec("/models/base"), human,
                        clock=clock, worker_factory=factory)  # fmt: skip
    async with serve(extensions=(human.install, auto.install)) as harness:
        room_id = harness.registry.room_for_session("12", "plenary", "Strategy")
        yield Room(harness, room_id, workers, clock)


@pytest.mark.unit
def test_caption_status_is_documented_with_an_example_that_fits() -> None:
    auto = AutoCaptions(Settings({}), ModelSpec(""))
    base = Registry().catalog
    extended = Registry(extensions=[auto.install]).catalog
    assert set(extended.server) - set(base.server) == {"caption_status"}
    documented = examples("Extension: automatic captions")
    assert set(documented) == {"caption_status"}
    fields = {f.name for f in dataclasses.fields(CaptionStatus)}
    assert set(documented["caption_status"]) - {"type"} == fields
    assert json.loads(json.dumps(documented["caption_status"]))["state"] == "paused"


async def test_the_floor_is_captioned_automatically_in_the_floor_language(room: Room) -> None:
    lea = await room.harness.seated("lea", "participant", room.room_id)
    await asyncio.sleep(0.1)
    assert room.worker.model == ModelSpec("/models/base") and room.worker.language == "en"
    await lea.silent("caption_status")  # nothing while the model loads
    room.worker.say(("ready",))
    status = await lea.expect("caption_status")
    assert status == {"type": "caption_status", "room_id": room.room_id, "language": "en-GB",
                      "state": "on"}  # fmt: skip
    floor = room.floor()
    for _ in range(3):
        floor.publish(av.Packet(b"\xfc\xff\xfe"))
    assert [item[:3] for item in room.worker.sent] == [("audio", "ada", n) for n in (1, 2, 3)]
    assert room.worker.sent[0][3] == b"\xfc\xff\xfe"  # the packet as it came, decoded there
    room.worker.say(("line", "ada", "Welcome, everyone.", 2, 1.4, 0.3))
    line = await lea.expect("caption_line")
    assert (line["text"], line["language"], line["automatic"], line["by"]) == (
        "Welcome, everyone.", "en-GB", True, "")  # fmt: skip
    # Someone entering later is told the state at once.
    max_ = await room.harness.seated("max", "participant", room.room_id)
    assert (await max_.expect("caption_status"))["state"] == "on"
    # The speaker leaves the floor: the worker finishes their phrase.
    room.harness.media.floor_taps[room.room_id].follow([])
    assert room.worker.sent[-1] == ("end", "ada")


async def test_a_captioner_on_duty_takes_precedence_over_automatic_lines(room: Room) -> None:
    lea = await room.harness.seated("lea", "participant", room.room_id)
    cai = await room.harness.seated("cai", "participant", room.room_id)
    await asyncio.sleep(0.1)
    room.worker.say(("ready",))
    assert (await lea.expect("caption_status"))["state"] == "on"
    await cai.send("caption_send", language="en-GB", text="Welcome back.")
    assert (await lea.expect("caption_line"))["automatic"] is False
    room.worker.say(("line", "ada", "Welcome back", 1, 1.0, 0.2))
    assert (await lea.expect("caption_status"))["state"] == "standby"
    await lea.silent("caption_line")  # the captioner's words, not the machine's
    room.clock.t += ON_DUTY_S
    room.worker.say(("line", "ada", "Let us start.", 2, 1.0, 0.2))
    assert (await lea.expect("caption_status"))["state"] == "on"
    assert (await lea.expect("caption_line"))["text"] == "Let us start."


async def test_a_worker_that_falls_behind_pauses_captions_and_they_resume(room: Room) -> None:
    lea = await room.harness.seated("lea", "participant", room.room_id)
    await asyncio.sleep(0.1)
    room.worker.say(("ready",))
    assert (await lea.expect("caption_status"))["state"] == "on"
    floor = room.floor()
    for _ in range(260):  # 5.2 s of speech and the worker has finished with none of it
        floor.publish(av.Packet(b"\xfc"))
    assert (await lea.expect("caption_status"))["state"] == "paused"
    audio = [item for item in room.worker.sent if item[0] == "audio"]
    assert len(audio) == 200  # 4 s queued at most; the rest was dropped, not queued
    assert ("gap",) in room.worker.sent
    room.worker.say(("done", 4.0))  # caught up
    room.clock.t += MIN_PAUSE_S
    floor.publish(av.Packet(b"\xfc"))
    assert (await lea.expect("caption_status"))["state"] == "on"
    assert room.worker.sent[-1][:3] == ("audio", "ada", 201)


async def test_a_missing_model_makes_them_unavailable_and_the_room_works_on(room: Room) -> None:
    lea = await room.harness.seated("lea", "participant", room.room_id)
    await asyncio.sleep(0.1)
    room.worker.say(("error", "The caption model directory /models/base does not exist."))
    assert (await lea.expect("caption_status"))["state"] == "unavailable"
    await lea.send("chat", text="No captions today?")
    assert (await lea.expect("chat_message"))["text"] == "No captions today?"


async def test_the_worker_stops_when_the_room_empties(room: Room) -> None:
    lea = await room.harness.seated("lea", "participant", room.room_id)
    await asyncio.sleep(0.1)
    worker = room.worker
    await lea.send("leave")
    await asyncio.sleep(0.2)
    assert worker.closed and room.room_id not in room.harness.media.floor_taps


async def test_a_session_without_automatic_captions_gets_no_worker(room: Room) -> None:
    other = room.harness.registry.room_for_session("13", "plenary", "Other")
    lea = await room.harness.seated("lea", "participant", other)
    await asyncio.sleep(0.1)
    assert room.workers == []
    await lea.silent("caption_status")


async def test_a_worker_that_cannot_start_makes_them_unavailable_and_is_told_to_newcomers() -> None:
    def broken(model: ModelSpec, language: str, on_message: Callable) -> FakeWorker:
        raise OSError("no more processes")

    auto = AutoCaptions(Settings({"12": "en"}), ModelSpec("/models/base"), worker_factory=broken)
    async with serve(extensions=(auto.install,)) as harness:
        room_id = harness.registry.room_for_session("12", "plenary", "Strategy")
        lea = await harness.seated("lea", "participant", room_id)
        assert (await lea.expect("caption_status"))["state"] == "unavailable"
        max_ = await harness.seated("max", "participant", room_id)
        assert (await max_.expect("caption_status"))["state"] == "unavailable"


async def test_a_booth_output_is_captioned_in_its_language_and_follows_the_voice_on_air() -> None:
    """The Spanish booth's output: one worker, in Spanish, whoever is on air (fake voices)."""
    clock = Clock()
    workers: list[FakeWorker] = []

    def factory(model: ModelSpec, language: str, on_message: Callable) -> FakeWorker:
        workers.append(FakeWorker(model, language, on_message))
        return workers[-1]

    auto = AutoCaptions(Settings({"12": "en-GB"}, {"12": {"es"}}), ModelSpec("/models/base"),
                        clock=clock, worker_factory=factory)  # fmt: skip
    async with serve(extensions=(auto.install,)) as harness:
        room_id = harness.registry.room_for_session("12", "plenary", "Strategy")
        key = f"captions:{room_id}:booth:es"
        lea = await harness.seated("lea", "participant", room_id)
        await asyncio.sleep(0.1)
        assert [w.language for w in workers] == ["en", "es"]  # the floor, and the booth
        floor, booth = workers
        assert harness.media.voice_taps[key][0] is None  # nobody on air yet
        booth.say(("ready",))
        assert await lea.expect("caption_status") == {
            "type": "caption_status", "room_id": room_id, "language": "es", "state": "on"
        }  # fmt: skip
        auto.booth_voices(room_id, {"es": "s-ivan", "fr": None})
        voice, tap = harness.media.voice_taps[key]
        assert voice == "s-ivan"
        ivan = Fanout("s-ivan")
        tap.follow([ivan])  # what the media router does for that voice
        ivan.publish(av.Packet(b"\xfc\xff\xfe"))
        assert booth.sent == [("audio", "s-ivan", 1, b"\xfc\xff\xfe")] and floor.sent == []
        booth.say(("line", "s-ivan", "Bienvenidos a todos.", 1, 1.2, 0.3))
        line = await lea.expect("caption_line")
        assert (line["text"], line["language"], line["automatic"]) == (
            "Bienvenidos a todos.", "es", True)  # fmt: skip
        # A handover: the same source and worker go on with the partner's voice.
        auto.booth_voices(room_id, {"es": "s-iris", "fr": None})
        assert harness.media.voice_taps[key] == ("s-iris", tap) and len(workers) == 2
        # Nobody on air: the tap hears nobody, and nothing more is captioned.
        auto.booth_voices(room_id, {"es": None, "fr": None})
        assert harness.media.voice_taps[key] == (None, tap) and not booth.closed
        # The organiser turns the booth off: its worker stops, the floor's goes on.
        auto.settings = Settings({"12": "en-GB"})
        room = harness.registry.rooms[room_id]
        await auto._reconcile(room, fresh=True)
        assert booth.closed and not floor.closed and key not in harness.media.voice_taps
