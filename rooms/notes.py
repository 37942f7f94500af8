"""Breakout notes, a protocol extension: shared notes per breakout room, merged as a CRDT.

Each breakout room has one document (a Yjs ``Text`` named "notes", held with pycrdt, the
Python binding of the Yjs CRDT that the browser runs too), so edits typed at the same
moment by several people merge instead of overwriting each other. The room names a
rapporteur, who writes a short summary when the breakouts close. Documents are loaded from
and saved to a ``NotesStore`` (the database, given by the composition root), so they
survive a restart; saving is coalesced to one write per room a second.

Updates travel base64-encoded in JSON. A malformed update is dropped and answered with an
error; the document and the room go on. A document past ``MAX_NOTES_BYTES`` refuses the
edit that would grow it further.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass, field
from typing import Protocol

import pycrdt

from rooms.domain.errors import NotAllowed, NotFound
from rooms.domain.participant import Participant
from rooms.domain.room import Room
from rooms.signalling import ClientMessage, Context, Dispatcher, Registry, ServerMessage
from rooms.signalling.errors import MalformedMessage

__all__ = [
    "NotesBoard",
    "NotesChanged",
    "NotesEdit",
    "NotesOpen",
    "NotesRapporteur",
    "NotesState",
    "NotesStore",
    "NotesSummary",
    "Notes",
    "StoredNotes",
]

log = logging.getLogger(__name__)

STATE_KEY = "notes"
TEXT = "notes"
MAX_NOTES_BYTES = 32 * 1024  # the document's encoded state; its base64 fits one message
MAX_UPDATE_CHARS = 48 * 1024
MAX_SUMMARY_CHARS = 2000
SAVE_AFTER_S = 1.0


@dataclass
class StoredNotes:
    """What the store keeps of one breakout room's notes."""

    room_id: str
    session_id: str
    title: str
    state: bytes = b""
    text: str = ""
    rapporteur_person: str = ""
    rapporteur_name: str = ""
    summary: str = ""


class NotesStore(Protocol):
    def load(self, room_id: str) -> StoredNotes | None: ...

    def save(self, notes: StoredNotes) -> None: ...


class MemoryNotes:
    """A store in memory, for tests and a server run without a database."""

    def __init__(self) -> None:
        self.rooms: dict[str, StoredNotes] = {}

    def load(self, room_id: str) -> StoredNotes | None:
        return self.rooms.get(room_id)

    def save(self, notes: StoredNotes) -> None:
        self.rooms[notes.room_id] = StoredNotes(**vars(notes))


# -- messages ----------------------------------------------------------------------------------


