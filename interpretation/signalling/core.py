"""The live interpretation of every room of a process, as a synchronous state holder.

Like python-websockets' protocol core, it does no I/O and never awaits. It takes inputs:

- a client message from a seat (``receive``),
- a typed room event: a seat lost, back, left, moved, changed (``seat_event``),
- a clock tick for a room (``tick``),
- what storage answered (``booths_loaded``, ``names_loaded``), and a snapshot (``load``),

and returns effects (``effects.py``): publish to a topic, set a channel, mute, pin, wake at
T, load booths, save a snapshot. It reads the rooms through a ``RoomsView`` handed in with
each input and never changes them; ``service.Interpretation`` is the driver that carries
the effects out. Every time is the registry clock's (Unix seconds), handed in as ``now``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
)
from interpretation.domain.fade import HOLD
from interpretation.media.adapter import ChannelAdapter
from interpretation.signalling import messages as m
from interpretation.signalling import views
from interpretation.signalling.effects import (
    BoothSigners,
    BoothVoices,
    Effect,
    ListenOnly,
    LoadBooths,
    LoadNames,
    MediaLowData,
    Place,
    PublishRoom,
    PublishSeat,
    Reply,
    SaveSnapshot,
    WakeAt,
)
from interpretation.signalling.state import BoothSpec, RoomInterpretation, Turn
from rooms.domain.errors import Conflict, NotAllowed, NotFound
from rooms.domain.errors import InvalidTransition as RoomsInvalidTransition
from rooms.domain.participant import Participant
from rooms.domain.roles import Role
from rooms.domain.room import Room
from rooms.signalling.codec import ClientMessage, ServerMessage
from rooms.signalling.errors import Forbidden, MalformedMessage
from rooms.signalling.seat_events import SeatBack, SeatEvent, SeatLeft, SeatLost
from rooms.signalling.topics import room_topic
from rooms.signalling.view import RoomsView

__all__ = ["InterpretationCore", "StateRefused"]

log = logging.getLogger(__name__)


class StateRefused(RoomsInvalidTransition):
    """A booth transition the domain refused, with the domain's own sentence."""

    def __init__(self, text: str) -> None:
        Exception.__init__(self, text)


class _Needs(Exception):
    """The input needs data from storage first (raised before anything changed)."""

    def __init__(self, effect: Effect) -> None:
        self.effect = effect


@dataclass(frozen=True)
class _In:
    """One client input: the rooms as they are, who sent it, and when."""

    rooms: RoomsView
    seat: Participant
    now: float


_Handler = Callable[[_In, Any], list[Effect]]


