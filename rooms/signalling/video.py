"""Handlers for cameras and screen shares.

A camera may be on, and a screen shared, only where the seat may publish: anyone in a
breakout (or any room without floor control), and in a plenary the organisers and whoever
has the floor (speakers given it, the lightning stage's current speaker). The registry
turns both off when the seat loses that right. One share per room: a new one replaces
the current one. Organisers may stop anyone's share.
"""

from __future__ import annotations

from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.messages import Camera, Share, StopShare


async def camera(ctx: Context, message: Camera) -> None:
    await ctx.registry.carry_out(ctx.registry.core.show_camera(ctx.seat, message.on))


async def share(ctx: Context, message: Share) -> None:
    await ctx.registry.carry_out(ctx.registry.core.share_screen(ctx.seat, message.on))


async def stop_share(ctx: Context, message: StopShare) -> None:
    await ctx.registry.carry_out(ctx.registry.core.stop_share(message.seat_id))


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(Camera, camera)
    dispatcher.register(Share, share)
    dispatcher.register(StopShare, stop_share)
