"""The live interpretation of one room: its booths, their floor fades, listeners' choices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from interpretation.domain import (
    Booth,
    FadeDecision,
    FloorFade,
    ListenerChoice,
    Mix,
    RoomChannels,
    TurnPlan,
    turn_plan,
)
from interpretation.domain.fade import HOLD
from interpretation.media.routing import Routes, routes, signers, voices


@dataclass(frozen=True)
class Turn:
    """A roster turn (``interpretation.domain.TurnLike``)."""

    interpreter: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class BoothSpec:
    """A booth as storage or an organiser's form describes it."""

    languages: tuple[str, ...]
    members: tuple[tuple[str, str], ...]  # (person id, name)
    turns: tuple[Turn, ...] = ()
    source: str = "floor"  # or "relay:<language>", set once every booth of the room is open


@dataclass(eq=False)
class RoomInterpretation:
    """One room's channels. Time is the registry clock's (Unix seconds)."""

    room_id: str
    hold: float = HOLD
    channels: RoomChannels = field(init=False)
    fades: dict[str, FloorFade] = field(default_factory=dict)
    choices: dict[str, ListenerChoice] = field(default_factory=dict)  # listener seat -> choice
    sign_choices: dict[str, str] = field(default_factory=dict)  # viewer seat -> sign language
    seats: dict[str, str] = field(default_factory=dict)  # booth member person id -> seat id
    names: dict[str, str] = field(default_factory=dict)  # person id -> display name
    turns: dict[str, tuple[Turn, ...]] = field(default_factory=dict)  # booth id -> turns
    coughing: set[str] = field(default_factory=set)  # person ids

    def __post_init__(self) -> None:
        self.channels = RoomChannels(self.room_id, ())

    def add_booth(self, spec: BoothSpec, now: float) -> Booth:
        """Open a booth (the session's checks apply: one booth per language)."""
        booth = Booth(self.room_id, spec.languages, tuple(p for p, _ in spec.members))
        self.channels = RoomChannels(self.room_id, (*self.channels.booths, booth))
        if not booth.signs:  # a signer's picture never fades the floor's audio
            self.fades[booth.booth_id] = FloorFade(started_at=now, hold=self.hold)
        self.names.update(dict(spec.members))
        self.turns[booth.booth_id] = spec.turns
        return booth

    def booth_of(self, person_id: str) -> Booth | None:
        return next((b for b in self.channels.booths if person_id in b.members), None)

    def decisions(self) -> dict[str, FadeDecision]:
        return {booth_id: fade.decision for booth_id, fade in self.fades.items()}

    def follow(self, now: float) -> None:
        """Bring every floor fade (and dropped-interpreter grace) up to ``now``."""
        for booth in self.channels.booths:
            booth.tick(now)
            fade = self.fades.get(booth.booth_id)
            if fade is not None:
                fade.follow(booth, now)

    def next_due(self) -> float | None:
        """When something changes by itself next: a floor coming up, or a grace running out."""
        due = [fade.up_at for fade in self.fades.values() if fade.up_at is not None]
        due += [
            b.dropped_at + b.drop_grace for b in self.channels.booths if b.dropped_at is not None
        ]
        return min(due) if due else None

    def mix(self, seat_id: str) -> Mix | None:
        choice = self.choices.get(seat_id)
        return None if choice is None else self.channels.mix(choice, self.decisions())

    def routes(self) -> Routes:
        return routes(
            self.channels, self.seats, self.choices, frozenset(self.coughing), self.sign_choices
        )

    def voices(self) -> tuple[tuple[str, str | None], ...]:
        """Each language a booth works into now, and its voice on air (sorted by language)."""
        return tuple(sorted(voices(self.channels, self.seats).items()))

    def signers(self) -> tuple[tuple[str, str | None], ...]:
        """Each sign language a booth works into now, and its signer on air (sorted)."""
        return tuple(sorted(signers(self.channels, self.seats).items()))

    def turn(self, booth: Booth, now: float) -> TurnPlan | None:
        turns = self.turns.get(booth.booth_id, ())
        if not turns:
            return None
        return turn_plan(turns, datetime.fromtimestamp(now, UTC))

    def sources(self, booth: Booth) -> list[str]:
        """What the console's source selector offers: the floor, and relay from other booths."""
        out = ["floor"]
        for other in self.channels.booths:
            # A sign-language booth's output is a picture: nobody takes relay from it.
            if other is not booth and other.relay_language is None and not other.signs:
                out += [f"relay:{lang}" for lang in other.languages]
        return out


def specs_members(specs: Sequence[BoothSpec]) -> set[str]:
    return {person for spec in specs for person, _ in spec.members}
