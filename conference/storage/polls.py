"""Storing polls and ballots, and reading them back for counting and export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.polls import PollData, PollStatus
from .tables import Attendance, Ballot, BreakoutRoom, Conference, Poll, Registration
from .tables import Session as ProgrammeSession

MAIN_ROOM = ""  # the group name of ballots cast outside any breakout room


def create(db: DbSession, conference: Conference, data: PollData) -> Poll:
    assert conference.id is not None
    poll = Poll(
        conference_id=conference.id,
        session_id=data.session_id,
        title=data.title,
        options=list(data.options),
        status=PollStatus.DRAFT.value,
    )
    db.add(poll)
    db.flush()
    return poll


def get(db: DbSession, conference: Conference, poll_id: int) -> Poll | None:
    poll = db.get(Poll, poll_id)
    return poll if poll is not None and poll.conference_id == conference.id else None


def listing(
    db: DbSession, conference: Conference, *, statuses: set[str] | None = None
) -> list[Poll]:
    statement = select(Poll).where(Poll.conference_id == conference.id)
    if statuses is not None:
        statement = statement.where(col(Poll.status).in_(sorted(statuses)))
    return list(db.exec(statement.order_by(col(Poll.created_at), col(Poll.id))).all())


def breakout_rooms(db: DbSession, poll: Poll) -> list[BreakoutRoom]:
    """The breakout rooms a ballot may name: the poll's session's, or every session's."""
    statement = select(BreakoutRoom)
    if poll.session_id is not None:
        statement = statement.where(BreakoutRoom.session_id == poll.session_id)
    else:
        statement = statement.join(
            ProgrammeSession, col(ProgrammeSession.id) == col(BreakoutRoom.session_id)
        ).where(ProgrammeSession.conference_id == poll.conference_id)
    return list(db.exec(statement.order_by(col(BreakoutRoom.id))).all())


def cast(
    db: DbSession, poll: Poll, person_id: int, ranking: tuple[int, ...], room_id: int | None
) -> Ballot:
    """Store ``person_id``'s ballot; a second ballot replaces the first."""
    existing = ballot_of(db, poll, person_id)
    if existing is None:
        existing = Ballot(poll_id=poll.id, person_id=person_id)  # type: ignore[arg-type]
    existing.ranking = list(ranking)
    existing.breakout_room_id = room_id
    existing.cast_at = datetime.now(UTC)
    db.add(existing)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        # Two submits racing: the other one inserted first, so this one replaces it.
        stored = ballot_of(db, poll, person_id)
        assert stored is not None
        stored.ranking, stored.breakout_room_id = list(ranking), room_id
        db.add(stored)
        db.flush()
        return stored
    return existing


def ballot_of(db: DbSession, poll: Poll, person_id: int) -> Ballot | None:
    return db.exec(
        select(Ballot).where(Ballot.poll_id == poll.id, Ballot.person_id == person_id)
    ).first()


@dataclass(frozen=True)
class AnonymousBallot:
    """A ballot as exported: the room it was cast in and the ranking, never the person."""

    room: str
    ranking: tuple[int, ...]


def anonymous_ballots(db: DbSession, poll: Poll) -> list[AnonymousBallot]:
    """Every ballot without its person, sorted by room and ranking so order tells nothing."""
    rooms = {r.id: r.name for r in breakout_rooms(db, poll)}
    rows = db.exec(
        select(Ballot.breakout_room_id, Ballot.ranking).where(Ballot.poll_id == poll.id)
    ).all()
    ballots = [
        AnonymousBallot(rooms.get(room_id, MAIN_ROOM) if room_id else MAIN_ROOM, tuple(ranking))
        for room_id, ranking in rows
    ]
    return sorted(ballots, key=lambda b: (b.room, b.ranking))


def by_room(ballots: list[AnonymousBallot]) -> dict[str, list[tuple[int, ...]]]:
    groups: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    for ballot in ballots:
        groups[ballot.room].append(ballot.ranking)
    return dict(sorted(groups.items()))


def attendance(db: DbSession, conference: Conference) -> list[tuple[str, str, int]]:
    """(session title, first language tag, registrants) for every session, in programme order."""
    rows = db.exec(
        select(ProgrammeSession.id, ProgrammeSession.title, Registration.languages)
        .join(Attendance, col(Attendance.session_id) == col(ProgrammeSession.id))
        .join(Registration, col(Registration.id) == col(Attendance.registration_id))
        .where(ProgrammeSession.conference_id == conference.id)
        .order_by(col(ProgrammeSession.start), col(ProgrammeSession.id))
    ).all()
    counts: dict[tuple[int | None, str, str], int] = defaultdict(int)
    order: dict[int | None, int] = {}
    for session_id, title, languages in rows:
        order.setdefault(session_id, len(order))
        counts[(session_id, title, (languages or [""])[0])] += 1
    return [
        (title, language, n)
        for (session_id, title, language), n in sorted(
            counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][2])
        )
    ]
