"""The live rooms' latest snapshot in the database: one row per conference key."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from .engine import session
from .tables import LiveSnapshot, Session, _now


def load(engine: Engine, key: str) -> str | None:
    with session(engine) as db:
        row = db.get(LiveSnapshot, key)
        return None if row is None else row.body


def save(engine: Engine, key: str, body: str) -> None:
    with session(engine) as db:
        row = db.get(LiveSnapshot, key)
        if row is None:
            db.add(LiveSnapshot(key=key, body=body))
        else:
            row.body = body
            row.saved_at = _now()


def programme_sessions(engine: Engine) -> set[str]:
    """The ids of every session in the programme, as the live rooms name them."""
    with session(engine) as db:
        return {str(sid) for sid in db.exec(select(col(Session.id)))}
