"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, for every test that asks.

Each test run creates its own PostgreSQL database (127.0.0.1:5432, trust auth) and drops it
at the end. ``CONFERENCE_TEST_DATABASES=sqlite`` runs the database tests on SQLite alone.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from conference.storage.engine import make_engine, migrate

# What measures rates, real-time recognition or timeouts on real media runs alone: `make
# pytest` runs everything else on two pytest-xdist workers first, then these in one process.
SERIAL = (
    "tests/rooms/media/",
    "tests/rooms/autocaptions/",
    "tests/interpretation/media/",
    "tests/rooms/test_redis_outage.py",
    "tests/rooms/test_lowdata.py",
    "tests/conference/test_serve_defences.py",
)

PG_ADMIN = os.environ.get("CONFERENCE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [
    b for b in os.environ.get("CONFERENCE_TEST_DATABASES", "sqlite,postgresql").split(",") if b
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"conference_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database; the test runs once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "conference.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        _truncate(engine)
        engine.dispose()
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(config.rootpath).as_posix().startswith(SERIAL):
            item.add_marker(pytest.mark.serial)
