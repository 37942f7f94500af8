"""Planner runs kept in the database: what each planner was fed and what it answered.

A run is applied from what is stored here, never from a plan sent back by a browser, and only
while the database still gives the same input (see :func:`same_input`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from .tables import (
    Booth,
    BoothMember,
    BreakoutAssignment,
    BreakoutRoom,
    Conference,
    LightningTalk,
    Person,
    PlanRun,
    Registration,
    Session,
    SupportRequest,
)

KINDS = ("roster", "lightning", "breakouts", "support")
INVALID = "invalid"


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the database gives it back (JSON numbers, lists, strings)."""
    return json.loads(json.dumps(document))  # type: ignore[no-any-return]


def save(
    db: DbSession,
    conference: Conference,
    kind: str,
    scope: str,
    document: dict[str, Any],
    result: dict[str, Any],
    person: Person | None,
) -> PlanRun:
    """Store a run; ``result`` is the planner's output, or ``{"problems": [...]}`` if invalid."""
    if kind not in KINDS:
        raise ValueError(f"unknown planner kind {kind!r}")
    assert conference.id is not None
    run = PlanRun(
        conference_id=conference.id,
        kind=kind,
        scope=scope,
        input=normalised(document),
        result=normalised(result),
        status=str(result.get("status", INVALID)) if "problems" not in result else INVALID,
        created_by=person.id if person else None,
    )
    db.add(run)
    db.flush()
    return run


def get(db: DbSession, conference: Conference, run_id: int) -> PlanRun | None:
    run = db.get(PlanRun, run_id)
    if run is None or run.conference_id != conference.id:
        return None
    return run


def latest(db: DbSession, conference: Conference, kind: str, scope: str = "") -> PlanRun | None:
    return db.exec(
        select(PlanRun)
        .where(PlanRun.conference_id == conference.id, PlanRun.kind == kind, PlanRun.scope == scope)
        .order_by(col(PlanRun.id).desc())
    ).first()


def recent(
    db: DbSession, conference: Conference, kind: str, scope: str = "", limit: int = 10
) -> list[PlanRun]:
    return list(
        db.exec(
            select(PlanRun)
            .where(
                PlanRun.conference_id == conference.id,
                PlanRun.kind == kind,
                PlanRun.scope == scope,
            )
            .order_by(col(PlanRun.id).desc())
            .limit(limit)
        ).all()
    )


def same_input(run: PlanRun, fresh: dict[str, Any]) -> bool:
    """Whether the database still gives the input this run was planned from."""
    return run.input == normalised(fresh)


def changed_parts(run: PlanRun, fresh: dict[str, Any]) -> list[str]:
    """The top-level keys of the input that differ now (``sessions``, ``requests``...)."""
    now = normalised(fresh)
    return sorted(key for key in {*run.input, *now} if run.input.get(key) != now.get(key))


def claim(db: DbSession, run: PlanRun) -> bool:
    """Mark the run applied unless someone did first (a conditional update, like sign-in links).

    Two organisers pressing Apply at once: the second waits for the first's unit of work and
    then finds the run taken.
    """
    claimed = db.exec(
        update(PlanRun)  # type: ignore[call-overload]
        .where(col(PlanRun.id) == run.id, col(PlanRun.applied_at).is_(None))
        .values(applied_at=datetime.now(UTC))
    )
    db.refresh(run)
    return bool(claimed.rowcount == 1)


def record_changes(db: DbSession, run: PlanRun, changes: dict[str, Any]) -> None:
    """Keep what applying the run changed, for the page to show afterwards."""
    run.changes = normalised(changes)
    db.add(run)
    db.flush()


# -- names for showing plans: planner documents carry database ids as strings -------------


def session_titles(db: DbSession, conference: Conference) -> dict[str, str]:
    rows = db.exec(select(Session.id, Session.title).where(Session.conference_id == conference.id))
    return {str(i): t for i, t in rows.all()}


def person_names(db: DbSession) -> dict[str, str]:
    return {str(i): n for i, n in db.exec(select(Person.id, Person.name)).all()}


def registrant_names(db: DbSession, conference: Conference) -> dict[str, str]:
    """Registration ids to the registrants' names."""
    rows = db.exec(
        select(Registration.id, Person.name)
        .join(Person, col(Person.id) == Registration.person_id)
        .where(Registration.conference_id == conference.id)
    )
    return {str(i): n for i, n in rows.all()}


def talks(db: DbSession, conference: Conference) -> dict[str, LightningTalk]:
    rows = db.exec(select(LightningTalk).where(LightningTalk.conference_id == conference.id))
    return {str(t.id): t for t in rows.all()}


def rooms(db: DbSession, session: Session) -> dict[str, BreakoutRoom]:
    rows = db.exec(
        select(BreakoutRoom)
        .where(BreakoutRoom.session_id == session.id)
        .order_by(col(BreakoutRoom.id))
    )
    return {str(r.id): r for r in rows.all()}


def requests(db: DbSession, conference: Conference) -> dict[str, SupportRequest]:
    rows = db.exec(
        select(SupportRequest)
        .join(Registration, col(Registration.id) == SupportRequest.registration_id)
        .where(Registration.conference_id == conference.id)
    )
    return {str(r.id): r for r in rows.all()}


def booths(db: DbSession, conference: Conference) -> list[tuple[Booth, list[int]]]:
    """The open booths with their members' person ids, in session then booth order."""
    rows = db.exec(
        select(Booth)
        .join(Session, col(Session.id) == Booth.session_id)
        .where(Session.conference_id == conference.id)
        .order_by(col(Session.start), col(Booth.session_id), col(Booth.id))
    ).all()
    members: dict[int, list[int]] = {}
    if rows:
        for member in db.exec(
            select(BoothMember).where(col(BoothMember.booth_id).in_([b.id for b in rows]))
        ).all():
            members.setdefault(member.booth_id, []).append(member.person_id)
    return [(b, sorted(members.get(b.id or 0, []))) for b in rows]


def assignments(db: DbSession, session: Session) -> list[BreakoutAssignment]:
    return list(
        db.exec(
            select(BreakoutAssignment)
            .join(BreakoutRoom, col(BreakoutRoom.id) == BreakoutAssignment.room_id)
            .where(BreakoutRoom.session_id == session.id)
            .order_by(col(BreakoutAssignment.room_id), col(BreakoutAssignment.registration_id))
        ).all()
    )


def granted_cents(db: DbSession, conference: Conference) -> dict[str, int]:
    """What each support pool has granted so far."""
    spent = {"data_package": 0, "childcare": 0}
    for request in requests(db, conference).values():
        if request.status == "granted":
            spent[request.kind] = spent.get(request.kind, 0) + (request.amount_cents or 0)
    return spent


def breakout_sessions(db: DbSession, conference: Conference) -> list[Session]:
    return list(
        db.exec(
            select(Session)
            .where(Session.conference_id == conference.id, Session.kind == "breakout")
            .order_by(col(Session.start), col(Session.id))
        ).all()
    )
