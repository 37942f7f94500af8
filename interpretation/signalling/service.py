"""The interpretation extension of the rooms registry: booths, channels and the floor fade, live.

The application creates one :class:`Interpretation` and passes ``interpretation.install``
to the registry's extensions. Handlers run on the event loop. Booths come from storage
(through a :class:`BoothStore`, read in a worker thread the first time a room's
channels are asked for) or from an organiser's ``booth_open``. The extension follows
the rooms it carries on the event bus, so a dropped interpreter is noticed however the
connection ended, and a timer brings the floor up when a booth stays empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from conference.domain import languages
from interpretation.domain import (
    ORIGINAL,
    Booth,
    BoothState,
    InterpretationError,
    InvalidSetup,
    InvalidTransition,
    ListenerChoice,
    NotInBooth,
    UnknownLanguage,
    live_board,
)
from interpretation.domain.fade import HOLD
from interpretation.media.adapter import ChannelAdapter
from interpretation.signalling import messages as m
from interpretation.signalling.state import BoothSpec, RoomInterpretation, Turn
from rooms.bus import BusError
from rooms.domain.errors import Conflict, NotAllowed, NotFound
from rooms.domain.errors import InvalidTransition as RoomsInvalidTransition
from rooms.domain.participant import Participant, ParticipantState
from rooms.domain.roles import Role
from rooms.domain.room import Room
from rooms.signalling import ClientMessage, Context, Dispatcher, Registry, ServerMessage
from rooms.signalling.errors import Forbidden, MalformedMessage
from rooms.signalling.seat_events import SeatBack, SeatEvent, SeatLeft, SeatLost
from rooms.signalling.topics import room_topic

__all__ = ["BoothStore", "Interpretation"]

log = logging.getLogger(__name__)


class BoothStore(Protocol):
    """What storage tells the extension; called from a worker thread."""

    def booths(self, session_id: str) -> list[BoothSpec]: ...

    def names(self, person_ids: Sequence[str]) -> dict[str, str]: ...


class _StateRefused(RoomsInvalidTransition):
    """A booth transition the domain refused, with the domain's own sentence."""

    def __init__(self, text: str) -> None:
        Exception.__init__(self, text)


M = TypeVar("M", bound=ClientMessage)
_Handler = Callable[[Context, M], Awaitable[None]]


PERSIST_KEY = "interpretation"


