"""The rooms core without sockets: each change returns its effects, in order, with a fake clock."""

from __future__ import annotations

import pytest

from rooms.domain.breakout import AssignmentMode, BreakoutSet
from rooms.domain.errors import InvalidTransition, NotAllowed
from rooms.domain.participant import ParticipantState
from rooms.signalling.effects import (
    Control,
    MediaClose,
    MediaMute,
    MediaPlace,
    PublishRoom,
    SaveSnapshot,
    Tell,
    WakeAt,
)
from rooms.signalling.errors import CloseCode, Forbidden
from rooms.signalling.identity import Identity
from rooms.signalling.limits import Limits
from rooms.signalling.messages import ChatMessage, PresenceJoined, PresenceLeft, PresenceUpdated
from rooms.signalling.rooms_core import RoomsCore
from rooms.signalling.seat_events import SeatBack, SeatChanged, SeatEntered, SeatLeft, SeatLost
from rooms.signalling.topics import CLOSE, MOVED
from tests.support.rooms_view import FakeClock

pytestmark = pytest.mark.unit

LEA = Identity.of("lea", "Lea", ["participant"])
OLGA = Identity.of("olga", "Olga", ["organiser"])


def test_a_seat_entering_a_room_is_told_to_the_room_the_observers_and_the_media() -> None:
    core, clock = RoomsCore(Limits(), media=True), FakeClock()
    room = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    lea, _token, resumed, effects = core.attach(LEA, None, "c1", clock.now())
    assert (resumed, effects) == (False, [SaveSnapshot()])

    effects = core.place(lea, room, "joined")
    assert effects == [
        Tell(SeatEntered(room.room_id, lea.seat_id)),
        PublishRoom(room.room_id, PresenceJoined(room_id=room.room_id,
                                                 participant=core.participant_view(lea))),
        MediaPlace(lea.seat_id, room.room_id, True),
        Control(lea.seat_id, {"type": MOVED, "room_id": room.room_id, "from_room_id": None,
                              "reason": "joined"}),
    ]  # fmt: skip
    assert (lea.room_id, list(room.seats)) == (room.room_id, [lea.seat_id])
    assert core.place(lea, room, "joined") == []  # already there


def test_a_dropped_seat_is_resumed_within_the_grace_and_released_after_it() -> None:
    core, clock = RoomsCore(Limits(reconnect_grace=30.0), media=True), FakeClock()
    room = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    lea, token, _, _ = core.attach(LEA, None, "c1", clock.now())
    core.place(lea, room, "joined")

    lost = core.detach(lea, "c1", clock.advance(1))
    assert lost[:2] == [WakeAt(clock.now() + 30), Tell(SeatLost(room.room_id, lea.seat_id))]
    assert core.detach(lea, "c1", clock.now()) == []  # once
    seat, token, resumed, effects = core.attach(LEA, token, "c2", clock.advance(29))
    assert (seat, resumed) == (lea, True)
    assert effects[:2] == [Tell(SeatBack(room.room_id, lea.seat_id)), SaveSnapshot()]
    assert lea.history == [ParticipantState.PRESENT, ParticipantState.AWAY,
                           ParticipantState.PRESENT]  # fmt: skip

    core.detach(lea, "c2", clock.advance(1))
    assert core.due_releases(clock.advance(29)) == []
    (due,) = core.due_releases(clock.advance(1))
    effects = core.release(due, "gone")
    assert effects == [
        Tell(SeatLeft(room.room_id, lea.seat_id, "gone")),
        PublishRoom(room.room_id, PresenceLeft(room_id=room.room_id, seat_id=lea.seat_id,
                                               reason="gone")),
        MediaClose(lea.seat_id),
    ]  # fmt: skip
    assert lea.seat_id not in core.seats
    assert core.attach(LEA, token, "c3", clock.now())[2] is False  # too late: a fresh seat


def test_a_second_seat_of_a_person_in_a_room_closes_the_first_connection() -> None:
    core, clock = RoomsCore(Limits(), media=False), FakeClock()
    room = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    first, _, _, _ = core.attach(LEA, None, "c1", clock.now())
    core.place(first, room, "joined")
    second, _, _, _ = core.attach(LEA, None, "c2", clock.now())
    effects = core.place(second, room, "joined")
    assert effects[:3] == [
        Control(first.seat_id, {"type": CLOSE, "connection_id": "c1",
                                "code": int(CloseCode.SEAT_TAKEN),
                                "reason": "you took a seat in this room from another connection"}),
        Tell(SeatLeft(room.room_id, first.seat_id, "replaced")),
        PublishRoom(room.room_id, PresenceLeft(room_id=room.room_id, seat_id=first.seat_id,
                                               reason="replaced")),
    ]  # fmt: skip
    assert list(room.seats) == [second.seat_id]
    assert not any(isinstance(e, MediaPlace | MediaClose) for e in effects)  # no media port


