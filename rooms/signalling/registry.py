"""Live state of the rooms (sessions, rooms, seats, breakouts), owned by the app lifespan.

The registry is the only holder of live state. It never holds connection objects, only
connection ids: it talks to connections through the event bus (``seat:<id>`` and
``room:<id>`` topics), so the same events would reach connections in other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from starlette.routing import WebSocketRoute

from rooms.bus import BusError, EventBus, MemoryBus, Subscription, open_bus
from rooms.domain.breakout import BreakoutSet, HelpRequest
from rooms.domain.errors import Conflict, InvalidTransition, NotFound
from rooms.domain.participant import Participant, ParticipantState
from rooms.domain.roles import Role
from rooms.domain.room import Room, RoomKind, RoomState
from rooms.signalling import breakouts, negotiation, presence, video
from rooms.signalling.clock import Clock, SystemClock
from rooms.signalling.coalesce import PRESENCE_TYPES, PresenceBuffer
from rooms.signalling.codec import ServerMessage
from rooms.signalling.dispatch import Dispatcher, Extension
from rooms.signalling.endpoint import serve_websocket
from rooms.signalling.errors import CloseCode, MediaUnavailable
from rooms.signalling.identity import Authenticate, Identity
from rooms.signalling.limits import Limits
from rooms.signalling.media_port import MediaPort
from rooms.signalling.messages import (
    BreakoutRoomView,
    BreakoutView,
    HelpView,
    ParticipantView,
    PresenceBatch,
    PresenceJoined,
    PresenceLeft,
    PresenceUpdated,
    RoomLeft,
    RoomSnapshot,
    RoomView,
    ShareStopped,
    Slots,
    rooms_catalog,
)
from rooms.signalling.seat_events import (
    SeatBack,
    SeatChanged,
    SeatEntered,
    SeatEvent,
    SeatLeft,
    SeatLost,
)
from rooms.signalling.stats import SignallingStats
from rooms.signalling.tokens import ConnectTokens
from rooms.signalling.topics import (
    CLOSE,
    MOVED,
    PEOPLE_TOPIC,
    PERSON_CHANGED,
    room_topic,
    seat_topic,
)
from rooms.snapshot import LiveState, token_hash

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionInfo:
    """What the application tells the registry about a conference session."""

    kind: RoomKind
    title: str


class Registry:
    """Sessions, rooms, seats and breakouts of one server process."""

    def __init__(
        self,
        bus: EventBus | None = None,
        *,
        media: MediaPort | None = None,
        clock: Clock | None = None,
        limits: Limits | None = None,
        rng: random.Random | None = None,
        extensions: Sequence[Extension] = (),
    ) -> None:
        self.bus: EventBus = bus if bus is not None else MemoryBus()
        self.media = media
        self.clock: Clock = clock or SystemClock()
        self.limits = limits or Limits()
        self.rng = rng or random.SystemRandom()
        self.catalog = rooms_catalog()
        self.dispatcher = Dispatcher(self.catalog)
        for install in (
            presence.install,
            breakouts.install,
            negotiation.install,
            video.install,
            *extensions,
        ):
            install(self.dispatcher)
        self.rooms: dict[str, Room] = {}
        self.seats: dict[str, Participant] = {}
        self.breakouts: dict[str, BreakoutSet] = {}  # live sets by main room id
        self._sessions: dict[str, SessionInfo] = {}
        self._main_rooms: dict[str, str] = {}  # session id -> main room id
        self._resume_tokens: dict[str, str] = {}  # token -> seat id
        self._attached: dict[str, str] = {}  # seat id -> id of its current connection
        self._media_placed: dict[str, tuple[str | None, bool]] = {}  # seat -> (room, may publish)
        self._media_peers: set[str] = set()  # seats the media layer knows about
        self._negotiated: set[str] = set()  # seats whose media this process negotiated
        # People an organiser muted, by room: a new seat of theirs in that room (another
        # tab, a reconnect after the grace) is muted and held too.
        self._mute_holds: dict[str, set[str]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._presence: dict[str, PresenceBuffer] = {}  # room id -> presence waiting to go
        self._seat_events: asyncio.Queue[SeatEvent] = asyncio.Queue()
        self._observing: asyncio.Task[None] | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self.stats = SignallingStats()
        self._people: asyncio.Task[None] | None = None
        self._origin = secrets.token_hex(8)  # tells this registry's own bus events apart
        # Goes up with every change that is published: the snapshot keeper saves on a change.
        self.version = 0
        # Live state that extensions keep per registry, by extension name (rooms/stage.py).
        self.extension_state: dict[str, Any] = {}
        self._pending: set[asyncio.Task[None]] = set()
        if media is not None:
            media.on_slots = self._slots_changed

    @classmethod
    def from_url(cls, bus_url: str = "memory://", **options: Any) -> Registry:
        """A registry on the bus named by ``bus_url`` (``memory://`` or ``redis://...``)."""
        return cls(open_bus(bus_url), **options)

    # Lifespan.

    async def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="rooms-sweeper")
        if self._people is None:
            people = await self.bus.subscribe(PEOPLE_TOPIC)
            self._people = asyncio.create_task(self._follow_people(people), name="rooms-people")
        if self._observing is None and self.dispatcher.observers:
            self._observing = asyncio.create_task(self._tell_observers(), name="rooms-observers")

    async def stop(self) -> None:
        """Stop the sweeper and close the bus; open connections then close with 1001."""
        for task in (self._sweeper, self._people, self._observing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._sweeper = self._people = self._observing = None
        for stop in self.dispatcher.stoppers:
            stop()
        for task in list(self._flushes):
            task.cancel()
        self._presence.clear()
        await self.bus.close()

    async def __aenter__(self) -> Registry:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _tell(self, event: SeatEvent) -> None:
        if self.dispatcher.observers:
            self._seat_events.put_nowait(event)

    async def _tell_observers(self) -> None:
        while True:
            event = await self._seat_events.get()
            for observer in self.dispatcher.observers:
                try:
                    await observer(self, event)
                except Exception:  # one observer's bug must not silence the others
                    logger.exception("an observer failed on %s", type(event).__name__)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.limits.sweep_interval)
            try:
                await self.sweep()
            except Exception:
                logger.exception("sweeping the rooms failed")

    async def sweep(self) -> None:
        """Release seats away past the grace, and close breakouts whose countdown ended."""
        now = self.clock.now()
        for seat in list(self.seats.values()):
            if (
                seat.state is ParticipantState.AWAY
                and seat.away_for(now) >= self.limits.reconnect_grace
            ):
                await self.release(seat, "gone")
        for bset in list(self.breakouts.values()):
            if bset.is_due(now):
                await breakouts.close_all(self, bset)

    # People: roles change while they sit in rooms.

    async def update_person(self, identity: Identity) -> None:
        """A person's roles or name changed: their seats follow at once, in every process.

        The application calls it when an organiser changes someone's roles, so that a
        demoted organiser loses organiser powers on a socket that is already open.
        """
        await self._apply_person(identity)
        event = {
            "type": PERSON_CHANGED,
            "origin": self._origin,
            "person_id": identity.person_id,
            "display_name": identity.display_name,
            "roles": sorted(role.value for role in identity.roles),
        }
        await self.bus.publish(PEOPLE_TOPIC, event)

    async def _follow_people(self, subscription: Subscription) -> None:
        try:
            async for _topic, event in subscription:
                if event.get("type") != PERSON_CHANGED or event.get("origin") == self._origin:
                    continue
                try:
                    identity = Identity.of(
                        str(event["person_id"]), str(event["display_name"]), event["roles"]
                    )
                except (KeyError, TypeError, ValueError):
                    logger.warning("ignored a malformed person event on the bus")
                    continue
                await self._apply_person(identity)
        except BusError:
            return  # the bus closed: the registry is stopping
        finally:
            with contextlib.suppress(BusError):
                await subscription.aclose()

    async def _apply_person(self, identity: Identity) -> None:
        for seat in [s for s in self.seats.values() if s.person_id == identity.person_id]:
            await self._reseat_identity(seat, identity)

    async def _reseat_identity(self, seat: Participant, identity: Identity) -> None:
        """Give a seat the person's current roles and name, and what follows from them."""
        if (seat.roles, seat.display_name) == (identity.roles, identity.display_name):
            return
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
        await self.refresh(seat)

    # Sessions and rooms.

    def describe_session(self, session_id: str, kind: RoomKind | str, title: str) -> None:
        """Tell the registry what kind of session this is, before or after its room exists."""
        info = SessionInfo(RoomKind(kind), title)
        room = self.rooms.get(self._main_rooms.get(session_id, ""))
        if room is not None:
            if room.kind is not info.kind and room.seats:
                raise Conflict("a session's kind changes only while its room is empty")
            room.kind = info.kind
            room.title = info.title
        self._sessions[session_id] = info

    def room_for_session(
        self, session_id: str, kind: RoomKind | str | None = None, title: str | None = None
    ) -> str:
        """The id of the session's main room, created on first use."""
        if kind is not None or title is not None:
            known = self._sessions.get(session_id)
            self.describe_session(
                session_id,
                kind if kind is not None else (known.kind if known else RoomKind.PLENARY),
                title if title is not None else (known.title if known else ""),
            )
        existing = self._main_rooms.get(session_id)
        if existing is not None:
            return existing
        info = self._sessions.get(session_id, SessionInfo(RoomKind.PLENARY, ""))
        room = Room(secrets.token_urlsafe(16), session_id, info.kind, info.title)
        self.rooms[room.room_id] = room
        self._main_rooms[session_id] = room.room_id
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

    # Snapshots (rooms/snapshot.py, kept by rooms/keeper.py).

    def live_state(self) -> LiveState:
        """Everything a restarted process needs, extensions' parts included."""
        return LiveState(
            saved_at=self.clock.now(),
            sessions={sid: (info.kind, info.title) for sid, info in self._sessions.items()},
            main_rooms=dict(self._main_rooms),
            rooms=dict(self.rooms),
            seats=dict(self.seats),
            resume=dict(self._resume_tokens),
            breakouts={m: b for m, b in self.breakouts.items() if b.is_live},
            extensions={name: dump(self) for name, (dump, _) in self.dispatcher.persisted.items()},
        )

    async def restore(self, state: LiveState) -> None:
        """Take over a snapshot's state, before any connection: every seat waits, away,
        ``reconnect_grace`` seconds from now for its client to resume it."""
        now = self.clock.now()
        self._sessions = {
            sid: SessionInfo(kind, title) for sid, (kind, title) in state.sessions.items()
        }
        self._main_rooms = dict(state.main_rooms)
        self.rooms = dict(state.rooms)
        self.seats = dict(state.seats)
        self._resume_tokens = dict(state.resume)
        self.breakouts = dict(state.breakouts)
        for seat in self.seats.values():
            if seat.state is ParticipantState.PRESENT:
                seat.disconnect(now)
            else:
                seat.away_since = now
            if seat.mute_held and seat.room_id is not None:
                self._mute_holds.setdefault(seat.room_id, set()).add(seat.person_id)
            if self.media is not None:
                if seat.muted:
                    self.media.set_muted(seat.seat_id, True)
                if seat.channel is not None:
                    self.media.set_channel(seat.seat_id, seat.channel)
            self._sync_media(seat)
        for name, (_, load) in self.dispatcher.persisted.items():
            if name not in state.extensions:
                continue
            try:
                loaded = load(self, state.extensions[name])
                if loaded is not None:
                    await loaded
            except Exception:  # one extension's bad part must not stop the others
                logger.exception("restoring the %s part of the live snapshot failed", name)
        self.version += 1

    # Views.

    def participant_view(self, seat: Participant) -> ParticipantView:
        room = self.rooms.get(seat.room_id or "")
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
            may_publish=room.may_publish(seat) if room is not None else False,
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
            participants=[self.participant_view(self.seats[sid]) for sid in room.seats],
            breakout=self.breakout_view(bset) if bset is not None else None,
        )

    # Publishing.

    async def publish_room(self, room_id: str, message: ServerMessage) -> None:
        """Publish to a room; a large room's presence waits for the next batch (coalesce.py)."""
        self.version += 1
        event = message.to_dict()
        buffer = self._presence.get(room_id)
        if event["type"] in PRESENCE_TYPES and (buffer is not None or self._coalesces(room_id)):
            if buffer is None:
                buffer = self._presence[room_id] = PresenceBuffer()
                asyncio.get_running_loop().call_later(
                    self._presence_window(room_id), self._flush_later, room_id
                )
            buffer.add(event)
            return
        if buffer is not None:
            await self.flush_presence(room_id)  # what came before goes first
        await self.bus.publish(room_topic(room_id), event)

    def _presence_window(self, room_id: str) -> float:
        """The window grows with the room: every batch goes to every seat (1 s at most)."""
        seats = len(self.rooms[room_id].seats) if room_id in self.rooms else 0
        scale = max(1.0, seats / self.limits.presence_window_seats)
        return min(self.limits.presence_window_max, self.limits.presence_window * scale)

    def _coalesces(self, room_id: str) -> bool:
        room = self.rooms.get(room_id)
        return room is not None and len(room.seats) > self.limits.coalesce_above

    def _flush_later(self, room_id: str) -> None:
        task = asyncio.ensure_future(self.flush_presence(room_id))
        self._flushes.add(task)
        task.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._flushes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sending a presence batch failed", exc_info=task.exception())

    async def flush_presence(self, room_id: str) -> None:
        """Send a room's pending presence now: one event as itself, several as a batch."""
        buffer = self._presence.pop(room_id, None)
        events = buffer.drain() if buffer is not None else []
        if len(events) == 1:
            await self.bus.publish(room_topic(room_id), events[0])
        elif events:
            batch = PresenceBatch(room_id=room_id, events=events)
            await self.bus.publish(room_topic(room_id), batch.to_dict())

    def mark_changed(self) -> None:
        """Live state changed without a publish: the next snapshot saves it."""
        self.version += 1

    async def publish_seat(self, seat_id: str, message: ServerMessage | dict[str, Any]) -> None:
        self.version += 1
        event = message.to_dict() if isinstance(message, ServerMessage) else message
        await self.bus.publish(seat_topic(seat_id), event)

    # Seats and connections.

    async def attach(
        self, identity: Identity, resume_token: str | None, connection_id: str
    ) -> tuple[Participant, str, bool]:
        """Seat a new connection: resume the token's seat if it may, else a fresh seat.

        Returns the seat, its new resume token, and whether it was resumed.
        """
        seat = await self._resumable(identity, resume_token)
        resumed = seat is not None
        if seat is None:
            seat = Participant(
                secrets.token_urlsafe(12), identity.person_id, identity.display_name, identity.roles
            )
            self.seats[seat.seat_id] = seat
        else:
            previous = self._attached.get(seat.seat_id)
            if previous is not None:
                await self.publish_seat(
                    seat.seat_id,
                    {
                        "type": CLOSE,
                        "connection_id": previous,
                        "code": int(CloseCode.REPLACED),
                        "reason": "resumed by a newer connection",
                    },
                )
            if seat.state is ParticipantState.AWAY:
                seat.reconnect()
                if seat.room_id is not None:
                    self._tell(SeatBack(seat.room_id, seat.seat_id))
            # The roles come from this connection's identity, read from the database just
            # now, never from the seat: a demoted organiser resumes as what they are now.
            await self._reseat_identity(seat, identity)
        self._attached[seat.seat_id] = connection_id
        for token in [t for t, sid in self._resume_tokens.items() if sid == seat.seat_id]:
            del self._resume_tokens[token]
        token = secrets.token_urlsafe(24)
        # Kept as a hash: snapshots (rooms/snapshot.py) never hold a usable token.
        self._resume_tokens[token_hash(token)] = seat.seat_id
        self.version += 1
        if resumed:
            await self.refresh(seat)
        return seat, token, resumed

    async def _resumable(self, identity: Identity, token: str | None) -> Participant | None:
        seat = self.seats.get(self._resume_tokens.get(token_hash(token or ""), ""))
        if seat is None or seat.person_id != identity.person_id:
            return None
        if seat.away_for(self.clock.now()) >= self.limits.reconnect_grace:
            await self.release(seat, "gone")
            return None
        return seat

    async def detach(self, seat: Participant, connection_id: str) -> None:
        """A connection ended; its seat waits ``reconnect_grace`` seconds to be resumed."""
        if self._attached.get(seat.seat_id) != connection_id:
            return  # a newer connection took the seat over
        del self._attached[seat.seat_id]
        if seat.state is ParticipantState.PRESENT:
            seat.disconnect(self.clock.now())
            if seat.room_id is not None:
                self._tell(SeatLost(seat.room_id, seat.seat_id))
            await self.refresh(seat)

    async def release(self, seat: Participant, reason: str) -> None:
        """Give up a seat for good: out of its room, and its media closed."""
        if seat.state is ParticipantState.LEFT:
            return
        room = self.rooms.get(seat.room_id or "")
        if room is not None:
            room.remove(seat.seat_id)
            self._tell(SeatLeft(room.room_id, seat.seat_id, reason))
            await self.publish_room(
                room.room_id,
                PresenceLeft(room_id=room.room_id, seat_id=seat.seat_id, reason=reason),
            )
        seat.leave()
        self.seats.pop(seat.seat_id, None)
        self._attached.pop(seat.seat_id, None)
        for token in [t for t, sid in self._resume_tokens.items() if sid == seat.seat_id]:
            del self._resume_tokens[token]
        await self._close_media(seat)

    # Moves, flags and media.

    async def place(self, seat: Participant, room: Room | None, reason: str) -> None:
        """Move a seat into ``room`` (None: out of any room), telling everyone concerned."""
        old = self.rooms.get(seat.room_id or "")
        if old is room:
            return
        share_ended = False
        if room is not None and room.state is not RoomState.OPEN:
            raise InvalidTransition("room", room.state.value, "admit anyone")
        if old is not None:
            old.remove(seat.seat_id)
            seat.exit_room()
            self._tell(SeatLeft(old.room_id, seat.seat_id, reason))
            await self.publish_room(
                old.room_id, PresenceLeft(room_id=old.room_id, seat_id=seat.seat_id, reason=reason)
            )
        if room is not None:
            await self._one_seat_per_person(room, seat)
            room.admit(seat.seat_id)
            seat.enter_room(room.room_id)
            self._apply_mute_hold(room, seat)
            if room.grants_floor_on_entry(seat):
                seat.give_floor()
            share_ended = self._enforce_video(seat)
            self._tell(SeatEntered(room.room_id, seat.seat_id))
            await self.publish_room(
                room.room_id,
                PresenceJoined(room_id=room.room_id, participant=self.participant_view(seat)),
            )
        self._sync_media(seat)
        if room is not None and share_ended:
            await self.publish_seat(seat.seat_id, ShareStopped(reason="not_presenter"))
        await self.publish_seat(
            seat.seat_id,
            {
                "type": MOVED,
                "room_id": room.room_id if room else None,
                "from_room_id": old.room_id if old else None,
                "reason": reason,
            },
        )

    async def _one_seat_per_person(self, room: Room, newcomer: Participant) -> None:
        """A person sits in a room once: their older seat there is closed and released."""
        for seat_id in list(room.seats):
            older = self.seats.get(seat_id)
            if older is None or older is newcomer or older.person_id != newcomer.person_id:
                continue
            connection = self._attached.get(seat_id)
            if connection is not None:
                await self.publish_seat(
                    seat_id,
                    {
                        "type": CLOSE,
                        "connection_id": connection,
                        "code": int(CloseCode.SEAT_TAKEN),
                        "reason": "you took a seat in this room from another connection",
                    },
                )
            await self.release(older, "replaced")

    async def refresh(self, seat: Participant) -> None:
        """Announce a seat's changed flags to its room, and keep the media in step."""
        if seat.room_id is None:
            return
        share_ended = self._enforce_video(seat)
        self._tell(SeatChanged(seat.room_id, seat.seat_id))
        await self.publish_room(
            seat.room_id,
            PresenceUpdated(room_id=seat.room_id, participant=self.participant_view(seat)),
        )
        self._sync_media(seat)
        if share_ended:
            await self.publish_seat(seat.seat_id, ShareStopped(reason="not_presenter"))

    async def set_camera(self, seat: Participant, on: bool) -> None:
        """Turn the seat's camera on or off; on only where it may publish (checked by the caller)."""
        seat.camera = on
        if self.media is not None:
            self.media.set_camera(seat.seat_id, on)
        await self.refresh(seat)

    async def set_sharing(self, seat: Participant, on: bool, *, ended_by: str = "") -> None:
        """Start or stop the seat's screen share; a new share replaces its room's current one.

        ``ended_by``: why someone else ended it (a ``share_stopped`` reason), told to the sharer.
        """
        if on and seat.room_id is not None:
            for other_id in self.room(seat.room_id).seats:
                other = self.seats[other_id]
                if other is not seat and other.sharing:
                    await self.set_sharing(other, False, ended_by="replaced")
        was_sharing = seat.sharing
        seat.sharing = on
        if self.media is not None:
            self.media.set_sharing(seat.seat_id, on)
        await self.refresh(seat)
        if was_sharing and not on and ended_by:
            await self.publish_seat(seat.seat_id, ShareStopped(reason=ended_by))

    def _enforce_video(self, seat: Participant) -> bool:
        """A seat that may no longer publish (moved, floor taken) stops its camera and share.

        Returns whether a share ended that way (the sharer is told why).
        """
        room = self.rooms.get(seat.room_id or "")
        if room is not None and room.may_publish(seat):
            return False
        share_ended = seat.sharing
        if seat.camera:
            seat.camera = False
            if self.media is not None:
                self.media.set_camera(seat.seat_id, False)
        if seat.sharing:
            seat.sharing = False
            if self.media is not None:
                self.media.set_sharing(seat.seat_id, False)
        return share_ended

    def _slots_changed(self, peer_id: str, assignment: Any) -> None:
        """The media layer changed what a seat's slots carry: tell that seat (names its tiles)."""
        message = Slots(
            floor=list(assignment.floor),
            floor_video=list(assignment.floor_video),
            share=assignment.share,
            pinned=list(assignment.pinned),
        )
        task = asyncio.get_running_loop().create_task(self.publish_seat(peer_id, message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def set_muted(self, seat: Participant, muted: bool) -> None:
        seat.set_muted(muted)
        if self.media is not None:
            self.media.set_muted(seat.seat_id, muted)
        await self.refresh(seat)

    async def hold_mute(self, seat: Participant) -> None:
        """An organiser mutes the seat, and it stays muted in this room until they allow it."""
        room = self.current_room(seat)
        seat.hold_mute()
        self._mute_holds.setdefault(room.room_id, set()).add(seat.person_id)
        if self.media is not None:
            self.media.set_muted(seat.seat_id, True)
        await self.refresh(seat)

    async def release_mute(self, seat: Participant) -> None:
        seat.release_mute()
        holds = self._mute_holds.get(seat.room_id or "")
        if holds is not None:
            holds.discard(seat.person_id)
        await self.refresh(seat)

    def _apply_mute_hold(self, room: Room, seat: Participant) -> None:
        held = seat.person_id in self._mute_holds.get(room.room_id, ())
        seat.mute_held = held
        seat.unmute_asked = False
        if held and not seat.muted:
            seat.set_muted(True)
            if self.media is not None:
                self.media.set_muted(seat.seat_id, True)

    async def set_listen_only(self, seat: Participant, listen_only: bool) -> None:
        """Keep the seat's microphone off the floor (an interpreter), or let the room decide."""
        if seat.listen_only != listen_only:
            seat.listen_only = listen_only
            await self.refresh(seat)

    def set_channel(self, seat: Participant, source_peer_id: str | None) -> None:
        """Choose what the seat hears (kept across reconnects); for layers such as interpretation."""
        seat.channel = source_peer_id
        self.version += 1
        if self.media is not None:
            self.media.set_channel(seat.seat_id, source_peer_id)

    async def negotiate(self, seat: Participant, offer_sdp: str) -> str:
        if self.media is None:
            raise MediaUnavailable("this server carries no media")
        answer = await self.media.negotiate(seat.seat_id, offer_sdp)
        self._media_peers.add(seat.seat_id)
        self._negotiated.add(seat.seat_id)
        return answer

    def has_media(self, seat: Participant) -> bool:
        """Whether this process negotiated the seat's media connection (not so after a restart)."""
        return seat.seat_id in self._negotiated

    def _sync_media(self, seat: Participant) -> None:
        if self.media is None:
            return
        room = self.rooms.get(seat.room_id or "")
        placement = (seat.room_id, room.may_publish(seat) if room is not None else False)
        if self._media_placed.get(seat.seat_id, (None, False)) != placement:
            self.media.place(seat.seat_id, *placement)
            self._media_placed[seat.seat_id] = placement
            self._media_peers.add(seat.seat_id)

    async def _close_media(self, seat: Participant) -> None:
        self._media_placed.pop(seat.seat_id, None)
        self._negotiated.discard(seat.seat_id)
        if self.media is not None and seat.seat_id in self._media_peers:
            self._media_peers.discard(seat.seat_id)
            await self.media.close(seat.seat_id)


def websocket_route(
    registry: Registry,
    authenticate: Authenticate,
    allowed_origin: str | tuple[str, ...],
    *,
    tokens: ConnectTokens | None = None,
    path: str = "/ws",
) -> WebSocketRoute:
    """The signalling endpoint, for the application's route list."""

    async def endpoint(websocket: Any) -> None:
        await serve_websocket(websocket, registry, authenticate, allowed_origin, tokens)

    return WebSocketRoute(path, endpoint, name="rooms-signalling")
