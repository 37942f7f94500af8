"""The whole app on SQLite, driven through Starlette's test client (lifespan included)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Person, Session
from tests.support.seed import small_conference

SITE = "http://127.0.0.1:8000"
NASTY_TITLE = """<script>alert("room")</script> & 'quotes'"""


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    # Live rooms do not depend on the database backend: SQLite alone keeps these quick.
    path = tmp_path / "rooms-web.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    conference = small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Ada <b>Lovelace</b>", email="ada@example.org", roles=["participant"]))
        db.add(
            Session(
                conference_id=conference.id or 0,
                title=NASTY_TITLE,
                kind="social",
                start=datetime(2026, 12, 6, 18, 0, tzinfo=UTC),
                end=datetime(2026, 12, 6, 19, 0, tzinfo=UTC),
            )
        )
    yield engine
    engine.dispose()


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(database_url=str(engine.url), secret_key="rooms-web-" + "s" * 32, site_url=SITE)


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), base_url=SITE) as c:
        yield c
