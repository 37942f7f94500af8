"""One-time sign-in links: single use, expiring, and stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from .tables import Person, SignInToken


def hash_token(token: str) -> str:
    """What is stored of a bearer token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: DbSession, person: Person, minutes: int, now: datetime | None = None) -> str:
    """A new token of 256 bits for ``person``; only its hash is kept."""
    assert person.id is not None
    token = secrets.token_urlsafe(32)
    moment = now or datetime.now(UTC)
    db.add(
        SignInToken(
            token_hash=hash_token(token),
            person_id=person.id,
            expires_at=moment + timedelta(minutes=minutes),
        )
    )
    db.flush()
    return token


def peek(db: DbSession, token: str, now: datetime | None = None) -> Person | None:
    """The person a still-valid token signs in, without using it up."""
    row = _valid(db, token, now or datetime.now(UTC))
    return db.get(Person, row.person_id) if row else None


def consume(db: DbSession, token: str, now: datetime | None = None) -> Person | None:
    """Use a token up; None when it is unknown, used or expired."""
    moment = now or datetime.now(UTC)
    row = _valid(db, token, moment)
    if row is None:
        return None
    # A conditional update, so that two clicks racing each other cannot both sign in.
    result = db.execute(
        update(SignInToken)
        .where(col(SignInToken.id) == row.id, col(SignInToken.used_at).is_(None))
        .values(used_at=moment)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.get(Person, row.person_id)


def _valid(db: DbSession, token: str, now: datetime) -> SignInToken | None:
    if not token or len(token) > 100:
        return None
    row = db.exec(select(SignInToken).where(SignInToken.token_hash == hash_token(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row
