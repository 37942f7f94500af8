"""The live lightning stages of one registry, as a synchronous core: inputs in, effects out.

Each room running a lightning block has a ``conference.domain.stage.Stage`` (a state machine
without I/O). ``StageBoard`` keeps them and takes inputs: a block's running order
(``prepare``), a host's command (start, advance, skip, extend, finish), a ``stage_sync``,
and a snapshot (``load``). It reads the rooms through a ``RoomsView`` and returns effects
(``rooms/signalling/effects.py``): who holds the floor on entering, floors given and taken,
the ``stage_state`` to publish or to reply. ``rooms/stage.py`` is its driver.

The stage sets no timer: a talk past its time stays on stage, overrunning (clients count
down from ``ends_at`` and show the overrun), until the host moves on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from conference.domain.stage import WARNINGS, Outcome, Stage, StageError, StageTalk, State
from rooms.domain.errors import InvalidTransition, NotFound
from rooms.domain.participant import Participant
from rooms.signalling.codec import ServerMessage
from rooms.signalling.effects import (
    Effect,
    GiveFloor,
    PublishRoom,
    Reply,
    SetFloorHolders,
    TakeFloor,
)
from rooms.signalling.view import RoomsView

__all__ = ["COMMANDS", "StageBoard", "StageState", "StageTalkView"]

# What a host may do to the stage (``Stage`` methods of the same name).
COMMANDS = frozenset({"start", "advance", "skip", "extend", "finish"})


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


@dataclass
class StageBoard:
    """The live stages of one registry, by room id, with the block each one runs."""

    stages: dict[str, Stage] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)

    # Inputs.

    def prepare(
        self, rooms: RoomsView, room_id: str, block_id: str, talks: tuple[StageTalk, ...]
    ) -> list[Effect]:
        """Give the room its block's running order; a stage already under way keeps its own."""
        rooms.room(room_id)
        stage = self.stages.get(room_id)
        if stage is None:
            stage = self.stages[room_id] = Stage(talks)
        elif stage.state is State.WAITING and stage.talks != talks:
            stage.replace_talks(talks)
        self.blocks[room_id] = block_id
        return [SetFloorHolders(room_id, _holders(stage))]

    def command(
        self, rooms: RoomsView, seat: Participant, command: str, now: float
    ) -> list[Effect]:
        """A host's command for the stage of the room they are in (the role is checked before)."""
        if command not in COMMANDS:
            raise ValueError(f"no stage command {command}")
        room = rooms.current_room(seat)
        stage = self.stage_of(room.room_id)
        try:
            getattr(stage, command)(now)
        except StageError as error:
            raise InvalidTransition("the stage", error.state, command) from None
        state = PublishRoom(room.room_id, self.view(room.room_id, now))
        return [*self._floor(rooms, room.room_id, stage), state]

    def sync(self, rooms: RoomsView, seat: Participant, now: float) -> list[Effect]:
        """Someone asks where the stage is (a late joiner, a reconnect)."""
        room = rooms.current_room(seat)
        return [Reply(self.view(room.room_id, now))]

    # What it reads.

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

    def _floor(self, rooms: RoomsView, room_id: str, stage: Stage) -> list[Effect]:
        """The speaker on stage holds the floor; the block's other speakers do not."""
        holders = _holders(stage)
        out: list[Effect] = [SetFloorHolders(room_id, holders)]
        speakers = {talk.speaker for talk in stage.talks}
        for seat_id in rooms.room(room_id).seats:
            seat = rooms.seats.get(seat_id)
            if seat is None or seat.person_id not in speakers:
                continue
            holds = seat.person_id in holders
            if holds and not seat.has_floor:
                out.append(GiveFloor(seat_id))
            elif not holds and seat.has_floor:
                out.append(TakeFloor(seat_id))
        return out

    # Live snapshots.

    def dump(self) -> dict[str, Any]:
        """The stages for a live snapshot: running order, position and the current deadline."""
        return {
            room_id: {
                "block_id": self.blocks.get(room_id, ""),
                "talks": [dataclasses.asdict(talk) for talk in stage.talks],
                "state": stage.state.value,
                "current": stage.current,
                "started_at": stage.started_at,
                "ends_at": stage.ends_at,
                "extended": stage.extended,
                "outcomes": [outcome.value for outcome in stage.outcomes],
            }
            for room_id, stage in self.stages.items()
        }

    def load(
        self, rooms: RoomsView, data: Any, only: Collection[str] | None = None
    ) -> list[Effect]:
        """Put a snapshot's stages back: a talk on stage keeps its deadline, so time runs on.

        ``only``: the rooms to take (a failover adopts one session's); default, all known.
        """
        for room_id, raw in dict(data).items():
            if room_id not in rooms.rooms or (only is not None and room_id not in only):
                continue
            stage = Stage(tuple(StageTalk(**talk) for talk in raw["talks"]))
            stage.state = State(raw["state"])
            stage.current = None if raw["current"] is None else int(raw["current"])
            stage.started_at = raw["started_at"]
            stage.ends_at = raw["ends_at"]
            stage.extended = int(raw["extended"])
            stage.outcomes = [Outcome(o) for o in raw["outcomes"]]
            stage.history = [stage.label]
            self.stages[room_id] = stage
            self.blocks[room_id] = str(raw["block_id"])
        return []


def _holders(stage: Stage) -> frozenset[str]:
    talk = stage.talk if stage.state is State.LIVE else None
    return frozenset({talk.speaker}) if talk is not None else frozenset()
