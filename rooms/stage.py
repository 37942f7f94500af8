"""The lightning stage, a protocol extension: the host runs a block's talks, the room follows.

The stages live in a synchronous core, ``rooms.stage_board.StageBoard`` (inputs in, effects
out). This module is its driver and its messages: it turns the host's messages into the
core's commands and carries the effects out against the registry: the ``stage_state`` to
the room, and the floor moving with the running order (the speaker of the talk on stage
holds the floor, the block's other speakers do not, and a speaker entering the room gets
the floor only during their own talk).

The application installs it (``Registry(..., extensions=[stage.install])``) and the room
page tells it each lightning block's running order (``prepare``). Clients count down
locally from ``ends_at`` and the server's ``now``, so the server sends nothing per second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from conference.domain.stage import StageTalk
from rooms.domain.roles import Role
from rooms.signalling import ClientMessage, Context, Dispatcher, Registry, ServerMessage
from rooms.signalling.effects import Effect
from rooms.stage_board import StageBoard, StageState, StageTalkView

__all__ = [
    "StageAdvance",
    "StageBoard",
    "StageExtend",
    "StageFinish",
    "StageSkip",
    "StageStart",
    "StageState",
    "StageSync",
    "StageTalkView",
    "board_of",
    "install",
    "prepare",
]

STATE_KEY = "stage"
HOSTS = frozenset({Role.ORGANISER})


# -- messages ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StageStart(ClientMessage):
    type = "stage_start"
    roles = HOSTS


@dataclass(frozen=True, kw_only=True)
class StageAdvance(ClientMessage):
    type = "stage_advance"
    roles = HOSTS


@dataclass(frozen=True, kw_only=True)
class StageSkip(ClientMessage):
    type = "stage_skip"
    roles = HOSTS


@dataclass(frozen=True, kw_only=True)
class StageExtend(ClientMessage):
    type = "stage_extend"
    roles = HOSTS


@dataclass(frozen=True, kw_only=True)
class StageFinish(ClientMessage):
    type = "stage_finish"
    roles = HOSTS


@dataclass(frozen=True, kw_only=True)
class StageSync(ClientMessage):
    type = "stage_sync"


# The core's command for each host message.
COMMAND_OF: dict[type[ClientMessage], str] = {
    StageStart: "start",
    StageAdvance: "advance",
    StageSkip: "skip",
    StageExtend: "extend",
    StageFinish: "finish",
}


# -- the driver --------------------------------------------------------------------------------


def board_of(registry: Registry) -> StageBoard:
    """The registry's stages (created on first use; the registry's lifespan owns them)."""
    board = registry.extension_state.get(STATE_KEY)
    if board is None:
        board = registry.extension_state[STATE_KEY] = StageBoard()
    assert isinstance(board, StageBoard)
    return board


def prepare(registry: Registry, room_id: str, block_id: str, talks: tuple[StageTalk, ...]) -> None:
    """Give the room its block's running order (on the event loop; nothing to publish)."""
    registry.carry_out_now(board_of(registry).prepare(registry, room_id, block_id, talks))


async def run(
    registry: Registry,
    effects: Sequence[Effect],
    reply: Callable[[ServerMessage], None] | None = None,
) -> None:
    """Carry the core's effects out, in order: replies to the sender, the rest by the registry."""
    await registry.carry_out(effects, reply)


async def _command(ctx: Context, message: ClientMessage) -> None:
    registry = ctx.registry
    now = registry.clock.now()
    effects = board_of(registry).command(registry, ctx.seat, COMMAND_OF[type(message)], now)
    await run(registry, effects, ctx.reply)


async def _sync(ctx: Context, message: StageSync) -> None:
    registry = ctx.registry
    await run(
        registry, board_of(registry).sync(registry, ctx.seat, registry.clock.now()), ctx.reply
    )


def install(dispatcher: Dispatcher) -> None:
    for cls in COMMAND_OF:
        dispatcher.register(cls, _command)
    dispatcher.register(StageSync, _sync)
    dispatcher.catalog.add_server(StageState)
    dispatcher.persist(STATE_KEY, dump, load, forget)


def dump(registry: Registry) -> dict[str, Any]:
    """The stages for a live snapshot: running order, position and the current deadline."""
    return board_of(registry).dump()


def forget(registry: Registry, rooms: frozenset[str]) -> None:
    """Drop the stages of rooms whose session moved to another node (no one is told)."""
    board = board_of(registry)
    for room_id in rooms:
        board.stages.pop(room_id, None)
        board.blocks.pop(room_id, None)


def load(registry: Registry, data: Any, rooms: frozenset[str]) -> None:
    """Put a snapshot's stages back: a talk on stage keeps its deadline, so time runs on."""
    registry.carry_out_now(board_of(registry).load(registry, data, rooms))
