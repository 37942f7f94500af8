"""A real app on a real database, driven through Starlette's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import session
from conference.storage.tables import Conference, Person, Session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-" + "x" * 32)


@pytest.fixture
def conference(engine: Engine) -> Conference:
    """A small conference: two sessions on 5 December 2026."""
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


@pytest.fixture
def client(settings: Settings, engine: Engine, conference: Conference) -> Iterator[TestClient]:
    app = create_app(settings, engine)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
