"""Planner inputs built from the database, and planner outputs applied back to it.

The documents are exactly the JSON shapes of docs/planning.md ("The JSON contract"), so the organiser's
pages and ``conference plan`` feed the same functions. Ids in the documents are database
ids as strings.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import col, delete, select

from ..planning.inputs import utc_z
from .tables import (
    Attendance,
    AvailabilityWindow,
    Booth,
    BoothMember,
    BoothTurn,
    BreakoutAssignment,
    BreakoutPreference,
    BreakoutRoom,
    ChildcareRate,
    Conference,
    DataOffer,
    InterpreterProfile,
    LightningTalk,
    Registration,
    Session,
    SpeakerWindow,
    SupportRequest,
)

# Lightning blocks are cut into five-minute slots with a minute to change speakers.
SLOT_MINUTES = 5
CHANGEOVER_MINUTES = 1
# Only talks the organisers accepted (at /organiser/talks) get a slot.
TALK_STATUSES_TO_PLAN = ("accepted",)


def _sessions(db: DbSession, conference: Conference, kind: str | None = None) -> list[Session]:
    query = select(Session).where(Session.conference_id == conference.id)
    if kind is not None:
        query = query.where(Session.kind == kind)
    return list(db.exec(query.order_by(col(Session.start), col(Session.id))).all())


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": utc_z(start), "end": utc_z(end)}


def demand_groups(db: DbSession, conference: Conference) -> list[dict[str, Any]]:
    """Each session's attending registrants, grouped by the set of languages they understand."""
    rows = db.exec(
        select(Attendance.session_id, Registration.languages)
        .join(Registration, col(Registration.id) == Attendance.registration_id)
        .where(Registration.conference_id == conference.id)
    ).all()
    groups: Counter[tuple[int, tuple[str, ...]]] = Counter()
    for session_id, languages in rows:
        groups[(session_id, tuple(sorted(set(languages))))] += 1
    return [
        {"session": str(session_id), "languages": list(langs), "listeners": count}
        for (session_id, langs), count in sorted(groups.items())
    ]


def roster_input(db: DbSession, conference: Conference) -> dict[str, Any]:
    sessions = [s for s in _sessions(db, conference) if s.kind != "social"]
    profiles = db.exec(select(InterpreterProfile).order_by(col(InterpreterProfile.person_id))).all()
    windows: dict[int, list[dict[str, str]]] = {}
    for window in db.exec(select(AvailabilityWindow).order_by(col(AvailabilityWindow.start))).all():
        windows.setdefault(window.profile_id, []).append(_window(window.start, window.end))
    interpreters = []
    for profile in profiles:
        item: dict[str, Any] = {
            "id": str(profile.person_id),
            "A": profile.a_languages,
            "B": profile.b_languages,
            "C": profile.c_languages,
            "timezone": profile.timezone,
        }
        if profile.id in windows:
            item["available"] = windows[profile.id]
        if profile.max_minutes_per_day is not None:
            item["max_minutes_per_day"] = profile.max_minutes_per_day
        interpreters.append(item)
    planned = {str(s.id) for s in sessions}
    return {
        "sessions": [
            {
                "id": str(s.id),
                "start": utc_z(s.start),
                "end": utc_z(s.end),
                "floor": s.floor_languages,
            }
            for s in sessions
        ],
        "demand": [g for g in demand_groups(db, conference) if g["session"] in planned],
        "interpreters": interpreters,
    }


