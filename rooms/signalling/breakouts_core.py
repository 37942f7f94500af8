"""Breakouts as a synchronous core: open, choose, countdown, broadcast, close, and help.

It works on the rooms core's state (rooms, seats, live breakout sets) and, like it, does no
I/O and never awaits: each command changes the state at once and returns the effects
(``rooms/signalling/effects.py``) for the registry to carry out in order. Every time and the
random source are handed in, so a test drives it with a fake clock and a seeded ``Random``.
The handlers in ``rooms/signalling/breakouts.py`` are its thin async driver.
"""

from __future__ import annotations

import random
import secrets

from rooms.domain.breakout import AssignmentMode, BreakoutSet, assign_at_random, assign_by_hand
from rooms.domain.errors import Conflict, NotAllowed, NotFound
from rooms.domain.participant import Participant
from rooms.domain.room import Room
from rooms.signalling.codec import ServerMessage
from rooms.signalling.effects import Effect, PublishRoom, PublishSeat, Reply, WakeAt
from rooms.signalling.messages import (
    BreakoutOpen,
    BreakoutsClosed,
    BreakoutsCountdown,
    BreakoutsOpened,
    Broadcast,
    HelpList,
    HelpRequested,
    HelpResolved,
)
from rooms.signalling.rooms_core import RoomsCore

__all__ = ["BreakoutsCore"]