def test_an_organisers_mute_holds_for_the_persons_next_seat_in_that_room() -> None:
    core, clock = RoomsCore(Limits(), media=True), FakeClock()
    room = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    lea, _, _, _ = core.attach(LEA, None, "c1", clock.now())
    core.place(lea, room, "joined")
    effects = core.hold_mute(lea)
    assert effects[:2] == [
        MediaMute(lea.seat_id, True),
        Tell(SeatChanged(room.room_id, lea.seat_id)),
    ]
    assert isinstance(effects[2], PublishRoom) and isinstance(effects[2].message, PresenceUpdated)
    core.release(lea, "left")
    again, _, _, _ = core.attach(LEA, None, "c2", clock.now())
    assert MediaMute(again.seat_id, True) in core.place(again, room, "joined")
    assert (again.muted, again.mute_held) == (True, True)


def test_a_participant_joins_only_the_breakout_they_were_assigned_and_a_move_assigns() -> None:
    core, clock = RoomsCore(Limits(), media=False), FakeClock()
    main = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    pairs = core.add_breakout_room(main, "Pairs")
    core.breakouts[main.room_id] = BreakoutSet("b1", main.room_id, AssignmentMode.BY_HAND,
                                               (pairs.room_id,), {})  # fmt: skip
    lea, _, _, _ = core.attach(LEA, None, "c1", clock.now())
    olga, _, _, _ = core.attach(OLGA, None, "c2", clock.now())
    core.join(lea, main.room_id)

    with pytest.raises(NotAllowed):
        core.join(lea, pairs.room_id)
    assert lea.room_id == main.room_id
    core.join(olga, pairs.room_id)  # organisers go anywhere
    assert olga.room_id == pairs.room_id

    moved = core.move(lea.seat_id, pairs.room_id)
    assert Control(lea.seat_id, {"type": MOVED, "room_id": pairs.room_id,
                                 "from_room_id": main.room_id, "reason": "moved"}) in moved  # fmt: skip
    assert core.breakouts[main.room_id].assignments == {lea.seat_id: pairs.room_id}
    core.leave(lea)
    assert core.join(lea, pairs.room_id)[-1] == Control(
        lea.seat_id,
        {"type": MOVED, "room_id": pairs.room_id, "from_room_id": None, "reason": "joined"},
    )


def test_hands_mute_and_chat_follow_the_room_s_rules() -> None:
    core, clock = RoomsCore(Limits(), media=True), FakeClock()
    room = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    lea, _, _, _ = core.attach(LEA, None, "c1", clock.now())
    leo, _, _, _ = core.attach(Identity.of("leo", "Leo", ["participant"]), None, "c2", 0.0)
    olga, _, _, _ = core.attach(OLGA, None, "c3", clock.now())
    for seat in (lea, leo, olga):
        core.join(seat, room.room_id)

    raised = core.raise_hand(lea)
    assert lea.hand_raised and raised[1] == PublishRoom(
        room.room_id, PresenceUpdated(room_id=room.room_id, participant=core.participant_view(lea))
    )
    with pytest.raises(Forbidden):
        core.lower_hand(leo, lea.seat_id)
    assert lea.hand_raised
    core.lower_hand(olga, lea.seat_id)
    assert not lea.hand_raised

    core.hold_mute(lea)
    with pytest.raises(NotAllowed):
        core.mute_self(lea, False)
    assert lea.muted
    assert core.mute_self(leo, True)[0] == MediaMute(leo.seat_id, True)

    said = core.chat(leo, "Hello", clock.advance(5))
    assert said == [PublishRoom(room.room_id, ChatMessage(room_id=room.room_id, seat_id=leo.seat_id,
                                                          display_name="Leo", text="Hello",
                                                          at=clock.now()))]  # fmt: skip
    core.leave(leo)
    with pytest.raises(InvalidTransition):  # outside a room: nobody to say it to
        core.chat(leo, "Anyone?", clock.now())
