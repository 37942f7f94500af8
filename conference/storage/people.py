"""People and their roles."""

from __future__ import annotations

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
    person.roles = sorted(r.value for r in roles) or [Role.PARTICIPANT.value]
    db.add(person)
