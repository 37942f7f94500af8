"""Programme sessions as organisers edit them: listing, saving, and deleting with care."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.sessions import Span
from ..domain.support import SupportKind
from .tables import (
    Attendance,
    Booth,
    BreakoutRoom,
    Conference,
    LightningTalk,
    Registration,
    Session,
    SupportRequest,
)


class InUse(Exception):
    """The session has booths, breakout rooms or lightning talks that would be orphaned."""


@dataclass(frozen=True)
class Dependents:
    """What hangs on a session, so the organiser sees it before deleting."""

    attendees: int
    booths: int
    breakout_rooms: int
    lightning_talks: int

    @property
    def blocking(self) -> bool:
        return bool(self.booths or self.breakout_rooms or self.lightning_talks)


def programme(db: DbSession, conference: Conference) -> list[Session]:
    return list(
        db.exec(
            select(Session)
            .where(Session.conference_id == conference.id)
            .order_by(col(Session.start), col(Session.id))
        ).all()
    )


def get(db: DbSession, conference: Conference, session_id: int) -> Session | None:
    row = db.get(Session, session_id)
    return row if row is not None and row.conference_id == conference.id else None


def spans(sessions: list[Session]) -> list[Span]:
    return [Span(s.id or 0, s.title, s.start, s.end) for s in sessions]


def save(
    db: DbSession,
    conference: Conference,
    existing: Session | None,
    *,
    title: str,
    kind: str,
    start: datetime,
    end: datetime,
    floor_languages: list[str],
    interpretation_languages: list[str],
    description: str,
) -> Session:
    assert conference.id is not None
    row = existing or Session(
        conference_id=conference.id, title=title, kind=kind, start=start, end=end
    )
    row.title = title
    row.kind = kind
    row.start = start
    row.end = end
    row.floor_languages = floor_languages
    row.interpretation_languages = interpretation_languages
    row.description = description
    db.add(row)
    db.flush()
    return row


def _count(db: DbSession, column: Any, value: object) -> int:
    """How many rows have ``column == value``."""
    return int(db.scalar(select(func.count()).where(column == value)) or 0)


def dependents(db: DbSession, session: Session) -> Dependents:
    return Dependents(
        attendees=_count(db, col(Attendance.session_id), session.id),
        booths=_count(db, col(Booth.session_id), session.id),
        breakout_rooms=_count(db, col(BreakoutRoom.session_id), session.id),
        lightning_talks=_count(db, col(LightningTalk.block_id), session.id),
    )


def delete(db: DbSession, session: Session) -> None:
    """Remove a session and the plans to attend it; refuse while booths or talks hang on it."""
    if dependents(db, session).blocking:
        raise InUse(session.id)
    for attendance in db.exec(select(Attendance).where(Attendance.session_id == session.id)).all():
        db.delete(attendance)
    # Childcare requests name sessions by id in a list; take this one out of each.
    for request in db.exec(
        select(SupportRequest)
        .join(Registration, col(Registration.id) == col(SupportRequest.registration_id))
        .where(
            Registration.conference_id == session.conference_id,
            SupportRequest.kind == SupportKind.CHILDCARE.value,
        )
    ).all():
        if session.id in request.sessions:
            request.sessions = [s for s in request.sessions if s != session.id]
            db.add(request)
    db.flush()
    db.delete(session)
    db.flush()