class BreakoutsCore:
    """The breakout sets of the rooms in ``rooms``, one live set per main room at most."""

    def __init__(self, rooms: RoomsCore) -> None:
        self.rooms = rooms

    def open(
        self, seat: Participant, message: BreakoutOpen, now: float, rng: random.Random
    ) -> list[Effect]:
        """Open the rooms ``message`` asks for under the seat's main room, and seat people."""
        core = self.rooms
        main = core.current_room(seat)
        if main.is_breakout:
            raise NotAllowed("breakouts are opened from the main room")
        if main.room_id in core.breakouts:
            raise Conflict("breakout rooms are already open here")
        if message.mode is AssignmentMode.BY_HAND:
            for spec in message.rooms:
                for seat_id in spec.seats:
                    if seat_id not in main.seats:
                        raise NotFound(f"seat {seat_id} is not in the main room")
        rooms = [core.add_breakout_room(main, spec.title) for spec in message.rooms]
        room_ids = [room.room_id for room in rooms]
        if message.mode is AssignmentMode.BY_HAND:
            # Planned people who are not here are left out: they have no seat to move.
            present = {core.seats[sid].person_id: sid for sid in main.seats}
            assignments = assign_by_hand(
                {
                    room.room_id: [*spec.seats, *(present[p] for p in spec.people if p in present)]
                    for room, spec in zip(rooms, message.rooms, strict=True)
                }
            )
        elif message.mode is AssignmentMode.RANDOM:
            eligible = [sid for sid in main.seats if not core.seats[sid].is_organiser]
            assignments = assign_at_random(eligible, room_ids, rng)
        else:
            assignments = {}
        bset = BreakoutSet(
            secrets.token_urlsafe(12), main.room_id, message.mode, tuple(room_ids), assignments
        )
        if message.duration_s is not None:
            bset.start_countdown(now + message.duration_s)
        core.breakouts[main.room_id] = bset
        out: list[Effect] = [
            PublishRoom(main.room_id, BreakoutsOpened(breakout=core.breakout_view(bset)))
        ]
        for seat_id, room_id in assignments.items():
            out += core.place(core.seats[seat_id], core.rooms[room_id], "breakouts_opened")
        return out

    def choose(self, seat: Participant, room_id: str) -> list[Effect]:
        """The seat picks its breakout room itself (where the set lets people choose)."""
        bset = self.live_set(seat)
        bset.choose(seat.seat_id, room_id)
        return self.rooms.place(seat, self.rooms.room(room_id), "breakout_chosen")

    def countdown(self, seat: Participant, seconds: float, now: float) -> list[Effect]:
        """Every room of the set closes ``seconds`` from ``now``; all of them are told."""
        bset = self.live_set(seat)
        bset.start_countdown(now + seconds)
        ends_at = bset.ends_at if bset.ends_at is not None else 0.0
        told = BreakoutsCountdown(breakout_id=bset.breakout_id, ends_at=ends_at)
        return [WakeAt(ends_at), *self._to_every_room(bset, told)]

    def broadcast(self, seat: Participant, text: str, now: float) -> list[Effect]:
        """An organiser's message into every room of the set."""
        bset = self.live_set(seat)
        message = Broadcast(
            breakout_id=bset.breakout_id, from_name=seat.display_name, text=text, at=now
        )
        return self._to_every_room(bset, message)

    def close(self, seat: Participant) -> list[Effect]:
        return self.close_set(self.live_set(seat))

    def close_set(self, bset: BreakoutSet) -> list[Effect]:
        """Close every breakout room of the set and bring everyone back to the main room."""
        core = self.rooms
        bset.close()
        out = self._to_every_room(
            bset, BreakoutsClosed(breakout_id=bset.breakout_id, main_room_id=bset.main_room_id)
        )
        del core.breakouts[bset.main_room_id]
        main = core.rooms[bset.main_room_id]
        for room_id in bset.room_ids:
            room = core.rooms[room_id]
            for seat_id in list(room.seats):
                out += core.place(core.seats[seat_id], main, "breakouts_closed")
            room.close()
            del core.rooms[room_id]
        return out

    def close_due(self, now: float) -> list[Effect]:
        """Close the sets whose countdown has run out by ``now``."""
        out: list[Effect] = []
        for bset in [b for b in self.rooms.breakouts.values() if b.is_due(now)]:
            out += self.close_set(bset)
        return out

    def request_help(self, seat: Participant, text: str, now: float) -> list[Effect]:
        """A breakout asks the organisers for help; they and the asker see the request."""
        bset = self.live_set(seat)
        request = bset.request_help(
            secrets.token_urlsafe(8), seat.seat_id, seat.room_id or "", text, now
        )
        return self._to_organisers(bset, HelpRequested(request=self.rooms.help_view(request)), seat)

    def help_list(self, seat: Participant) -> list[Effect]:
        bset = self.live_set(seat)
        views = [self.rooms.help_view(r) for r in bset.open_help_requests()]
        return [Reply(HelpList(requests=views))]

    def resolve_help(self, seat: Participant, request_id: str) -> list[Effect]:
        bset = self.live_set(seat)
        request = bset.resolve_help(request_id)
        requester = self.rooms.seats.get(request.seat_id)
        also = [requester] if requester is not None else []
        return self._to_organisers(bset, HelpResolved(request_id=request.request_id), *also)

    def live_set(self, seat: Participant) -> BreakoutSet:
        """The open set of the seat's main room (the seat may sit in one of its breakouts)."""
        core = self.rooms
        main = core.main_room_of(core.current_room(seat))
        bset = core.breakouts.get(main.room_id)
        if bset is None:
            raise NotFound("there are no breakout rooms open here")
        return bset

    def _rooms_of(self, bset: BreakoutSet) -> list[Room]:
        rooms = self.rooms.rooms
        return [rooms[bset.main_room_id], *(rooms[rid] for rid in bset.room_ids)]

    def _to_every_room(self, bset: BreakoutSet, message: ServerMessage) -> list[Effect]:
        return [PublishRoom(room.room_id, message) for room in self._rooms_of(bset)]

    def _to_organisers(
        self, bset: BreakoutSet, message: ServerMessage, *also: Participant
    ) -> list[Effect]:
        seats = [s for s in self.rooms.seats_in(self._rooms_of(bset)) if s.is_organiser]
        unique = {s.seat_id: s for s in [*seats, *also]}
        return [PublishSeat(seat_id, message) for seat_id in unique]
