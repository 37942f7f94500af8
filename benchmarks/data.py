"""Databases for the app benchmarks: a migrated temp SQLite file, filled directly (bulk inserts)."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from conference.storage.engine import make_engine, migrate, session
from conference.storage.tables import (
    Attendance,
    Conference,
    Person,
    Registration,
    SupportRequest,
)
from conference.storage.tables import Session as ProgrammeSession

ORGANISER = "organiser@bench.example"
LANGUAGES = ("en", "es", "fr", "ar", "zh", "ru", "de", "id", "pt-BR", "hi", "bn", "sw")
ZONES = ("UTC", "Europe/Paris", "Asia/Kolkata", "America/Sao_Paulo", "Africa/Lagos", "Asia/Jakarta")
KINDS = ("plenary", "breakout", "breakout", "breakout", "lightning", "social")
FIRST_DAY = date(2026, 12, 5)


def fresh(path: Path) -> tuple[str, Engine]:
    """A new SQLite database at ``path`` with the current schema."""
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    return url, engine


def conference(engine: Engine) -> int:
    with session(engine) as db:
        row = Conference(
            slug="bench",
            name="Benchmark Conversations",
            timezone="UTC",
            start_date=FIRST_DAY,
            end_date=FIRST_DAY + timedelta(days=6),
        )
        db.add(row)
        db.flush()
        assert row.id is not None
        return row.id


def programme(engine: Engine, conference_id: int, count: int, seed: int = 1) -> list[int]:
    """``count`` sessions over a week, up to ten running in parallel."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        day = FIRST_DAY + timedelta(days=i % 7)
        start = datetime(day.year, day.month, day.day, 8 + (i // 7) % 10, 0, tzinfo=UTC)
        rows.append(
            {
                "conference_id": conference_id,
                "title": f"Session {i + 1}: conversations in every language",
                "kind": KINDS[i % len(KINDS)],
                "start": start,
                "end": start + timedelta(minutes=rng.choice((45, 60, 75, 90))),
                "floor_languages": ["en"] if i % 5 else ["en", "es"],
                "interpretation_languages": list(LANGUAGES[1:8]),
                "description": "A session generated for the benchmarks. " * 4,
            }
        )
    with session(engine) as db:
        db.execute(insert(ProgrammeSession), rows)
        ids = db.exec(ProgrammeSession.__table__.select()).all()  # type: ignore[attr-defined]
        return [row.id for row in ids]


def registrants(
    engine: Engine, conference_id: int, session_ids: list[int], count: int, seed: int = 2
) -> None:
    """``count`` people, each registered with a few languages and sessions, some asking support."""
    rng = random.Random(seed)
    people = [
        {
            "name": f"Registrant {i:05d} {rng.choice(('Amara', 'Li', 'Sofía', 'Ravi', 'Nadia'))}",
            "email": f"r{i:05d}@bench.example",
            "roles": ["participant"],
            "locale": "en",
        }
        for i in range(count)
    ]
    with session(engine) as db:
        db.execute(insert(Person), people)
        person_ids = [
            r.id
            for r in db.exec(Person.__table__.select().order_by(Person.__table__.c.id)).all()  # type: ignore[attr-defined]
        ]
        registrations = [
            {
                "conference_id": conference_id,
                "person_id": pid,
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
                "timezone": rng.choice(ZONES),
                "token": secrets.token_urlsafe(32),
            }
            for pid in person_ids
        ]
        db.execute(insert(Registration), registrations)
        reg_ids = [
            r.id
            for r in db.exec(Registration.__table__.select()).all()  # type: ignore[attr-defined]
        ]
        attendance = [
            {"registration_id": rid, "session_id": sid}
            for rid in reg_ids
            for sid in rng.sample(session_ids, min(len(session_ids), 4))
        ]
        db.execute(insert(Attendance), attendance)
        support = [
            {
                "registration_id": rid,
                "kind": "data_package" if rid % 2 else "childcare",
                "country": rng.choice(("IN", "NG", "BR", "ID")),
                "carrier": "Jio",
                "gb": 5,
                "children": 1,
                "sessions": [],
                "priority": rng.randint(1, 3),
            }
            for rid in reg_ids
            if rid % 10 == 0
        ]
        db.execute(insert(SupportRequest), support)


def organiser(engine: Engine) -> None:
    with session(engine) as db:
        db.add(Person(name="Benchmark Organiser", email=ORGANISER, roles=["organiser"]))