def _decode(update: str) -> bytes:
    if len(update) > MAX_UPDATE_CHARS:
        raise MalformedMessage(f"a notes update is longer than {MAX_UPDATE_CHARS} characters")
    try:
        return base64.b64decode(update, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedMessage("a notes update must be base64") from None


@dataclass(frozen=True, kw_only=True)
class NotesOpen(ClientMessage):
    """Ask for the notes of the breakout room one is in (or, for organisers, any)."""

    type = "notes_open"
    room_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class NotesEdit(ClientMessage):
    type = "notes_edit"
    update: str  # a Yjs update, base64

    def validate(self) -> None:
        _decode(self.update)


@dataclass(frozen=True, kw_only=True)
class NotesRapporteur(ClientMessage):
    """Name the room's rapporteur: oneself, or (organisers) any seat in the room."""

    type = "notes_rapporteur"
    seat_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class NotesSummary(ClientMessage):
    """The rapporteur's summary of a breakout room, also after the breakouts closed."""

    type = "notes_summary"
    room_id: str
    text: str

    def validate(self) -> None:
        if len(self.text) > MAX_SUMMARY_CHARS:
            raise MalformedMessage(f"a summary is longer than {MAX_SUMMARY_CHARS} characters")


@dataclass(frozen=True, kw_only=True)
class NotesState(ServerMessage):
    """A room's whole notes document, rapporteur and summary."""

    type = "notes_state"
    room_id: str
    title: str
    update: str
    rapporteur_seat: str | None
    rapporteur_name: str
    summary: str
    limit_bytes: int = MAX_NOTES_BYTES


@dataclass(frozen=True, kw_only=True)
class NotesChanged(ServerMessage):
    """An edit to a room's notes, for everyone in that room to merge."""

    type = "notes_changed"
    room_id: str
    update: str


# -- state -------------------------------------------------------------------------------------


@dataclass(eq=False)
class RoomNotes:
    stored: StoredNotes
    doc: pycrdt.Doc = field(default_factory=pycrdt.Doc)
    dirty: bool = False

    def __post_init__(self) -> None:
        self.doc[TEXT] = pycrdt.Text()
        if self.stored.state:
            try:
                self.doc.apply_update(self.stored.state)
            except ValueError:
                log.warning("Stored notes of a breakout room could not be read; starting empty")

    @property
    def text(self) -> str:
        return str(self.doc[TEXT])

    def state(self) -> bytes:
        return self.doc.get_update()

    def apply(self, update: bytes) -> None:
        """Merge ``update``; refuse one that leaves the document past the size limit."""
        trial: pycrdt.Doc = pycrdt.Doc()
        trial[TEXT] = pycrdt.Text()
        trial.apply_update(self.doc.get_update())
        trial.apply_update(update)  # ValueError for a malformed update, before any change
        if len(trial.get_update()) > MAX_NOTES_BYTES:
            raise NotAllowed(f"the notes are full (at most {MAX_NOTES_BYTES // 1024} KB)")
        self.doc.apply_update(update)
        self.dirty = True


class NotesBoard:
    """Every breakout room's notes in this process, loaded on first use, saved when changed."""

    def __init__(self, store: NotesStore) -> None:
        self.store = store
        self.rooms: dict[str, RoomNotes] = {}
        self._flush: asyncio.TimerHandle | None = None

    def of(self, room: Room) -> RoomNotes:
        notes = self.rooms.get(room.room_id)
        if notes is None:
            stored = self.store.load(room.room_id) or StoredNotes(
                room.room_id, room.session_id, room.title
            )
            notes = self.rooms[room.room_id] = RoomNotes(stored)
        return notes

    def view(self, notes: RoomNotes, registry: Registry) -> NotesState:
        stored = notes.stored
        seat = next(
            (
                s.seat_id
                for s in registry.seats.values()
                if stored.rapporteur_person and s.person_id == stored.rapporteur_person
            ),
            None,
        )
        return NotesState(
            room_id=stored.room_id,
            title=stored.title,
            update=base64.b64encode(notes.state()).decode(),
            rapporteur_seat=seat,
            rapporteur_name=stored.rapporteur_name,
            summary=stored.summary,
        )

    def changed(self, notes: RoomNotes) -> None:
        notes.dirty = True
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(SAVE_AFTER_S, self._save_soon)

    def _save_soon(self) -> None:
        self._flush = None
        asyncio.get_running_loop().create_task(self.save())

    async def save(self) -> None:
        """Write every changed room's notes (in a worker thread: the store may be a database)."""
        for notes in list(self.rooms.values()):
            if not notes.dirty:
                continue
            notes.dirty = False
            notes.stored.state = notes.state()
            notes.stored.text = notes.text
            snapshot = StoredNotes(**vars(notes.stored))
            try:
                await asyncio.to_thread(self.store.save, snapshot)
            except Exception:
                notes.dirty = True
                log.exception("Saving breakout notes failed; they stay in memory and are retried")


def _breakout_room(registry: Registry, seat: Participant, room_id: str | None) -> Room:
    """The sender's breakout room, or for organisers the breakout room they name."""
    if room_id is not None and room_id != seat.room_id:
        if not seat.is_organiser:
            raise NotAllowed("only organisers may open the notes of a room they are not in")
        room = registry.room(room_id)
    else:
        room = registry.current_room(seat)
    if not room.is_breakout:
        raise NotFound("notes are kept for breakout rooms")
    return room


# -- handlers ----------------------------------------------------------------------------------


class Notes:
    """The extension: ``Registry(..., extensions=[Notes(store).install])``."""

    def __init__(self, store: NotesStore) -> None:
        self.board = NotesBoard(store)

    def install(self, dispatcher: Dispatcher) -> None:
        dispatcher.register(NotesOpen, self.notes_open)
        dispatcher.register(NotesEdit, self.notes_edit)
        dispatcher.register(NotesRapporteur, self.notes_rapporteur)
        dispatcher.register(NotesSummary, self.notes_summary)
        dispatcher.catalog.add_server(NotesState)
        dispatcher.catalog.add_server(NotesChanged)

    async def notes_open(self, ctx: Context, message: NotesOpen) -> None:
        room = _breakout_room(ctx.registry, ctx.seat, message.room_id)
        ctx.reply(self.board.view(self.board.of(room), ctx.registry))

    async def notes_edit(self, ctx: Context, message: NotesEdit) -> None:
        room = _breakout_room(ctx.registry, ctx.seat, None)
        notes = self.board.of(room)
        try:
            notes.apply(_decode(message.update))
        except ValueError:
            log.info("A malformed notes update was dropped")
            raise MalformedMessage("the notes update could not be read") from None
        self.board.changed(notes)
        await ctx.registry.publish_room(
            room.room_id, NotesChanged(room_id=room.room_id, update=message.update)
        )

    async def notes_rapporteur(self, ctx: Context, message: NotesRapporteur) -> None:
        room = _breakout_room(ctx.registry, ctx.seat, None)
        notes = self.board.of(room)
        if message.seat_id is None or message.seat_id == ctx.seat.seat_id:
            chosen = ctx.seat
            current = notes.stored.rapporteur_person
            if current and current != chosen.person_id and not ctx.seat.is_organiser:
                raise NotAllowed("this room already has a rapporteur")
        else:
            if not ctx.seat.is_organiser:
                raise NotAllowed("only organisers may name someone else as rapporteur")
            if message.seat_id not in room.seats:
                raise NotFound("that person is not in this room")
            chosen = ctx.registry.seat(message.seat_id)
        notes.stored.rapporteur_person = chosen.person_id
        notes.stored.rapporteur_name = chosen.display_name
        self.board.changed(notes)
        await ctx.registry.publish_room(room.room_id, self.board.view(notes, ctx.registry))

    async def notes_summary(self, ctx: Context, message: NotesSummary) -> None:
        # After the breakouts close their rooms are gone, but their notes stay on the board.
        notes = self.board.rooms.get(message.room_id)
        if notes is None:
            room = ctx.registry.room(message.room_id)
            if not room.is_breakout:
                raise NotFound("summaries are kept for breakout rooms")
            notes = self.board.of(room)
        if ctx.seat.person_id != notes.stored.rapporteur_person and not ctx.seat.is_organiser:
            raise NotAllowed("only the room's rapporteur writes its summary")
        notes.stored.summary = message.text.strip()
        self.board.changed(notes)
        view = self.board.view(notes, ctx.registry)
        ctx.reply(view)
        if message.room_id in ctx.registry.rooms and ctx.seat.room_id != message.room_id:
            await ctx.registry.publish_room(message.room_id, view)