def apply_roster(db: DbSession, conference: Conference, result: dict[str, Any]) -> int:
    """Open the planned booths with their interpreters and turns; returns the booth count."""
    session_ids = [s.id for s in _sessions(db, conference)]
    booth_ids = list(db.exec(select(Booth.id).where(col(Booth.session_id).in_(session_ids))).all())
    if booth_ids:
        db.exec(delete(BoothTurn).where(col(BoothTurn.booth_id).in_(booth_ids)))  # type: ignore[call-overload]
        db.exec(delete(BoothMember).where(col(BoothMember.booth_id).in_(booth_ids)))  # type: ignore[call-overload]
        db.exec(delete(Booth).where(col(Booth.id).in_(booth_ids)))  # type: ignore[call-overload]
    by_session: dict[int, list[str]] = {}
    for planned in result["booths"]:
        session_id = int(planned["session"])
        booth = Booth(
            session_id=session_id, language=planned["language"], sources=planned["sources"]
        )
        db.add(booth)
        db.flush()
        assert booth.id is not None
        for person in planned["interpreters"]:
            db.add(BoothMember(booth_id=booth.id, person_id=int(person)))
        for turn in planned["turns"]:
            db.add(
                BoothTurn(
                    booth_id=booth.id,
                    person_id=int(turn["interpreter"]),
                    start=datetime.fromisoformat(turn["start"]),
                    end=datetime.fromisoformat(turn["end"]),
                )
            )
        by_session.setdefault(session_id, []).append(planned["language"])
    # The programme promises the languages of the open booths, and no others: a planned
    # session that gets no booth no longer advertises interpretation.
    for session in _sessions(db, conference):
        if session.kind != "social" or session.id in by_session:
            session.interpretation_languages = sorted(by_session.get(session.id or 0, []))
            db.add(session)
    db.flush()
    return len(result["booths"])


def lightning_input(db: DbSession, conference: Conference) -> dict[str, Any]:
    blocks = _sessions(db, conference, "lightning")
    talks = db.exec(
        select(LightningTalk)
        .where(
            LightningTalk.conference_id == conference.id,
            col(LightningTalk.status).in_(TALK_STATUSES_TO_PLAN),
        )
        .order_by(col(LightningTalk.id))
    ).all()
    windows: dict[int, list[dict[str, str]]] = {}
    for window in db.exec(select(SpeakerWindow).order_by(col(SpeakerWindow.start))).all():
        windows.setdefault(window.talk_id, []).append(_window(window.start, window.end))
    items = []
    for talk in talks:
        item: dict[str, Any] = {
            "id": str(talk.id),
            "speaker": str(talk.speaker_id),
            "language": talk.language,
            "priority": talk.priority,
        }
        if talk.id in windows:
            item["available"] = windows[talk.id]
        items.append(item)
    return {
        "blocks": [
            {
                "id": str(b.id),
                **_window(b.start, b.end),
                "slot_minutes": SLOT_MINUTES,
                "changeover_minutes": CHANGEOVER_MINUTES,
                "languages": list(dict.fromkeys(b.floor_languages + b.interpretation_languages)),
            }
            for b in blocks
        ],
        "talks": items,
    }


def apply_lightning(db: DbSession, conference: Conference, result: dict[str, Any]) -> int:
    slots = {int(s["talk"]): s for s in result["slots"]}
    talks = db.exec(select(LightningTalk).where(LightningTalk.conference_id == conference.id)).all()
    for talk in talks:
        slot = slots.get(talk.id or 0)
        talk.block_id = int(slot["block"]) if slot else None
        talk.slot_start = datetime.fromisoformat(slot["start"]) if slot else None
        talk.slot_end = datetime.fromisoformat(slot["end"]) if slot else None
        db.add(talk)
    db.flush()
    return len(slots)


def breakouts_input(db: DbSession, session: Session) -> dict[str, Any]:
    rooms = db.exec(
        select(BreakoutRoom)
        .where(BreakoutRoom.session_id == session.id)
        .order_by(col(BreakoutRoom.id))
    ).all()
    room_ids = [r.id for r in rooms]
    preferences: dict[int, list[tuple[int, int]]] = {}
    if room_ids:
        for pref in db.exec(
            select(BreakoutPreference).where(col(BreakoutPreference.room_id).in_(room_ids))
        ).all():
            preferences.setdefault(pref.registration_id, []).append((pref.rank, pref.room_id))
    attendees = db.exec(
        select(Registration)
        .join(Attendance, col(Attendance.registration_id) == Registration.id)
        .where(Attendance.session_id == session.id)
        .order_by(col(Registration.id))
    ).all()
    return {
        "rooms": [
            {"id": str(r.id), "topic": r.topic, "capacity": r.capacity, "languages": r.languages}
            for r in rooms
        ],
        "participants": [
            {
                "id": str(p.id),
                "languages": p.languages,
                "preferences": [str(room) for _, room in sorted(preferences.get(p.id or 0, []))],
            }
            for p in attendees
        ],
    }