class Interpretation:
    """Every room's booths and listeners in this process, and the timers of their floor fades."""

    def __init__(self, store: BoothStore | None = None, *, hold: float = HOLD) -> None:
        self.store = store
        self.hold = hold
        self.rooms: dict[str, RoomInterpretation] = {}
        self._loaded: set[str] = set()
        self._loading: dict[str, asyncio.Future[list[BoothSpec]]] = {}
        self._members: dict[str, tuple[str, str]] = {}  # seat -> (room id, person id)
        self._sent: dict[str, ServerMessage] = {}  # last mix or channels by seat / room
        self._watchers: dict[str, set[str]] = {}  # main room id -> organiser seats
        self._adapter = ChannelAdapter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._feeds: dict[str, m.FeedHealth] = {}  # booth member seat -> its console's last reading

    # Installing.

    def install(self, dispatcher: Dispatcher) -> None:
        handlers: list[tuple[type[Any], _Handler[Any]]] = [
            (m.ListChannels, self._list_channels),
            (m.SelectLanguage, self._select_language),
            (m.SelectSignLanguage, self._select_sign_language),
            (m.BoothEnter, self._booth_enter),
            (m.OnAir, self._on_air),
            (m.Handover, self._handover),
            (m.TakeOver, self._take_over),
            (m.Cough, self._cough),
            (m.Retour, self._retour),
            (m.BoothSource, self._booth_source),
            (m.BoothChat, self._booth_chat),
            (m.SlowDown, self._slow_down),
            (m.BoothOpen, self._booth_open),
            (m.BoardWatch, self._board_watch),
            (m.FeedHealth, self._feed_health),
        ]
        for cls, handler in handlers:
            dispatcher.register(cls, self._guarded(handler))
        for server_cls in m.SERVER:
            dispatcher.catalog.add_server(server_cls)
        dispatcher.persist(PERSIST_KEY, self.dump, self.load)
        dispatcher.observe(self._on_seat_event)
        dispatcher.on_stop(self._stop_timers)

    # Live snapshots (rooms/snapshot.py): booths, who is on air, listeners' choices.

    def dump(self, registry: Registry) -> dict[str, Any]:
        rooms: dict[str, Any] = {}
        for room_id, state in self.rooms.items():
            rooms[room_id] = {
                "booths": [
                    {
                        "languages": list(booth.languages),
                        "members": [[p, state.names.get(p, "")] for p in booth.members],
                        "turns": [
                            [t.interpreter, t.start.isoformat(), t.end.isoformat()]
                            for t in state.turns.get(booth.booth_id, ())
                        ],
                        "source": booth.source,
                        "output_language": booth.output_language,
                        "on_air": booth.on_air,
                    }
                    for booth in state.channels.booths
                ],
                "choices": {s: [c.language, c.balance] for s, c in state.choices.items()},
                "seats": dict(state.seats),
            }
        return {
            "rooms": rooms,
            "members": {seat: list(member) for seat, member in self._members.items()},
            "loaded": sorted(self._loaded),
        }

    async def load(self, registry: Registry, data: Any) -> None:
        """Booths come back as they were, except that whoever was on air is dropped: the
        listeners hear the floor until that interpreter is back on air."""
        now = registry.clock.now()
        for room_id, raw in dict(data["rooms"]).items():
            if room_id not in registry.rooms:
                continue
            state = RoomInterpretation(room_id, hold=self.hold)
            booths = []
            for b in raw["booths"]:
                turns = tuple(
                    Turn(str(p), datetime.fromisoformat(start), datetime.fromisoformat(end))
                    for p, start, end in b["turns"]
                )
                members = tuple((str(p), str(name)) for p, name in b["members"])
                booths.append(
                    (state.add_booth(BoothSpec(tuple(b["languages"]), members, turns), now), b)
                )
            for booth, b in booths:
                with contextlib.suppress(InterpretationError):
                    if b["source"] != booth.source and booth.members:
                        state.channels.set_source(booth.booth_id, booth.members[0], b["source"])
                    if b["output_language"] != booth.output_language and booth.members:
                        booth.set_output_language(booth.members[0], b["output_language"])
                    if b["on_air"] is not None:
                        booth.go_on_air(str(b["on_air"]))
                        booth.connection_lost(str(b["on_air"]), now)
            state.choices = {
                str(seat): ListenerChoice(str(lang), float(balance))
                for seat, (lang, balance) in raw["choices"].items()
                if seat in registry.seats
            }
            state.seats = {str(p): str(s) for p, s in raw["seats"].items() if s in registry.seats}
            self.rooms[room_id] = state
        self._members = {
            str(seat): (str(room), str(person))
            for seat, (room, person) in dict(data["members"]).items()
            if seat in registry.seats and room in self.rooms
        }
        self._loaded |= {str(r) for r in data["loaded"] if r in self.rooms or r in registry.rooms}
        for state in self.rooms.values():
            await self.changed(registry, state)

    def _guarded(self, handler: _Handler[M]) -> _Handler[M]:
        """Map domain refusals to the rooms error codes, and log every refused booth action."""

        async def run(ctx: Context, message: M) -> None:
            if message.type in m.BOOTH_TYPES and Role.INTERPRETER not in ctx.seat.roles:
                log.warning("refused %s: sender is not an interpreter", message.type)
                raise Forbidden(f"only interpreters assigned to a booth may send {message.type}")
            try:
                await handler(ctx, message)
            except NotInBooth as exc:
                # No personal data: the message type and the booth are enough to follow up.
                log.warning(
                    "refused %s: sender not assigned to the %s booth", message.type, exc.booth
                )
                raise Forbidden(f"you are not assigned to the {exc.booth} booth") from None
            except InvalidTransition as exc:
                raise _StateRefused(str(exc)) from None
            except UnknownLanguage as exc:
                raise NotFound(str(exc)) from None
            except InvalidSetup as exc:
                raise Conflict(str(exc)) from None
            except InterpretationError as exc:
                raise NotAllowed(str(exc)) from None

        return run

    # Rooms and their booths.

    async def state_of(self, registry: Registry, room: Room) -> RoomInterpretation | None:
        """The room's interpretation, loading its session's booths from storage the first time."""
        if room.parent_id is None and self.store is not None and room.room_id not in self._loaded:
            loading = self._loading.get(room.room_id)
            if loading is None:
                loading = asyncio.ensure_future(
                    asyncio.to_thread(self.store.booths, room.session_id)
                )
                self._loading[room.room_id] = loading
            try:
                specs = await loading
            finally:
                self._loading.pop(room.room_id, None)
            if room.room_id not in self._loaded:
                self._loaded.add(room.room_id)
                for spec in specs:
                    try:
                        await self.open_booth(registry, room, spec, announce=False)
                    except InterpretationError as exc:
                        log.warning("a stored booth of room %s cannot open: %s", room.room_id, exc)
                self._stored_sources(room.room_id, specs)
                if room.room_id in self.rooms:
                    await self.changed(registry, self.rooms[room.room_id])
        return self.rooms.get(room.room_id)

    def _stored_sources(self, room_id: str, specs: Sequence[BoothSpec]) -> None:
        """Relay sources from the roster, once every booth they may name is open."""
        state = self.rooms.get(room_id)
        for spec in specs:
            if state is None or spec.source == "floor" or not spec.members:
                continue
            with contextlib.suppress(InterpretationError):
                booth = state.booth_of(spec.members[0][0])
                if booth is not None:
                    state.channels.set_source(booth.booth_id, spec.members[0][0], spec.source)

    async def open_booth(
        self, registry: Registry, room: Room, spec: BoothSpec, *, announce: bool = True
    ) -> Booth:
        state = self.rooms.get(room.room_id)
        if state is None:
            state = RoomInterpretation(room.room_id, hold=self.hold)
        booth = state.add_booth(spec, registry.clock.now())
        self.rooms[room.room_id] = state
        if announce:
            await self.changed(registry, state)
        return booth

    def member_booths(self, person_id: str, room_ids: Sequence[str]) -> list[str]:
        """The booths (by id) the person belongs to in those rooms (for the console page)."""
        out = []
        for room_id in room_ids:
            state = self.rooms.get(room_id)
            booth = state.booth_of(person_id) if state is not None else None
            if booth is not None:
                out.append(booth.booth_id)
        return out

    def rooms_of(self, registry: Registry, main: Room) -> list[Room]:
        """The main room and its breakout rooms."""
        return [main] + [r for r in registry.rooms.values() if r.parent_id == main.room_id]

    # After every change.

    async def changed(self, registry: Registry, state: RoomInterpretation) -> None:
        """Follow the booths, route the channel slots, tell everyone concerned, set the timer."""
        now = registry.clock.now()
        state.follow(now)
        self._adapter.apply(registry, state.routes())
        await self._publish(registry, state, now)
        self._schedule(registry, state)

    async def advance(self, registry: Registry, room_id: str) -> None:
        """Let the clock act: floors come up, dropped interpreters' grace runs out."""
        state = self.rooms.get(room_id)
        if state is not None:
            await self.changed(registry, state)

    def _schedule(self, registry: Registry, state: RoomInterpretation) -> None:
        old = self._timers.pop(state.room_id, None)
        if old is not None:
            old.cancel()
        due = state.next_due()
        if due is None:
            return
        delay = max(0.0, due - registry.clock.now()) + 0.01
        loop = asyncio.get_running_loop()
        self._timers[state.room_id] = loop.call_later(
            delay, lambda: self._spawn(self.advance(registry, state.room_id))
        )

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except BusError:
                return  # shutting down
            except Exception:
                log.exception("interpretation timer failed")

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, registry: Registry, state: RoomInterpretation, now: float) -> None:
        room = registry.rooms.get(state.room_id)
        channels = self._channels(state)
        if self._sent.get(room_topic(state.room_id)) != channels:
            self._sent[room_topic(state.room_id)] = channels
            await registry.publish_room(state.room_id, channels)
        for booth in state.channels.booths:
            for person in booth.members:
                seat = state.seats.get(person)
                if seat is not None:
                    view = self._booth_view(registry, state, booth, person, room, now)
                    await registry.publish_seat(seat, view)
        for seat in list(state.choices):
            mix = self._mix(state, seat)
            if mix is not None and self._sent.get(seat) != mix:
                self._sent[seat] = mix
                await registry.publish_seat(seat, mix)
        if room is not None:
            main = registry.main_room_of(room)
            watchers = self._watchers.get(main.room_id, set())
            for watcher in sorted(watchers):
                watching = registry.seats.get(watcher)
                if watching is None or not watching.is_organiser:
                    watchers.discard(watcher)  # gone, or no longer an organiser
                    continue
                await registry.publish_seat(watcher, self._board(registry, state))

    # Views.

    def _channels(self, state: RoomInterpretation | None, room_id: str = "") -> m.Channels:
        views = [m.ChannelView(language=ORIGINAL, name="", booth=None, active=True)]
        if state is not None:
            views += [
                m.ChannelView(
                    language=c.language,
                    name=languages.native_name(c.language),
                    booth=c.booth,
                    active=c.active,
                    sign=c.sign,
                )
                for c in state.channels.channels()
                if c.booth is not None
            ]
        return m.Channels(room_id=state.room_id if state else room_id, channels=views)

    def _mix(self, state: RoomInterpretation | None, seat: str) -> m.MixSet | None:
        if state is None:
            return None
        choice = state.choices.get(seat)
        mix = state.mix(seat)
        if choice is None or mix is None:
            return None
        return m.MixSet(
            language=choice.language,
            balance=choice.balance,
            floor=mix.floor,
            interpreter=mix.interpreter,
            reason=mix.reason.value if mix.reason is not None else None,
        )

    def _booth_view(
        self,
        registry: Registry,
        state: RoomInterpretation,
        booth: Booth,
        person: str,
        room: Room | None,
        now: float,
    ) -> m.BoothState:
        pending = booth.pending
        plan = state.turn(booth, now)
        fade = state.fades.get(booth.booth_id)
        floor_up = fade.decision.reason if fade is not None else None
        return m.BoothState(
            room_id=state.room_id,
            room_title=room.title if room is not None else "",
            booth=booth.booth_id,
            languages=list(booth.languages),
            output_language=booth.output_language,
            source=booth.source,
            sources=state.sources(booth),
            live_sources=self._live_sources(registry, state, booth, room),
            state=booth.state.value,
            on_air=booth.on_air,
            coughing=booth.state is BoothState.COUGHING,
            pending=None
            if pending is None
            else m.PendingView(kind=pending.kind.value, by=pending.by, to=pending.to),
            members=[
                m.MemberView(
                    person_id=p,
                    name=state.names.get(p, p),
                    connected=_present(registry, state.seats.get(p)),
                )
                for p in booth.members
            ],
            you=person,
            turn=None
            if plan is None
            else m.TurnView(
                current=plan.current,
                next=plan.next,
                handover_at=plan.handover_at.timestamp() if plan.handover_at else None,
                seconds_to_handover=plan.seconds_to_handover,
            ),
            floor_up=floor_up.value if floor_up is not None else None,
            signs=booth.signs,
        )

    def _live_sources(
        self, registry: Registry, state: RoomInterpretation, booth: Booth, room: Room | None
    ) -> list[str]:
        live = []
        for source in state.sources(booth):
            if source == "floor":
                if room is not None and _floor_speaking(registry, room):
                    live.append(source)
                continue
            language = source.removeprefix("relay:")
            pivot = state.channels.booth_for(language)
            if pivot is not None and pivot.audible and pivot.output_language == language:
                live.append(source)
        return live

    def _board(self, registry: Registry, state: RoomInterpretation) -> m.Board:
        room = registry.rooms.get(state.room_id)
        speaking = room is not None and _floor_speaking(registry, room)
        # Everyone in the room who is not in a booth listens to something: the floor by default.
        members = set(state.seats.values())
        listeners = [s for s in (room.seats if room is not None else ()) if s not in members]
        choices = {seat: state.choices.get(seat, ListenerChoice()) for seat in listeners}
        board = live_board(state.channels, choices, speaking, state.decisions())
        rows = []
        for row in board.channels:
            data = dataclasses.asdict(row)
            data["name"] = languages.native_name(row.language) if row.booth else ""
            data["on_air_name"] = state.names.get(row.on_air, row.on_air) if row.on_air else None
            rows.append(data)
        return m.Board(
            room_id=state.room_id,
            room_title=room.title if room is not None else "",
            floor_speaking=speaking,
            channels=rows,
            listeners=board.listeners,
            relays=[dataclasses.asdict(path) for path in board.relays],
            problems=[dataclasses.asdict(problem) for problem in board.problems],
            feeds=self._board_feeds(state),
        )

    def _board_feeds(self, state: RoomInterpretation) -> list[dict[str, Any]]:
        feeds = []
        for booth in state.channels.booths:
            for person in booth.members:
                seat = state.seats.get(person)
                report = self._feeds.get(seat) if seat is not None else None
                if report is None:
                    continue
                feeds.append(
                    {
                        "booth": booth.booth_id,
                        "booth_name": languages.native_name(booth.output_language),
                        "name": state.names.get(person, person),
                        "state": report.state,
                        "reasons": report.reasons,
                        "loss_pct": report.loss_pct,
                        "jitter_ms": report.jitter_ms,
                        "delay_ms": report.delay_ms,
                    }
                )
        return feeds

    # Following the rooms: drops, returns, departures, speakers (the registry's seat events).

    def _stop_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    async def _on_seat_event(self, registry: Registry, event: SeatEvent) -> None:
        state = self.rooms.get(event.room_id)
        if state is None:
            return
        seat_id, room_id = event.seat_id, event.room_id
        left = isinstance(event, SeatLeft)
        now = registry.clock.now()
        member = self._members.get(seat_id)
        if member is not None and member[0] == room_id:
            person = member[1]
            booth = state.booth_of(person)
            if booth is not None and state.seats.get(person) == seat_id:
                with contextlib.suppress(InterpretationError):
                    if left or isinstance(event, SeatLost):
                        if booth.state is not BoothState.DROPPED or booth.on_air != person:
                            booth.connection_lost(person, now)
                    elif isinstance(event, SeatBack):
                        booth.connection_back(person, now)
            if left:
                del self._members[seat_id]
                if state.seats.get(person) == seat_id:
                    del state.seats[person]
                state.coughing.discard(person)
                self._adapter.forget(registry, seat_id)
        if left and state.choices.pop(seat_id, None) is not None:
            self._sent.pop(seat_id, None)
            self._adapter.forget(registry, seat_id)
        if left and state.sign_choices.pop(seat_id, None) is not None:
            self._adapter.unpin(registry, seat_id)
        await self.changed(registry, state)

    # Listeners.

    async def _list_channels(self, ctx: Context, message: m.ListChannels) -> None:
        room = ctx.registry.current_room(ctx.seat)
        state = await self.state_of(ctx.registry, room)
        ctx.reply(self._channels(state, room.room_id))
        mix = self._mix(state, ctx.seat.seat_id)
        if mix is not None:
            ctx.reply(mix)

    async def _select_language(self, ctx: Context, message: m.SelectLanguage) -> None:
        registry, seat = ctx.registry, ctx.seat
        room = registry.current_room(seat)
        state = await self.state_of(registry, room)
        if state is None:
            if message.language != ORIGINAL:
                raise NotFound(f"this room offers no {message.language} channel")
            ctx.reply(m.MixSet(language=ORIGINAL, balance=message.balance, floor=1.0,
                               interpreter=0.0, reason=None))  # fmt: skip
            return
        state.choices[seat.seat_id] = state.channels.choose(message.language, message.balance)
        self._sent.pop(seat.seat_id, None)  # always answer a choice
        await self.changed(registry, state)

    async def _select_sign_language(self, ctx: Context, message: m.SelectSignLanguage) -> None:
        registry, seat = ctx.registry, ctx.seat
        room = registry.current_room(seat)
        state = await self.state_of(registry, room)
        if state is None:
            if message.language is not None:
                raise NotFound(f"this room offers no {message.language} sign-language channel")
            ctx.reply(m.SignLanguageSet(language=None))
            return
        language = state.channels.choose_sign(message.language)
        if language is None:
            state.sign_choices.pop(seat.seat_id, None)
            self._adapter.unpin(registry, seat.seat_id)
        else:
            state.sign_choices[seat.seat_id] = language
        ctx.reply(m.SignLanguageSet(language=language))
        await self.changed(registry, state)

    # The console.

    async def _booth_enter(self, ctx: Context, message: m.BoothEnter) -> None:
        registry, seat = ctx.registry, ctx.seat
        asked = registry.room(message.room_id)
        main = registry.main_room_of(asked)
        person = seat.person_id
        # The room asked for first, then breakout rooms (booths opened for the moment), then main.
        rooms = [asked] if asked is not main else []
        rooms += reversed(self.rooms_of(registry, main))
        for room in dict.fromkeys(rooms):
            state = await self.state_of(registry, room)
            booth = state.booth_of(person) if state is not None else None
            if state is None or booth is None:
                continue
            old = self._members.get(seat.seat_id)
            if old is not None and old[0] != room.room_id:
                self._leave_booth(registry, seat.seat_id)
            self._members[seat.seat_id] = (room.room_id, person)
            state.seats[person] = seat.seat_id
            state.names.setdefault(person, seat.display_name)
            await registry.set_listen_only(seat, True)
            # Interpreters work from the speaker's original stream, never a low-data rendition.
            set_low_data = getattr(registry.media, "set_low_data", None)
            if set_low_data is not None:
                set_low_data(seat.seat_id, False)
            if seat.room_id != room.room_id:
                await registry.place(seat, room, "joined")
            booth.connection_back(person, registry.clock.now())
            await self.changed(registry, state)
            return
        raise NotInBooth("session's", "sender", "use the console")

    def _leave_booth(self, registry: Registry, seat_id: str) -> None:
        self._feeds.pop(seat_id, None)
        room_id, person = self._members.pop(seat_id)
        state = self.rooms.get(room_id)
        if state is not None and state.seats.get(person) == seat_id:
            del state.seats[person]
        self._adapter.forget(registry, seat_id)

    def _my_booth(self, ctx: Context, action: str) -> tuple[RoomInterpretation, Booth, str]:
        member = self._members.get(ctx.seat.seat_id)
        state = self.rooms.get(member[0]) if member is not None else None
        booth = state.booth_of(member[1]) if state is not None and member is not None else None
        if state is None or booth is None or member is None:
            raise NotInBooth("room's", "sender", action)
        return state, booth, member[1]

    async def _on_air(self, ctx: Context, message: m.OnAir) -> None:
        state, booth, person = self._my_booth(ctx, "go on air")
        if message.on:
            booth.go_on_air(person)
        else:
            booth.go_off_air(person)
            state.coughing.discard(person)
        await self.changed(ctx.registry, state)

    async def _take_over(self, ctx: Context, message: m.TakeOver) -> None:
        state, booth, person = self._my_booth(ctx, "take over")
        previous = booth.on_air
        booth.take_over(person)
        if previous is not None:
            state.coughing.discard(previous)
        await self.changed(ctx.registry, state)

    async def _handover(self, ctx: Context, message: m.Handover) -> None:
        state, booth, person = self._my_booth(ctx, "hand over")
        previous = booth.on_air
        action = {
            "request": booth.request_handover,
            "offer": booth.offer_handover,
            "accept": booth.accept_handover,
            "decline": booth.decline_handover,
            "cancel": booth.cancel_handover,
        }[message.action]
        action(person)
        if previous is not None and booth.on_air != previous:
            state.coughing.discard(previous)
        await self.changed(ctx.registry, state)

    async def _cough(self, ctx: Context, message: m.Cough) -> None:
        state, booth, person = self._my_booth(ctx, "cough")
        if message.coughing:
            booth.cough_start(person)
            state.coughing.add(person)
        else:
            state.coughing.discard(person)  # whatever the booth says, never stay muted
            booth.cough_end(person)
        await self.changed(ctx.registry, state)

    async def _retour(self, ctx: Context, message: m.Retour) -> None:
        state, booth, person = self._my_booth(ctx, "switch to retour")
        booth.retour(person)
        await self.changed(ctx.registry, state)

    async def _booth_source(self, ctx: Context, message: m.BoothSource) -> None:
        state, booth, person = self._my_booth(ctx, "change the source")
        state.channels.set_source(booth.booth_id, person, message.source)
        await self.changed(ctx.registry, state)

    async def _booth_chat(self, ctx: Context, message: m.BoothChat) -> None:
        state, booth, person = self._my_booth(ctx, "write in the booth chat")
        line = booth.chat(person, message.text, ctx.registry.clock.now())
        event = m.BoothChatMessage(
            booth=line.booth,
            person_id=person,
            name=state.names.get(person, ctx.seat.display_name),
            text=line.text,
            at=line.at,
        )
        for member in booth.members:
            seat = state.seats.get(member)
            if seat is not None:
                await ctx.registry.publish_seat(seat, event)

    async def _slow_down(self, ctx: Context, message: m.SlowDown) -> None:
        state, booth, person = self._my_booth(ctx, "ask the speaker to slow down")
        signal = booth.slow_down(person, ctx.registry.clock.now())
        event = m.SlowDownRequested(room_id=state.room_id, booth=signal.booth, at=signal.at)
        registry = ctx.registry
        room = registry.room(state.room_id)
        targets = {s for s in room.seats if room.may_publish(registry.seats[s])}
        targets |= {state.seats[p] for p in booth.members if p in state.seats}
        for seat in sorted(targets):
            await registry.publish_seat(seat, event)

    # Organisers.

    async def _booth_open(self, ctx: Context, message: m.BoothOpen) -> None:
        registry = ctx.registry
        room = registry.room(message.room_id)
        await self.state_of(registry, registry.main_room_of(room))
        try:
            tags = tuple(languages.normalise(tag) for tag in message.languages)
        except languages.UnknownLanguage as exc:
            raise MalformedMessage(f"{exc} is not a language tag") from None
        members = tuple(dict.fromkeys(message.members))
        names: dict[str, str] = {}
        if self.store is not None and members:
            names = await asyncio.to_thread(self.store.names, members)
        for seat in registry.seats.values():
            if seat.person_id in members:
                names.setdefault(seat.person_id, seat.display_name)
        spec = BoothSpec(tags, tuple((p, names.get(p, p)) for p in members))
        await self.state_of(registry, room)
        await self.open_booth(registry, room, spec)
        await self._send_boards(ctx, registry.main_room_of(room))

    async def _board_watch(self, ctx: Context, message: m.BoardWatch) -> None:
        registry = ctx.registry
        main = registry.main_room_of(registry.room(message.room_id))
        self._watchers.setdefault(main.room_id, set()).add(ctx.seat.seat_id)
        await self._send_boards(ctx, main)

    async def _feed_health(self, ctx: Context, message: m.FeedHealth) -> None:
        """Keep the console's reading; the board hears of it when its words change."""
        state, _booth, _person = self._my_booth(ctx, "report a floor feed")
        seat_id = ctx.seat.seat_id
        old = self._feeds.get(seat_id)
        self._feeds[seat_id] = message
        if old is not None and (old.state, old.reasons) == (message.state, message.reasons):
            return
        room = ctx.registry.rooms.get(state.room_id)
        if room is None:
            return
        main = ctx.registry.main_room_of(room)
        board = self._board(ctx.registry, state)
        for watcher in sorted(self._watchers.get(main.room_id, ())):
            await ctx.registry.publish_seat(watcher, board)

    async def _send_boards(self, ctx: Context, main: Room) -> None:
        for room in self.rooms_of(ctx.registry, main):
            state = await self.state_of(ctx.registry, room)
            state = state or RoomInterpretation(room.room_id, hold=self.hold)
            ctx.reply(self._board(ctx.registry, state))


def _present(registry: Registry | None, seat_id: str | None) -> bool:
    if registry is None or seat_id is None:
        return False
    seat = registry.seats.get(seat_id)
    return seat is not None and seat.state is ParticipantState.PRESENT


def _floor_speaking(registry: Registry, room: Room) -> bool:
    """Someone may speak on the floor and is not muted (the board's "while the floor speaks").

    Organisers count: an organiser who opens the session speaks on the floor like anyone.
    Interpreters' console seats are listen-only, so they never count.
    """
    seats: list[Participant] = [registry.seats[s] for s in room.seats if s in registry.seats]
    return any(
        room.may_publish(s) and not s.muted and s.state is ParticipantState.PRESENT for s in seats
    )
