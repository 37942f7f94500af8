"""Who types live captions for a session, in which language (the captioner roster)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain import languages
from ...domain.fields import Errors, FieldError
from ...domain.people import Role
from ...storage.tables import AutoCaptionBooth, AutoCaptions, CaptionerAssignment, Person
from ...storage.tables import Session as ProgrammeSession
from ..ids import parse_number
from ..messages import N_
from ..page import Ctx, NotFound, page

log = logging.getLogger(__name__)

CAPTIONS_MODEL_KEY = "captions_model_problem"
"""``Services.extras``: a callable saying why automatic captions cannot run (None: they can)."""


def booth_languages(session: ProgrammeSession) -> list[str]:
    """The booth outputs that may be captioned automatically: the interpretation languages,
    except the floor's own (rooms.autocaptions.sources)."""
    floor = session.floor_languages[:1]
    return [tag for tag in dict.fromkeys(session.interpretation_languages) if tag not in floor]


def session_languages(session: ProgrammeSession) -> list[str]:
    return list(dict.fromkeys([*session.floor_languages, *session.interpretation_languages]))


@page(role=Role.ORGANISER)
def captioners(ctx: Ctx) -> Response:
    session = ctx.db.get(ProgrammeSession, ctx.request.path_params["session_id"])
    if session is None or session.conference_id != ctx.conference().id:
        raise NotFound(N_("There is no such session."))
    errors = Errors()
    offered = session_languages(session)
    floor = session.floor_languages[0] if session.floor_languages else None
    booths = booth_languages(session)
    if ctx.request.method == "POST" and ctx.value("automatic"):
        assert session.id is not None
        turn_on = ctx.value("automatic")
        source = ctx.value("source") or "floor"
        if turn_on not in ("on", "off"):
            errors["automatic"] = FieldError("Choose on or off.").message
        elif source != "floor" and source not in booths:
            errors["source"] = FieldError(
                "Choose the floor or one of the session's interpretation languages."
            ).message
        elif source == "floor":
            switch = ctx.db.get(AutoCaptions, session.id)
            if turn_on == "on" and switch is None and floor:
                ctx.db.add(AutoCaptions(session_id=session.id))
                log.info("Automatic captions of the floor turned on for session %s", session.id)
            elif turn_on == "off" and switch is not None:
                ctx.db.delete(switch)
                log.info("Automatic captions of the floor turned off for session %s", session.id)
        else:
            booth_row = ctx.db.get(AutoCaptionBooth, (session.id, source))
            if turn_on == "on" and booth_row is None:
                ctx.db.add(AutoCaptionBooth(session_id=session.id, language=source))
                log.info("Automatic captions of the %s booth turned on for session %s", source,
                         session.id)  # fmt: skip
            elif turn_on == "off" and booth_row is not None:
                ctx.db.delete(booth_row)
                log.info("Automatic captions of the %s booth turned off for session %s",
                         source, session.id)  # fmt: skip
        if not errors:
            return ctx.redirect(f"/organiser/sessions/{session.id}/captioners")
    if ctx.request.method == "POST" and not errors:
        remove = parse_number(ctx.value("remove"))
        if remove is not None:
            row = ctx.db.get(CaptionerAssignment, remove)
            if row is not None and row.session_id == session.id:
                ctx.db.delete(row)
                log.info("Captioner assignment #%s removed", remove)
            return ctx.redirect(f"/organiser/sessions/{session.id}/captioners")
        person_id = parse_number(ctx.value("person"))
        person = ctx.db.get(Person, person_id) if person_id is not None else None
        if person is None:
            errors["person"] = FieldError("Choose one of the people listed.").message
        language = ctx.value("language")
        if language not in offered:
            errors["language"] = FieldError("Choose one of the session's languages.").message
        if not errors and person is not None:
            assert session.id is not None and person.id is not None
            ctx.db.add(
                CaptionerAssignment(session_id=session.id, person_id=person.id, language=language)
            )
            try:
                ctx.db.flush()
            except IntegrityError:
                ctx.db.rollback()  # already rostered: the page shows it once
            log.info("Captioner assigned to session %s (%s)", session.id, language)
            return ctx.redirect(f"/organiser/sessions/{session.id}/captioners")
        ctx.db.rollback()
    rows = ctx.db.exec(
        select(CaptionerAssignment, Person)
        .join(Person, col(Person.id) == col(CaptionerAssignment.person_id))
        .where(CaptionerAssignment.session_id == session.id)
        .order_by(col(CaptionerAssignment.language), col(Person.name))
    ).all()
    people = ctx.db.exec(select(Person).order_by(col(Person.name), col(Person.id))).all()
    problem = ctx.services.extras.get(CAPTIONS_MODEL_KEY)
    booths_on = set(
        ctx.db.exec(
            select(AutoCaptionBooth.language).where(AutoCaptionBooth.session_id == session.id)
        ).all()
    )
    return ctx.render(
        "organiser/captioners.html",
        status_code=400 if errors else 200,
        session=session,
        rows=rows,
        people=people,
        offered=[(tag, languages.native_name(tag)) for tag in offered],
        names={tag: languages.native_name(tag) for tag in offered},
        values={"person": ctx.value("person"), "language": ctx.value("language")},
        errors=errors,
        automatic=ctx.db.get(AutoCaptions, session.id) is not None,
        automatic_language=languages.native_name(floor) if floor else None,
        booths=[(tag, languages.native_name(tag), tag in booths_on) for tag in booths],
        model_problem=problem() if problem is not None else None,
    )


routes = [
    Route("/organiser/sessions/{session_id:id}/captioners", captioners, methods=["GET", "POST"]),
]
