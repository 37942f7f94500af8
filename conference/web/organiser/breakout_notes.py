"""Every breakout room's summary and notes of a session, on one page, while it runs."""

from __future__ import annotations

from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain.people import Role
from ...storage.tables import BreakoutNotes
from ...storage.tables import Session as ProgrammeSession
from ..messages import N_
from ..page import Ctx, NotFound, page


def notes_of(ctx: Ctx, session_id: int) -> list[BreakoutNotes]:
    return list(
        ctx.db.exec(
            select(BreakoutNotes)
            .where(BreakoutNotes.session_id == session_id)
            .order_by(col(BreakoutNotes.id))
        ).all()
    )


@page(role=Role.ORGANISER)
def session_notes(ctx: Ctx) -> Response:
    session = ctx.db.get(ProgrammeSession, ctx.request.path_params["session_id"])
    if session is None or session.conference_id != ctx.conference().id:
        raise NotFound(N_("There is no such session."))
    assert session.id is not None
    return ctx.render(
        "organiser/breakout_notes.html", session=session, rooms=notes_of(ctx, session.id)
    )


routes = [Route("/organiser/sessions/{session_id:id}/notes", session_notes)]
