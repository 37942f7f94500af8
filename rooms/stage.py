"""The lightning stage, a protocol extension: the host runs a block's talks, the room follows.

The stage itself is ``conference.domain.stage.Stage`` (a state machine without I/O). This
module keeps one per room, turns the host's messages into its events, broadcasts the
resulting ``stage_state`` to the room, and moves the floor with the running order: the
speaker of the talk on stage holds the floor, the block's other speakers do not, and a
speaker entering the room gets the floor only during their own talk.

The application installs it (``Registry(..., extensions=[stage.install])``) and the room
page tells it each lightning block's running order (``prepare``). Clients count down
locally from ``ends_at`` and the server's ``now``, so the server sends nothing per second.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from conference.domain.stage import WARNINGS, Outcome, Stage, StageError, StageTalk, State
from rooms.domain.errors import InvalidTransition, NotFound
from rooms.domain.roles import Role
from rooms.domain.room import Room
from rooms.signalling import ClientMessage, Context, Dispatcher, Registry, ServerMessage

__all__ = [
    "StageAdvance",
    "StageBoard",
    "StageExtend",
    "StageFinish",
    "StageSkip",
    "StageStart",
    "StageState",
    "StageSync",
    "board_of",
    "install",
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


@dataclass(frozen=True, kw_only=True)
class StageTalkView:
    talk_id: str
    title: str
    speaker_name: str
    language: str
    language_name: str
    seconds: int
    slides_url: str
    status: str  # upcoming, live, given, skipped


@dataclass(frozen=True, kw_only=True)
class StageState(ServerMessage):
    type = "stage_state"
    room_id: str
    block_id: str
    state: str  # waiting, live, finished
    now: float  # the server's clock, so a client can correct its own
    current: int | None  # index into talks of the talk on stage
    next: int | None  # index of who is up next
    started_at: float | None
    ends_at: float | None  # the current talk's time is up (extensions included)
    extended_s: int
    warnings_s: list[int]
    talks: list[StageTalkView]


# -- the stages of one registry -----------------------------------------------------------------


@dataclass
class StageBoard:
    """The live stages of one registry, by room id, with the block each one runs."""

    stages: dict[str, Stage] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)

    def prepare(
        self, registry: Registry, room_id: str, block_id: str, talks: tuple[StageTalk, ...]
    ) -> Stage:
        """Give the room its block's running order; a stage already under way keeps its own."""
        stage = self.stages.get(room_id)
        if stage is None:
            stage = self.stages[room_id] = Stage(talks)
        elif stage.state is State.WAITING and stage.talks != talks:
            stage.replace_talks(talks)
        self.blocks[room_id] = block_id
        registry.room(room_id).floor_holders = _holders(stage)
        return stage

    def stage_of(self, room_id: str) -> Stage:
        stage = self.stages.get(room_id)
        if stage is None:
            raise NotFound("this room has no lightning stage")
        return stage

    def view(self, room_id: str, now: float) -> StageState:
        stage = self.stage_of(room_id)
        return StageState(
            room_id=room_id,
            block_id=self.blocks.get(room_id, ""),
            state=stage.state.value,
            now=now,
            current=stage.current,
            next=stage.next_index,
            started_at=stage.started_at,
            ends_at=stage.ends_at,
            extended_s=stage.extended,
            warnings_s=list(WARNINGS),
            talks=[
                StageTalkView(
                    talk_id=talk.talk_id,
                    title=talk.title,
                    speaker_name=talk.speaker_name,
                    language=talk.language,
                    language_name=talk.language_name,
                    seconds=talk.seconds,
                    slides_url=talk.slides_url,
                    status=outcome.value,
                )
                for talk, outcome in zip(stage.talks, stage.outcomes, strict=True)
            ],
        )


def board_of(registry: Registry) -> StageBoard:
    """The registry's stages (created on first use; the registry's lifespan owns them)."""
    board = registry.extension_state.get(STATE_KEY)
    if board is None:
        board = registry.extension_state[STATE_KEY] = StageBoard()
    assert isinstance(board, StageBoard)
    return board


