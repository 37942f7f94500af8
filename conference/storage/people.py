"""People and their roles."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.people import Role
from .registrations import person_by_email
from .tables import InterpreterProfile, Person


def invite(db: DbSession, name: str, email: str, role: str) -> Person:
    """Give ``role`` to the person with this email, creating them if needed."""
    wanted = Role(role)
    person = person_by_email(db, email)
    if person is None:
        person = Person(name=name, email=email, roles=[wanted.value])
    elif wanted.value not in person.roles:
        person.roles = [*person.roles, wanted.value]
    db.add(person)
    db.flush()
    if wanted is Role.INTERPRETER:
        assert person.id is not None
        profile = db.exec(
            select(InterpreterProfile).where(InterpreterProfile.person_id == person.id)
        ).first()
        if profile is None:
            db.add(InterpreterProfile(person_id=person.id))
            db.flush()
    return person


def with_role(db: DbSession, role: Role) -> list[Person]:
    people = db.exec(select(Person).order_by(col(Person.name))).all()
    return [p for p in people if role.value in p.roles]


def set_roles(db: DbSession, person: Person, roles: set[Role]) -> None:
    """Set ``person``'s roles; losing one ends their sessions, so no old cookie keeps it."""
    wanted = sorted(r.value for r in roles) or [Role.PARTICIPANT.value]
    if set(person.roles) - set(wanted):
        end_sessions(person)
    person.roles = wanted
    db.add(person)


def end_sessions(person: Person) -> None:
    """Make every session cookie issued to ``person`` so far stop working (copies included)."""
    person.session_version += 1


def signed_in(db: DbSession, session: Mapping[str, object]) -> Person | None:
    """The person a verified session cookie signs in, if it has not been ended since."""
    person_id, version = session.get("person_id"), session.get("v")
    if not isinstance(person_id, int) or not isinstance(version, int):
        return None
    person = db.get(Person, person_id)
    if person is None or person.session_version != version:
        return None
    return person


def session_values(person: Person) -> dict[str, object]:
    """What a session cookie holds for ``person``: the id and the current session version."""
    return {"person_id": person.id, "v": person.session_version}
