"""The lightning stage core without sockets: host commands in, floor and stage_state out."""

from __future__ import annotations

import pytest

from conference.domain.stage import EXTEND_SECONDS, StageTalk
from rooms.domain.errors import InvalidTransition, NotFound
from rooms.signalling.effects import GiveFloor, PublishRoom, Reply, SetFloorHolders, TakeFloor
from rooms.stage_board import StageBoard, StageState
from tests.support.rooms_view import FakeClock, Rooms

pytestmark = pytest.mark.unit

TALKS = (
    StageTalk("11", "Wikidata for small languages", "ama", "Ama", "fr", "Français", 300),
    StageTalk("12", "Offline reading", "bo", "Bo", "en", "English", 240),
)


def lightning() -> tuple[StageBoard, Rooms, FakeClock]:
    rooms, clock, board = Rooms(), FakeClock(), StageBoard()
    rooms.add("lt")
    rooms.sit("s-olga", "olga", "lt", "organiser")
    rooms.sit("s-ama", "ama", "lt", "speaker")
    rooms.sit("s-bo", "bo", "lt", "speaker")
    rooms.sit("s-lee", "lee", "lt")
    assert board.prepare(rooms, "lt", "7", TALKS) == [SetFloorHolders("lt", frozenset())]
    return board, rooms, clock


def command(board: StageBoard, rooms: Rooms, name: str, now: float) -> list[object]:
    """A host command, with the floor effects carried out as the driver does."""
    effects = board.command(rooms, rooms.seats["s-olga"], name, now)
    for effect in effects:
        if isinstance(effect, SetFloorHolders):
            rooms.rooms[effect.room_id].floor_holders = effect.holders
        elif isinstance(effect, GiveFloor):
            rooms.seats[effect.seat_id].give_floor()
        elif isinstance(effect, TakeFloor):
            rooms.seats[effect.seat_id].take_floor()
    return list(effects)


def published(effects: list[object]) -> StageState:
    (state,) = [e.message for e in effects if isinstance(e, PublishRoom)]
    assert isinstance(state, StageState)
    return state


def test_start_then_next_moves_the_floor_from_one_speaker_to_the_next() -> None:
    board, rooms, clock = lightning()
    t0 = clock.now()
    effects = command(board, rooms, "start", t0)
    assert effects[:2] == [SetFloorHolders("lt", frozenset({"ama"})), GiveFloor("s-ama")]
    state = published(effects)
    assert (state.state, state.current, state.next, state.started_at, state.ends_at) == (
        "live", 0, 1, t0, t0 + 300,
    )  # fmt: skip

    t1 = clock.advance(290)
    effects = command(board, rooms, "advance", t1)
    assert effects[:3] == [
        SetFloorHolders("lt", frozenset({"bo"})), TakeFloor("s-ama"), GiveFloor("s-bo"),
    ]  # fmt: skip
    state = published(effects)
    assert (state.current, state.next, state.ends_at) == (1, None, t1 + 240)
    assert [t.status for t in state.talks] == ["given", "live"]
    assert board.stages["lt"].history == ["waiting", "start → live(0)", "advance → live(1)"]


def test_a_talk_past_its_time_overruns_until_the_host_moves_on_and_extend_counts_from_now() -> None:
    board, rooms, clock = lightning()
    t0 = clock.now()
    command(board, rooms, "start", t0)
    late = clock.advance(330)  # 30 s over time: nothing happens by itself
    assert board.stages["lt"].remaining(late) == -30
    assert board.view("lt", late).current == 0
    assert rooms.seats["s-ama"].has_floor

    state = published(command(board, rooms, "extend", late))
    assert (state.ends_at, state.extended_s) == (late + EXTEND_SECONDS, EXTEND_SECONDS)
    state = published(command(board, rooms, "finish", clock.advance(EXTEND_SECONDS)))
    assert (state.state, state.current, state.ends_at) == ("finished", None, None)
    assert not rooms.seats["s-ama"].has_floor


def test_a_late_joiner_syncs_and_refused_commands_change_nothing() -> None:
    board, rooms, clock = lightning()
    with pytest.raises(InvalidTransition):
        board.command(rooms, rooms.seats["s-olga"], "advance", clock.now())
    assert board.stages["lt"].history == ["waiting"]
    (reply,) = board.sync(rooms, rooms.seats["s-lee"], clock.now())
    assert isinstance(reply, Reply) and isinstance(reply.message, StageState)
    assert (reply.message.state, reply.message.next) == ("waiting", 0)
    rooms.add("keynote")
    rooms.move(rooms.seats["s-lee"], "keynote")
    with pytest.raises(NotFound):
        board.sync(rooms, rooms.seats["s-lee"], clock.now())


def test_a_snapshot_brings_the_talk_on_stage_back_with_its_deadline() -> None:
    board, rooms, clock = lightning()
    command(board, rooms, "start", clock.now())
    after = StageBoard()
    assert after.load(rooms, board.dump()) == []
    assert after.dump() == board.dump()
    assert after.view("lt", clock.now()) == board.view("lt", clock.now())
