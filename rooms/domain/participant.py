"""A participant's seat in the live rooms: presence, hand, mute and floor."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rooms.domain.errors import InvalidTransition
from rooms.domain.roles import Role


class ParticipantState(StrEnum):
    PRESENT = "present"
    AWAY = "away"  # connection lost; the seat is kept for the reconnection grace
    LEFT = "left"


@dataclass(eq=False)
class Participant:
    """One seat: who sits in it, which room it is in, and what it may do there.

    The seat outlives a connection: a participant whose connection drops is AWAY
    and gets the same seat back when it reconnects in time.
    """

    seat_id: str
    person_id: str
    display_name: str
    roles: frozenset[Role]
    state: ParticipantState = ParticipantState.PRESENT
    room_id: str | None = None
    hand_raised: bool = False
    muted: bool = False
    # An organiser muted this seat in its room: it stays muted until an organiser allows it.
    mute_held: bool = False
    unmute_asked: bool = False
    has_floor: bool = False
    # The source the listener chose (a peer id), None for the floor; kept across reconnects.
    channel: str | None = None
    # Heard in the room but never on its floor, whatever the room's rules (an interpreter
    # in a booth: their voice goes to a language channel instead).
    listen_only: bool = False
    # Video: the camera is on (shown where the seat may publish); the screen is shared.
    camera: bool = False
    sharing: bool = False
    away_since: float | None = None
    history: list[ParticipantState] = field(default_factory=lambda: [ParticipantState.PRESENT])

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        super().__setattr__("_revision", self.revision + 1)

    @property
    def revision(self) -> int:
        """Goes up with every assignment to the seat: whoever keeps something derived from
        it (``rooms/signalling/view_texts.py``) can tell it is still current."""
        revision: int = self.__dict__.get("_revision", 0)
        return revision

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_organiser(self) -> bool:
        return Role.ORGANISER in self.roles

    def _move(self, target: ParticipantState) -> None:
        self.state = target
        self.history.append(target)

    def _require(self, action: str, *allowed: ParticipantState) -> None:
        if self.state not in allowed:
            raise InvalidTransition("participant", self.state.value, action)

    # Lifecycle of the seat.

    def disconnect(self, at: float) -> None:
        self._require("disconnect", ParticipantState.PRESENT)
        self.away_since = at
        self._move(ParticipantState.AWAY)

    def reconnect(self) -> None:
        self._require("reconnect", ParticipantState.AWAY)
        self.away_since = None
        self._move(ParticipantState.PRESENT)

    def away_for(self, now: float) -> float:
        """Seconds since the connection was lost (0 while present)."""
        return 0.0 if self.away_since is None else now - self.away_since

    def leave(self) -> None:
        self._require("leave", ParticipantState.PRESENT, ParticipantState.AWAY)
        self.exit_room()
        self._move(ParticipantState.LEFT)

    # Room membership. The floor and a raised hand belong to a room, so they go with it.

    def enter_room(self, room_id: str) -> None:
        self._require("enter a room", ParticipantState.PRESENT, ParticipantState.AWAY)
        self.room_id = room_id
        self.hand_raised = False
        self.has_floor = False

    def exit_room(self) -> None:
        self.room_id = None
        self.hand_raised = False
        self.has_floor = False

    # Hand, mute, floor.

    def raise_hand(self) -> None:
        self._require("raise a hand", ParticipantState.PRESENT)
        if self.room_id is None or self.hand_raised:
            raise InvalidTransition("hand", self._hand_state(), "be raised")
        self.hand_raised = True

    def lower_hand(self) -> None:
        if not self.hand_raised:
            raise InvalidTransition("hand", self._hand_state(), "be lowered")
        self.hand_raised = False

    def _hand_state(self) -> str:
        if self.room_id is None:
            return "outside a room"
        return "raised" if self.hand_raised else "lowered"

    def set_muted(self, muted: bool) -> None:
        self._require("change mute", ParticipantState.PRESENT, ParticipantState.AWAY)
        self.muted = muted

    def hold_mute(self) -> None:
        """An organiser's mute: muted, and only an organiser lets them unmute."""
        self.set_muted(True)
        self.mute_held = True
        self.unmute_asked = False

    def ask_unmute(self) -> None:
        if not self.mute_held:
            raise InvalidTransition("mute", "not held by an organiser", "be asked to lift")
        if self.unmute_asked:
            raise InvalidTransition("unmute request", "already sent", "be sent again")
        self.unmute_asked = True

    def release_mute(self) -> None:
        """The organiser lifts the hold; the person unmutes themselves when they are ready."""
        if not self.mute_held:
            raise InvalidTransition("mute", "not held by an organiser", "be lifted")
        self.mute_held = False
        self.unmute_asked = False

    def give_floor(self) -> None:
        self._require("take the floor", ParticipantState.PRESENT, ParticipantState.AWAY)
        if self.room_id is None or self.has_floor:
            raise InvalidTransition("floor", "held" if self.has_floor else "outside a room", "give")
        self.has_floor = True
        # Whoever gets the floor no longer needs to ask for it.
        self.hand_raised = False

    def take_floor(self) -> None:
        if not self.has_floor:
            raise InvalidTransition("floor", "not held", "take away")
        self.has_floor = False
