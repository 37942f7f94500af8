"""Handlers for breakouts: open, choose, countdown, broadcast, close all, and help."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from rooms.domain.breakout import (
    AssignmentMode,
    BreakoutSet,
    assign_at_random,
    assign_by_hand,
)
from rooms.domain.errors import Conflict, NotAllowed, NotFound
from rooms.domain.participant import Participant
from rooms.domain.room import Room
from rooms.signalling.codec import ServerMessage
from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.messages import (
    BreakoutBroadcast,
    BreakoutChoose,
    BreakoutClose,
    BreakoutCountdown,
    BreakoutOpen,
    BreakoutsClosed,
    BreakoutsCountdown,
    BreakoutsOpened,
    Broadcast,
    HelpList,
    HelpListRequest,
    HelpRequest,
    HelpRequested,
    HelpResolve,
    HelpResolved,
)

if TYPE_CHECKING:
    from rooms.signalling.registry import Registry


def _rooms_of(registry: Registry, bset: BreakoutSet) -> list[Room]:
    return [registry.rooms[bset.main_room_id], *(registry.rooms[rid] for rid in bset.room_ids)]


async def _to_every_room(registry: Registry, bset: BreakoutSet, message: ServerMessage) -> None:
    for room in _rooms_of(registry, bset):
        await registry.publish_room(room.room_id, message)


async def _to_organisers(
    registry: Registry, bset: BreakoutSet, message: ServerMessage, *also: Participant
) -> None:
    seats = [s for s in registry.seats_in(_rooms_of(registry, bset)) if s.is_organiser]
    for seat in {s.seat_id: s for s in [*seats, *also]}.values():
        await registry.publish_seat(seat.seat_id, message)


def _live_set(registry: Registry, seat: Participant) -> BreakoutSet:
    main = registry.main_room_of(registry.current_room(seat))
    bset = registry.breakouts.get(main.room_id)
    if bset is None:
        raise NotFound("there are no breakout rooms open here")
    return bset


async def open_breakouts(ctx: Context, message: BreakoutOpen) -> None:
    registry = ctx.registry
    main = registry.current_room(ctx.seat)
    if main.is_breakout:
        raise NotAllowed("breakouts are opened from the main room")
    if main.room_id in registry.breakouts:
        raise Conflict("breakout rooms are already open here")
    if message.mode is AssignmentMode.BY_HAND:
        for spec in message.rooms:
            for seat_id in spec.seats:
                if seat_id not in main.seats:
                    raise NotFound(f"seat {seat_id} is not in the main room")
    rooms = [registry.add_breakout_room(main, spec.title) for spec in message.rooms]
    room_ids = [room.room_id for room in rooms]
    if message.mode is AssignmentMode.BY_HAND:
        # Planned people who are not here are left out: they have no seat to move.
        present = {registry.seats[sid].person_id: sid for sid in main.seats}
        assignments = assign_by_hand(
            {
                room.room_id: [*spec.seats, *(present[p] for p in spec.people if p in present)]
                for room, spec in zip(rooms, message.rooms, strict=True)
            }
        )
    elif message.mode is AssignmentMode.RANDOM:
        eligible = [sid for sid in main.seats if not registry.seats[sid].is_organiser]
        assignments = assign_at_random(eligible, room_ids, registry.rng)
    else:
        assignments = {}
    bset = BreakoutSet(
        secrets.token_urlsafe(12), main.room_id, message.mode, tuple(room_ids), assignments
    )
    if message.duration_s is not None:
        bset.start_countdown(registry.clock.now() + message.duration_s)
    registry.breakouts[main.room_id] = bset
    await registry.publish_room(
        main.room_id, BreakoutsOpened(breakout=registry.breakout_view(bset))
    )
    for seat_id, room_id in assignments.items():
        await registry.place(registry.seats[seat_id], registry.rooms[room_id], "breakouts_opened")


async def choose(ctx: Context, message: BreakoutChoose) -> None:
    bset = _live_set(ctx.registry, ctx.seat)
    bset.choose(ctx.seat.seat_id, message.room_id)
    await ctx.registry.place(ctx.seat, ctx.registry.room(message.room_id), "breakout_chosen")


async def countdown(ctx: Context, message: BreakoutCountdown) -> None:
    registry = ctx.registry
    bset = _live_set(registry, ctx.seat)
    bset.start_countdown(registry.clock.now() + message.seconds)
    ends_at = bset.ends_at if bset.ends_at is not None else 0.0
    await _to_every_room(
        registry, bset, BreakoutsCountdown(breakout_id=bset.breakout_id, ends_at=ends_at)
    )


async def broadcast(ctx: Context, message: BreakoutBroadcast) -> None:
    registry = ctx.registry
    bset = _live_set(registry, ctx.seat)
    await _to_every_room(
        registry,
        bset,
        Broadcast(
            breakout_id=bset.breakout_id,
            from_name=ctx.seat.display_name,
            text=message.text,
            at=registry.clock.now(),
        ),
    )


async def close(ctx: Context, message: BreakoutClose) -> None:
    await close_all(ctx.registry, _live_set(ctx.registry, ctx.seat))


async def close_all(registry: Registry, bset: BreakoutSet) -> None:
    """Close every breakout room of the set and bring everyone back to the main room."""
    bset.close()
    del registry.breakouts[bset.main_room_id]
    main = registry.rooms[bset.main_room_id]
    closed = BreakoutsClosed(breakout_id=bset.breakout_id, main_room_id=main.room_id)
    await _to_every_room(registry, bset, closed)
    for room_id in bset.room_ids:
        room = registry.rooms[room_id]
        for seat_id in list(room.seats):
            await registry.place(registry.seats[seat_id], main, "breakouts_closed")
        room.close()
        del registry.rooms[room_id]


async def request_help(ctx: Context, message: HelpRequest) -> None:
    registry, seat = ctx.registry, ctx.seat
    bset = _live_set(registry, seat)
    request = bset.request_help(
        secrets.token_urlsafe(8),
        seat.seat_id,
        seat.room_id or "",
        message.text,
        registry.clock.now(),
    )
    await _to_organisers(registry, bset, HelpRequested(request=registry.help_view(request)), seat)


async def help_list(ctx: Context, message: HelpListRequest) -> None:
    bset = _live_set(ctx.registry, ctx.seat)
    ctx.reply(HelpList(requests=[ctx.registry.help_view(r) for r in bset.open_help_requests()]))


async def resolve_help(ctx: Context, message: HelpResolve) -> None:
    registry = ctx.registry
    bset = _live_set(registry, ctx.seat)
    request = bset.resolve_help(message.request_id)
    requester = registry.seats.get(request.seat_id)
    also = [requester] if requester is not None else []
    await _to_organisers(registry, bset, HelpResolved(request_id=request.request_id), *also)


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(BreakoutOpen, open_breakouts)
    dispatcher.register(BreakoutChoose, choose)
    dispatcher.register(BreakoutCountdown, countdown)
    dispatcher.register(BreakoutBroadcast, broadcast)
    dispatcher.register(BreakoutClose, close)
    dispatcher.register(HelpRequest, request_help)
    dispatcher.register(HelpListRequest, help_list)
    dispatcher.register(HelpResolve, resolve_help)
