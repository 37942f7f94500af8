"""Who is behind a websocket or a page: the signed session cookie, resolved to a Person."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from conference.storage import engine as storage
from conference.storage import people
from conference.storage.tables import Person
from rooms.domain.roles import Role
from rooms.signalling import Authenticate, Identity

__all__ = ["identity_of", "person_identities", "session_authenticator"]


def identity_of(person: Person) -> Identity:
    """A person's live-room identity; someone with no role yet is a participant."""
    known = {role.value for role in Role}
    roles = [r for r in person.roles if r in known] or [Role.PARTICIPANT.value]
    return Identity.of(str(person.id), person.name, roles)


def session_authenticator(engine: Engine) -> Authenticate:
    """Resolve a websocket through the session cookie SessionMiddleware already verified."""

    def load(session: dict[str, object]) -> Identity | None:
        with storage.session(engine) as db:
            # A cookie ended by signing out or by losing a role opens no socket either.
            person = people.signed_in(db, session)
            return identity_of(person) if person is not None else None

    async def authenticate(connection: HTTPConnection) -> Identity | None:
        # SessionMiddleware decodes the signed cookie for websocket scopes too.
        session = connection.scope.get("session") or {}
        if not isinstance(session.get("person_id"), int):
            return None
        # The database lookup must not block the event loop that carries audio. Plain
        # asyncio rather than anyio's worker threads: after an anyio thread call, the
        # test client's cancel scope could not end the connection task cleanly.
        return await asyncio.to_thread(load, dict(session))

    return authenticate


def person_identities(engine: Engine) -> Callable[[list[int]], Awaitable[list[Identity]]]:
    """Read people's current identities (roles, name) from the database, off the event loop."""

    def load(person_ids: list[int]) -> list[Identity]:
        with storage.session(engine) as db:
            found = (db.get(Person, person_id) for person_id in person_ids)
            return [identity_of(person) for person in found if person is not None]

    async def identities(person_ids: list[int]) -> list[Identity]:
        return await asyncio.to_thread(load, person_ids)

    return identities
