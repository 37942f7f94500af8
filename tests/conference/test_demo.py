"""The demo conference: loads on both databases, the same every time, and feeds the planners."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, func, select

from conference import demo
from conference.domain import languages, timezones
from conference.storage.engine import make_engine, session
from conference.storage.tables import (
    AvailabilityWindow,
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

INTERPRETED = ["ar", "zh", "fr", "de", "id", "ru", "es"]


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table by primary key; registration tokens are secret and random."""
    result = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(
                core_select(table).order_by(*table.primary_key.columns)
            ).mappings()
            result[table.name] = [
                {
                    k: v
                    for k, v in row.items()
                    if not (table.name == "registration" and k in ("token", "calendar_token"))
                }
                for row in rows
            ]
    return result


def count(db: Any, table: type[SQLModel]) -> int:
    return int(db.exec(select(func.count()).select_from(table)).one())


def test_the_demo_has_the_rows_the_design_asks_for(engine: Engine) -> None:
    conference = demo.load(engine)
    assert (conference.slug, conference.name, conference.timezone) == (
        "global-conversations-demo", "Global Conversations (demo)", "UTC",
    )  # fmt: skip
    assert (conference.start_date, conference.end_date) == (date(2026, 12, 5), date(2026, 12, 6))
    with session(engine) as db:
        assert {t.__name__: count(db, t) for t in (
            Conference, Person, ProgrammeSession, Registration, SupportRequest, DataOffer,
            ChildcareRate, InterpreterProfile, AvailabilityWindow, LightningTalk, SpeakerWindow,
            BreakoutRoom,
        )} == {
            "Conference": 1, "Person": 101, "Session": 13, "Registration": 80,
            "SupportRequest": 12, "DataOffer": 12, "ChildcareRate": 5, "InterpreterProfile": 20,
            "AvailabilityWindow": 40, "LightningTalk": 8, "SpeakerWindow": 8, "BreakoutRoom": 20,
        }  # fmt: skip
        assert count(db, BreakoutPreference) > 80
        organiser = db.exec(select(Person).where(Person.email == "organiser@example.org")).one()
        assert organiser.roles == ["organiser"]
        emails = db.exec(select(Person.email)).all()
        assert all(email.endswith("@example.org") for email in emails)
        assert len(set(emails)) == len(emails)


def test_the_programme_has_plenaries_breakouts_a_lightning_block_and_a_social(
    engine: Engine,
) -> None:
    demo.load(engine)
    with session(engine) as db:
        sessions = db.exec(select(ProgrammeSession).order_by(ProgrammeSession.start)).all()
        rooms = db.exec(select(BreakoutRoom)).all()
    assert Counter(s.kind for s in sessions) == {
        "plenary": 3, "breakout": 8, "lightning": 1, "social": 1,
    }  # fmt: skip
    assert [(s.title, s.floor_languages) for s in sessions if s.kind == "plenary"] == [
        ("Opening plenary: Welcome to Global Conversations", ["en"]),
        ("Plenary: Strategy in every language / Estrategia en todos los idiomas", ["en", "es"]),
        ("Closing plenary: What we heard", ["en"]),
    ]
    assert sorted(s.title for s in sessions if s.kind == "breakout") == [
        "Global Council", "Hubs", "Knowledge equity", "Movement Charter",
        "Revenue and fundraising", "Safety and inclusion", "Skills development",
        "Technology for all",
    ]  # fmt: skip
    for s in sessions:
        assert s.start.tzinfo is UTC and s.end > s.start
        assert s.start.date() in (date(2026, 12, 5), date(2026, 12, 6))
        if s.kind == "social":
            assert s.interpretation_languages == []
        elif len(s.floor_languages) > 1:
            assert s.interpretation_languages == ["en", *INTERPRETED]
        else:
            assert s.interpretation_languages == INTERPRETED
    per_session = Counter(room.session_id for room in rooms)
    breakouts = {s.id for s in sessions if s.kind == "breakout"}
    assert set(per_session) == breakouts
    assert sorted(per_session.values()) == [2, 2, 2, 2, 3, 3, 3, 3]
    for room in rooms:
        assert room.topic and room.capacity >= 8 and room.languages
        assert all(languages.normalise(tag) == tag for tag in room.languages)


def test_interpreters_have_known_languages_zones_and_windows(engine: Engine) -> None:
    demo.load(engine)
    with session(engine) as db:
        profiles = db.exec(select(InterpreterProfile)).all()
        people = {p.id: p for p in db.exec(select(Person)).all()}
        windows = db.exec(select(AvailabilityWindow)).all()
    assert len(profiles) == 20
    assert all(people[p.person_id].roles == ["interpreter"] for p in profiles)
    combos = Counter(
        (tuple(p.a_languages), tuple(p.b_languages), tuple(p.c_languages)) for p in profiles
    )
    assert combos[(("es",), ("en",), ())] == 1
    assert combos[(("fr",), ("en",), ("es",))] == 1
    assert combos[(("ar",), ("en",), ("fr",))] == 1
    assert combos[(("ru",), ("en",), ("de",))] == 1
    assert combos[(("zh",), ("en",), ())] == 2
    assert combos[(("id",), ("en",), ())] == 2
    assert combos[(("en",), ("fr",), ())] == 1
    # Someone can work into each interpreted language from English.
    for target in INTERPRETED:
        assert any(
            (target in p.a_languages and "en" in p.a_languages + p.b_languages + p.c_languages)
            or (target in p.b_languages and "en" in p.a_languages)
            for p in profiles
        ), target
    for p in profiles:
        tags = p.a_languages + p.b_languages + p.c_languages
        assert all(languages.normalise(tag) == tag for tag in tags)
        assert len(set(tags)) == len(tags) and p.a_languages
        assert timezones.is_known(p.timezone)
    assert sorted(p.max_minutes_per_day for p in profiles if p.max_minutes_per_day) == [
        90, 120, 120, 180,
    ]  # fmt: skip
    assert Counter(w.profile_id for w in windows) == {p.id: 2 for p in profiles}
    assert all(w.end > w.start and w.start.tzinfo is UTC for w in windows)


