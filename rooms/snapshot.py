"""The live state of a registry as one JSON document, and back (pure: no I/O, no clock).

A snapshot holds what a restarted process needs to carry a conference on: the sessions'
rooms, the seats (their room, flags, language channel, and the hashes of their resume
tokens), the breakouts with their deadlines and help requests, and one part per extension
that asked for it (``Dispatcher.persist``: the lightning stage, the interpretation booths).
Format (``FORMAT``, ``VERSION``), field by field: docs/operations.md, "Restarts".

``decode`` checks everything before anything is used and raises ``SnapshotError`` with
the reason; the caller logs it and starts empty. A snapshot made for another conference
(``conference`` differs) is refused the same way, so two conferences never mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from rooms.domain.breakout import AssignmentMode, BreakoutSet, BreakoutState, HelpRequest, HelpState
from rooms.domain.errors import RoomsError
from rooms.domain.participant import Participant, ParticipantState
from rooms.domain.roles import Role
from rooms.domain.room import Room, RoomKind, RoomState

FORMAT = "conference-live"
VERSION = 1


class SnapshotError(RoomsError):
    """A snapshot that cannot be used: corrupt, another version, or another conference."""


def token_hash(token: str) -> str:
    """Resume tokens are kept as SHA-256 hashes: a snapshot never holds a usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class LiveState:
    """What a snapshot restores into a registry."""

    saved_at: float
    sessions: dict[str, tuple[RoomKind, str]] = field(default_factory=dict)  # kind, title
    main_rooms: dict[str, str] = field(default_factory=dict)  # session id -> room id
    rooms: dict[str, Room] = field(default_factory=dict)
    seats: dict[str, Participant] = field(default_factory=dict)
    resume: dict[str, str] = field(default_factory=dict)  # token hash -> seat id
    breakouts: dict[str, BreakoutSet] = field(default_factory=dict)  # by main room id
    extensions: dict[str, Any] = field(default_factory=dict)


def encode(state: LiveState, conference: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "conference": conference,
        "saved_at": state.saved_at,
        "sessions": {sid: [kind.value, title] for sid, (kind, title) in state.sessions.items()},
        "main_rooms": dict(state.main_rooms),
        "rooms": [_room(room) for room in state.rooms.values()],
        "seats": [_seat(seat) for seat in state.seats.values()],
        "resume": dict(state.resume),
        "breakouts": [_breakout(bset) for bset in state.breakouts.values()],
        "extensions": dict(state.extensions),
    }


def _room(room: Room) -> dict[str, Any]:
    return {
        "room_id": room.room_id,
        "session_id": room.session_id,
        "kind": room.kind.value,
        "title": room.title,
        "parent_id": room.parent_id,
        "state": room.state.value,
        "seats": list(room.seats),
        "floor_holders": None if room.floor_holders is None else sorted(room.floor_holders),
    }


def _seat(seat: Participant) -> dict[str, Any]:
    return {
        "seat_id": seat.seat_id,
        "person_id": seat.person_id,
        "display_name": seat.display_name,
        "roles": sorted(role.value for role in seat.roles),
        "state": seat.state.value,
        "room_id": seat.room_id,
        "hand_raised": seat.hand_raised,
        "muted": seat.muted,
        "mute_held": seat.mute_held,
        "unmute_asked": seat.unmute_asked,
        "has_floor": seat.has_floor,
        "channel": seat.channel,
        "listen_only": seat.listen_only,
        "away_since": seat.away_since,
    }


def _breakout(bset: BreakoutSet) -> dict[str, Any]:
    return {
        "breakout_id": bset.breakout_id,
        "main_room_id": bset.main_room_id,
        "mode": bset.mode.value,
        "room_ids": list(bset.room_ids),
        "assignments": dict(bset.assignments),
        "ends_at": bset.ends_at,
        "state": bset.state.value,
        "help_requests": [
            {
                "request_id": r.request_id,
                "seat_id": r.seat_id,
                "room_id": r.room_id,
                "text": r.text,
                "at": r.at,
                "state": r.state.value,
            }
            for r in bset.help_requests.values()
        ],
    }


