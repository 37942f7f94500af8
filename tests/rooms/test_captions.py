"""Live captions: rostered captioners caption, the room reads, everyone else is refused."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator

import pytest

from rooms import captions
from rooms.signalling.registry import Registry
from tests.rooms.signalling.rooms_ws_harness import Harness, serve
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.integration


@pytest.mark.unit
def test_every_caption_message_is_documented_with_an_example_that_fits() -> None:
    base = Registry().catalog
    extension = captions.Captions(captions.MemoryRoster())
    extended = Registry(extensions=[extension.install]).catalog
    added = set(extended.client) - set(base.client) | set(extended.server) - set(base.server)
    documented = examples("Extension: live captions")
    assert set(documented) == added == {"caption_send", "caption_line"}
    assert extended.decode(json.dumps(documented["caption_send"])).type == "caption_send"
    fields = {f.name for f in dataclasses.fields(captions.CaptionLine)}
    assert set(documented["caption_line"]) - {"type"} == fields


@pytest.fixture
async def room() -> AsyncIterator[tuple[Harness, str]]:
    roster = captions.MemoryRoster({("12", "cai"): {"en", "fr"}})
    async with serve(extensions=(captions.Captions(roster).install,)) as harness:
        yield harness, harness.registry.room_for_session("12", "plenary", "Strategy")


async def test_a_rostered_captioner_captions_and_everyone_in_the_room_reads(room) -> None:
    harness, room_id = room
    cai = await harness.seated("cai", "participant", room_id)
    lea = await harness.seated("lea", "participant", room_id)
    await lea.send("low_data", enabled=True)
    await cai.send("caption_send", language="fr", text="  Bienvenue à tous.  ")
    line = await lea.expect("caption_line")
    assert line == {
        "type": "caption_line", "room_id": room_id, "language": "fr", "text": "Bienvenue à tous.",
        "by": "Cai", "automatic": False, "at": harness.clock.t,
    }  # fmt: skip
    assert (await cai.expect("caption_line"))["text"] == "Bienvenue à tous."


async def test_someone_not_rostered_is_refused_and_logged_without_names(room, caplog) -> None:
    harness, room_id = room
    caplog.set_level(logging.INFO)
    cai = await harness.seated("cai", "participant", room_id)
    mallory = await harness.seated("mallory", "organiser", room_id)
    await mallory.send("caption_send", language="en", text="Fake news")
    refused = await mallory.expect("error")
    assert (refused["code"], refused["about"]) == ("not_allowed", "caption_send")
    await cai.send("caption_send", language="es", text="Hola")  # not rostered in Spanish
    assert (await cai.expect("error"))["code"] == "not_allowed"
    await cai.silent("caption_line")
    assert "caption refused in session 12 (en)" in caplog.text
    assert "mallory" not in caplog.text.lower()


async def test_an_empty_or_long_caption_is_malformed(room) -> None:
    harness, room_id = room
    cai = await harness.seated("cai", "participant", room_id)
    await cai.send("caption_send", language="en", text="   ")
    assert (await cai.expect("error"))["code"] == "malformed"
    await cai.send("caption_send", language="en", text="x" * 501)
    assert (await cai.expect("error"))["code"] == "malformed"
