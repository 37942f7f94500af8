"""Support requests as organisers see and decide them by hand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.support import SupportStatus
from .tables import Conference, Person, Registration, SupportRequest
from .tables import Session as ProgrammeSession


@dataclass(frozen=True)
class Listed:
    """A request with the registrant's name and the titles of the sessions it names."""

    request: SupportRequest
    registrant: str
    session_titles: tuple[str, ...]


def listing(
    db: DbSession,
    conference: Conference,
    *,
    status: str | None = None,
    kind: str | None = None,
    request_id: int | None = None,
) -> list[Listed]:
    """The conference's requests, oldest first, keeping those that match the filters given."""
    statement = (
        select(SupportRequest, Person)
        .join(Registration, col(Registration.id) == col(SupportRequest.registration_id))
        .join(Person, col(Person.id) == col(Registration.person_id))
        .where(Registration.conference_id == conference.id)
        .order_by(col(SupportRequest.created_at), col(SupportRequest.id))
    )
    if status:
        statement = statement.where(SupportRequest.status == status)
    if kind:
        statement = statement.where(SupportRequest.kind == kind)
    if request_id is not None:
        statement = statement.where(SupportRequest.id == request_id)
    titles = {
        ident: title
        for ident, title in db.exec(
            select(ProgrammeSession.id, ProgrammeSession.title).where(
                ProgrammeSession.conference_id == conference.id
            )
        ).all()
    }
    return [
        Listed(
            request,
            person.name,
            tuple(titles.get(s, str(s)) for s in request.sessions),
        )
        for request, person in db.exec(statement).all()
    ]


def get(db: DbSession, conference: Conference, request_id: int) -> Listed | None:
    found = listing(db, conference, request_id=request_id)
    return found[0] if found else None


def counts_by_status(db: DbSession, conference: Conference) -> dict[str, int]:
    """How many requests are in each status (every status present, zero included)."""
    counted = Counter(
        db.exec(
            select(SupportRequest.status)
            .join(Registration, col(Registration.id) == col(SupportRequest.registration_id))
            .where(Registration.conference_id == conference.id)
        ).all()
    )
    return {status.value: counted.get(status.value, 0) for status in SupportStatus}


def grant(db: DbSession, request: SupportRequest, amount_cents: int | None, reason: str) -> None:
    request.status = SupportStatus.GRANTED.value
    request.amount_cents = amount_cents
    request.reason = reason
    db.add(request)
    db.flush()


def decline(db: DbSession, request: SupportRequest, reason: str) -> None:
    request.status = SupportStatus.DECLINED.value
    request.amount_cents = None
    request.reason = reason
    db.add(request)
    db.flush()
