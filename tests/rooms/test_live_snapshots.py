"""Live state that outlives a process: a registry's snapshot restored into a fresh one.

No sockets: registries driven through the dispatcher with a fake clock, the snapshot kept
in a MemorySnapshotStore as the JSON text a real store holds.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from conference.domain.stage import StageTalk
from rooms import stage
from rooms.bus import MemoryBus
from rooms.domain.participant import ParticipantState
from rooms.keeper import MemorySnapshotStore, SnapshotKeeper
from rooms.signalling import Identity, Registry
from rooms.signalling.dispatch import Context
from rooms.snapshot import FORMAT, VERSION

pytestmark = pytest.mark.integration

CONFERENCE = "c" * 32


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def now(self) -> float:
        return self.t


def registry(clock: Clock) -> Registry:
    return Registry(MemoryBus(), clock=clock, extensions=[stage.install])


async def send(reg: Registry, seat: Any, **message: Any) -> None:
    decoded = reg.catalog.decode(json.dumps(message))
    await reg.dispatcher.dispatch(Context(reg, seat, "conn", lambda _: None), decoded)


TALKS = (
    StageTalk("t1", "Fast trains", "p-ana", "Ana", "en", "English", 180),
    StageTalk("t2", "Slow food", "p-ben", "Ben", "fr", "français", 120),
)


async def running_event(clock: Clock) -> tuple[Registry, dict[str, Any]]:
    """A plenary with a stage mid-talk, and a breakout session with a countdown."""
    reg = registry(clock)
    plenary = reg.room_for_session("1", "plenary", "Lightning")
    workshop = reg.room_for_session("2", "workshop", "Workshop")
    org, org_token, _ = await reg.attach(Identity.of("p-org", "Olu", ["organiser"]), None, "c1")
    ana, ana_token, _ = await reg.attach(Identity.of("p-ana", "Ana", ["speaker"]), None, "c2")
    lea, lea_token, _ = await reg.attach(Identity.of("p-lea", "Lea", ["participant"]), None, "c3")
    await reg.place(org, reg.room(plenary), "joined")
    await reg.place(ana, reg.room(plenary), "joined")
    await reg.place(lea, reg.room(workshop), "joined")
    stage.prepare(reg, plenary, "block-1", TALKS)
    await send(reg, org, type="stage_start")
    clock.t += 40  # 40 s into the first talk
    org2, org2_token, _ = await reg.attach(Identity.of("p-org2", "Ola", ["organiser"]), None, "c4")
    await reg.place(org2, reg.room(workshop), "joined")
    await send(reg, org2, type="breakout_open", mode="by_hand", duration_s=900,
               rooms=[{"title": "Terminology", "seats": [lea.seat_id]}])  # fmt: skip
    await reg.set_muted(ana, True)
    reg.set_channel(lea, "some-interpreter-seat")
    return reg, {"org": org_token, "ana": ana_token, "lea": lea_token, "plenary": plenary,
                 "workshop": workshop, "lea_seat": lea.seat_id}  # fmt: skip


async def test_a_restarted_registry_carries_rooms_seats_breakouts_and_the_stage_on() -> None:
    clock = Clock()
    before, ids = await running_event(clock)
    store = MemorySnapshotStore()
    keeper = SnapshotKeeper(before, store, CONFERENCE)
    await keeper.save_if_changed()
    assert store.saves == 1
    await keeper.save_if_changed()
    assert store.saves == 1  # nothing changed, nothing written
    bset = before.breakouts[ids["workshop"]]
    stage_before = stage.board_of(before).stage_of(ids["plenary"])

    clock.t += 8  # the process was down for 8 s
    after = registry(clock)
    assert await SnapshotKeeper(after, store, CONFERENCE).restore() is True

    # Rooms, titles and who is where, as they were; every seat waits for its client, away.
    assert {r.title for r in after.rooms.values()} == {"Lightning", "Workshop", "Terminology"}
    assert sorted(s.display_name for s in after.seats.values()) == ["Ana", "Lea", "Ola", "Olu"]
    assert {s.state for s in after.seats.values()} == {ParticipantState.AWAY}
    lea = after.seats[ids["lea_seat"]]
    assert after.rooms[lea.room_id or ""].title == "Terminology"
    assert lea.channel == "some-interpreter-seat"
    # The breakout keeps its deadline, and the stage its talk and deadline: time runs on.
    restored = after.breakouts[ids["workshop"]]
    assert (restored.state, restored.ends_at) == (bset.state, bset.ends_at)
    live = stage.board_of(after).stage_of(ids["plenary"])
    assert (live.state, live.current, live.ends_at) == ("live", 0, stage_before.ends_at)
    assert live.remaining(clock.now()) == 180 - 48

    # A client resumes its seat with the token it had before the restart.
    seat, _, resumed = await after.attach(
        Identity.of("p-lea", "Lea", ["participant"]), ids["lea"], "c9"
    )
    assert (resumed, seat.seat_id, seat.state) == (True, ids["lea_seat"], ParticipantState.PRESENT)
    muted = next(s for s in after.seats.values() if s.display_name == "Ana")
    assert muted.muted is True
    # Someone else's token does not resume the seat.
    other, _, resumed = await after.attach(
        Identity.of("p-x", "X", ["participant"]), ids["ana"], "c10"
    )
    assert resumed is False and other.seat_id != muted.seat_id


async def test_snapshots_never_hold_a_usable_resume_token() -> None:
    clock = Clock()
    before, ids = await running_event(clock)
    store = MemorySnapshotStore()
    await SnapshotKeeper(before, store, CONFERENCE).save_if_changed()
    assert store.text is not None
    assert ids["lea"] not in store.text and ids["org"] not in store.text


def _document(**changes: Any) -> str:
    doc: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "conference": CONFERENCE, "saved_at": 1.0,
        "sessions": {}, "main_rooms": {}, "rooms": [], "seats": [], "resume": {},
        "breakouts": [], "extensions": {},
    }  # fmt: skip
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "skipped the live snapshot: Expecting property name"),
        ('["a list"]', "a snapshot is a JSON object"),
        (_document(format="something-else"), "not a live snapshot"),
        (_document(version=99), "snapshot version 99, this is 1"),
        (_document(conference="d" * 32), "the snapshot belongs to another conference"),
        (_document(rooms=[{"room_id": "r"}]), "the snapshot is incomplete or malformed"),
        (_document(main_rooms={"1": "nowhere"}), "session 1's main room is missing"),
        (_document(seats=[{"seat_id": 5}]), "the snapshot is incomplete or malformed"),
    ],
)
async def test_a_corrupt_or_foreign_snapshot_is_logged_and_skipped(
    text: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    reg = registry(Clock())
    with caplog.at_level(logging.WARNING, logger="rooms.keeper"):
        assert await SnapshotKeeper(reg, MemorySnapshotStore(text), CONFERENCE).restore() is False
    assert reason in caplog.text
    assert reg.rooms == {} and reg.seats == {}
    # The process carries on: a session gets a fresh room.
    assert reg.room_for_session("1", "plenary", "Opening") in reg.rooms


async def test_a_room_whose_session_left_the_programme_is_not_restored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    before, ids = await running_event(clock)
    store = MemorySnapshotStore()
    await SnapshotKeeper(before, store, CONFERENCE).save_if_changed()

    async def programme() -> set[str]:
        return {"1"}  # session 2 (the workshop and its breakout) was deleted

    after = registry(clock)
    with caplog.at_level(logging.WARNING, logger="rooms.keeper"):
        keeper = SnapshotKeeper(after, store, CONFERENCE, known_sessions=programme)
        assert await keeper.restore() is True
    assert "sessions no longer in the programme (2)" in caplog.text
    assert {r.title for r in after.rooms.values()} == {"Lightning"}
    assert sorted(s.display_name for s in after.seats.values()) == ["Ana", "Olu"]
    assert after.breakouts == {}
