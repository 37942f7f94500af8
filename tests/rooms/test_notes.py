"""Breakout notes: concurrent edits merge, the rapporteur writes the summary, notes are kept."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pycrdt
import pytest

from rooms import notes
from rooms.signalling.registry import Registry
from tests.rooms.signalling.rooms_ws_harness import Client, Harness, serve
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.integration

CLIENT = ["notes_open", "notes_edit", "notes_rapporteur", "notes_summary"]


class Browser:
    """What a browser's Yjs document does: apply what arrives, send what it types."""

    def __init__(self) -> None:
        self.doc: pycrdt.Doc = pycrdt.Doc()
        self.doc["notes"] = self.text = pycrdt.Text()

    def receive(self, message: dict[str, Any]) -> None:
        self.doc.apply_update(base64.b64decode(message["update"]))

    def type(self, at: int, words: str) -> str:
        before = self.doc.get_state()
        self.text.insert(at, words)
        return base64.b64encode(self.doc.get_update(before)).decode()


@pytest.mark.unit
def test_every_notes_message_is_documented_with_an_example_that_fits() -> None:
    base = Registry().catalog
    extended = Registry(extensions=[notes.Notes(notes.MemoryNotes()).install]).catalog
    added = set(extended.client) - set(base.client) | set(extended.server) - set(base.server)
    documented = examples("Extension: breakout notes")
    assert set(documented) == added == {*CLIENT, "notes_state", "notes_changed"}
    for name in CLIENT:
        assert extended.decode(json.dumps(documented[name])).type == name
    for name, cls in (("notes_state", notes.NotesState), ("notes_changed", notes.NotesChanged)):
        assert set(documented[name]) - {"type"} == {f.name for f in dataclasses.fields(cls)}


@pytest.fixture
def store() -> notes.MemoryNotes:
    return notes.MemoryNotes()


@pytest.fixture
async def breakout(
    store: notes.MemoryNotes,
) -> AsyncIterator[tuple[Harness, notes.Notes, list[Client], str]]:
    extension = notes.Notes(store)
    async with serve(extensions=(extension.install,)) as harness:
        main = harness.registry.room_for_session("12", "plenary", "Strategy")
        olga = await harness.seated("olga", "organiser", main)
        ada = await harness.seated("ada", "participant", main)
        bob = await harness.seated("bob", "participant", main)
        await olga.send(
            "breakout_open", mode="by_hand",
            rooms=[{"title": "Hubs", "seats": [ada.seat_id, bob.seat_id]}],
        )  # fmt: skip
        opened = await olga.expect("breakouts_opened")
        room_id = opened["breakout"]["rooms"][0]["room_id"]
        await ada.expect("room_snapshot")
        await bob.expect("room_snapshot")
        yield harness, extension, [olga, ada, bob], room_id


async def test_edits_typed_at_once_merge_for_everyone_in_the_room(breakout) -> None:
    harness, extension, (olga, ada, bob), room_id = breakout
    pages = {"ada": Browser(), "bob": Browser()}
    for name, client in (("ada", ada), ("bob", bob)):
        await client.send("notes_open")
        state = await client.expect("notes_state")
        assert (state["room_id"], state["title"], state["rapporteur_name"]) == (room_id, "Hubs", "")
        pages[name].receive(state)

    # Both type at the start of the empty document before seeing each other's edit.
    await ada.send("notes_edit", update=pages["ada"].type(0, "Hubs need funding. "))
    await bob.send("notes_edit", update=pages["bob"].type(0, "Translate the toolkit. "))
    for name, client in (("ada", ada), ("bob", bob)):
        for _ in range(2):
            pages[name].receive(await client.expect("notes_changed"))
    merged = str(pages["ada"].text)
    assert merged == str(pages["bob"].text) == extension.board.rooms[room_id].text
    one, two = "Hubs need funding. ", "Translate the toolkit. "
    assert merged in {one + two, two + one}  # both kept whole, in the CRDT's order
    # The organiser in the main room hears nothing of it.
    await olga.silent("notes_changed")


async def test_a_malformed_update_is_dropped_and_the_room_goes_on(breakout) -> None:
    harness, extension, (_, ada, bob), _ = breakout
    page = Browser()
    await ada.send("notes_open")
    page.receive(await ada.expect("notes_state"))
    await ada.send("notes_edit", update=base64.b64encode(b"\x00\x05not yjs").decode())
    error = await ada.expect("error")
    assert (error["code"], error["about"]) == ("malformed", "notes_edit")
    await ada.send("notes_edit", update="***")
    assert (await ada.expect("error"))["code"] == "malformed"
    await ada.send("notes_edit", update=page.type(0, "Still here."))
    assert base64.b64decode((await bob.expect("notes_changed"))["update"])


async def test_notes_past_the_size_limit_are_refused(breakout) -> None:
    _, extension, (_, ada, _), room_id = breakout
    page = Browser()
    await ada.send("notes_open")
    page.receive(await ada.expect("notes_state"))
    for _ in range(3):
        await ada.send("notes_edit", update=page.type(0, "x" * 12_000))
    refused = await ada.expect("error")
    assert refused["message"] == "The notes are full (at most 32 KB)."
    assert len(extension.board.rooms[room_id].text) == 24_000


async def test_the_rapporteur_writes_the_summary_and_notes_outlive_the_process(
    breakout, store: notes.MemoryNotes
) -> None:
    harness, extension, (olga, ada, bob), room_id = breakout
    await ada.send("notes_rapporteur")
    named = await bob.expect("notes_state")
    assert (named["rapporteur_seat"], named["rapporteur_name"]) == (ada.seat_id, "Ada")
    await bob.send("notes_rapporteur")
    assert "already has a rapporteur" in (await bob.expect("error"))["message"]
    page = Browser()
    page.receive(named)
    await ada.send("notes_edit", update=page.type(0, "Three ideas."))
    await olga.send("breakout_close")
    await ada.expect("breakouts_closed")

    # Back in the main room, only the rapporteur (or an organiser) writes the summary.
    await bob.send("notes_summary", room_id=room_id, text="Not mine to write")
    refused = await bob.expect("error")
    assert refused["message"] == "Only the room's rapporteur writes its summary."
    await ada.send("notes_summary", room_id=room_id, text="  We want translated toolkits.  ")
    summary = await ada.expect("notes_state")
    assert summary["summary"] == "We want translated toolkits."

    await extension.board.save()
    kept = store.load(room_id)
    assert kept is not None
    assert (kept.text, kept.rapporteur_name, kept.summary, kept.session_id, kept.title) == (
        "Three ideas.", "Ada", "We want translated toolkits.", "12", "Hubs",
    )  # fmt: skip
    # A new process (a new board on the same store) starts from what was kept.
    again = notes.RoomNotes(kept)
    assert again.text == "Three ideas." and again.stored.summary == "We want translated toolkits."