def apply_breakouts(db: DbSession, session: Session, result: dict[str, Any]) -> int:
    room_ids = list(
        db.exec(select(BreakoutRoom.id).where(BreakoutRoom.session_id == session.id)).all()
    )
    if room_ids:
        db.exec(delete(BreakoutAssignment).where(col(BreakoutAssignment.room_id).in_(room_ids)))  # type: ignore[call-overload]
    for assignment in result["assignments"]:
        db.add(
            BreakoutAssignment(
                registration_id=int(assignment["participant"]), room_id=int(assignment["room"])
            )
        )
    db.flush()
    return len(result["assignments"])


def support_input(db: DbSession, conference: Conference) -> dict[str, Any]:
    """Undecided requests, against what is left of each budget after earlier grants."""
    requests = db.exec(
        select(SupportRequest, Registration)
        .join(Registration, col(Registration.id) == SupportRequest.registration_id)
        .where(Registration.conference_id == conference.id)
        .order_by(col(SupportRequest.id))
    ).all()
    spent = Counter[str]()
    pending = []
    for request, registration in requests:
        if request.status == "granted":
            spent[request.kind] += request.amount_cents or 0
        elif request.status == "requested":
            pending.append((request, registration))
    offers = db.exec(select(DataOffer).where(DataOffer.conference_id == conference.id)).all()
    rates = db.exec(select(ChildcareRate).where(ChildcareRate.conference_id == conference.id)).all()
    # Childcare is priced at the registrant's country's rate; the form asks the country with
    # the data package, so take it from there when the childcare request has none.
    data_country = {
        registration.id: request.country
        for request, registration in requests
        if request.kind == "data_package" and request.country
    }
    items = []
    for request, registration in pending:
        item: dict[str, Any] = {
            "id": str(request.id),
            "registrant": str(registration.id),
            "kind": request.kind,
            "priority": request.priority,
        }
        if request.kind == "data_package":
            item.update(country=request.country, carrier=request.carrier, gb=request.gb)
        else:
            item.update(children=request.children, sessions=[str(s) for s in request.sessions])
            country = request.country or data_country.get(registration.id)
            if country:
                item["country"] = country
        items.append(item)
    return {
        "budgets": {
            "data_package": max(0, conference.data_budget_cents - spent["data_package"]) / 100,
            "childcare": max(0, conference.childcare_budget_cents - spent["childcare"]) / 100,
        },
        "data_offers": [
            {"country": o.country, "carrier": o.carrier, "gb": o.gb, "price": o.price_cents / 100}
            for o in offers
        ],
        "childcare_hourly_rate": {r.country: r.rate_cents / 100 for r in rates},
        "sessions": [
            {"id": str(s.id), **_window(s.start, s.end)} for s in _sessions(db, conference)
        ],
        "requests": items,
    }


def apply_support(db: DbSession, result: dict[str, Any]) -> tuple[int, int]:
    """Grant and decline as planned, with the reasons the registrants will read."""
    granted = declined = 0
    for grant in result["grants"]:
        request = db.get(SupportRequest, int(grant["request"]))
        if request is None or request.status != "requested":
            continue
        request.status = "granted"
        request.amount_cents = round(float(grant["cost"]) * 100)
        offer = grant.get("offer")
        request.reason = (
            f"{offer['carrier']} {offer['gb']:g} GB" if offer else "Granted within the budget."
        )
        db.add(request)
        granted += 1
    for decline in result["declined"]:
        request = db.get(SupportRequest, int(decline["request"]))
        if request is None or request.status != "requested":
            continue
        request.status = "declined"
        request.reason = decline["reason"][:500]
        db.add(request)
        declined += 1
    db.flush()
    return granted, declined
