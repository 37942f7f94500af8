"""Planner documents built from a small hand-made conference, and plans applied back to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from conference.storage import plans
from conference.storage.engine import session
from conference.storage.tables import (
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
    Person,
    Registration,
    SpeakerWindow,
    SupportRequest,
)
from conference.storage.tables import Session as ProgrammeSession

pytestmark = pytest.mark.integration


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


@dataclass
class World:
    conference: int
    plenary: int
    breakout: int
    lightning: int
    social: int
    ana: int  # registrations
    bo: int
    cy: int
    ana_person: int
    bo_person: int
    cy_person: int
    ivo: int  # interpreters (person ids)
    jo: int
    talk_ana: int
    talk_bo: int
    talk_cy: int
    room_en: int
    room_fr: int
    data_ana: int  # support requests
    data_bo: int
    care_bo: int
    data_cy: int
    old_booth: int


@pytest.fixture
def world(engine: Engine) -> World:
    with session(engine) as db:
        c = Conference(slug="gc", name="GC", timezone="UTC", start_date=date(2026, 12, 5),
                       end_date=date(2026, 12, 5), data_budget_cents=1000,
                       childcare_budget_cents=5000)  # fmt: skip
        db.add(c)
        db.flush()
        assert c.id is not None

        def programme(title: str, kind: str, start: datetime, end: datetime,
                      interpreted: list[str]) -> int:  # fmt: skip
            row = ProgrammeSession(conference_id=c.id, title=title, kind=kind, start=start,
                                   end=end, floor_languages=["en"],
                                   interpretation_languages=interpreted)  # fmt: skip
            db.add(row)
            db.flush()
            assert row.id is not None
            return row.id

        plenary = programme("Plenary", "plenary", at(13), at(14), ["fr"])
        breakout = programme("Breakout", "breakout", at(14, 15), at(15), ["fr"])
        lightning = programme("Lightning", "lightning", at(15), at(15, 30), ["es"])
        social = programme("Social", "social", at(17), at(18), ["es"])

        def person(name: str, roles: list[str]) -> int:
            row = Person(name=name, email=f"{name.lower()}@example.org", roles=roles)
            db.add(row)
            db.flush()
            assert row.id is not None
            return row.id

        def register(person_id: int, languages: list[str], sessions: list[int]) -> int:
            row = Registration(conference_id=c.id, person_id=person_id, languages=languages,
                               timezone="UTC", token=f"token-{person_id}")  # fmt: skip
            db.add(row)
            db.flush()
            assert row.id is not None
            for session_id in sessions:
                db.add(Attendance(registration_id=row.id, session_id=session_id))
            return row.id

        ana_p, bo_p, cy_p = (person(n, ["participant"]) for n in ("Ana", "Bo", "Cy"))
        ana = register(ana_p, ["fr", "en"], [plenary, breakout, social])
        bo = register(bo_p, ["fr"], [plenary, breakout])
        cy = register(cy_p, ["fr"], [plenary])

        ivo, jo = person("Ivo", ["interpreter"]), person("Jo", ["interpreter"])
        ivo_profile = InterpreterProfile(person_id=ivo, a_languages=["fr"], b_languages=["en"],
                                         timezone="Europe/Paris", max_minutes_per_day=120)  # fmt: skip
        db.add(ivo_profile)
        db.add(InterpreterProfile(person_id=jo, a_languages=["fr"], c_languages=["en"]))
        db.flush()
        assert ivo_profile.id is not None
        db.add(AvailabilityWindow(profile_id=ivo_profile.id, start=at(8), end=at(20)))

        def talk(speaker: int, language: str, status: str, priority: int) -> int:
            row = LightningTalk(conference_id=c.id, speaker_id=speaker, title=f"Talk {speaker}",
                                language=language, status=status, priority=priority)  # fmt: skip
            db.add(row)
            db.flush()
            assert row.id is not None
            return row.id

        talk_ana = talk(ana_p, "fr", "accepted", 2)
        talk_bo = talk(bo_p, "fr", "rejected", 1)
        talk_cy = talk(cy_p, "es", "accepted", 1)
        db.add(SpeakerWindow(talk_id=talk_ana, start=at(15), end=at(15, 20)))
        old_slot = db.get(LightningTalk, talk_cy)
        assert old_slot is not None
        old_slot.block_id, old_slot.slot_start, old_slot.slot_end = lightning, at(15), at(15, 5)

        rooms = []
        for name, capacity, languages in (("Room 1", 2, ["en"]), ("Room 2", 1, ["fr"])):
            room = BreakoutRoom(session_id=breakout, name=name, topic=f"{name} topic",
                                capacity=capacity, languages=languages)  # fmt: skip
            db.add(room)
            db.flush()
            assert room.id is not None
            rooms.append(room.id)
        db.add(BreakoutPreference(registration_id=ana, room_id=rooms[1], rank=0))
        db.add(BreakoutPreference(registration_id=ana, room_id=rooms[0], rank=1))
        db.add(BreakoutAssignment(registration_id=bo, room_id=rooms[0]))

        def ask(registration: int, kind: str, **values: object) -> int:
            row = SupportRequest(registration_id=registration, kind=kind, **values)
            db.add(row)
            db.flush()
            assert row.id is not None
            return row.id

        data_ana = ask(ana, "data_package", country="IN", carrier="Jio", gb=8, priority=2)
        data_bo = ask(bo, "data_package", country="NG", carrier="MTN", gb=5,
                      status="granted", amount_cents=300, reason="By hand")  # fmt: skip
        care_bo = ask(bo, "childcare", children=2, sessions=[plenary, breakout])
        data_cy = ask(cy, "data_package", country="IN", carrier="Jio", gb=1,
                      status="declined", reason="No")  # fmt: skip
        db.add(DataOffer(conference_id=c.id, country="IN", carrier="Jio", gb=10, price_cents=350))
        db.add(ChildcareRate(conference_id=c.id, country="default", rate_cents=1200))
        db.add(ChildcareRate(conference_id=c.id, country="NG", rate_cents=600))

        booth = Booth(session_id=breakout, language="fr", sources={"en": "direct"})
        db.add(booth)
        db.flush()
        assert booth.id is not None
        db.add(BoothMember(booth_id=booth.id, person_id=jo))
        db.add(BoothTurn(booth_id=booth.id, person_id=jo, start=at(14, 15), end=at(15)))
        return World(c.id, plenary, breakout, lightning, social, ana, bo, cy, ana_p, bo_p, cy_p,
                     ivo, jo, talk_ana, talk_bo, talk_cy, rooms[0], rooms[1], data_ana, data_bo,
                     care_bo, data_cy, booth.id)  # fmt: skip


def conference(db, w: World) -> Conference:
    found = db.get(Conference, w.conference)
    assert found is not None
    return found


def test_the_roster_input_has_planned_sessions_their_listeners_and_the_interpreters(
    engine, world
) -> None:
    w = world
    with session(engine) as db:
        document = plans.roster_input(db, conference(db, w))
    assert document == {
        "sessions": [
            {"id": str(w.plenary), "start": "2026-12-05T13:00:00Z", "end": "2026-12-05T14:00:00Z", "floor": ["en"]},
            {"id": str(w.breakout), "start": "2026-12-05T14:15:00Z", "end": "2026-12-05T15:00:00Z", "floor": ["en"]},
            {"id": str(w.lightning), "start": "2026-12-05T15:00:00Z", "end": "2026-12-05T15:30:00Z", "floor": ["en"]},
        ],
        "demand": [
            {"session": str(w.plenary), "languages": ["en", "fr"], "listeners": 1},
            {"session": str(w.plenary), "languages": ["fr"], "listeners": 2},
            {"session": str(w.breakout), "languages": ["en", "fr"], "listeners": 1},
            {"session": str(w.breakout), "languages": ["fr"], "listeners": 1},
        ],
        "interpreters": [
            {"id": str(w.ivo), "A": ["fr"], "B": ["en"], "C": [], "timezone": "Europe/Paris",
             "available": [{"start": "2026-12-05T08:00:00Z", "end": "2026-12-05T20:00:00Z"}],
             "max_minutes_per_day": 120},
            {"id": str(w.jo), "A": ["fr"], "B": [], "C": ["en"], "timezone": "UTC"},
        ],
    }  # fmt: skip


def test_the_lightning_input_has_the_blocks_and_every_accepted_talk(engine, world) -> None:
    w = world
    with session(engine) as db:
        document = plans.lightning_input(db, conference(db, w))
    assert document == {
        "blocks": [
            {"id": str(w.lightning), "start": "2026-12-05T15:00:00Z", "end": "2026-12-05T15:30:00Z",
             "slot_minutes": 5, "changeover_minutes": 1, "languages": ["en", "es"]},
        ],
        "talks": [
            {"id": str(w.talk_ana), "speaker": str(w.ana_person), "language": "fr", "priority": 2,
             "available": [{"start": "2026-12-05T15:00:00Z", "end": "2026-12-05T15:20:00Z"}]},
            {"id": str(w.talk_cy), "speaker": str(w.cy_person), "language": "es", "priority": 1},
        ],
    }  # fmt: skip


def test_the_breakouts_input_has_the_rooms_and_attendees_with_ranked_preferences(
    engine, world
) -> None:
    w = world
    with session(engine) as db:
        breakout = db.get(ProgrammeSession, w.breakout)
        document = plans.breakouts_input(db, breakout)
    assert document == {
        "rooms": [
            {"id": str(w.room_en), "topic": "Room 1 topic", "capacity": 2, "languages": ["en"]},
            {"id": str(w.room_fr), "topic": "Room 2 topic", "capacity": 1, "languages": ["fr"]},
        ],
        "participants": [
            {"id": str(w.ana), "languages": ["fr", "en"], "preferences": [str(w.room_fr), str(w.room_en)]},
            {"id": str(w.bo), "languages": ["fr"], "preferences": []},
        ],
    }  # fmt: skip


def test_the_support_input_has_undecided_requests_against_what_is_left(engine, world) -> None:
    w = world
    with session(engine) as db:
        document = plans.support_input(db, conference(db, w))
    assert document == {
        "budgets": {"data_package": 7.0, "childcare": 50.0},
        "data_offers": [{"country": "IN", "carrier": "Jio", "gb": 10.0, "price": 3.5}],
        "childcare_hourly_rate": {"default": 12.0, "NG": 6.0},
        "sessions": [
            {"id": str(w.plenary), "start": "2026-12-05T13:00:00Z", "end": "2026-12-05T14:00:00Z"},
            {"id": str(w.breakout), "start": "2026-12-05T14:15:00Z", "end": "2026-12-05T15:00:00Z"},
            {"id": str(w.lightning), "start": "2026-12-05T15:00:00Z", "end": "2026-12-05T15:30:00Z"},
            {"id": str(w.social), "start": "2026-12-05T17:00:00Z", "end": "2026-12-05T18:00:00Z"},
        ],
        "requests": [
            {"id": str(w.data_ana), "registrant": str(w.ana), "kind": "data_package", "priority": 2,
             "country": "IN", "carrier": "Jio", "gb": 8.0},
            {"id": str(w.care_bo), "registrant": str(w.bo), "kind": "childcare", "priority": 1,
             "children": 2, "sessions": [str(w.plenary), str(w.breakout)], "country": "NG"},
        ],
    }  # fmt: skip


def test_applying_a_roster_replaces_the_booths_and_the_programme_languages(engine, world) -> None:
    w = world
    result = {
        "booths": [
            {"session": str(w.plenary), "language": "fr", "interpreters": [str(w.ivo), str(w.jo)],
             "sources": {"en": "direct"},
             "turns": [
                 {"interpreter": str(w.ivo), "start": "2026-12-05T13:00:00Z", "end": "2026-12-05T13:30:00Z"},
                 {"interpreter": str(w.jo), "start": "2026-12-05T13:30:00Z", "end": "2026-12-05T14:00:00Z"},
             ]},
        ],
    }  # fmt: skip
    with session(engine) as db:
        assert plans.apply_roster(db, conference(db, w), result) == 1
    with session(engine) as db:
        booths = db.exec(select(Booth)).all()
        assert [(b.session_id, b.language, b.sources) for b in booths] == [
            (w.plenary, "fr", {"en": "direct"})
        ]
        booth = booths[0].id
        members = db.exec(select(BoothMember).order_by(col(BoothMember.person_id))).all()
        assert [(m.booth_id, m.person_id) for m in members] == [(booth, w.ivo), (booth, w.jo)]
        turns = db.exec(select(BoothTurn).order_by(col(BoothTurn.start))).all()
        assert [(t.booth_id, t.person_id, t.start, t.end) for t in turns] == [
            (booth, w.ivo, at(13), at(13, 30)),
            (booth, w.jo, at(13, 30), at(14)),
        ]
        languages = {
            s.id: s.interpretation_languages for s in db.exec(select(ProgrammeSession)).all()
        }
    # A planned session without a booth no longer promises interpretation; the social hour,
    # which the roster does not plan, keeps what the organiser set.
    assert languages == {w.plenary: ["fr"], w.breakout: [], w.lightning: [], w.social: ["es"]}


def test_applying_lightning_slots_the_planned_talks_and_clears_the_others(engine, world) -> None:
    w = world
    result = {"slots": [{"talk": str(w.talk_ana), "block": str(w.lightning),
                         "start": "2026-12-05T15:06:00Z", "end": "2026-12-05T15:11:00Z"}]}  # fmt: skip
    with session(engine) as db:
        assert plans.apply_lightning(db, conference(db, w), result) == 1
    with session(engine) as db:
        talks = db.exec(select(LightningTalk).order_by(col(LightningTalk.id))).all()
        assert [(t.id, t.block_id, t.slot_start, t.slot_end) for t in talks] == [
            (w.talk_ana, w.lightning, at(15, 6), at(15, 11)),
            (w.talk_bo, None, None, None),
            (w.talk_cy, None, None, None),
        ]


def test_applying_breakouts_replaces_the_session_placements(engine, world) -> None:
    w = world
    result = {"assignments": [{"participant": str(w.ana), "room": str(w.room_fr)}]}
    with session(engine) as db:
        breakout = db.get(ProgrammeSession, w.breakout)
        assert plans.apply_breakouts(db, breakout, result) == 1
    with session(engine) as db:
        rows = db.exec(select(BreakoutAssignment)).all()
        assert [(a.registration_id, a.room_id) for a in rows] == [(w.ana, w.room_fr)]


def test_applying_support_grants_and_declines_only_undecided_requests(engine, world) -> None:
    w = world
    result = {
        "grants": [
            {"request": str(w.data_ana), "registrant": str(w.ana), "kind": "data_package",
             "cost": 3.5, "offer": {"carrier": "Jio", "gb": 10}},
            {"request": str(w.data_cy), "registrant": str(w.cy), "kind": "data_package",
             "cost": 3.5, "offer": {"carrier": "Jio", "gb": 10}},
        ],
        "declined": [
            {"request": str(w.care_bo), "registrant": str(w.bo),
             "reason": "the childcare budget is spent"},
        ],
    }  # fmt: skip
    with session(engine) as db:
        assert plans.apply_support(db, result) == (1, 1)
    with session(engine) as db:
        rows = db.exec(select(SupportRequest).order_by(col(SupportRequest.id))).all()
        assert [(r.id, r.status, r.amount_cents, r.reason) for r in rows] == [
            (w.data_ana, "granted", 350, "Jio 10 GB"),
            (w.data_bo, "granted", 300, "By hand"),
            (w.care_bo, "declined", None, "the childcare budget is spent"),
            (w.data_cy, "declined", None, "No"),
        ]
