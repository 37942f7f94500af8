"""The breakouts core without sockets: each command returns its effects, in order.

A fake clock and a seeded ``Random``; no registry, bus, uvicorn or media.
"""

from __future__ import annotations

import random

import pytest

from rooms.domain.breakout import AssignmentMode, BreakoutState
from rooms.domain.errors import Conflict, NotAllowed, NotFound
from rooms.domain.participant import Participant
from rooms.signalling.breakouts_core import BreakoutsCore
from rooms.signalling.effects import Control, Effect, PublishRoom, PublishSeat, Reply, WakeAt
from rooms.signalling.identity import Identity
from rooms.signalling.limits import Limits
from rooms.signalling.messages import (
    BreakoutOpen,
    BreakoutRoomSpec,
    BreakoutsClosed,
    BreakoutsCountdown,
    BreakoutsOpened,
    Broadcast,
    HelpList,
    HelpRequested,
    HelpResolved,
    PresenceJoined,
)
from rooms.signalling.rooms_core import RoomsCore
from rooms.signalling.topics import MOVED
from tests.support.rooms_view import FakeClock

pytestmark = pytest.mark.unit


def workshop(*names: str) -> tuple[RoomsCore, BreakoutsCore, dict[str, Participant], str]:
    """A workshop room with Olga (organiser) and ``names`` (participants) in it."""
    core, clock = RoomsCore(Limits(), media=False), FakeClock()
    main = core.room(core.room_for_session("s1", "workshop", "Workshop"))
    seats: dict[str, Participant] = {}
    for name in ("olga", *names):
        roles = ["organiser"] if name == "olga" else ["participant"]
        seat, _, _, _ = core.attach(Identity.of(name, name.title(), roles), None, name, clock.now())
        core.place(seat, main, "joined")
        seats[name] = seat
    return core, BreakoutsCore(core), seats, main.room_id


def moves(effects: list[Effect]) -> list[tuple[str, str | None]]:
    return [
        (e.seat_id, e.event["room_id"])
        for e in effects
        if isinstance(e, Control) and e.event["type"] == MOVED
    ]


def test_a_restored_countdown_and_restored_seats_wake_the_sweeper_when_they_fall_due() -> None:
    core, breakouts, seats, main_id = workshop("lea")
    open_ = BreakoutOpen(
        mode=AssignmentMode.BY_HAND,
        rooms=[BreakoutRoomSpec(title="Terminology", seats=[seats["lea"].seat_id])],
    )
    breakouts.open(seats["olga"], open_, 0.0, random.Random(1))
    breakouts.countdown(seats["olga"], 60, 100.0)
    state = core.live_state(110.0, {})

    restarted = RoomsCore(Limits(reconnect_grace=30.0), media=False)
    woken = [e for e in restarted.restore(state, 120.0) if isinstance(e, WakeAt)]
    assert woken == [WakeAt(150.0), WakeAt(160.0)]  # the seats' grace, the countdown's end


def test_opening_by_hand_announces_the_set_then_seats_each_person_in_their_room() -> None:
    core, breakouts, seats, main_id = workshop("lea", "leo")
    lea, leo, olga = seats["lea"], seats["leo"], seats["olga"]
    message = BreakoutOpen(
        mode=AssignmentMode.BY_HAND,
        rooms=[BreakoutRoomSpec(title="Terminology", seats=[lea.seat_id]),
               BreakoutRoomSpec(title="Glossary", seats=[leo.seat_id])],
        duration_s=600,
    )  # fmt: skip
    effects = breakouts.open(olga, message, 1000.0, random.Random(1))

    bset = core.breakouts[main_id]
    terminology, glossary = bset.room_ids
    assert effects[0] == PublishRoom(main_id, BreakoutsOpened(breakout=core.breakout_view(bset)))
    assert moves(effects) == [(lea.seat_id, terminology), (leo.seat_id, glossary)]
    assert bset.ends_at == 1600.0
    joined = [e.room_id for e in effects if isinstance(e, PublishRoom)
              and isinstance(e.message, PresenceJoined)]  # fmt: skip
    assert joined == [terminology, glossary]
    with pytest.raises(Conflict):
        breakouts.open(olga, message, 1001.0, random.Random(1))


def test_opening_from_a_breakout_or_with_a_stranger_is_refused_and_changes_nothing() -> None:
    core, breakouts, seats, main_id = workshop("lea")
    olga = seats["olga"]
    stranger = BreakoutOpen(
        mode=AssignmentMode.BY_HAND, rooms=[BreakoutRoomSpec(title="Pairs", seats=["no-such-seat"])]
    )
    with pytest.raises(NotFound):
        breakouts.open(olga, stranger, 0.0, random.Random(1))
    assert (core.breakouts, len(core.rooms)) == ({}, 1)

    chosen = BreakoutOpen(mode=AssignmentMode.SELF_SELECT, rooms=[BreakoutRoomSpec(title="Pairs")])
    breakouts.open(olga, chosen, 0.0, random.Random(1))
    (pairs,) = core.breakouts[main_id].room_ids
    core.place(olga, core.rooms[pairs], "moved")
    core.breakouts.clear()
    with pytest.raises(NotAllowed):
        breakouts.open(olga, chosen, 0.0, random.Random(1))


