"""An interpretation booth: who is on air, a pending handover, the source and the output.

::

            go_on_air              request_handover / offer_handover
    IDLE ─────────────► ON_AIR ──────────────────────────────────► HANDOVER_REQUESTED
     ▲                   │  ▲ ◄─────── decline / cancel ─────────────┘   │
     │       cough_start │  │ cough_end (to HANDOVER_REQUESTED if one     │ accept: the other
     │                   ▼  │            still waits)                     │ one is ON_AIR
     │                  COUGHING                                          ▼
     │                                                                  ON_AIR
     │  connection_lost (any on-air state) ──► DROPPED ── connection_back within grace ──► ON_AIR
     └── go_off_air (any on-air state), grace_expired (DROPPED past the grace)

    take_over: any on-air state ──► ON_AIR, the taker on air, in one transition

``take_over`` moves the air from whoever holds it (on air, coughing, handing over or
dropped) to a partner in one transition, so two voices are never live at once. COUGHING
and DROPPED still hold the air, so a partner needs take_over, not go_on_air. The floor
fade reads COUGHING as on air and DROPPED as nobody; a dropped interpreter who is back
within the grace is on air again without asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from conference.domain.sign_languages import is_sign_language
from interpretation.domain.errors import (
    HandoverNotPending,
    InvalidSetup,
    InvalidSource,
    InvalidTransition,
    NotInBooth,
    NotOnAir,
    UnknownLanguage,
)

FLOOR = "floor"
RELAY = "relay:"
DROP_GRACE = 10.0  # seconds a dropped interpreter keeps the air: long enough to reconnect


class BoothState(StrEnum):
    IDLE = "idle"  # nobody on air
    ON_AIR = "on_air"
    HANDOVER_REQUESTED = "handover_requested"  # on air, with a request or offer pending
    COUGHING = "coughing"  # on air, the mic momentarily muted
    DROPPED = "dropped"  # the on-air interpreter's connection is gone; the grace runs


class BoothEvent(StrEnum):
    GO_ON_AIR = "go_on_air"
    REQUEST_HANDOVER = "request_handover"
    OFFER_HANDOVER = "offer_handover"
    ACCEPT_HANDOVER = "accept_handover"
    DECLINE_HANDOVER = "decline_handover"
    CANCEL_HANDOVER = "cancel_handover"
    TAKE_OVER = "take_over"
    GO_OFF_AIR = "go_off_air"
    COUGH_START = "cough_start"
    COUGH_END = "cough_end"
    CONNECTION_LOST = "connection_lost"
    CONNECTION_BACK = "connection_back"
    GRACE_EXPIRED = "grace_expired"
    SWITCH_OUTPUT = "switch_output"  # retour in a bi-active booth
    SET_SOURCE = "set_source"


ON_AIR_STATES = frozenset(
    {BoothState.ON_AIR, BoothState.HANDOVER_REQUESTED, BoothState.COUGHING, BoothState.DROPPED}
)


class Transition(NamedTuple):
    from_state: BoothState
    event: BoothEvent
    to_state: BoothState


class HandoverKind(StrEnum):
    REQUEST = "request"  # a partner asks the one on air for the air
    OFFER = "offer"  # the one on air offers it


@dataclass(frozen=True)
class Handover:
    kind: HandoverKind
    by: str
    to: str | None  # None: an offer any partner may accept


@dataclass(frozen=True)
class BoothMessage:
    """A line of booth chat between partners."""

    booth: str
    who: str
    text: str
    at: float


@dataclass(frozen=True)
class SlowDown:
    """An interpreter asks the current speaker to slow down."""

    room_id: str
    booth: str
    who: str
    at: float


def parse_source(source: str) -> str | None:
    """The relay language of a source, or None for the floor; anything else is refused."""
    if source == FLOOR:
        return None
    if source.startswith(RELAY) and len(source) > len(RELAY):
        return source[len(RELAY) :]
    raise InvalidSource(f"a source is {FLOOR!r} or 'relay:<language>', not {source!r}")


@dataclass(eq=False)
class Booth:
    """One booth of a session or breakout room, and the only voice it lets on air."""

    room_id: str
    languages: tuple[str, ...]  # one, or two for a bi-active booth
    members: tuple[str, ...]  # the interpreters assigned to it
    source: str = FLOOR
    drop_grace: float = DROP_GRACE
    output_language: str = field(init=False)
    history: list[Transition] = field(default_factory=list, init=False)
    _on_air: str | None = field(default=None, init=False)
    _pending: Handover | None = field(default=None, init=False)
    _coughing: bool = field(default=False, init=False)
    _dropped_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.languages = tuple(self.languages)
        self.members = tuple(self.members)
        if not 1 <= len(self.languages) <= 2 or len(set(self.languages)) != len(self.languages):
            raise InvalidSetup("a booth works into one language, or two when bi-active")
        if len(set(self.members)) != len(self.members):
            raise InvalidSetup(f"an interpreter is assigned twice to the {self.booth_id} booth")
        if len({is_sign_language(lang) for lang in self.languages}) > 1:
            raise InvalidSetup("a sign-language booth works into sign languages only")
        self.output_language = self.languages[0]
        self._check_source(self.source)

    # What the console, the media and the board read.

    @property
    def booth_id(self) -> str:
        return "-".join(self.languages)

    @property
    def bi_active(self) -> bool:
        return len(self.languages) == 2

    @property
    def signs(self) -> bool:
        """A sign-language booth: its output is the interpreter's picture, never a voice."""
        return is_sign_language(self.output_language)

    @property
    def state(self) -> BoothState:
        if self._on_air is None:
            return BoothState.IDLE
        if self._dropped_at is not None:
            return BoothState.DROPPED
        if self._coughing:
            return BoothState.COUGHING
        if self._pending is not None:
            return BoothState.HANDOVER_REQUESTED
        return BoothState.ON_AIR

    @property
    def on_air(self) -> str | None:
        """Who holds the air (also while coughing or dropped within the grace)."""
        return self._on_air

    @property
    def audible(self) -> bool:
        """Whether a voice is going out right now: not while coughing or dropped."""
        return self.state in (BoothState.ON_AIR, BoothState.HANDOVER_REQUESTED)

    @property
    def pending(self) -> Handover | None:
        return self._pending

    @property
    def dropped_at(self) -> float | None:
        return self._dropped_at

    @property
    def relay_language(self) -> str | None:
        return parse_source(self.source)

    def partners(self, who: str) -> tuple[str, ...]:
        return tuple(member for member in self.members if member != who)

    def require_member(self, who: str, action: str) -> None:
        if who not in self.members:
            raise NotInBooth(self.booth_id, who, action)

    def require_publisher(self, who: str) -> None:
        """Only the member on air may publish into the booth's channel."""
        self.require_member(who, "publish into the channel")
        if who != self._on_air:
            raise NotOnAir(self._name, self.state.value, f"let {who} publish", "not on air")

    # The air.

    def go_on_air(self, who: str) -> None:
        self.require_member(who, "go on air")
        self._require("go on air", BoothState.IDLE, why=f"{self._on_air} is on air")
        self._give_air(self.state, BoothEvent.GO_ON_AIR, who)

    def take_over(self, who: str) -> None:
        """Take the air at once; whoever held it goes off air in the same transition."""
        self.require_member(who, "take over")
        if who == self._on_air:
            raise InvalidTransition(self._name, self.state.value, "take over", "already on air")
        self._require("take over", *ON_AIR_STATES, why="nobody is on air: go on air")
        self._give_air(self.state, BoothEvent.TAKE_OVER, who)

    def go_off_air(self, who: str) -> None:
        self._require_on_air(who, "go off air")
        self._give_air(self.state, BoothEvent.GO_OFF_AIR, None)

    # Handover: request (from a partner) or offer (from the one on air), then an answer.

    def request_handover(self, who: str) -> None:
        self.require_member(who, "request a handover")
        if who == self._on_air:
            raise InvalidTransition(self._name, self.state.value, "request a handover", "on air")
        self._require_no_pending("request a handover")
        request = Handover(HandoverKind.REQUEST, who, self._on_air)
        self._set_pending(self.state, BoothEvent.REQUEST_HANDOVER, request)

    def offer_handover(self, who: str, to: str | None = None) -> None:
        self._require_on_air(who, "offer a handover")
        if to is not None:
            self.require_member(to, "be offered a handover")
        if to == who or not self.partners(who):
            raise InvalidTransition(self._name, self.state.value, "offer a handover", "no partner")
        self._require_no_pending("offer a handover")
        offer = Handover(HandoverKind.OFFER, who, to)
        self._set_pending(self.state, BoothEvent.OFFER_HANDOVER, offer)

    def accept_handover(self, who: str) -> None:
        pending = self._answerable(who, "accept a handover")
        taker = pending.by if pending.kind is HandoverKind.REQUEST else who
        self._give_air(self.state, BoothEvent.ACCEPT_HANDOVER, taker)

    def decline_handover(self, who: str) -> None:
        self._answerable(who, "decline a handover")
        self._set_pending(self.state, BoothEvent.DECLINE_HANDOVER, None)

    def cancel_handover(self, who: str) -> None:
        self.require_member(who, "cancel a handover")
        if self._pending is None or self._pending.by != who:
            raise HandoverNotPending(self._name, self.state.value, f"let {who} cancel a handover")
        self._set_pending(self.state, BoothEvent.CANCEL_HANDOVER, None)

    # Cough: a momentary mute that keeps the air.

    def cough_start(self, who: str) -> None:
        self._require_on_air(who, "cough")
        self._require("cough", BoothState.ON_AIR, BoothState.HANDOVER_REQUESTED)
        before, self._coughing = self.state, True
        self._record(before, BoothEvent.COUGH_START)

    def cough_end(self, who: str) -> None:
        self._require_on_air(who, "end a cough")
        self._require("end a cough", BoothState.COUGHING)
        before, self._coughing = self.state, False
        self._record(before, BoothEvent.COUGH_END)

    # Connections.

    def connection_lost(self, who: str, now: float) -> None:
        """A member's connection dropped: the one on air keeps the air for the grace."""
        self.require_member(who, "lose a connection")
        if who == self._on_air:
            self._require("drop", *(ON_AIR_STATES - {BoothState.DROPPED}))
            before = self.state
            self._pending, self._coughing, self._dropped_at = None, False, now
            self._record(before, BoothEvent.CONNECTION_LOST)
        elif self._pending is not None and who in (self._pending.by, self._pending.to):
            # A handover to or from someone who is gone cannot be answered.
            self._set_pending(self.state, BoothEvent.CONNECTION_LOST, None)

    def connection_back(self, who: str, now: float) -> None:
        """A member is back: within the grace the air is theirs again, past it it is gone."""
        self.require_member(who, "come back")
        if self.state is not BoothState.DROPPED or who != self._on_air:
            return
        if not self.tick(now):
            before, self._dropped_at = self.state, None
            self._record(before, BoothEvent.CONNECTION_BACK)

    def tick(self, now: float) -> bool:
        """Let time pass: a drop past its grace ends the turn. True if it did."""
        if self._dropped_at is None or now - self._dropped_at < self.drop_grace:
            return False
        self._give_air(self.state, BoothEvent.GRACE_EXPIRED, None)
        return True

    def grace_left(self, now: float) -> float | None:
        if self._dropped_at is None:
            return None
        return max(0.0, self.drop_grace - (now - self._dropped_at))

    # Console settings: output language (retour) and source.

    def set_output_language(self, who: str, language: str) -> None:
        self.require_member(who, "switch the output language")
        if language not in self.languages:
            raise UnknownLanguage(f"the {self.booth_id} booth does not work into {language}")
        if language != self.output_language:
            before, self.output_language = self.state, language
            self._record(before, BoothEvent.SWITCH_OUTPUT)

    def retour(self, who: str) -> None:
        """One click: a bi-active booth switches its output to its other language."""
        self.require_member(who, "switch to retour")
        if not self.bi_active:
            raise UnknownLanguage(f"the {self.booth_id} booth works into one language only")
        other = next(lang for lang in self.languages if lang != self.output_language)
        self.set_output_language(who, other)

    def set_source(self, who: str, source: str) -> None:
        """The booth's own check only; the session checks relay chains (RoomChannels)."""
        self.require_member(who, "change the source")
        self._check_source(source)
        if source != self.source:
            before, self.source = self.state, source
            self._record(before, BoothEvent.SET_SOURCE)

    # Messages that change no state but belong to members only.

    def chat(self, who: str, text: str, now: float) -> BoothMessage:
        self.require_member(who, "write in the booth chat")
        return BoothMessage(self.booth_id, who, text, now)

    def slow_down(self, who: str, now: float) -> SlowDown:
        self.require_member(who, "ask the speaker to slow down")
        return SlowDown(self.room_id, self.booth_id, who, now)

    # Internals.

    @property
    def _name(self) -> str:
        return f"the {self.booth_id} booth"

    def _check_source(self, source: str) -> None:
        relay = parse_source(source)
        if relay in self.languages:
            raise InvalidSource(f"the {self.booth_id} booth cannot take relay from itself")

    def _require(self, action: str, *allowed: BoothState, why: str = "") -> None:
        if self.state not in allowed:
            raise InvalidTransition(self._name, self.state.value, action, why)

    def _require_on_air(self, who: str, action: str) -> None:
        self.require_member(who, action)
        if who != self._on_air:
            raise NotOnAir(self._name, self.state.value, f"let {who} {action}", "not on air")

    def _require_no_pending(self, action: str) -> None:
        self._require(action, BoothState.ON_AIR, BoothState.COUGHING, BoothState.HANDOVER_REQUESTED)
        if self._pending is not None:
            raise InvalidTransition(self._name, self.state.value, action, "one is pending")

    def _answerable(self, who: str, action: str) -> Handover:
        """The pending handover, if ``who`` is the one it waits for."""
        self.require_member(who, action)
        pending = self._pending
        if pending is None:
            raise HandoverNotPending(self._name, self.state.value, action)
        if pending.kind is HandoverKind.REQUEST:
            meant = who == self._on_air
        else:
            meant = who != pending.by and pending.to in (None, who)
        if not meant:
            raise HandoverNotPending(self._name, self.state.value, f"let {who} {action}")
        return pending

    def _record(self, before: BoothState, event: BoothEvent) -> None:
        self.history.append(Transition(before, event, self.state))

    def _give_air(self, before: BoothState, event: BoothEvent, who: str | None) -> None:
        """The air changes hands (or ends): the new holder starts clean."""
        self._on_air = who
        self._pending, self._coughing, self._dropped_at = None, False, None
        self._record(before, event)

    def _set_pending(self, before: BoothState, event: BoothEvent, pending: Handover | None) -> None:
        self._pending = pending
        self._record(before, event)