def decode(document: Any, conference: str) -> LiveState:
    """The live state in ``document``; ``SnapshotError`` naming what is wrong."""
    if not isinstance(document, dict):
        raise SnapshotError("a snapshot is a JSON object")
    if document.get("format") != FORMAT:
        raise SnapshotError(f"not a live snapshot (format {document.get('format')!r})")
    if document.get("version") != VERSION:
        raise SnapshotError(f"snapshot version {document.get('version')!r}, this is {VERSION}")
    if document.get("conference") != conference:
        raise SnapshotError("the snapshot belongs to another conference")
    try:
        state = LiveState(saved_at=float(document["saved_at"]))
        for sid, (kind, title) in document["sessions"].items():
            state.sessions[str(sid)] = (RoomKind(kind), str(title))
        state.main_rooms = {str(k): str(v) for k, v in document["main_rooms"].items()}
        for raw in document["rooms"]:
            room = Room(
                room_id=str(raw["room_id"]),
                session_id=str(raw["session_id"]),
                kind=RoomKind(raw["kind"]),
                title=str(raw["title"]),
                parent_id=None if raw["parent_id"] is None else str(raw["parent_id"]),
                state=RoomState(raw["state"]),
            )
            room.history = [room.state]
            room.seats = {str(s): None for s in raw["seats"]}
            holders = raw["floor_holders"]
            room.floor_holders = None if holders is None else frozenset(map(str, holders))
            state.rooms[room.room_id] = room
        for raw in document["seats"]:
            seat = Participant(
                seat_id=str(raw["seat_id"]),
                person_id=str(raw["person_id"]),
                display_name=str(raw["display_name"]),
                roles=frozenset(Role(r) for r in raw["roles"]),
                state=ParticipantState(raw["state"]),
                room_id=None if raw["room_id"] is None else str(raw["room_id"]),
                hand_raised=bool(raw["hand_raised"]),
                muted=bool(raw["muted"]),
                # Absent from snapshots written before organiser mutes held.
                mute_held=bool(raw.get("mute_held", False)),
                unmute_asked=bool(raw.get("unmute_asked", False)),
                has_floor=bool(raw["has_floor"]),
                channel=None if raw["channel"] is None else str(raw["channel"]),
                listen_only=bool(raw["listen_only"]),
                away_since=None if raw["away_since"] is None else float(raw["away_since"]),
            )
            seat.history = [seat.state]
            state.seats[seat.seat_id] = seat
        state.resume = {str(k): str(v) for k, v in document["resume"].items()}
        for raw in document["breakouts"]:
            bset = BreakoutSet(
                breakout_id=str(raw["breakout_id"]),
                main_room_id=str(raw["main_room_id"]),
                mode=AssignmentMode(raw["mode"]),
                room_ids=tuple(str(r) for r in raw["room_ids"]),
                assignments={str(k): str(v) for k, v in raw["assignments"].items()},
                ends_at=None if raw["ends_at"] is None else float(raw["ends_at"]),
                state=BreakoutState(raw["state"]),
            )
            bset.history = [bset.state]
            for r in raw["help_requests"]:
                request = HelpRequest(
                    request_id=str(r["request_id"]),
                    seat_id=str(r["seat_id"]),
                    room_id=str(r["room_id"]),
                    text=str(r["text"]),
                    at=float(r["at"]),
                    state=HelpState(r["state"]),
                )
                request.history = [request.state]
                bset.help_requests[request.request_id] = request
            state.breakouts[bset.main_room_id] = bset
        extensions = document["extensions"]
        if not isinstance(extensions, dict):
            raise SnapshotError("extensions must be an object")
        state.extensions = extensions
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, RoomsError) as exc:
        raise SnapshotError(f"the snapshot is incomplete or malformed ({exc!r})") from None
    _check_references(state)
    return state


def _check_references(state: LiveState) -> None:
    for sid, room_id in state.main_rooms.items():
        room = state.rooms.get(room_id)
        if room is None or room.session_id != sid or room.parent_id is not None:
            raise SnapshotError(f"session {sid}'s main room is missing")
    for room in state.rooms.values():
        if room.parent_id is not None and room.parent_id not in state.rooms:
            raise SnapshotError("a breakout room's main room is missing")
        for seat_id in room.seats:
            seat = state.seats.get(seat_id)
            if seat is None or seat.room_id != room.room_id:
                raise SnapshotError("a room lists a seat that is not in it")
    for seat in state.seats.values():
        if (
            seat.room_id is not None
            and seat.seat_id not in state.rooms.get(seat.room_id, _NONE).seats
        ):
            raise SnapshotError("a seat is in a room that does not list it")
    for bset in state.breakouts.values():
        if bset.main_room_id not in state.rooms or any(r not in state.rooms for r in bset.room_ids):
            raise SnapshotError("a breakout names rooms the snapshot does not have")
    if any(seat_id not in state.seats for seat_id in state.resume.values()):
        raise SnapshotError("a resume token names a seat the snapshot does not have")


_NONE = Room("", "", RoomKind.WORKSHOP, "")


def without_sessions(state: LiveState, gone: set[str]) -> list[str]:
    """Drop the sessions no longer in the programme, their rooms and seats; their ids."""
    dropped = sorted(sid for sid in state.sessions.keys() | state.main_rooms.keys() if sid in gone)
    if not dropped:
        return []
    rooms = {rid for rid, room in state.rooms.items() if room.session_id in gone}
    seats = {sid for sid, seat in state.seats.items() if seat.room_id in rooms}
    dropped = sorted(set(dropped) | {state.rooms[rid].session_id for rid in rooms})
    for sid in dropped:
        state.sessions.pop(sid, None)
        state.main_rooms.pop(sid, None)
    state.rooms = {rid: room for rid, room in state.rooms.items() if rid not in rooms}
    state.seats = {sid: seat for sid, seat in state.seats.items() if sid not in seats}
    state.resume = {h: s for h, s in state.resume.items() if s not in seats}
    state.breakouts = {m: b for m, b in state.breakouts.items() if m not in rooms}
    return dropped


def only_session(state: LiveState, session_id: str) -> LiveState:
    """Keep one session (its rooms, their seats, breakouts): what a failover node adopts.

    Seats in no room belong to no session and are dropped too. Extension parts stay whole:
    each extension takes only the rooms it is given (``Registry.adopt``).
    """
    named = state.sessions.keys() | state.main_rooms.keys()
    named |= {room.session_id for room in state.rooms.values()}
    without_sessions(state, set(named) - {session_id})
    loose = {sid for sid, seat in state.seats.items() if seat.room_id is None}
    state.seats = {sid: seat for sid, seat in state.seats.items() if sid not in loose}
    state.resume = {h: s for h, s in state.resume.items() if s not in loose}
    return state
