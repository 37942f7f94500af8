"""Handlers for breakouts: open, choose, countdown, broadcast, close all, and help.

Each one asks the breakouts core (``rooms/signalling/breakouts_core.py``) for the change's
effects and has the registry carry them out; replies go back to the sender.
"""

from __future__ import annotations

from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.messages import (
    BreakoutBroadcast,
    BreakoutChoose,
    BreakoutClose,
    BreakoutCountdown,
    BreakoutOpen,
    HelpListRequest,
    HelpRequest,
    HelpResolve,
)


async def open_breakouts(ctx: Context, message: BreakoutOpen) -> None:
    registry = ctx.registry
    now = registry.clock.now()
    await registry.carry_out(registry.breakout_core.open(ctx.seat, message, now, registry.rng))


async def choose(ctx: Context, message: BreakoutChoose) -> None:
    await ctx.registry.carry_out(ctx.registry.breakout_core.choose(ctx.seat, message.room_id))


async def countdown(ctx: Context, message: BreakoutCountdown) -> None:
    registry = ctx.registry
    now = registry.clock.now()
    await registry.carry_out(registry.breakout_core.countdown(ctx.seat, message.seconds, now))


async def broadcast(ctx: Context, message: BreakoutBroadcast) -> None:
    registry = ctx.registry
    now = registry.clock.now()
    await registry.carry_out(registry.breakout_core.broadcast(ctx.seat, message.text, now))


async def close(ctx: Context, message: BreakoutClose) -> None:
    await ctx.registry.carry_out(ctx.registry.breakout_core.close(ctx.seat))


async def request_help(ctx: Context, message: HelpRequest) -> None:
    registry = ctx.registry
    now = registry.clock.now()
    await registry.carry_out(registry.breakout_core.request_help(ctx.seat, message.text, now))


async def help_list(ctx: Context, message: HelpListRequest) -> None:
    await ctx.registry.carry_out(ctx.registry.breakout_core.help_list(ctx.seat), ctx.reply)


async def resolve_help(ctx: Context, message: HelpResolve) -> None:
    effects = ctx.registry.breakout_core.resolve_help(ctx.seat, message.request_id)
    await ctx.registry.carry_out(effects)


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(BreakoutOpen, open_breakouts)
    dispatcher.register(BreakoutChoose, choose)
    dispatcher.register(BreakoutCountdown, countdown)
    dispatcher.register(BreakoutBroadcast, broadcast)
    dispatcher.register(BreakoutClose, close)
    dispatcher.register(HelpRequest, request_help)
    dispatcher.register(HelpListRequest, help_list)
    dispatcher.register(HelpResolve, resolve_help)
