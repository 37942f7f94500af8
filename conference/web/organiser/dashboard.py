"""The organiser's start page: where everything is, and how much of it there is."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from starlette.responses import Response
from starlette.routing import Route

from ...domain.people import Role
from ...storage import agenda, people, support
from ...storage.tables import Registration, Session
from .. import viewer
from ..page import Ctx, page


@page(role=Role.ORGANISER)
def dashboard(ctx: Ctx) -> Response:
    conference = ctx.conference()
    registrants = ctx.db.scalar(
        select(func.count()).where(Registration.conference_id == conference.id)
    )
    sessions = ctx.db.scalar(select(func.count()).where(Session.conference_id == conference.id))
    return ctx.render(
        "organiser/dashboard.html",
        conference=conference,
        registrants=int(registrants or 0),
        sessions=int(sessions or 0),
        support=support.counts_by_status(ctx.db, conference),
        interpreters=len(people.with_role(ctx.db, Role.INTERPRETER)),
        boards=agenda.interpreted(ctx.db, conference),
        zone=viewer.zone_of(ctx, conference),
    )


routes = [Route("/organiser", dashboard)]