class InterpretationCore:
    """Every room's booths and listeners in this process; ``stored``: booths come from storage."""

    def __init__(self, *, stored: bool = False, hold: float = HOLD) -> None:
        self.stored = stored
        self.hold = hold
        self.rooms: dict[str, RoomInterpretation] = {}
        self._loaded: set[str] = set()  # main rooms whose stored booths are open
        self._looked_up: set[str] = set()  # people whose stored names a booth_open waits for
        self._names: dict[str, str] = {}  # ... and those names
        self._members: dict[str, tuple[str, str]] = {}  # seat -> (room id, person id)
        self._sent: dict[str, ServerMessage] = {}  # last mix or channels by seat / room topic
        self._watchers: dict[str, set[str]] = {}  # main room id -> organiser seats
        self._adapter = ChannelAdapter()
        self._voices: dict[str, tuple[tuple[str, str | None], ...]] = {}  # room id -> last told
        self._signers: dict[str, tuple[tuple[str, str | None], ...]] = {}  # room id -> last told
        self._feeds: dict[str, m.FeedHealth] = {}  # booth member seat -> its console's reading
        self._handlers: dict[type[ClientMessage], _Handler] = {
            m.ListChannels: self._list_channels,
            m.SelectLanguage: self._select_language,
            m.SelectSignLanguage: self._select_sign_language,
            m.BoothEnter: self._booth_enter,
            m.OnAir: self._on_air,
            m.Handover: self._handover,
            m.TakeOver: self._take_over,
            m.Cough: self._cough,
            m.Retour: self._retour,
            m.BoothSource: self._booth_source,
            m.BoothChat: self._booth_chat,
            m.SlowDown: self._slow_down,
            m.BoothOpen: self._booth_open,
            m.BoardWatch: self._board_watch,
            m.FeedHealth: self._feed_health,
        }

    @property
    def handled(self) -> tuple[type[ClientMessage], ...]:
        return tuple(self._handlers)

    # Inputs.

    def receive(
        self, rooms: RoomsView, seat: Participant, message: ClientMessage, now: float
    ) -> list[Effect]:
        """A client message from ``seat``; refusals raise the rooms error the client sees."""
        if message.type in m.BOOTH_TYPES and Role.INTERPRETER not in seat.roles:
            log.warning("refused %s: sender is not an interpreter", message.type)
            raise Forbidden(f"only interpreters assigned to a booth may send {message.type}")
        handler = self._handlers[type(message)]
        try:
            return handler(_In(rooms, seat, now), message)
        except _Needs as needs:
            return [needs.effect]
        except NotInBooth as exc:
            # No personal data: the message type and the booth are enough to follow up.
            log.warning("refused %s: sender not assigned to the %s booth", message.type, exc.booth)
            raise Forbidden(f"you are not assigned to the {exc.booth} booth") from None
        except InvalidTransition as exc:
            raise StateRefused(str(exc)) from None
        except UnknownLanguage as exc:
            raise NotFound(str(exc)) from None
        except InvalidSetup as exc:
            raise Conflict(str(exc)) from None
        except InterpretationError as exc:
            raise NotAllowed(str(exc)) from None

    def seat_event(self, rooms: RoomsView, event: SeatEvent, now: float) -> list[Effect]:
        """A seat dropped, came back, left or moved: booths and listeners follow."""
        state = self.rooms.get(event.room_id)
        if state is None:
            return []
        out: list[Effect] = []
        seat_id, room_id = event.seat_id, event.room_id
        left = isinstance(event, SeatLeft)
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
                out += self._adapter.forget(rooms, seat_id)
        if left and state.choices.pop(seat_id, None) is not None:
            self._sent.pop(seat_id, None)
            out += self._adapter.forget(rooms, seat_id)
        if left and state.sign_choices.pop(seat_id, None) is not None:
            out += self._adapter.unpin(seat_id)
        return out + self._changed(rooms, state, now)

    def tick(self, rooms: RoomsView, room_id: str, now: float) -> list[Effect]:
        """The clock acts: floors come up, dropped interpreters' grace runs out."""
        state = self.rooms.get(room_id)
        return [] if state is None else self._changed(rooms, state, now)

    def booths_loaded(
        self, rooms: RoomsView, room_id: str, specs: Sequence[BoothSpec], now: float
    ) -> list[Effect]:
        """Storage answered ``LoadBooths``: open the room's stored booths (once)."""
        if room_id in self._loaded:
            return []
        self._loaded.add(room_id)
        room = rooms.rooms.get(room_id)
        if room is None:
            return []
        for spec in specs:
            try:
                self._open_booth(room, spec, now)
            except InterpretationError as exc:
                log.warning("a stored booth of room %s cannot open: %s", room_id, exc)
        self._stored_sources(room_id, specs)
        state = self.rooms.get(room_id)
        return [] if state is None else self._changed(rooms, state, now)

    def names_loaded(self, person_ids: Sequence[str], names: dict[str, str]) -> None:
        """Storage answered ``LoadNames`` (people it does not know have no name in it)."""
        self._looked_up |= set(person_ids)
        self._names.update({p: n for p, n in names.items() if p in person_ids})

    # Live snapshots (rooms/snapshot.py): booths, who is on air, listeners' choices.

    def dump(self) -> dict[str, Any]:
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

    def load(
        self, rooms: RoomsView, data: Any, now: float, only: Collection[str] | None = None
    ) -> list[Effect]:
        """Booths come back as they were, except that whoever was on air is dropped: the
        listeners hear the floor until that interpreter is back on air.

        ``only``: the rooms to take (a failover adopts one session's, beside live ones).
        """
        taken: set[str] = set()
        for room_id, raw in dict(data["rooms"]).items():
            if room_id not in rooms.rooms or (only is not None and room_id not in only):
                continue
            taken.add(room_id)
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
                if seat in rooms.seats
            }
            state.seats = {str(p): str(s) for p, s in raw["seats"].items() if s in rooms.seats}
            self.rooms[room_id] = state
        self._members.update(
            (str(seat), (str(room), str(person)))
            for seat, (room, person) in dict(data["members"]).items()
            if seat in rooms.seats and room in taken
        )
        self._loaded |= {
            str(r)
            for r in data["loaded"]
            if (r in self.rooms or r in rooms.rooms) and (only is None or r in only)
        }
        out: list[Effect] = []
        for room_id, state in self.rooms.items():
            if room_id in taken:
                out += self._changed(rooms, state, now)
        return out

    def forget(self, rooms: RoomsView, room_ids: Collection[str]) -> None:
        """Drop these rooms' booths and listeners, telling no one: their session moved to
        another node, which took it over (``Registry.forget_session``)."""
        gone = set(room_ids)
        seats = {seat for seat, (room, _) in self._members.items() if room in gone}
        for room_id in gone:
            state = self.rooms.pop(room_id, None)
            if state is not None:
                seats |= {*state.choices, *state.sign_choices, *state.seats.values()}
            self._sent.pop(room_topic(room_id), None)
            self._watchers.pop(room_id, None)
            self._voices.pop(room_id, None)
            self._signers.pop(room_id, None)
        self._loaded -= gone
        for seat in seats:
            self._members.pop(seat, None)
            self._sent.pop(seat, None)
            self._feeds.pop(seat, None)
            self._adapter.forget(rooms, seat)  # its media closed with the seat: no effects

    # Questions the pages ask.

    def member_booths(self, person_id: str, room_ids: Sequence[str]) -> list[str]:
        """The booths (by id) the person belongs to in those rooms (for the console page)."""
        out = []
        for room_id in room_ids:
            state = self.rooms.get(room_id)
            booth = state.booth_of(person_id) if state is not None else None
            if booth is not None:
                out.append(booth.booth_id)
        return out

    # Rooms and their booths.

    def _state_of(self, room: Room) -> RoomInterpretation | None:
        """The room's interpretation; a main room's stored booths are loaded first."""
        if room.parent_id is None and self.stored and room.room_id not in self._loaded:
            raise _Needs(LoadBooths(room.room_id, room.session_id))
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

    def _open_booth(self, room: Room, spec: BoothSpec, now: float) -> RoomInterpretation:
        state = self.rooms.get(room.room_id)
        if state is None:
            state = RoomInterpretation(room.room_id, hold=self.hold)
        state.add_booth(spec, now)
        self.rooms[room.room_id] = state
        return state

    @staticmethod
    def rooms_of(rooms: RoomsView, main: Room) -> list[Room]:
        """The main room and its breakout rooms."""
        return [main] + [r for r in rooms.rooms.values() if r.parent_id == main.room_id]

    # After every change.

    def _changed(self, rooms: RoomsView, state: RoomInterpretation, now: float) -> list[Effect]:
        """Follow the booths, route the channel slots, tell everyone concerned, set the wake."""
        state.follow(now)
        out = self._adapter.apply(rooms, state.routes())
        voices = state.voices()
        if self._voices.get(state.room_id) != voices:
            self._voices[state.room_id] = voices
            out.append(BoothVoices(state.room_id, voices))
        signers = state.signers()
        if self._signers.get(state.room_id, ()) != signers:
            self._signers[state.room_id] = signers
            out.append(BoothSigners(state.room_id, signers))
        out += self._publish(rooms, state, now)
        out += [WakeAt(state.room_id, state.next_due()), SaveSnapshot()]
        return out

    def _publish(self, rooms: RoomsView, state: RoomInterpretation, now: float) -> list[Effect]:
        out: list[Effect] = []
        room = rooms.rooms.get(state.room_id)
        channels = views.channels(state)
        if self._sent.get(room_topic(state.room_id)) != channels:
            self._sent[room_topic(state.room_id)] = channels
            out.append(PublishRoom(state.room_id, channels))
        for booth in state.channels.booths:
            for person in booth.members:
                seat = state.seats.get(person)
                if seat is not None:
                    view = views.booth_view(rooms, state, booth, person, room, now)
                    out.append(PublishSeat(seat, view))
        for seat in list(state.choices):
            mix = views.mix(state, seat)
            if mix is not None and self._sent.get(seat) != mix:
                self._sent[seat] = mix
                out.append(PublishSeat(seat, mix))
        if room is not None:
            main = rooms.main_room_of(room)
            watchers = self._watchers.get(main.room_id, set())
            for watcher in sorted(watchers):
                watching = rooms.seats.get(watcher)
                if watching is None or not watching.is_organiser:
                    watchers.discard(watcher)  # gone, or no longer an organiser
                    continue
                out.append(PublishSeat(watcher, views.board(rooms, state, self._feeds)))
        return out

    # Listeners.

    def _list_channels(self, i: _In, message: m.ListChannels) -> list[Effect]:
        room = i.rooms.current_room(i.seat)
        state = self._state_of(room)
        listing = views.channels(state, room.room_id)
        choice = state.choices.get(i.seat.seat_id) if state is not None else None
        if choice is not None:
            listing = dataclasses.replace(listing, chosen=choice.language)
        out: list[Effect] = [Reply(listing)]
        mix = views.mix(state, i.seat.seat_id)
        if mix is not None:
            out.append(Reply(mix))
        return out

    def _select_language(self, i: _In, message: m.SelectLanguage) -> list[Effect]:
        state = self._state_of(i.rooms.current_room(i.seat))
        if state is None:
            if message.language != ORIGINAL:
                raise NotFound(f"this room offers no {message.language} channel")
            return [Reply(m.MixSet(language=ORIGINAL, balance=message.balance, floor=1.0,
                                   interpreter=0.0, reason=None))]  # fmt: skip
        state.choices[i.seat.seat_id] = state.channels.choose(message.language, message.balance)
        self._sent.pop(i.seat.seat_id, None)  # always answer a choice
        return self._changed(i.rooms, state, i.now)

    def _select_sign_language(self, i: _In, message: m.SelectSignLanguage) -> list[Effect]:
        state = self._state_of(i.rooms.current_room(i.seat))
        if state is None:
            if message.language is not None:
                raise NotFound(f"this room offers no {message.language} sign-language channel")
            return [Reply(m.SignLanguageSet(language=None))]
        out: list[Effect] = []
        language = state.channels.choose_sign(message.language)
        if language is None:
            state.sign_choices.pop(i.seat.seat_id, None)
            out += self._adapter.unpin(i.seat.seat_id)
        else:
            state.sign_choices[i.seat.seat_id] = language
        out.append(Reply(m.SignLanguageSet(language=language)))
        return out + self._changed(i.rooms, state, i.now)

    # The console.

    def _booth_enter(self, i: _In, message: m.BoothEnter) -> list[Effect]:
        rooms, seat = i.rooms, i.seat
        asked = rooms.room(message.room_id)
        main = rooms.main_room_of(asked)
        person = seat.person_id
        # The room asked for first, then breakout rooms (booths opened for the moment), then main.
        candidates = [asked] if asked is not main else []
        candidates += reversed(self.rooms_of(rooms, main))
        for room in dict.fromkeys(candidates):
            state = self._state_of(room)
            booth = state.booth_of(person) if state is not None else None
            if state is None or booth is None:
                continue
            out: list[Effect] = []
            old = self._members.get(seat.seat_id)
            if old is not None and old[0] != room.room_id:
                out += self._leave_booth(rooms, seat.seat_id)
            self._members[seat.seat_id] = (room.room_id, person)
            state.seats[person] = seat.seat_id
            state.names.setdefault(person, seat.display_name)
            # Interpreters work from the speaker's original stream, never a low-data rendition.
            out += [ListenOnly(seat.seat_id, True), MediaLowData(seat.seat_id, False)]
            if seat.room_id != room.room_id:
                out.append(Place(seat.seat_id, room.room_id, "joined"))
            booth.connection_back(person, i.now)
            return out + self._changed(rooms, state, i.now)
        raise NotInBooth("session's", "sender", "use the console")

    def _leave_booth(self, rooms: RoomsView, seat_id: str) -> list[Effect]:
        self._feeds.pop(seat_id, None)
        room_id, person = self._members.pop(seat_id)
        state = self.rooms.get(room_id)
        if state is not None and state.seats.get(person) == seat_id:
            del state.seats[person]
        return self._adapter.forget(rooms, seat_id)

    def _my_booth(self, seat: Participant, action: str) -> tuple[RoomInterpretation, Booth, str]:
        member = self._members.get(seat.seat_id)
        state = self.rooms.get(member[0]) if member is not None else None
        booth = state.booth_of(member[1]) if state is not None and member is not None else None
        if state is None or booth is None or member is None:
            raise NotInBooth("room's", "sender", action)
        return state, booth, member[1]

    def _on_air(self, i: _In, message: m.OnAir) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "go on air")
        if message.on:
            booth.go_on_air(person)
        else:
            booth.go_off_air(person)
            state.coughing.discard(person)
        return self._changed(i.rooms, state, i.now)

    def _take_over(self, i: _In, message: m.TakeOver) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "take over")
        previous = booth.on_air
        booth.take_over(person)
        if previous is not None:
            state.coughing.discard(previous)
        return self._changed(i.rooms, state, i.now)

    def _handover(self, i: _In, message: m.Handover) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "hand over")
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
        return self._changed(i.rooms, state, i.now)

    def _cough(self, i: _In, message: m.Cough) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "cough")
        if message.coughing:
            booth.cough_start(person)
            state.coughing.add(person)
        else:
            state.coughing.discard(person)  # whatever the booth says, never stay muted
            booth.cough_end(person)
        return self._changed(i.rooms, state, i.now)

    def _retour(self, i: _In, message: m.Retour) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "switch to retour")
        booth.retour(person)
        return self._changed(i.rooms, state, i.now)

    def _booth_source(self, i: _In, message: m.BoothSource) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "change the source")
        state.channels.set_source(booth.booth_id, person, message.source)
        return self._changed(i.rooms, state, i.now)

    def _booth_chat(self, i: _In, message: m.BoothChat) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "write in the booth chat")
        line = booth.chat(person, message.text, i.now)
        event = m.BoothChatMessage(
            booth=line.booth,
            person_id=person,
            name=state.names.get(person, i.seat.display_name),
            text=line.text,
            at=line.at,
        )
        seats = [state.seats.get(member) for member in booth.members]
        return [PublishSeat(seat, event) for seat in seats if seat is not None]

    def _slow_down(self, i: _In, message: m.SlowDown) -> list[Effect]:
        state, booth, person = self._my_booth(i.seat, "ask the speaker to slow down")
        signal = booth.slow_down(person, i.now)
        event = m.SlowDownRequested(room_id=state.room_id, booth=signal.booth, at=signal.at)
        room = i.rooms.room(state.room_id)
        targets = {s for s in room.seats if room.may_publish(i.rooms.seats[s])}
        targets |= {state.seats[p] for p in booth.members if p in state.seats}
        return [PublishSeat(seat, event) for seat in sorted(targets)]

    # Organisers.

    def _booth_open(self, i: _In, message: m.BoothOpen) -> list[Effect]:
        rooms = i.rooms
        room = rooms.room(message.room_id)
        main = rooms.main_room_of(room)
        self._state_of(main)
        try:
            tags = tuple(languages.normalise(tag) for tag in message.languages)
        except languages.UnknownLanguage as exc:
            raise MalformedMessage(f"{exc} is not a language tag") from None
        members = tuple(dict.fromkeys(message.members))
        if self.stored and not set(members) <= self._looked_up:
            raise _Needs(LoadNames(members))
        names = {p: self._names[p] for p in members if p in self._names}
        self._looked_up -= set(members)  # the next booth_open reads storage again
        for p in members:
            self._names.pop(p, None)
        for seat in rooms.seats.values():
            if seat.person_id in members:
                names.setdefault(seat.person_id, seat.display_name)
        spec = BoothSpec(tags, tuple((p, names.get(p, p)) for p in members))
        self._state_of(room)
        state = self._open_booth(room, spec, i.now)
        out = self._changed(rooms, state, i.now)
        return out + self._boards(rooms, main)

    def _board_watch(self, i: _In, message: m.BoardWatch) -> list[Effect]:
        main = i.rooms.main_room_of(i.rooms.room(message.room_id))
        for room in self.rooms_of(i.rooms, main):
            self._state_of(room)  # before anything changes: storage may come first
        self._watchers.setdefault(main.room_id, set()).add(i.seat.seat_id)
        return self._boards(i.rooms, main)

    def _feed_health(self, i: _In, message: m.FeedHealth) -> list[Effect]:
        """Keep the console's reading; the board hears of it when its words change."""
        state, _booth, _person = self._my_booth(i.seat, "report a floor feed")
        seat_id = i.seat.seat_id
        old = self._feeds.get(seat_id)
        self._feeds[seat_id] = message
        if old is not None and (old.state, old.reasons) == (message.state, message.reasons):
            return []
        room = i.rooms.rooms.get(state.room_id)
        if room is None:
            return []
        main = i.rooms.main_room_of(room)
        board = views.board(i.rooms, state, self._feeds)
        return [PublishSeat(w, board) for w in sorted(self._watchers.get(main.room_id, ()))]

    def _boards(self, rooms: RoomsView, main: Room) -> list[Effect]:
        out: list[Effect] = []
        for room in self.rooms_of(rooms, main):
            state = self._state_of(room) or RoomInterpretation(room.room_id, hold=self.hold)
            out.append(Reply(views.board(rooms, state, self._feeds)))
        return out
