"""Live rooms as pure state machines: rooms, seats, breakouts. No I/O here."""

from rooms.domain.breakout import (
    AssignmentMode,
    BreakoutSet,
    BreakoutState,
    HelpRequest,
    HelpState,
    assign_at_random,
    assign_by_hand,
)
from rooms.domain.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotFound,
    RoomsError,
)
from rooms.domain.participant import Participant, ParticipantState
from rooms.domain.roles import Role, parse_roles
from rooms.domain.room import Room, RoomKind, RoomState

__all__ = [
    "AssignmentMode",
    "BreakoutSet",
    "BreakoutState",
    "Conflict",
    "DomainError",
    "HelpRequest",
    "HelpState",
    "InvalidTransition",
    "NotAllowed",
    "NotFound",
    "Participant",
    "ParticipantState",
    "Role",
    "Room",
    "RoomKind",
    "RoomState",
    "RoomsError",
    "assign_at_random",
    "assign_by_hand",
    "parse_roles",
]
