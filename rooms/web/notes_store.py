"""Breakout notes kept in the conference's database, for the notes extension and the pages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from conference.storage import engine as storage
from conference.storage.tables import BreakoutNotes
from rooms.notes import StoredNotes


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


class DatabaseNotes:
    """A ``NotesStore`` on the database: one row per breakout room, by the live room's id."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, room_id: str) -> StoredNotes | None:
        with storage.session(self.engine) as db:
            row = db.exec(select(BreakoutNotes).where(BreakoutNotes.room_id == room_id)).first()
            if row is None:
                return None
            return StoredNotes(
                room_id=row.room_id,
                session_id=str(row.session_id),
                title=row.title,
                state=bytes(row.state),
                text=row.text,
                rapporteur_person=str(row.rapporteur_person_id or ""),
                rapporteur_name=row.rapporteur_name,
                summary=row.summary,
            )

    def save(self, notes: StoredNotes) -> None:
        session_id = _int(notes.session_id)
        if session_id is None:
            return  # a room outside the programme (a test's ad hoc room): nothing to keep
        with storage.session(self.engine) as db:
            row = db.exec(
                select(BreakoutNotes).where(BreakoutNotes.room_id == notes.room_id)
            ).first()
            if row is None:
                row = BreakoutNotes(room_id=notes.room_id, session_id=session_id, title=notes.title)
            row.title = notes.title[:120]
            row.state = notes.state
            row.text = notes.text
            row.rapporteur_person_id = _int(notes.rapporteur_person)
            row.rapporteur_name = notes.rapporteur_name[:200]
            row.summary = notes.summary
            row.updated_at = datetime.now(UTC)
            db.add(row)
