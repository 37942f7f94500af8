"""Engines, database sessions and schema migrations: the only place that opens a connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession
from sqlmodel import create_engine, select

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for SQLite (a file under var/ by default) or PostgreSQL (psycopg 3)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    # Views run in Starlette's worker threads (40 by default): enough connections for all of
    # them, so a busy page waits for the database rather than timing out on the pool.
    if not url.endswith(":memory:"):
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 30
    # Statement parameters are emails, names, carriers: never in an error message or the log.
    engine = create_engine(url, hide_parameters=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def session(engine: Engine) -> Iterator[DbSession]:
    """A unit of work: committed when the block ends normally, rolled back otherwise."""
    with DbSession(engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (readiness)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest revision."""
    command.upgrade(alembic_config(engine), "head")


def is_empty(engine: Engine) -> bool:
    from .tables import Conference

    if not inspect(engine).has_table("conference"):
        return True
    with DbSession(engine) as db:
        return db.exec(select(Conference)).first() is None
