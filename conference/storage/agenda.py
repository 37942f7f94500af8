"""What one person has to do at the conference: booths, turns; and what is on now and next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from .tables import (
    Attendance,
    Booth,
    BoothMember,
    BoothTurn,
    Conference,
    LightningTalk,
    Registration,
    Session,
)


def booth_sessions(db: DbSession, person_id: int) -> set[int]:
    """The sessions in which the person has a booth (as the applied roster stored it)."""
    rows = db.exec(
        select(Booth.session_id)
        .join(BoothMember, col(BoothMember.booth_id) == col(Booth.id))
        .where(BoothMember.person_id == person_id)
    ).all()
    return set(rows)


@dataclass(frozen=True)
class BoothTurnItem:
    session: Session
    language: str
    start: datetime
    end: datetime


def booth_turns(db: DbSession, person_id: int, after: datetime) -> list[BoothTurnItem]:
    """The person's booth turns that end after ``after``, in order."""
    rows = db.exec(
        select(BoothTurn, Booth, Session)
        .join(Booth, col(Booth.id) == col(BoothTurn.booth_id))
        .join(Session, col(Session.id) == col(Booth.session_id))
        .where(BoothTurn.person_id == person_id, col(BoothTurn.end) > after)
        .order_by(col(BoothTurn.start))
    ).all()
    return [BoothTurnItem(s, b.language, t.start, t.end) for t, b, s in rows]


def now_and_next(
    db: DbSession, conference: Conference, now: datetime, upcoming: int = 5
) -> tuple[list[Session], list[Session]]:
    """The sessions running at ``now``, and the next few to start after it."""
    running = db.exec(
        select(Session)
        .where(
            Session.conference_id == conference.id,
            col(Session.start) <= now,
            col(Session.end) > now,
        )
        .order_by(col(Session.start), col(Session.id))
    ).all()
    later = db.exec(
        select(Session)
        .where(Session.conference_id == conference.id, col(Session.start) > now)
        .order_by(col(Session.start), col(Session.id))
        .limit(upcoming)
    ).all()
    return list(running), list(later)


def interpreted(db: DbSession, conference: Conference) -> list[Session]:
    """Sessions with interpretation, in order: the organiser's boards."""
    rows = db.exec(
        select(Session)
        .where(Session.conference_id == conference.id)
        .order_by(col(Session.start), col(Session.id))
    ).all()
    return [s for s in rows if s.interpretation_languages]


def attending(
    db: DbSession, conference: Conference, person_id: int, after: datetime
) -> list[Session]:
    """The sessions the person registered for that end after ``after``, in order."""
    rows = db.exec(
        select(Session)
        .join(Attendance, col(Attendance.session_id) == col(Session.id))
        .join(Registration, col(Registration.id) == col(Attendance.registration_id))
        .where(
            Registration.person_id == person_id,
            Registration.conference_id == conference.id,
            col(Session.end) > after,
        )
        .order_by(col(Session.start), col(Session.id))
    ).all()
    return list(rows)


def talk_slots(db: DbSession, person_id: int) -> list[tuple[LightningTalk, Session]]:
    """The speaker's accepted talks that have a slot, with their lightning block."""
    rows = db.exec(
        select(LightningTalk, Session)
        .join(Session, col(Session.id) == col(LightningTalk.block_id))
        .where(
            LightningTalk.speaker_id == person_id,
            LightningTalk.status == "accepted",
            col(LightningTalk.slot_start).is_not(None),
        )
        .order_by(col(LightningTalk.slot_start))
    ).all()
    return [(talk, block) for talk, block in rows]
