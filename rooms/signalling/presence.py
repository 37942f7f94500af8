"""Handlers for joining and leaving rooms, hands, chat, mute, moves and the floor."""

from __future__ import annotations

from rooms.domain.errors import NotAllowed
from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.errors import Forbidden
from rooms.signalling.messages import (
    AllowUnmute,
    AskUnmute,
    Chat,
    ChatMessage,
    GiveFloor,
    Join,
    Leave,
    LowerHand,
    Move,
    Mute,
    MuteSelf,
    RaiseHand,
    TakeFloor,
)


async def join(ctx: Context, message: Join) -> None:
    registry, seat = ctx.registry, ctx.seat
    room = registry.room(message.room_id)
    if room.is_breakout and not seat.is_organiser:
        bset = registry.breakouts.get(room.parent_id or "")
        if bset is None or bset.assignments.get(seat.seat_id) != room.room_id:
            raise NotAllowed("you may join only the breakout room you were assigned to")
    await registry.place(seat, room, "joined")


async def leave(ctx: Context, message: Leave) -> None:
    ctx.registry.current_room(ctx.seat)
    await ctx.registry.place(ctx.seat, None, "left")


async def raise_hand(ctx: Context, message: RaiseHand) -> None:
    ctx.seat.raise_hand()
    await ctx.registry.refresh(ctx.seat)


async def lower_hand(ctx: Context, message: LowerHand) -> None:
    target = ctx.seat
    if message.seat_id is not None and message.seat_id != ctx.seat.seat_id:
        if not ctx.seat.is_organiser:
            raise Forbidden("only organisers may lower someone else's hand")
        target = ctx.registry.seat(message.seat_id)
    target.lower_hand()
    await ctx.registry.refresh(target)


async def chat(ctx: Context, message: Chat) -> None:
    room = ctx.registry.current_room(ctx.seat)
    await ctx.registry.publish_room(
        room.room_id,
        ChatMessage(
            room_id=room.room_id,
            seat_id=ctx.seat.seat_id,
            display_name=ctx.seat.display_name,
            text=message.text,
            at=ctx.registry.clock.now(),
        ),
    )


async def mute_self(ctx: Context, message: MuteSelf) -> None:
    room = ctx.registry.current_room(ctx.seat)
    if not message.muted and ctx.seat.mute_held:
        raise NotAllowed("an organiser muted you; ask to unmute, and they may allow it")
    if not message.muted and not room.may_publish(ctx.seat):
        raise NotAllowed("only those given the floor may speak in this room")
    await ctx.registry.set_muted(ctx.seat, message.muted)


async def mute(ctx: Context, message: Mute) -> None:
    await ctx.registry.hold_mute(ctx.registry.seat(message.seat_id))


async def ask_unmute(ctx: Context, message: AskUnmute) -> None:
    ctx.registry.current_room(ctx.seat)
    ctx.seat.ask_unmute()
    await ctx.registry.refresh(ctx.seat)


async def allow_unmute(ctx: Context, message: AllowUnmute) -> None:
    await ctx.registry.release_mute(ctx.registry.seat(message.seat_id))


async def move(ctx: Context, message: Move) -> None:
    registry = ctx.registry
    seat, room = registry.seat(message.seat_id), registry.room(message.room_id)
    if room.parent_id is not None:
        bset = registry.breakouts.get(room.parent_id)
        if bset is None:
            raise NotAllowed("that breakout room is closed")
        bset.assign(seat.seat_id, room.room_id)
    await registry.place(seat, room, "moved")


async def give_floor(ctx: Context, message: GiveFloor) -> None:
    target = ctx.registry.seat(message.seat_id)
    target.give_floor()
    await ctx.registry.refresh(target)


async def take_floor(ctx: Context, message: TakeFloor) -> None:
    target = ctx.registry.seat(message.seat_id)
    target.take_floor()
    await ctx.registry.refresh(target)


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(Join, join)
    dispatcher.register(Leave, leave)
    dispatcher.register(RaiseHand, raise_hand)
    dispatcher.register(LowerHand, lower_hand)
    dispatcher.register(Chat, chat)
    dispatcher.register(MuteSelf, mute_self)
    dispatcher.register(Mute, mute)
    dispatcher.register(AskUnmute, ask_unmute)
    dispatcher.register(AllowUnmute, allow_unmute)
    dispatcher.register(Move, move)
    dispatcher.register(GiveFloor, give_floor)
    dispatcher.register(TakeFloor, take_floor)
