"""Interpreter profiles and their availability windows."""

from __future__ import annotations

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain.interpreters import ProfileData
from ..domain.people import Role
from .tables import AvailabilityWindow, InterpreterProfile, Person


def profile_of(db: DbSession, person: Person) -> InterpreterProfile:
    """The person's profile, made empty the first time it is asked for."""
    assert person.id is not None
    profile = db.exec(
        select(InterpreterProfile).where(InterpreterProfile.person_id == person.id)
    ).first()
    if profile is None:
        profile = InterpreterProfile(person_id=person.id)
        db.add(profile)
        db.flush()
    return profile


def windows(db: DbSession, profile: InterpreterProfile) -> list[AvailabilityWindow]:
    return list(
        db.exec(
            select(AvailabilityWindow)
            .where(AvailabilityWindow.profile_id == profile.id)
            .order_by(col(AvailabilityWindow.start), col(AvailabilityWindow.id))
        ).all()
    )


def save(db: DbSession, profile: InterpreterProfile, data: ProfileData) -> None:
    """Replace the profile and all its windows with what the form gave."""
    assert profile.id is not None
    profile.a_languages = list(data.a_languages)
    profile.b_languages = list(data.b_languages)
    profile.c_languages = list(data.c_languages)
    profile.timezone = data.timezone
    profile.max_minutes_per_day = data.max_minutes_per_day
    db.add(profile)
    for old in windows(db, profile):
        db.delete(old)
    for window in data.windows:
        db.add(AvailabilityWindow(profile_id=profile.id, start=window.start, end=window.end))
    db.flush()


def interpreters(db: DbSession) -> list[tuple[Person, InterpreterProfile | None]]:
    """Everyone with the interpreter role, by name, with their profile if they have one."""
    people = db.exec(select(Person).order_by(col(Person.name), col(Person.id))).all()
    chosen = [p for p in people if Role.INTERPRETER.value in p.roles]
    ids = [p.id for p in chosen]
    profiles = {
        profile.person_id: profile
        for profile in (
            db.exec(
                select(InterpreterProfile).where(col(InterpreterProfile.person_id).in_(ids))
            ).all()
            if ids
            else []
        )
    }
    return [(p, profiles.get(p.id or 0)) for p in chosen]
