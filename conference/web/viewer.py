"""The timezone a page shows times in for the person looking at it."""

from __future__ import annotations

from sqlmodel import select

from ..domain import timezones
from ..storage.tables import Conference, InterpreterProfile, Registration
from .page import Ctx


def zone_of(ctx: Ctx, conference: Conference) -> str:
    """Their registration's zone, else their interpreter profile's, else the conference's."""
    person = ctx.person
    if person is not None and person.id is not None:
        registration = ctx.db.exec(
            select(Registration).where(
                Registration.conference_id == conference.id, Registration.person_id == person.id
            )
        ).first()
        if registration is not None and timezones.is_known(registration.timezone):
            return registration.timezone
        profile = ctx.db.exec(
            select(InterpreterProfile).where(InterpreterProfile.person_id == person.id)
        ).first()
        if profile is not None and timezones.is_known(profile.timezone):
            return profile.timezone
    return conference.timezone