def test_random_assignment_leaves_organisers_in_the_main_room_and_repeats_with_the_seed() -> None:
    def rooms_of_people(seed: int) -> dict[str, str]:
        core, breakouts, seats, main_id = workshop("ana", "ben", "cai", "dan")
        message = BreakoutOpen(
            mode=AssignmentMode.RANDOM,
            rooms=[BreakoutRoomSpec(title="A"), BreakoutRoomSpec(title="B")],
        )
        breakouts.open(seats["olga"], message, 0.0, random.Random(seed))
        titles = {rid: core.rooms[rid].title for rid in core.breakouts[main_id].room_ids}
        titles[main_id] = "main"
        return {name: titles[seat.room_id or ""] for name, seat in seats.items()}

    first = rooms_of_people(7)
    assert first["olga"] == "main"
    assert sorted(v for k, v in first.items() if k != "olga") == ["A", "A", "B", "B"]
    assert rooms_of_people(7) == first


def test_a_countdown_is_told_to_every_room_and_the_set_closes_when_it_runs_out() -> None:
    core, breakouts, seats, main_id = workshop("lea")
    olga, lea = seats["olga"], seats["lea"]
    open_ = BreakoutOpen(
        mode=AssignmentMode.BY_HAND,
        rooms=[BreakoutRoomSpec(title="Terminology", seats=[lea.seat_id])],
    )
    breakouts.open(olga, open_, 0.0, random.Random(1))
    bset = core.breakouts[main_id]
    (room_id,) = bset.room_ids

    told = breakouts.countdown(olga, 60, 100.0)
    countdown = BreakoutsCountdown(breakout_id=bset.breakout_id, ends_at=160.0)
    assert told == [
        WakeAt(160.0),  # the driver sweeps then
        PublishRoom(main_id, countdown),
        PublishRoom(room_id, countdown),
    ]
    assert breakouts.close_due(159.9) == []

    closed = breakouts.close_due(160.0)
    message = BreakoutsClosed(breakout_id=bset.breakout_id, main_room_id=main_id)
    assert closed[:2] == [PublishRoom(main_id, message), PublishRoom(room_id, message)]
    assert moves(closed) == [(lea.seat_id, main_id)]
    assert bset.history == [BreakoutState.OPEN, BreakoutState.COUNTDOWN, BreakoutState.CLOSED]
    assert (main_id in core.breakouts, room_id in core.rooms) == (False, False)
    with pytest.raises(NotFound):
        breakouts.broadcast(olga, "Five minutes left", 161.0)


def test_a_broadcast_reaches_every_room_with_the_sender_and_the_time() -> None:
    core, breakouts, seats, main_id = workshop("lea")
    olga = seats["olga"]
    open_ = BreakoutOpen(mode=AssignmentMode.SELF_SELECT, rooms=[BreakoutRoomSpec(title="Pairs")])
    breakouts.open(olga, open_, 0.0, random.Random(1))
    bset = core.breakouts[main_id]
    sent = breakouts.broadcast(olga, "Five minutes left", 240.0)
    message = Broadcast(
        breakout_id=bset.breakout_id, from_name="Olga", text="Five minutes left", at=240.0
    )
    assert sent == [PublishRoom(main_id, message), PublishRoom(bset.room_ids[0], message)]


def test_help_goes_to_the_organisers_and_the_asker_and_its_resolution_too() -> None:
    core, breakouts, seats, main_id = workshop("lea")
    olga, lea = seats["olga"], seats["lea"]
    open_ = BreakoutOpen(mode=AssignmentMode.SELF_SELECT, rooms=[BreakoutRoomSpec(title="Pairs")])
    breakouts.open(olga, open_, 0.0, random.Random(1))
    (pairs,) = core.breakouts[main_id].room_ids
    breakouts.choose(lea, pairs)
    assert lea.room_id == pairs

    asked = breakouts.request_help(lea, "We are stuck", 50.0)
    assert all(isinstance(e, PublishSeat) and isinstance(e.message, HelpRequested) for e in asked)
    assert [e.seat_id for e in asked if isinstance(e, PublishSeat)] == [olga.seat_id, lea.seat_id]
    first = asked[0]
    assert isinstance(first, PublishSeat) and isinstance(first.message, HelpRequested)
    request = first.message.request
    assert (request.text, request.room_id) == ("We are stuck", pairs)

    (listed,) = breakouts.help_list(olga)
    assert listed == Reply(HelpList(requests=[request]))
    resolved = breakouts.resolve_help(olga, request.request_id)
    assert resolved == [PublishSeat(olga.seat_id, HelpResolved(request_id=request.request_id)),
                        PublishSeat(lea.seat_id, HelpResolved(request_id=request.request_id))]  # fmt: skip
    assert breakouts.help_list(olga) == [Reply(HelpList(requests=[]))]
