"""Registrations waiting for their owner to prove the address through an emailed link.

Registering never signs anybody in as an existing person: the form is kept here, under a
single-purpose token that only the address's owner receives, until that owner confirms it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from .signin import hash_token
from .tables import RegistrationConfirmation

VALID_FOR = timedelta(hours=24)


def issue(
    db: DbSession,
    conference_id: int,
    email: str,
    form: Mapping[str, str | Sequence[str]],
    now: datetime | None = None,
) -> str:
    """A new 256-bit token for confirming ``form``; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.add(
        RegistrationConfirmation(
            token_hash=hash_token(token),
            conference_id=conference_id,
            email=email,
            form={k: v if isinstance(v, str) else list(v) for k, v in form.items()},
            expires_at=(now or datetime.now(UTC)) + VALID_FOR,
        )
    )
    db.flush()
    return token


def peek(db: DbSession, token: str, now: datetime | None = None) -> RegistrationConfirmation | None:
    """The waiting registration a still-valid token confirms, without using it up."""
    if not token or len(token) > 100:
        return None
    row = db.exec(
        select(RegistrationConfirmation).where(
            RegistrationConfirmation.token_hash == hash_token(token)
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= (now or datetime.now(UTC)):
        return None
    return row


def consume(
    db: DbSession, token: str, now: datetime | None = None
) -> RegistrationConfirmation | None:
    """Use a token up; None when it is unknown, used or expired."""
    moment = now or datetime.now(UTC)
    row = peek(db, token, moment)
    if row is None:
        return None
    # A conditional update, so that two clicks racing each other cannot both confirm.
    result = db.execute(
        update(RegistrationConfirmation)
        .where(col(RegistrationConfirmation.id) == row.id)
        .where(col(RegistrationConfirmation.used_at).is_(None))
        .values(used_at=moment)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return row
