"""What the interpretation core tells people, built from its state and the rooms: pure."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

from conference.domain import languages
from interpretation.domain import ORIGINAL, Booth, BoothState, ListenerChoice, live_board
from interpretation.signalling import messages as m
from interpretation.signalling.state import RoomInterpretation
from rooms.domain.participant import ParticipantState
from rooms.domain.room import Room
from rooms.signalling.view import RoomsView


def channels(state: RoomInterpretation | None, room_id: str = "") -> m.Channels:
    views = [m.ChannelView(language=ORIGINAL, name="", booth=None, active=True)]
    if state is not None:
        views += [
            m.ChannelView(
                language=c.language,
                name=languages.native_name(c.language),
                booth=c.booth,
                active=c.active,
                sign=c.sign,
            )
            for c in state.channels.channels()
            if c.booth is not None
        ]
    return m.Channels(room_id=state.room_id if state else room_id, channels=views)


def mix(state: RoomInterpretation | None, seat: str) -> m.MixSet | None:
    if state is None:
        return None
    choice = state.choices.get(seat)
    found = state.mix(seat)
    if choice is None or found is None:
        return None
    return m.MixSet(
        language=choice.language,
        balance=choice.balance,
        floor=found.floor,
        interpreter=found.interpreter,
        reason=found.reason.value if found.reason is not None else None,
    )


def booth_view(
    rooms: RoomsView,
    state: RoomInterpretation,
    booth: Booth,
    person: str,
    room: Room | None,
    now: float,
) -> m.BoothState:
    pending = booth.pending
    plan = state.turn(booth, now)
    fade = state.fades.get(booth.booth_id)
    floor_up = fade.decision.reason if fade is not None else None
    return m.BoothState(
        room_id=state.room_id,
        room_title=room.title if room is not None else "",
        booth=booth.booth_id,
        languages=list(booth.languages),
        output_language=booth.output_language,
        source=booth.source,
        sources=state.sources(booth),
        live_sources=live_sources(rooms, state, booth, room),
        state=booth.state.value,
        on_air=booth.on_air,
        coughing=booth.state is BoothState.COUGHING,
        pending=None
        if pending is None
        else m.PendingView(kind=pending.kind.value, by=pending.by, to=pending.to),
        members=[
            m.MemberView(
                person_id=p,
                name=state.names.get(p, p),
                connected=present(rooms, state.seats.get(p)),
            )
            for p in booth.members
        ],
        you=person,
        turn=None
        if plan is None
        else m.TurnView(
            current=plan.current,
            next=plan.next,
            handover_at=plan.handover_at.timestamp() if plan.handover_at else None,
            seconds_to_handover=plan.seconds_to_handover,
        ),
        floor_up=floor_up.value if floor_up is not None else None,
        signs=booth.signs,
    )


def live_sources(
    rooms: RoomsView, state: RoomInterpretation, booth: Booth, room: Room | None
) -> list[str]:
    live = []
    for source in state.sources(booth):
        if source == "floor":
            if room is not None and floor_speaking(rooms, room):
                live.append(source)
            continue
        language = source.removeprefix("relay:")
        pivot = state.channels.booth_for(language)
        if pivot is not None and pivot.audible and pivot.output_language == language:
            live.append(source)
    return live


def board(
    rooms: RoomsView, state: RoomInterpretation, feeds: Mapping[str, m.FeedHealth]
) -> m.Board:
    room = rooms.rooms.get(state.room_id)
    speaking = room is not None and floor_speaking(rooms, room)
    # Everyone in the room who is not in a booth listens to something: the floor by default.
    members = set(state.seats.values())
    listeners = [s for s in (room.seats if room is not None else ()) if s not in members]
    choices = {seat: state.choices.get(seat, ListenerChoice()) for seat in listeners}
    signing = Counter(state.sign_choices[s] for s in listeners if s in state.sign_choices)
    found = live_board(state.channels, choices, speaking, state.decisions(), signing)
    rows = []
    for row in found.channels:
        data = dataclasses.asdict(row)
        data["name"] = languages.native_name(row.language) if row.booth else ""
        data["on_air_name"] = state.names.get(row.on_air, row.on_air) if row.on_air else None
        rows.append(data)
    return m.Board(
        room_id=state.room_id,
        room_title=room.title if room is not None else "",
        floor_speaking=speaking,
        channels=rows,
        listeners=found.listeners,
        relays=[dataclasses.asdict(path) for path in found.relays],
        problems=[dataclasses.asdict(problem) for problem in found.problems],
        feeds=board_feeds(state, feeds),
    )


def board_feeds(
    state: RoomInterpretation, feeds: Mapping[str, m.FeedHealth]
) -> list[dict[str, Any]]:
    out = []
    for booth in state.channels.booths:
        for person in booth.members:
            seat = state.seats.get(person)
            report = feeds.get(seat) if seat is not None else None
            if report is None:
                continue
            out.append(
                {
                    "booth": booth.booth_id,
                    "booth_name": languages.native_name(booth.output_language),
                    "name": state.names.get(person, person),
                    "state": report.state,
                    "reasons": report.reasons,
                    "loss_pct": report.loss_pct,
                    "jitter_ms": report.jitter_ms,
                    "delay_ms": report.delay_ms,
                }
            )
    return out


def present(rooms: RoomsView, seat_id: str | None) -> bool:
    seat = rooms.seats.get(seat_id) if seat_id is not None else None
    return seat is not None and seat.state is ParticipantState.PRESENT


def floor_speaking(rooms: RoomsView, room: Room) -> bool:
    """Someone may speak on the floor and is not muted (the board's "while the floor speaks").

    Organisers count: an organiser who opens the session speaks on the floor like anyone.
    Interpreters' console seats are listen-only, so they never count.
    """
    seats = [rooms.seats[s] for s in room.seats if s in rooms.seats]
    return any(
        room.may_publish(s) and not s.muted and s.state is ParticipantState.PRESENT for s in seats
    )
