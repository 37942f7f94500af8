"""A small conference for browser tests: a bilingual-floor plenary and a breakout."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Conference, Person, Session


def small_conference(engine: Engine) -> Conference:
    """Seed and return the conference (two sessions on 5 December 2026, one organiser)."""
    with session(engine) as db:
        c = Conference(
            slug="gc", name="Global Conversations", timezone="UTC",
            start_date=date(2026, 12, 5), end_date=date(2026, 12, 6),
        )  # fmt: skip
        db.add(c)
        db.flush()
        assert c.id is not None
        db.add(Session(
            conference_id=c.id, title="Opening plenary", kind="plenary",
            start=datetime(2026, 12, 5, 13, 0, tzinfo=UTC), end=datetime(2026, 12, 5, 14, 30, tzinfo=UTC),
            floor_languages=["en"], interpretation_languages=["es", "fr", "ar"],
        ))  # fmt: skip
        db.add(Session(
            conference_id=c.id, title="Safety and inclusion", kind="breakout",
            start=datetime(2026, 12, 5, 15, 0, tzinfo=UTC), end=datetime(2026, 12, 5, 16, 0, tzinfo=UTC),
            floor_languages=["en", "es"], interpretation_languages=["fr"],
        ))  # fmt: skip
        db.add(Person(name="Olu Organiser", email="organiser@example.org", roles=["organiser"]))
        return c
