"""Storing registrations with their attendance and support requests."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.people import Role
from ..domain.registration import RegistrationData
from ..domain.support import SupportKind, SupportStatus
from .tables import Attendance, Conference, Person, Registration, SupportRequest


class EmailTaken(Exception):
    """Another registration already uses this email."""


def new_token() -> str:
    """An unguessable id for private links (256 bits)."""
    return secrets.token_urlsafe(32)


def person_by_email(db: DbSession, email: str) -> Person | None:
    return db.exec(select(Person).where(Person.email == email)).first()


def save(
    db: DbSession,
    conference: Conference,
    data: RegistrationData,
    existing: Registration | None = None,
) -> Registration:
    """Create or update a registration, its attendance and its undecided support requests.

    :class:`EmailTaken` when another registration holds the address, also when a concurrent
    request inserted it first (the unique constraints decide the race); after that the
    caller rolls the session back before using it again.
    """
    try:
        return _save(db, conference, data, existing)
    except IntegrityError:
        raise EmailTaken(data.email) from None


def _save(
    db: DbSession,
    conference: Conference,
    data: RegistrationData,
    existing: Registration | None,
) -> Registration:
    assert conference.id is not None
    if existing is None:
        person = person_by_email(db, data.email)
        if person is not None:
            taken = db.exec(
                select(Registration).where(
                    Registration.person_id == person.id,
                    Registration.conference_id == conference.id,
                )
            ).first()
            if taken is not None:
                raise EmailTaken(data.email)
        else:
            person = Person(name=data.name, email=data.email, roles=[Role.PARTICIPANT.value])
            db.add(person)
            db.flush()
        assert person.id is not None
        registration = Registration(
            conference_id=conference.id,
            person_id=person.id,
            languages=list(data.languages),
            timezone=data.timezone,
            token=new_token(),
        )
        db.add(registration)
        db.flush()
    else:
        registration = existing
        person = db.get(Person, registration.person_id)  # type: ignore[assignment]
        assert person is not None
        if person.email != data.email:
            other = person_by_email(db, data.email)
            if other is not None and other.id != person.id:
                raise EmailTaken(data.email)
        registration.languages = list(data.languages)
        registration.timezone = data.timezone
        registration.updated_at = datetime.now(UTC)
        db.add(registration)
    person.name = data.name
    person.email = data.email
    db.add(person)
    assert registration.id is not None
    _set_attendance(db, registration.id, data.sessions)
    _set_support(db, registration.id, data)
    db.flush()
    return registration


def _set_attendance(db: DbSession, registration_id: int, sessions: tuple[int, ...]) -> None:
    current = db.exec(select(Attendance).where(Attendance.registration_id == registration_id)).all()
    wanted = set(sessions)
    for row in current:
        if row.session_id not in wanted:
            db.delete(row)
    have = {row.session_id for row in current}
    for session_id in sessions:
        if session_id not in have:
            db.add(Attendance(registration_id=registration_id, session_id=session_id))


def _set_support(db: DbSession, registration_id: int, data: RegistrationData) -> None:
    """Undecided requests follow the form; decided ones are the organisers' and stay."""
    current = {
        r.kind: r
        for r in db.exec(
            select(SupportRequest).where(SupportRequest.registration_id == registration_id)
        ).all()
    }
    wanted: dict[str, dict[str, object]] = {}
    if data.data is not None:
        wanted[SupportKind.DATA_PACKAGE] = {
            "country": data.data.country,
            "carrier": data.data.carrier,
            "gb": data.data.gb,
        }
    if data.childcare is not None:
        wanted[SupportKind.CHILDCARE] = {
            "children": data.childcare.children,
            "sessions": list(data.childcare.sessions),
        }
    for kind in SupportKind:
        request = current.get(kind.value)
        if request is not None and request.status != SupportStatus.REQUESTED:
            continue
        if kind in wanted:
            if request is None:
                request = SupportRequest(registration_id=registration_id, kind=kind.value)
            for key, value in wanted[kind].items():
                setattr(request, key, value)
            db.add(request)
        elif request is not None:
            db.delete(request)


def attended_sessions(db: DbSession, registration_id: int) -> list[int]:
    rows = db.exec(
        select(Attendance.session_id).where(Attendance.registration_id == registration_id)
    ).all()
    return sorted(rows)


def by_token(db: DbSession, token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.exec(select(Registration).where(col(Registration.token) == token)).first()


def by_calendar_token(db: DbSession, token: str) -> Registration | None:
    """The registration whose calendar feed this token opens (never the edit link's token)."""
    if not token or len(token) > 64:
        return None
    return db.exec(select(Registration).where(col(Registration.calendar_token) == token)).first()


def support_requests(db: DbSession, registration_id: int) -> list[SupportRequest]:
    return list(
        db.exec(
            select(SupportRequest)
            .where(SupportRequest.registration_id == registration_id)
            .order_by(col(SupportRequest.id))
        ).all()
    )
