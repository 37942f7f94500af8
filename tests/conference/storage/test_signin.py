"""Sign-in tokens: single use, expiring, stored only as a hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from conference.storage import signin
from conference.storage.engine import session
from conference.storage.tables import Person, SignInToken

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def person(engine) -> Person:
    with session(engine) as db:
        p = Person(name="Ana", email="ana@example.org", roles=["participant"])
        db.add(p)
    return p


def test_a_token_signs_in_once(engine, person) -> None:
    with session(engine) as db:
        token = signin.issue(db, person, minutes=15, now=NOW)
    assert len(token) >= 43  # at least 256 bits of randomness, base64url
    with session(engine) as db:
        stored = db.exec(select(SignInToken)).one()
        assert stored.token_hash != token and token not in stored.token_hash
        assert signin.peek(db, token, now=NOW).id == person.id  # peeking does not use it up
    with session(engine) as db:
        assert signin.consume(db, token, now=NOW).id == person.id
    with session(engine) as db:
        assert signin.consume(db, token, now=NOW) is None


def test_a_token_expires(engine, person) -> None:
    with session(engine) as db:
        token = signin.issue(db, person, minutes=15, now=NOW)
    with session(engine) as db:
        assert signin.consume(db, token, now=NOW + timedelta(minutes=15)) is None
        assert signin.consume(db, token, now=NOW + timedelta(minutes=14)) is not None


def test_tokens_are_unguessable_and_distinct(engine, person) -> None:
    with session(engine) as db:
        tokens = {signin.issue(db, person, minutes=15, now=NOW) for _ in range(50)}
        assert len(tokens) == 50
        assert signin.consume(db, "A" * 43, now=NOW) is None
