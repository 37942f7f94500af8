"""The live rooms of one process (sessions, rooms, seats, breakouts) as a synchronous core.

Like python-websockets' protocol core it does no I/O and never awaits: each change (a seat
attached, placed, refreshed, muted, released...) updates the state at once and returns the
effects (``rooms/signalling/effects.py``) for the registry, its driver, to carry out in
order: presence to publish, control events on a seat's topic, typed seat events for the
observers, and calls on the media port. Every time is handed in (``now``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rooms.bus import encode
from rooms.domain.breakout import BreakoutSet, HelpRequest
from rooms.domain.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from rooms.domain.participant import Participant, ParticipantState
from rooms.domain.roles import Role
from rooms.domain.room import Room, RoomKind, RoomState
from rooms.signalling.codec import ServerMessage
from rooms.signalling.effects import (
    Control,
    Effect,
    MediaCamera,
    MediaChannel,
    MediaClose,
    MediaMute,
    MediaPlace,
    MediaSharing,
    PublishRoom,
    PublishSeat,
    SaveSnapshot,
    Tell,
    WakeAt,
)
from rooms.signalling.errors import CloseCode, Forbidden
from rooms.signalling.identity import Identity
from rooms.signalling.limits import Limits
from rooms.signalling.messages import (
    BreakoutRoomView,
    BreakoutView,
    ChatMessage,
    HelpView,
    ParticipantView,
    PresenceJoined,
    PresenceLeft,
    PresenceUpdated,
    RoomLeft,
    RoomSnapshot,
    RoomView,
    ShareStopped,
)
from rooms.signalling.seat_events import SeatBack, SeatChanged, SeatEntered, SeatLeft, SeatLost
from rooms.signalling.topics import CLOSE, MOVED
from rooms.signalling.view_texts import ViewTexts, splice
from rooms.snapshot import LiveState, token_hash

__all__ = ["RoomsCore", "SessionInfo"]


@dataclass(frozen=True)
class SessionInfo:
    """What the application tells the registry about a conference session."""

    kind: RoomKind
    title: str


class RoomsCore:
    """Sessions, rooms, seats and breakouts; ``media``: whether a media port carries seats."""

    def __init__(self, limits: Limits, *, media: bool) -> None:
        self.limits = limits
        self.media = media
        self.rooms: dict[str, Room] = {}
        self.seats: dict[str, Participant] = {}
        self.breakouts: dict[str, BreakoutSet] = {}  # live sets by main room id
        self.sessions: dict[str, SessionInfo] = {}
        self.main_rooms: dict[str, str] = {}  # session id -> main room id
        self.resume_tokens: dict[str, str] = {}  # token hash -> seat id
        self._tokens_of: dict[str, set[str]] = {}  # seat id -> its token hashes (the reverse)
        self._seats_of: dict[str, set[str]] = {}  # person id -> their seat ids
        self.attached: dict[str, str] = {}  # seat id -> id of its current connection
        self.media_placed: dict[str, tuple[str | None, bool]] = {}  # seat -> (room, publishes)
        self.media_peers: set[str] = set()  # seats the media layer knows about
        self.negotiated: set[str] = set()  # seats whose media this process negotiated
        # People an organiser muted, by room: a new seat of theirs in that room (another
        # tab, a reconnect after the grace) is muted and held too.
        self.mute_holds: dict[str, set[str]] = {}
        self.view_texts = ViewTexts()  # snapshots splice these rather than encode every view

    # Sessions and rooms.

    def describe_session(self, session_id: str, kind: RoomKind | str, title: str) -> None:
        """Tell the registry what kind of session this is, before or after its room exists."""
        info = SessionInfo(RoomKind(kind), title)
        room = self.rooms.get(self.main_rooms.get(session_id, ""))
        if room is not None:
            if room.kind is not info.kind and room.seats:
                raise Conflict("a session's kind changes only while its room is empty")
            room.kind = info.kind
            room.title = info.title
        self.sessions[session_id] = info

    def room_for_session(
        self, session_id: str, kind: RoomKind | str | None = None, title: str | None = None
    ) -> str:
        """The id of the session's main room, created on first use."""
        if kind is not None or title is not None:
            known = self.sessions.get(session_id)
            self.describe_session(
                session_id,
                kind if kind is not None else (known.kind if known else RoomKind.PLENARY),
                title if title is not None else (known.title if known else ""),
            )
        existing = self.main_rooms.get(session_id)
        if existing is not None:
            return existing
        info = self.sessions.get(session_id, SessionInfo(RoomKind.PLENARY, ""))
        room = Room(secrets.token_urlsafe(16), session_id, info.kind, info.title)
        self.rooms[room.room_id] = room
        self.main_rooms[session_id] = room.room_id
        return room.room_id

    def add_breakout_room(self, main: Room, title: str) -> Room:
        room = Room(
            secrets.token_urlsafe(16), main.session_id, RoomKind.BREAKOUT, title, main.room_id
        )
        self.rooms[room.room_id] = room
        return room

    def room(self, room_id: str) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            raise NotFound("no such room")
        return room

    def seat(self, seat_id: str) -> Participant:
        seat = self.seats.get(seat_id)
        if seat is None:
            raise NotFound("no such participant")
        return seat

    def current_room(self, seat: Participant) -> Room:
        if seat.room_id is None:
            raise InvalidTransition("participant", "outside a room", "do this")
        return self.room(seat.room_id)

    def main_room_of(self, room: Room) -> Room:
        return self.room(room.parent_id) if room.parent_id is not None else room

    def seats_in(self, rooms: Sequence[Room]) -> list[Participant]:
        return [self.seats[seat_id] for room in rooms for seat_id in room.seats]

    # Snapshots (rooms/snapshot.py).

    def live_state(self, now: float, extensions: dict[str, object]) -> LiveState:
        return LiveState(
            saved_at=now,
            sessions={sid: (info.kind, info.title) for sid, info in self.sessions.items()},
            main_rooms=dict(self.main_rooms),
            rooms=dict(self.rooms),
            seats=dict(self.seats),
            resume=dict(self.resume_tokens),
            breakouts={m: b for m, b in self.breakouts.items() if b.is_live},
            extensions=extensions,
        )

    def restore(self, state: LiveState, now: float) -> list[Effect]:
        """Take over a snapshot's state: every seat waits, away, for its client to resume it."""
        self.sessions = {
            sid: SessionInfo(kind, title) for sid, (kind, title) in state.sessions.items()
        }
        self.main_rooms = dict(state.main_rooms)
        self.rooms = dict(state.rooms)
        self.seats = dict(state.seats)
        self._seats_of = {}
        self._index_seats(state.seats.values())
        self.resume_tokens = dict(state.resume)
        self._tokens_of = {}
        self._index_tokens(state.resume)
        self.breakouts = dict(state.breakouts)
        return self._wait_for(list(self.seats.values()), state.breakouts.values(), now)

    def adopt(self, state: LiveState, now: float) -> list[Effect]:
        """Take over sessions another process held (a failover), beside the live ones.

        Raises ``Conflict`` when any of them, or any of their rooms or seats, is already
        here: two copies of one session are never mixed.
        """
        clash = (
            (state.sessions.keys() | state.main_rooms.keys()) & self.main_rooms.keys()
            or state.rooms.keys() & self.rooms.keys()
            or state.seats.keys() & self.seats.keys()
            or state.resume.keys() & self.resume_tokens.keys()
        )
        if clash:
            raise Conflict("a session taken over from another node is already live here")
        for sid, (kind, title) in state.sessions.items():
            self.sessions.setdefault(sid, SessionInfo(kind, title))
        self.main_rooms.update(state.main_rooms)
        self.rooms.update(state.rooms)
        self.seats.update(state.seats)
        self._index_seats(state.seats.values())
        self.resume_tokens.update(state.resume)
        self._index_tokens(state.resume)
        self.breakouts.update(state.breakouts)
        return self._wait_for(list(state.seats.values()), state.breakouts.values(), now)

    def forget_session(
        self, session_id: str
    ) -> tuple[frozenset[str], list[Participant], list[Effect]]:
        """Drop a session, its rooms, seats and breakouts, telling no one: another node
        took it over, and its people are there. The rooms and seats dropped, and the media
        to close.

        Raises ``Conflict`` while a connection here still holds one of its seats.
        """
        rooms = frozenset(r for r, room in self.rooms.items() if room.session_id == session_id)
        seats = [s for s in self.seats.values() if s.room_id in rooms]
        if any(seat.seat_id in self.attached for seat in seats):
            raise Conflict("a connection here still holds a seat of this session")
        out: list[Effect] = []
        for seat in seats:
            self._drop_seat(seat)
            out += self._close_media(seat)
        for room_id in rooms:
            del self.rooms[room_id]
            self.breakouts.pop(room_id, None)
            self.mute_holds.pop(room_id, None)
        self.main_rooms.pop(session_id, None)
        self.sessions.pop(session_id, None)
        return rooms, seats, out

    def _wait_for(
        self, seats: Sequence[Participant], breakouts: Iterable[BreakoutSet], now: float
    ) -> list[Effect]:
        """Restored seats wait, away, for their clients; their media as it was; the sweeper
        wakes when their grace ends and when a restored countdown does."""
        out: list[Effect] = [WakeAt(now + self.limits.reconnect_grace)] if seats else []
        out += [WakeAt(b.ends_at) for b in breakouts if b.ends_at is not None]
        for seat in seats:
            if seat.state is ParticipantState.PRESENT:
                seat.disconnect(now)
            else:
                seat.away_since = now
            if seat.mute_held and seat.room_id is not None:
                self.mute_holds.setdefault(seat.room_id, set()).add(seat.person_id)
            if seat.muted:
                out.append(MediaMute(seat.seat_id, True))
            if seat.channel is not None:
                out.append(MediaChannel(seat.seat_id, seat.channel))
            out += self._sync_media(seat)
        return out

    # Views.

    def may_publish(self, seat: Participant) -> bool:
        room = self.rooms.get(seat.room_id or "")
        return room.may_publish(seat) if room is not None else False

    def participant_view(self, seat: Participant) -> ParticipantView:
        return ParticipantView(
            seat_id=seat.seat_id,
            display_name=seat.display_name,
            roles=sorted(role.value for role in seat.roles),
            state=seat.state.value,
            hand_raised=seat.hand_raised,
            muted=seat.muted,
            mute_held=seat.mute_held,
            unmute_asked=seat.unmute_asked,
            has_floor=seat.has_floor,
            may_publish=self.may_publish(seat),
            camera=seat.camera,
            sharing=seat.sharing,
        )

    def breakout_view(self, bset: BreakoutSet) -> BreakoutView:
        return BreakoutView(
            breakout_id=bset.breakout_id,
            main_room_id=bset.main_room_id,
            mode=bset.mode.value,
            state=bset.state.value,
            ends_at=bset.ends_at,
            rooms=[
                BreakoutRoomView(room_id=rid, title=self.rooms[rid].title) for rid in bset.room_ids
            ],
        )

    def help_view(self, request: HelpRequest) -> HelpView:
        seat = self.seats.get(request.seat_id)
        return HelpView(
            request_id=request.request_id,
            seat_id=request.seat_id,
            display_name=seat.display_name if seat else "",
            room_id=request.room_id,
            room_title=self.rooms[request.room_id].title,
            text=request.text,
            at=request.at,
        )

    def room_state(self, seat: Participant, reason: str) -> ServerMessage:
        """What a seat sees on entering its current room (a snapshot)."""
        if seat.room_id is None:
            return RoomLeft(room_id=None, reason=reason)
        room = self.room(seat.room_id)
        views = [self.participant_view(self.seats[sid]) for sid in room.seats]
        return self._snapshot(seat, room, reason, views)

    def room_state_text(self, seat: Participant, reason: str) -> str:
        """``room_state`` as its wire text, with each participant's view encoded once per
        change (``view_texts.py``): a join storm asks for a snapshot per join."""
        if seat.room_id is None:
            return encode(self.room_state(seat, reason).to_dict())
        room = self.room(seat.room_id)
        head = self._snapshot(seat, room, reason, [])
        texts, seats, kind, view = self.view_texts, self.seats, room.kind, self.participant_view
        views = [texts.text(seats[sid], kind, view) for sid in room.seats]
        return splice(head.to_dict(), "participants", views)

    def _snapshot(
        self, seat: Participant, room: Room, reason: str, participants: list[ParticipantView]
    ) -> RoomSnapshot:
        bset = self.breakouts.get(self.main_room_of(room).room_id)
        return RoomSnapshot(
            reason=reason,
            room=RoomView(
                room_id=room.room_id,
                kind=room.kind.value,
                title=room.title,
                parent_id=room.parent_id,
            ),
            you=self.participant_view(seat),
            participants=participants,
            breakout=self.breakout_view(bset) if bset is not None else None,
        )

    # People: roles change while they sit in rooms.

    def reseat(self, seat: Participant, identity: Identity) -> list[Effect]:
        """Give a seat the person's current roles and name, and what follows from them."""
        if (seat.roles, seat.display_name) == (identity.roles, identity.display_name):
            return []
        lost_speaker = Role.SPEAKER in seat.roles and Role.SPEAKER not in identity.roles
        seat.roles = identity.roles
        seat.display_name = identity.display_name
        room = self.rooms.get(seat.room_id or "")
        if (
            lost_speaker
            and seat.has_floor
            and room is not None
            and room.kind.floor_controlled
            and room.floor_holders is None
        ):
            seat.take_floor()  # the floor came with the role
        return self.refresh(seat)

    # Seats and connections.

    def attach(
        self, identity: Identity, resume_token: str | None, connection_id: str, now: float
    ) -> tuple[Participant, str, bool, list[Effect]]:
        """Seat a new connection: resume the token's seat if it may, else a fresh seat.

        Returns the seat, its new resume token, whether it was resumed, and the effects.
        """
        out: list[Effect] = []
        seat = self.seats.get(self.resume_tokens.get(token_hash(resume_token or ""), ""))
        if seat is not None and seat.person_id != identity.person_id:
            seat = None
        if seat is not None and seat.away_for(now) >= self.limits.reconnect_grace:
            out += self.release(seat, "gone")
            seat = None
        resumed = seat is not None
        if seat is None:
            seat = Participant(
                secrets.token_urlsafe(12), identity.person_id, identity.display_name, identity.roles
            )
            self.seats[seat.seat_id] = seat
            self._index_seats([seat])
        else:
            previous = self.attached.get(seat.seat_id)
            if previous is not None:
                out.append(
                    Control(
                        seat.seat_id,
                        {
                            "type": CLOSE,
                            "connection_id": previous,
                            "code": int(CloseCode.REPLACED),
                            "reason": "resumed by a newer connection",
                        },
                    )
                )
            if seat.state is ParticipantState.AWAY:
                seat.reconnect()
                if seat.room_id is not None:
                    out.append(Tell(SeatBack(seat.room_id, seat.seat_id)))
            # The roles come from this connection's identity, read from the database just
            # now, never from the seat: a demoted organiser resumes as what they are now.
            out += self.reseat(seat, identity)
        self.attached[seat.seat_id] = connection_id
        self._forget_tokens(seat.seat_id)
        token = secrets.token_urlsafe(24)
        # Kept as a hash: snapshots (rooms/snapshot.py) never hold a usable token.
        self._index_tokens({token_hash(token): seat.seat_id})
        out.append(SaveSnapshot())
        if resumed:
            out += self.refresh(seat)
        return seat, token, resumed, out

    def detach(self, seat: Participant, connection_id: str, now: float) -> list[Effect]:
        """A connection ended; its seat waits ``reconnect_grace`` seconds to be resumed."""
        if self.attached.get(seat.seat_id) != connection_id:
            return []  # a newer connection took the seat over
        del self.attached[seat.seat_id]
        if seat.state is not ParticipantState.PRESENT:
            return []
        seat.disconnect(now)
        out: list[Effect] = [WakeAt(now + self.limits.reconnect_grace)]
        if seat.room_id is not None:
            out.append(Tell(SeatLost(seat.room_id, seat.seat_id)))
        return out + self.refresh(seat)

    def release(self, seat: Participant, reason: str) -> list[Effect]:
        """Give up a seat for good: out of its room, and its media closed."""
        if seat.state is ParticipantState.LEFT:
            return []
        out: list[Effect] = []
        room = self.rooms.get(seat.room_id or "")
        if room is not None:
            room.remove(seat.seat_id)
            out.append(Tell(SeatLeft(room.room_id, seat.seat_id, reason)))
            left = PresenceLeft(room_id=room.room_id, seat_id=seat.seat_id, reason=reason)
            out.append(PublishRoom(room.room_id, left))
        seat.leave()
        self._drop_seat(seat)
        self.attached.pop(seat.seat_id, None)
        return out + self._close_media(seat)

    def _drop_seat(self, seat: Participant) -> None:
        """The seat is gone from this process: from the seats, and from every index of them."""
        self.seats.pop(seat.seat_id, None)
        mine = self._seats_of.get(seat.person_id)
        if mine is not None:
            mine.discard(seat.seat_id)
            if not mine:
                del self._seats_of[seat.person_id]
        self.view_texts.forget(seat.seat_id)
        self._forget_tokens(seat.seat_id)

    def due_releases(self, now: float) -> list[Participant]:
        """Seats away past the grace (the sweeper releases them)."""
        return [
            seat
            for seat in self.seats.values()
            if seat.state is ParticipantState.AWAY
            and seat.away_for(now) >= self.limits.reconnect_grace
        ]

    def _forget_tokens(self, seat_id: str) -> None:
        for token in self._tokens_of.pop(seat_id, ()):
            self.resume_tokens.pop(token, None)

    def _index_tokens(self, tokens: dict[str, str]) -> None:
        """Hold these (token hash -> seat id), findable by seat: a storm of 2,000 joins
        scanned every token once per join."""
        self.resume_tokens.update(tokens)
        for token, seat_id in tokens.items():
            self._tokens_of.setdefault(seat_id, set()).add(token)

    # Moves, flags and media.

    def place(self, seat: Participant, room: Room | None, reason: str) -> list[Effect]:
        """Move a seat into ``room`` (None: out of any room), telling everyone concerned."""
        old = self.rooms.get(seat.room_id or "")
        if old is room:
            return []
        if room is not None and room.state is not RoomState.OPEN:
            raise InvalidTransition("room", room.state.value, "admit anyone")
        out: list[Effect] = []
        share_ended = False
        if old is not None:
            old.remove(seat.seat_id)
            seat.exit_room()
            out.append(Tell(SeatLeft(old.room_id, seat.seat_id, reason)))
            left = PresenceLeft(room_id=old.room_id, seat_id=seat.seat_id, reason=reason)
            out.append(PublishRoom(old.room_id, left))
        if room is not None:
            out += self._one_seat_per_person(room, seat)
            room.admit(seat.seat_id)
            seat.enter_room(room.room_id)
            out += self._apply_mute_hold(room, seat)
            if room.grants_floor_on_entry(seat):
                seat.give_floor()
            stopped, share_ended = self._enforce_video(seat)
            out += stopped
            out.append(Tell(SeatEntered(room.room_id, seat.seat_id)))
            joined = PresenceJoined(room_id=room.room_id, participant=self.participant_view(seat))
            out.append(PublishRoom(room.room_id, joined))
        out += self._sync_media(seat)
        if room is not None and share_ended:
            out.append(PublishSeat(seat.seat_id, ShareStopped(reason="not_presenter")))
        moved = {
            "type": MOVED,
            "room_id": room.room_id if room else None,
            "from_room_id": old.room_id if old else None,
            "reason": reason,
        }
        out.append(Control(seat.seat_id, moved))
        return out

    def _index_seats(self, seats: Iterable[Participant]) -> None:
        for seat in seats:
            self._seats_of.setdefault(seat.person_id, set()).add(seat.seat_id)

    def _one_seat_per_person(self, room: Room, newcomer: Participant) -> list[Effect]:
        """A person sits in a room once: their older seat there is closed and released."""
        out: list[Effect] = []
        # The person's seats, not the room's: a storm of 2,000 joins scanned the room each.
        mine = [s for s in self._seats_of.get(newcomer.person_id, ()) if s in room.seats]
        if len(mine) > 1:
            order = list(room.seats)
            mine.sort(key=order.index)
        for seat_id in mine:
            older = self.seats.get(seat_id)
            if older is None or older is newcomer or older.person_id != newcomer.person_id:
                continue
            connection = self.attached.get(seat_id)
            if connection is not None:
                closing = {
                    "type": CLOSE,
                    "connection_id": connection,
                    "code": int(CloseCode.SEAT_TAKEN),
                    "reason": "you took a seat in this room from another connection",
                }
                out.append(Control(seat_id, closing))
            out += self.release(older, "replaced")
        return out

    def refresh(self, seat: Participant) -> list[Effect]:
        """Announce a seat's changed flags to its room, and keep the media in step."""
        if seat.room_id is None:
            return []
        out, share_ended = self._enforce_video(seat)
        out.append(Tell(SeatChanged(seat.room_id, seat.seat_id)))
        updated = PresenceUpdated(room_id=seat.room_id, participant=self.participant_view(seat))
        out.append(PublishRoom(seat.room_id, updated))
        out += self._sync_media(seat)
        if share_ended:
            out.append(PublishSeat(seat.seat_id, ShareStopped(reason="not_presenter")))
        return out

    def set_camera(self, seat: Participant, on: bool) -> list[Effect]:
        """Turn the seat's camera on or off; on only where it may publish (checked before)."""
        seat.camera = on
        return [MediaCamera(seat.seat_id, on), *self.refresh(seat)]

    def set_sharing(self, seat: Participant, on: bool, *, ended_by: str = "") -> list[Effect]:
        """Start or stop the seat's screen share; a new share replaces its room's current one.

        ``ended_by``: why someone else ended it (a ``share_stopped`` reason), told to the sharer.
        """
        out: list[Effect] = []
        if on and seat.room_id is not None:
            for other_id in self.room(seat.room_id).seats:
                other = self.seats[other_id]
                if other is not seat and other.sharing:
                    out += self.set_sharing(other, False, ended_by="replaced")
        was_sharing = seat.sharing
        seat.sharing = on
        out += [MediaSharing(seat.seat_id, on), *self.refresh(seat)]
        if was_sharing and not on and ended_by:
            out.append(PublishSeat(seat.seat_id, ShareStopped(reason=ended_by)))
        return out

    def _enforce_video(self, seat: Participant) -> tuple[list[Effect], bool]:
        """A seat that may no longer publish (moved, floor taken) stops its camera and share.

        Also returns whether a share ended that way (the sharer is told why).
        """
        room = self.rooms.get(seat.room_id or "")
        if room is not None and room.may_publish(seat):
            return [], False
        share_ended = seat.sharing
        out: list[Effect] = []
        if seat.camera:
            seat.camera = False
            out.append(MediaCamera(seat.seat_id, False))
        if seat.sharing:
            seat.sharing = False
            out.append(MediaSharing(seat.seat_id, False))
        return out, share_ended

    # What people do in a room: join, leave, hands, chat, mute, moves, the floor. The
    # message's rules are checked here; the handlers in presence.py only carry out.

    def join(self, seat: Participant, room_id: str) -> list[Effect]:
        """The seat enters a room: any main room; a breakout only the one it was assigned."""
        room = self.room(room_id)
        if room.is_breakout and not seat.is_organiser:
            bset = self.breakouts.get(room.parent_id or "")
            if bset is None or bset.assignments.get(seat.seat_id) != room.room_id:
                raise NotAllowed("you may join only the breakout room you were assigned to")
        return self.place(seat, room, "joined")

    def leave(self, seat: Participant) -> list[Effect]:
        self.current_room(seat)
        return self.place(seat, None, "left")

    def move(self, seat_id: str, room_id: str) -> list[Effect]:
        """An organiser moves someone; into a breakout, that becomes their assignment."""
        seat, room = self.seat(seat_id), self.room(room_id)
        if room.parent_id is not None:
            bset = self.breakouts.get(room.parent_id)
            if bset is None:
                raise NotAllowed("that breakout room is closed")
            bset.assign(seat.seat_id, room.room_id)
        return self.place(seat, room, "moved")

    def raise_hand(self, seat: Participant) -> list[Effect]:
        seat.raise_hand()
        return self.refresh(seat)

    def lower_hand(self, seat: Participant, seat_id: str | None) -> list[Effect]:
        """Lower one's own hand, or (organisers only) someone else's."""
        target = seat
        if seat_id is not None and seat_id != seat.seat_id:
            if not seat.is_organiser:
                raise Forbidden("only organisers may lower someone else's hand")
            target = self.seat(seat_id)
        target.lower_hand()
        return self.refresh(target)

    def chat(self, seat: Participant, text: str, now: float) -> list[Effect]:
        room = self.current_room(seat)
        message = ChatMessage(
            room_id=room.room_id,
            seat_id=seat.seat_id,
            display_name=seat.display_name,
            text=text,
            at=now,
        )
        return [PublishRoom(room.room_id, message)]

    def mute_self(self, seat: Participant, muted: bool) -> list[Effect]:
        """Mute or unmute oneself; unmuting needs the floor, and no organiser's hold."""
        room = self.current_room(seat)
        if not muted and seat.mute_held:
            raise NotAllowed("an organiser muted you; ask to unmute, and they may allow it")
        if not muted and not room.may_publish(seat):
            raise NotAllowed("only those given the floor may speak in this room")
        return self.set_muted(seat, muted)

    def ask_unmute(self, seat: Participant) -> list[Effect]:
        self.current_room(seat)
        seat.ask_unmute()
        return self.refresh(seat)

    def show_camera(self, seat: Participant, on: bool) -> list[Effect]:
        """The seat turns its camera on or off; on needs the right to publish in the room."""
        room = self.current_room(seat)
        if on and not room.may_publish(seat):
            raise NotAllowed("only those given the floor may show their camera in this room")
        return self.set_camera(seat, on)

    def share_screen(self, seat: Participant, on: bool) -> list[Effect]:
        """The seat starts or stops sharing; starting needs the right to publish."""
        room = self.current_room(seat)
        if on and not room.may_publish(seat):
            raise NotAllowed("only the presenter may share a screen in this room")
        return self.set_sharing(seat, on)

    def stop_share(self, seat_id: str) -> list[Effect]:
        """An organiser ends someone's share (nothing if they are not sharing)."""
        target = self.seat(seat_id)
        return self.set_sharing(target, False, ended_by="organiser") if target.sharing else []

    def set_floor(self, seat: Participant, holds: bool) -> list[Effect]:
        """Give the seat the floor or take it (a stage moving with its running order)."""
        if holds:
            seat.give_floor()
        else:
            seat.take_floor()
        return self.refresh(seat)

    def set_muted(self, seat: Participant, muted: bool) -> list[Effect]:
        seat.set_muted(muted)
        return [MediaMute(seat.seat_id, muted), *self.refresh(seat)]

    def hold_mute(self, seat: Participant) -> list[Effect]:
        """An organiser mutes the seat, and it stays muted in this room until they allow it."""
        room = self.current_room(seat)
        seat.hold_mute()
        self.mute_holds.setdefault(room.room_id, set()).add(seat.person_id)
        return [MediaMute(seat.seat_id, True), *self.refresh(seat)]

    def release_mute(self, seat: Participant) -> list[Effect]:
        seat.release_mute()
        holds = self.mute_holds.get(seat.room_id or "")
        if holds is not None:
            holds.discard(seat.person_id)
        return self.refresh(seat)

    def _apply_mute_hold(self, room: Room, seat: Participant) -> list[Effect]:
        held = seat.person_id in self.mute_holds.get(room.room_id, ())
        seat.mute_held = held
        seat.unmute_asked = False
        if held and not seat.muted:
            seat.set_muted(True)
            return [MediaMute(seat.seat_id, True)]
        return []

    def set_listen_only(self, seat: Participant, listen_only: bool) -> list[Effect]:
        """Keep the seat's microphone off the floor (an interpreter), or let the room decide."""
        if seat.listen_only == listen_only:
            return []
        seat.listen_only = listen_only
        return self.refresh(seat)

    def set_channel(self, seat: Participant, source_peer_id: str | None) -> list[Effect]:
        """Choose what the seat hears (kept across reconnects); for layers such as interpretation."""
        seat.channel = source_peer_id
        return [SaveSnapshot(), MediaChannel(seat.seat_id, source_peer_id)]

    def negotiated_media(self, seat: Participant) -> None:
        """The media port answered the seat's offer."""
        self.media_peers.add(seat.seat_id)
        self.negotiated.add(seat.seat_id)

    def has_media(self, seat: Participant) -> bool:
        """Whether this process negotiated the seat's media connection (not so after a restart)."""
        return seat.seat_id in self.negotiated

    def _sync_media(self, seat: Participant) -> list[Effect]:
        if not self.media:
            return []
        room = self.rooms.get(seat.room_id or "")
        placement = (seat.room_id, room.may_publish(seat) if room is not None else False)
        if self.media_placed.get(seat.seat_id, (None, False)) == placement:
            return []
        self.media_placed[seat.seat_id] = placement
        self.media_peers.add(seat.seat_id)
        return [MediaPlace(seat.seat_id, *placement)]

    def _close_media(self, seat: Participant) -> list[Effect]:
        self.media_placed.pop(seat.seat_id, None)
        self.negotiated.discard(seat.seat_id)
        if self.media and seat.seat_id in self.media_peers:
            self.media_peers.discard(seat.seat_id)
            return [MediaClose(seat.seat_id)]
        return []