def _holders(stage: Stage) -> frozenset[str]:
    talk = stage.talk if stage.state is State.LIVE else None
    return frozenset({talk.speaker}) if talk is not None else frozenset()


async def sync_floor(registry: Registry, room: Room, stage: Stage) -> None:
    """The speaker on stage holds the floor; the block's other speakers do not."""
    room.floor_holders = _holders(stage)
    speakers = {talk.speaker for talk in stage.talks}
    for seat_id in list(room.seats):
        seat = registry.seats.get(seat_id)
        if seat is None or seat.person_id not in speakers:
            continue
        holds = seat.person_id in room.floor_holders
        if holds and not seat.has_floor:
            seat.give_floor()
            await registry.refresh(seat)
        elif not holds and seat.has_floor:
            seat.take_floor()
            await registry.refresh(seat)


# -- handlers ----------------------------------------------------------------------------------


async def _run(ctx: Context, event: str) -> None:
    registry = ctx.registry
    room = registry.current_room(ctx.seat)
    board = board_of(registry)
    stage = board.stage_of(room.room_id)
    now = registry.clock.now()
    try:
        getattr(stage, event)(now)
    except StageError as error:
        raise InvalidTransition("the stage", error.state, event) from None
    await sync_floor(registry, room, stage)
    await registry.publish_room(room.room_id, board.view(room.room_id, now))


async def stage_start(ctx: Context, message: StageStart) -> None:
    await _run(ctx, "start")


async def stage_advance(ctx: Context, message: StageAdvance) -> None:
    await _run(ctx, "advance")


async def stage_skip(ctx: Context, message: StageSkip) -> None:
    await _run(ctx, "skip")


async def stage_extend(ctx: Context, message: StageExtend) -> None:
    await _run(ctx, "extend")


async def stage_finish(ctx: Context, message: StageFinish) -> None:
    await _run(ctx, "finish")


async def stage_sync(ctx: Context, message: StageSync) -> None:
    room = ctx.registry.current_room(ctx.seat)
    ctx.reply(board_of(ctx.registry).view(room.room_id, ctx.registry.clock.now()))


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(StageStart, stage_start)
    dispatcher.register(StageAdvance, stage_advance)
    dispatcher.register(StageSkip, stage_skip)
    dispatcher.register(StageExtend, stage_extend)
    dispatcher.register(StageFinish, stage_finish)
    dispatcher.register(StageSync, stage_sync)
    dispatcher.catalog.add_server(StageState)
    dispatcher.persist(STATE_KEY, dump, load)


def dump(registry: Registry) -> dict[str, Any]:
    """The stages for a live snapshot: running order, position and the current deadline."""
    board = board_of(registry)
    return {
        room_id: {
            "block_id": board.blocks.get(room_id, ""),
            "talks": [dataclasses.asdict(talk) for talk in stage.talks],
            "state": stage.state.value,
            "current": stage.current,
            "started_at": stage.started_at,
            "ends_at": stage.ends_at,
            "extended": stage.extended,
            "outcomes": [outcome.value for outcome in stage.outcomes],
        }
        for room_id, stage in board.stages.items()
    }


def load(registry: Registry, data: Any) -> None:
    """Put a snapshot's stages back: a talk on stage keeps its deadline, so time runs on."""
    board = board_of(registry)
    for room_id, raw in dict(data).items():
        if room_id not in registry.rooms:
            continue
        stage = Stage(tuple(StageTalk(**talk) for talk in raw["talks"]))
        stage.state = State(raw["state"])
        stage.current = None if raw["current"] is None else int(raw["current"])
        stage.started_at = raw["started_at"]
        stage.ends_at = raw["ends_at"]
        stage.extended = int(raw["extended"])
        stage.outcomes = [Outcome(o) for o in raw["outcomes"]]
        stage.history = [stage.label]
        board.stages[room_id] = stage
        board.blocks[room_id] = str(raw["block_id"])
