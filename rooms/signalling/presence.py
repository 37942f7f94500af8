"""Handlers for joining and leaving rooms, hands, chat, mute, moves and the floor.

Each one asks the rooms core (``rooms/signalling/rooms_core.py``) for the change's effects,
rules included, and has the registry carry them out.
"""

from __future__ import annotations

from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.messages import (
    AllowUnmute,
    AskUnmute,
    Chat,
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
    await ctx.registry.carry_out(ctx.registry.core.join(ctx.seat, message.room_id))


async def leave(ctx: Context, message: Leave) -> None:
    await ctx.registry.carry_out(ctx.registry.core.leave(ctx.seat))


async def raise_hand(ctx: Context, message: RaiseHand) -> None:
    await ctx.registry.carry_out(ctx.registry.core.raise_hand(ctx.seat))


async def lower_hand(ctx: Context, message: LowerHand) -> None:
    await ctx.registry.carry_out(ctx.registry.core.lower_hand(ctx.seat, message.seat_id))


async def chat(ctx: Context, message: Chat) -> None:
    registry = ctx.registry
    await registry.carry_out(registry.core.chat(ctx.seat, message.text, registry.clock.now()))


async def mute_self(ctx: Context, message: MuteSelf) -> None:
    await ctx.registry.carry_out(ctx.registry.core.mute_self(ctx.seat, message.muted))


async def mute(ctx: Context, message: Mute) -> None:
    await ctx.registry.hold_mute(ctx.registry.seat(message.seat_id))


async def ask_unmute(ctx: Context, message: AskUnmute) -> None:
    await ctx.registry.carry_out(ctx.registry.core.ask_unmute(ctx.seat))


async def allow_unmute(ctx: Context, message: AllowUnmute) -> None:
    await ctx.registry.release_mute(ctx.registry.seat(message.seat_id))


async def move(ctx: Context, message: Move) -> None:
    await ctx.registry.carry_out(ctx.registry.core.move(message.seat_id, message.room_id))


async def give_floor(ctx: Context, message: GiveFloor) -> None:
    registry = ctx.registry
    await registry.carry_out(registry.core.set_floor(registry.seat(message.seat_id), True))


async def take_floor(ctx: Context, message: TakeFloor) -> None:
    registry = ctx.registry
    await registry.carry_out(registry.core.set_floor(registry.seat(message.seat_id), False))


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