def test_registrants_come_from_many_zones_with_known_languages(engine: Engine) -> None:
    demo.load(engine)
    with session(engine) as db:
        registrations = db.exec(select(Registration)).all()
    assert len(registrations) == 80
    zones = Counter(r.timezone for r in registrations)
    assert len(zones) >= 20
    for zone in (
        "Asia/Kolkata",
        "Africa/Lagos",
        "America/Sao_Paulo",
        "Europe/Berlin",
        "Asia/Jakarta",
    ):
        assert zones[zone] > 0, zone
    for r in registrations:
        assert r.languages and all(languages.normalise(tag) == tag for tag in r.languages)
        assert len(set(r.languages)) == len(r.languages)
    firsts = Counter(r.languages[0] for r in registrations)
    assert {"en", "es", "fr", "ar", "zh", "id", "ru", "de", "hi", "pt-BR"} <= set(firsts)
    # Some listen in a language no booth offers, so the roster planner has unmet demand.
    assert any(r.languages == ["pt-BR"] for r in registrations)
    assert any(len(r.languages) == 3 for r in registrations)


def test_lightning_talks_have_speakers_and_windows(engine: Engine) -> None:
    demo.load(engine)
    with session(engine) as db:
        talks = db.exec(select(LightningTalk).order_by(LightningTalk.id)).all()
        block = db.exec(select(ProgrammeSession).where(ProgrammeSession.kind == "lightning")).one()
        windows = Counter(w.talk_id for w in db.exec(select(SpeakerWindow)).all())
        speakers = [db.get(Person, t.speaker_id) for t in talks]
        registered = {r.person_id for r in db.exec(select(Registration)).all()}
    assert len(talks) == 8 and all(t.status == "accepted" for t in talks)
    assert [t.language for t in talks] == ["en", "id", "es", "en", "fr", "ar", "pt-BR", "en"]
    assert all(windows[t.id] == 1 for t in talks)
    for talk, speaker in zip(talks, speakers, strict=True):
        assert speaker is not None
        assert speaker.roles == ["participant"]  # a talk speaks on its stage, not by role
        assert speaker.id in registered
        assert talk.block_id is None and talk.slot_start is None
    assert len({t.speaker_id for t in talks}) == 8
    assert block.start == datetime(2026, 12, 5, 15, 45, tzinfo=UTC)


def test_support_requests_exceed_the_budgets_so_the_planner_must_choose(engine: Engine) -> None:
    conference = demo.load(engine)
    with session(engine) as db:
        requests = db.exec(select(SupportRequest).order_by(SupportRequest.id)).all()
        offers = db.exec(select(DataOffer)).all()
        rates = {r.country: r.rate_cents for r in db.exec(select(ChildcareRate)).all()}
        lengths = {
            s.id: (s.end - s.start).total_seconds() / 3600
            for s in db.exec(select(ProgrammeSession)).all()
        }
    data = [(r.country, r.carrier, r.gb) for r in requests if r.kind == "data_package"]
    assert sorted(data) == [
        ("BD", "Grameenphone", 5.0), ("BR", "Vivo", 10.0), ("ID", "Telkomsel", 12.0),
        ("IN", "Airtel", 5.0), ("IN", "Jio", 10.0), ("KE", "Safaricom", 10.0),
        ("NG", "Airtel", 20.0), ("NG", "MTN", 8.0),
    ]  # fmt: skip
    childcare = [r for r in requests if r.kind == "childcare"]
    assert sorted((r.country, r.children, len(r.sessions)) for r in childcare) == [
        ("BR", 3, 1), ("DE", 1, 2), ("IN", 1, 3), ("NG", 2, 2),
    ]  # fmt: skip
    assert all(r.status == "requested" for r in requests)

    def cheapest(country: str, carrier: str, gb: float) -> int | None:
        prices = [o.price_cents for o in offers if (o.country, o.carrier) == (country, carrier)
                  and o.gb >= gb]  # fmt: skip
        return min(prices, default=None)

    data_costs = [cheapest(*need) for need in data]
    assert sum(cost is None for cost in data_costs) == 2
    met = sum(cost for cost in data_costs if cost is not None)
    assert 0 < conference.data_budget_cents < met
    care = sum(
        r.children * sum(lengths[s] for s in r.sessions) * rates.get(r.country, rates["default"])
        for r in childcare
    )
    assert 0 < conference.childcare_budget_cents < care


def test_two_loads_into_two_databases_give_the_same_rows(
    engine: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    demo.load(engine)
    shutil.copy(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        demo.load(other)
        assert dump(other) == dump(engine)
    finally:
        other.dispose()


def test_load_if_empty_loads_once(engine: Engine) -> None:
    assert demo.load_if_empty(engine) is True
    before = dump(engine)
    assert demo.load_if_empty(engine) is False
    assert dump(engine) == before
