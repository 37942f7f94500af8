"""Live state of the rooms (sessions, rooms, seats, breakouts), owned by the app lifespan.

The state and its rules live in a synchronous core (``rooms_core.RoomsCore``): every change
returns effects, and the registry is their driver. It carries them out in order against the
event bus (``seat:<id>`` and ``room:<id>`` topics, so the same events reach connections in
other processes; presence of large rooms batched, ``coalesce.py``), the observers of typed
seat events, and the media port. It never holds connection objects, only connection ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from starlette.routing import WebSocketRoute

from rooms.bus import BusError, EventBus, MemoryBus, Subscription, open_bus
from rooms.domain.breakout import BreakoutSet
from rooms.domain.participant import Participant
from rooms.domain.room import Room, RoomKind
from rooms.signalling import breakouts, negotiation, presence, video
from rooms.signalling.breakouts_core import BreakoutsCore
from rooms.signalling.clock import Clock, SystemClock
from rooms.signalling.coalesce import PRESENCE_TYPES, PresenceBuffer
from rooms.signalling.codec import Encoded, ServerMessage
from rooms.signalling.dispatch import Dispatcher, Extension
from rooms.signalling.effects import (
    MEDIA_EFFECTS,
    Control,
    Effect,
    GiveFloor,
    MediaCamera,
    MediaChannel,
    MediaClose,
    MediaLowData,
    MediaMute,
    MediaPinned,
    MediaPlace,
    MediaSharing,
    PublishRoom,
    PublishSeat,
    Reply,
    SaveSnapshot,
    SetFloorHolders,
    TakeFloor,
    Tell,
    WakeAt,
)
from rooms.signalling.endpoint import serve_websocket
from rooms.signalling.errors import MediaUnavailable
from rooms.signalling.identity import Authenticate, Identity
from rooms.signalling.limits import Limits
from rooms.signalling.media_port import MediaPort
from rooms.signalling.messages import (
    ParticipantView,
    PresenceBatch,
    Slots,
    rooms_catalog,
)
from rooms.signalling.rooms_core import RoomsCore, SessionInfo
from rooms.signalling.seat_events import SeatEvent
from rooms.signalling.stats import SignallingStats
from rooms.signalling.tokens import ConnectTokens
from rooms.signalling.topics import PEOPLE_TOPIC, PERSON_CHANGED, room_topic, seat_topic
from rooms.snapshot import LiveState

__all__ = ["Registry", "SessionInfo", "websocket_route"]

logger = logging.getLogger(__name__)


class Registry:
    """Sessions, rooms, seats and breakouts of one server process: the rooms core's driver."""

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
        self.core = RoomsCore(self.limits, media=media is not None)
        self.breakout_core = BreakoutsCore(self.core)
        self._sweeper: asyncio.Task[None] | None = None
        self._deadlines: list[float] = []  # a heap of WakeAt times, in the clock's time
        self._sooner = asyncio.Event()  # a deadline nearer than the one the sweeper waits for
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

    # The core's state, read (and, for breakouts and rooms, changed) by the handlers.

    @property
    def rooms(self) -> dict[str, Room]:
        return self.core.rooms

    @property
    def seats(self) -> dict[str, Participant]:
        return self.core.seats

    @property
    def breakouts(self) -> dict[str, BreakoutSet]:
        return self.core.breakouts

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
        """Sleep until the nearest deadline (a seat's grace, a breakout's countdown: the
        cores' ``WakeAt``), or until a nearer one comes; then release and close what is due."""
        while True:
            self._sooner.clear()
            delay = max(0.0, self._deadlines[0] - self.clock.now()) if self._deadlines else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sooner.wait(), delay)
            now = self.clock.now()
            if not self._deadlines or self._deadlines[0] > now:
                continue
            while self._deadlines and self._deadlines[0] <= now:
                heapq.heappop(self._deadlines)
            try:
                await self.sweep()
            except Exception:
                logger.exception("sweeping the rooms failed")

    def _wake_at(self, at: float) -> None:
        if not self._deadlines or at < self._deadlines[0]:
            self._sooner.set()
        heapq.heappush(self._deadlines, at)

    async def sweep(self) -> None:
        """Release seats away past the grace, and close breakouts whose countdown ended."""
        now = self.clock.now()
        for seat in self.core.due_releases(now):
            await self.release(seat, "gone")
        await self.carry_out(self.breakout_core.close_due(now))

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
            await self.carry_out(self.core.reseat(seat, identity))

    # Sessions and rooms.

    def describe_session(self, session_id: str, kind: RoomKind | str, title: str) -> None:
        """Tell the registry what kind of session this is, before or after its room exists."""
        self.core.describe_session(session_id, kind, title)

    def room_for_session(
        self, session_id: str, kind: RoomKind | str | None = None, title: str | None = None
    ) -> str:
        """The id of the session's main room, created on first use."""
        return self.core.room_for_session(session_id, kind, title)

    def add_breakout_room(self, main: Room, title: str) -> Room:
        return self.core.add_breakout_room(main, title)

    def room(self, room_id: str) -> Room:
        return self.core.room(room_id)

    def seat(self, seat_id: str) -> Participant:
        return self.core.seat(seat_id)

    def current_room(self, seat: Participant) -> Room:
        return self.core.current_room(seat)

    def main_room_of(self, room: Room) -> Room:
        return self.core.main_room_of(room)

    def seats_in(self, rooms: Sequence[Room]) -> list[Participant]:
        return self.core.seats_in(rooms)

    # Snapshots (rooms/snapshot.py, kept by rooms/keeper.py).

    def live_state(self) -> LiveState:
        """Everything a restarted process needs, extensions' parts included."""
        extensions = {name: dump(self) for name, (dump, _) in self.dispatcher.persisted.items()}
        return self.core.live_state(self.clock.now(), extensions)

    async def restore(self, state: LiveState) -> None:
        """Take over a snapshot's state, before any connection: every seat waits, away,
        ``reconnect_grace`` seconds from now for its client to resume it."""
        await self.carry_out(self.core.restore(state, self.clock.now()))
        await self._load_extensions(state, frozenset(self.rooms))

    async def adopt(self, state: LiveState) -> None:
        """Take over sessions a dead node held (``state``: only theirs), beside the live
        ones: their seats wait, away, as after a restart. ``Conflict`` if one is here."""
        await self.carry_out(self.core.adopt(state, self.clock.now()))
        await self._load_extensions(state, frozenset(state.rooms))

    async def forget_session(self, session_id: str) -> int:
        """Drop a session another node took over (its rooms, seats, breakouts and the
        extensions' parts), publishing nothing: room and seat ids are the same there, and
        the bus is shared. How many seats went. ``Conflict`` while one is connected here."""
        rooms, seats, effects = self.core.forget_session(session_id)
        await self.carry_out(effects)
        for room_id in rooms:
            self._presence.pop(room_id, None)
        for forget in self.dispatcher.forgetters:
            try:
                forget(self, rooms)
            except Exception:  # one extension's failure must not keep the rest stale
                logger.exception("forgetting rooms %s failed in an extension", sorted(rooms))
        self.version += 1
        return len(seats)

    async def _load_extensions(self, state: LiveState, rooms: frozenset[str]) -> None:
        for name, (_, load) in self.dispatcher.persisted.items():
            if name not in state.extensions:
                continue
            try:
                loaded = load(self, state.extensions[name], rooms)
                if loaded is not None:
                    await loaded
            except Exception:  # one extension's bad part must not stop the others
                logger.exception("restoring the %s part of the live snapshot failed", name)
        self.version += 1

    # Views.

    def participant_view(self, seat: Participant) -> ParticipantView:
        return self.core.participant_view(seat)

    def room_state(self, seat: Participant, reason: str) -> ServerMessage:
        """What a seat sees on entering its current room (a snapshot)."""
        return self.core.room_state(seat, reason)

    def room_state_encoded(self, seat: Participant, reason: str) -> Encoded:
        """``room_state`` in its wire form, spliced from each seat's cached view text."""
        text = self.core.room_state_text(seat, reason)
        return Encoded("room_snapshot" if seat.room_id is not None else "room_left", text)

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

    async def publish_seat(self, seat_id: str, message: ServerMessage | dict[str, Any]) -> None:
        self.version += 1
        event = message.to_dict() if isinstance(message, ServerMessage) else message
        await self.bus.publish(seat_topic(seat_id), event)

    # Seats and connections: the core decides, the registry carries the effects out.

    async def attach(
        self, identity: Identity, resume_token: str | None, connection_id: str
    ) -> tuple[Participant, str, bool]:
        """Seat a new connection: resume the token's seat if it may, else a fresh seat.

        Returns the seat, its new resume token, and whether it was resumed.
        """
        seat, token, resumed, effects = self.core.attach(
            identity, resume_token, connection_id, self.clock.now()
        )
        await self.carry_out(effects)
        return seat, token, resumed

    async def detach(self, seat: Participant, connection_id: str) -> None:
        """A connection ended; its seat waits ``reconnect_grace`` seconds to be resumed."""
        await self.carry_out(self.core.detach(seat, connection_id, self.clock.now()))

    async def release(self, seat: Participant, reason: str) -> None:
        """Give up a seat for good: out of its room, and its media closed."""
        await self.carry_out(self.core.release(seat, reason))

    # Moves, flags and media.

    async def place(self, seat: Participant, room: Room | None, reason: str) -> None:
        """Move a seat into ``room`` (None: out of any room), telling everyone concerned."""
        await self.carry_out(self.core.place(seat, room, reason))

    async def refresh(self, seat: Participant) -> None:
        """Announce a seat's changed flags to its room, and keep the media in step."""
        await self.carry_out(self.core.refresh(seat))

    async def set_muted(self, seat: Participant, muted: bool) -> None:
        await self.carry_out(self.core.set_muted(seat, muted))

    async def hold_mute(self, seat: Participant) -> None:
        """An organiser mutes the seat, and it stays muted in this room until they allow it."""
        await self.carry_out(self.core.hold_mute(seat))

    async def release_mute(self, seat: Participant) -> None:
        await self.carry_out(self.core.release_mute(seat))

    async def set_listen_only(self, seat: Participant, listen_only: bool) -> None:
        """Keep the seat's microphone off the floor (an interpreter), or let the room decide."""
        await self.carry_out(self.core.set_listen_only(seat, listen_only))

    def set_channel(self, seat: Participant, source_peer_id: str | None) -> None:
        """Choose what the seat hears (kept across reconnects); for layers such as interpretation."""
        self.carry_out_now(self.core.set_channel(seat, source_peer_id))

    async def negotiate(self, seat: Participant, offer_sdp: str) -> str:
        if self.media is None:
            raise MediaUnavailable("this server carries no media")
        answer = await self.media.negotiate(seat.seat_id, offer_sdp)
        self.core.negotiated_media(seat)
        return answer

    def has_media(self, seat: Participant) -> bool:
        """Whether this process negotiated the seat's media connection (not so after a restart)."""
        return self.core.has_media(seat)

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

    # Effects.

    async def carry_out(
        self, effects: Sequence[Effect], reply: Callable[[ServerMessage], None] | None = None
    ) -> None:
        """Carry rooms effects out, in order: the core's, and those of the cores above it.

        A ``Reply`` goes to ``reply`` (the sender's connection); with none, it is dropped.
        """
        for effect in effects:
            if isinstance(effect, Reply):
                if reply is not None:
                    reply(effect.message)
            elif isinstance(effect, PublishRoom):
                await self.publish_room(effect.room_id, effect.message)
            elif isinstance(effect, PublishSeat):
                await self.publish_seat(effect.seat_id, effect.message)
            elif isinstance(effect, Control):
                await self.publish_seat(effect.seat_id, effect.event)
            elif isinstance(effect, MediaClose):
                if self.media is not None:
                    await self.media.close(effect.seat_id)
            elif isinstance(effect, GiveFloor | TakeFloor):
                seat = self.seats.get(effect.seat_id)
                if seat is not None:
                    holds = isinstance(effect, GiveFloor)
                    await self.carry_out(self.core.set_floor(seat, holds))
            else:
                self.carry_out_now([effect])

    def carry_out_now(self, effects: Sequence[Effect]) -> None:
        """Carry out effects that need no await (observers, snapshots, floor holders, media)."""
        media = self.media
        for effect in effects:
            if isinstance(effect, Tell):
                self._tell(effect.event)
            elif isinstance(effect, SaveSnapshot):
                self.version += 1
            elif isinstance(effect, WakeAt):
                self._wake_at(effect.at)
            elif isinstance(effect, SetFloorHolders):
                room = self.rooms.get(effect.room_id)
                if room is not None:
                    room.floor_holders = effect.holders
            elif media is None:
                if not isinstance(effect, MEDIA_EFFECTS):
                    raise TypeError(f"no driver for {type(effect).__name__}")
            elif isinstance(effect, MediaPlace):
                media.place(effect.seat_id, effect.room_id, effect.may_publish)
            elif isinstance(effect, MediaMute):
                media.set_muted(effect.seat_id, effect.muted)
            elif isinstance(effect, MediaChannel):
                media.set_channel(effect.seat_id, effect.source)
            elif isinstance(effect, MediaCamera):
                media.set_camera(effect.seat_id, effect.on)
            elif isinstance(effect, MediaSharing):
                media.set_sharing(effect.seat_id, effect.on)
            elif isinstance(effect, MediaPinned):
                media.set_pinned(effect.seat_id, list(effect.sources))
            elif isinstance(effect, MediaLowData):
                media.set_low_data(effect.seat_id, effect.on)
            else:
                raise TypeError(f"no driver for {type(effect).__name__}")


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
